//! Writing JSON quickly: the batch mode writes a report a case, so these avoid the formatting
//! machinery (`write!`) for what every report holds: strings, decimals and counts.

use std::io::{self, Write};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Writes `s` as a JSON string.
pub fn string(out: &mut impl Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    escaped(out, s)?;
    out.write_all(b"\"")
}

/// Writes `s` escaped for the inside of a JSON string.
pub fn escaped(out: &mut impl Write, s: &str) -> io::Result<()> {
    if plain(s.as_bytes()) {
        return out.write_all(s.as_bytes());
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.write_all(&s.as_bytes()[start..i])?;
        if esc.is_empty() {
            write!(out, "\\u{b:04x}")?;
        } else {
            out.write_all(esc)?;
        }
        start = i + 1;
    }
    out.write_all(&s.as_bytes()[start..])
}

/// Whether `s` needs no escape in a JSON string: no control character, `"` or `\\`. Eight
/// bytes at a time: every report writes a dozen names.
pub fn plain(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    // Some byte of `x` is below `n` (at most 0x80): exact as a test of the word.
    let any_below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    let mut words = s.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().unwrap_or_default());
        if any_below(x, 0x20)
            || any_below(x ^ (ONES * u64::from(b'"')), 1)
            || any_below(x ^ (ONES * u64::from(b'\\')), 1)
        {
            return false;
        }
    }
    words
        .remainder()
        .iter()
        .all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// Writes `d` exactly as its `Display` does: every digit of its scale, `-` for any negative
/// sign (negative zero too).
pub fn decimal(out: &mut impl Write, d: Decimal) -> io::Result<()> {
    let mut buf = [0u8; 48];
    out.write_all(decimal_text(d, &mut buf))
}

/// What to write after a sum of money (`CNY`) so that it shows its fen: nothing for one with
/// two decimals or more, else the zeros (and point) it lacks. Rounding gives money two
/// decimals, but a decimal in the top of its range has no room for them: 80% of a rent of
/// 79,228,162,514,264,337,593,543,950,335 is written `63382530011411470074835160268.00`.
#[must_use]
pub fn fen_padding(d: Decimal, unit: &str) -> &'static str {
    match d.scale() {
        0 if unit == "CNY" => ".00",
        1 if unit == "CNY" => "0",
        _ => "",
    }
}

/// Appends `d` to `out` as its `Display` writes it.
pub fn push_decimal(out: &mut String, d: Decimal) {
    let mut buf = [0u8; 48];
    // Digits, `.` and `-` only: always UTF-8.
    out.push_str(std::str::from_utf8(decimal_text(d, &mut buf)).unwrap_or_default());
}

fn decimal_text(d: Decimal, buf: &mut [u8; 48]) -> &[u8] {
    if let Some(words) = DecimalWords::of(d) {
        let mut n = 0;
        words.emit(|word, len| {
            buf[n..n + 8].copy_from_slice(&word.to_le_bytes());
            n += len;
        });
        return &buf[..n];
    }
    let start = decimal_back(buf, 48, d);
    &buf[start..]
}

/// Writes any `d` as `Display` does into `buf`, ending at `end`, digit by digit from the
/// right, and returns where it starts. `buf[..end]` must have room for it: at most 31 bytes
/// (29 digits, a point and a sign).
fn decimal_back(buf: &mut [u8], end: usize, d: Decimal) -> usize {
    let scale = d.scale() as usize;
    let mut m = d.mantissa().unsigned_abs();
    let mut pos = end;
    // At least `scale + 1` digits, with the point after `scale`.
    let mut n = 0;
    loop {
        if n == scale && scale > 0 {
            pos -= 1;
            buf[pos] = b'.';
        }
        pos -= 1;
        buf[pos] = b'0' + (m % 10) as u8;
        m /= 10;
        n += 1;
        if m == 0 && n > scale {
            break;
        }
    }
    if d.is_sign_negative() {
        pos -= 1;
        buf[pos] = b'-';
    }
    pos
}

/// A figure as `Display` writes it, as words of ASCII made in registers (see [`ascii8`]):
/// for at most eight digits either side of the point, nearly every figure.
struct DecimalWords {
    negative: bool,
    whole: (u64, usize),
    fraction: u64,
    scale: usize,
}

impl DecimalWords {
    #[inline(always)]
    fn of(d: Decimal) -> Option<DecimalWords> {
        let scale = d.scale() as usize;
        let m = u64::try_from(d.mantissa().unsigned_abs()).ok()?;
        if scale > 8 {
            return None;
        }
        let p = POWERS_OF_TEN_U64[scale];
        let (whole, fraction) = match scale {
            2 => (m / 100, m % 100),
            _ => (m / p, m % p),
        };
        let whole = u32::try_from(whole).ok().filter(|&w| w < 100_000_000)?;
        // All the fraction's digits, leading zeros and all: two from the table (cents), or
        // the last `scale` of eight.
        let fraction = match scale {
            0 => 0,
            2 => pair(fraction as u32),
            _ => ascii8_padded(fraction as u32) >> (8 * (8 - scale)),
        };
        Some(DecimalWords {
            negative: d.is_sign_negative(),
            whole: ascii8(whole),
            fraction,
            scale,
        })
    }

    /// Gives each word with the number of its bytes to keep, in order.
    #[inline(always)]
    fn emit(&self, mut word: impl FnMut(u64, usize)) {
        if self.negative {
            word(u64::from(b'-'), 1);
        }
        word(self.whole.0, self.whole.1);
        if self.scale > 0 {
            word(u64::from(b'.'), 1);
            word(self.fraction, self.scale);
        }
    }
}

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// The two digits of `v` (below 100) as ASCII in the low half-word, the first in the low
/// byte.
#[inline(always)]
fn pair(v: u32) -> u64 {
    let i = 2 * (v as usize % 100);
    u64::from(u16::from_le_bytes([PAIRS[i], PAIRS[i + 1]]))
}

const POWERS_OF_TEN_U64: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// The decimal digits of `v` (below 10^8) as ASCII in a word, the first digit in its low
/// byte, with their number: made in a register, so that they are stored whole. Digits built
/// byte by byte in memory and then copied by a wider load stall the copy (store forwarding
/// fails): two fifths of the time writing a project's values went to that stall (perf).
#[inline(always)]
fn ascii8(v: u32) -> (u64, usize) {
    // Most counts and figures have at most four digits: a pair or two from the table.
    if v < 100 {
        let short = usize::from(v < 10);
        return (pair(v) >> (8 * short), 2 - short);
    }
    if v < 10_000 {
        let short = usize::from(v < 1000);
        return (
            (pair(v / 100) | pair(v % 100) << 16) >> (8 * short),
            4 - short,
        );
    }
    let digits = ascii8_padded(v);
    // The leading zeros are the low bytes that are `0`; `0` itself keeps one.
    let zeros = ((digits ^ (ONES * u64::from(b'0'))).trailing_zeros() as usize / 8).min(7);
    (digits >> (8 * zeros), 8 - zeros)
}

/// The eight decimal digits of `v` (below 10^8), leading zeros and all, as ASCII in a word,
/// the first in its low byte.
#[inline(always)]
fn ascii8_padded(v: u32) -> u64 {
    let v = u64::from(v);
    // Two lanes of 32 bits (the high four digits first, in the low lane), then four of 16
    // bits (two digits each), then eight of 8 bits: each split is a division by a constant
    // done as a multiplication, exact for these lanes, and no lane spills into the next.
    let x = (v / 10_000) | ((v % 10_000) << 32);
    let hundreds = ((x * 5243) >> 19) & 0x0000_007f_0000_007f;
    let x = hundreds | ((x - hundreds * 100) << 16);
    let tens = ((x * 103) >> 10) & 0x000f_000f_000f_000f;
    let x = tens | ((x - tens * 10) << 8);
    x | (ONES * u64::from(b'0'))
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// Appends `src[at..at + len]` to `out` in fixed windows of 16 bytes, with no call to
/// `memcpy`: `src` must have 15 bytes more after the part (a buffer padded with [`PAD`]).
#[inline(always)]
pub fn append_window(out: &mut Vec<u8>, src: &[u8], at: usize, len: usize) {
    let start = out.len();
    let mut k = 0;
    while k < len {
        if let Some(w) = src.get(at + k..at + k + 16) {
            out.extend_from_slice(w)
        } else {
            out.truncate(start);
            out.extend_from_slice(&src[at..at + len]);
            return;
        }
        k += 16;
    }
    out.truncate(start + len);
}

/// Appends the first `len` bytes of `word` (its low byte first).
#[inline(always)]
fn append_word(out: &mut Vec<u8>, word: u64, len: usize) {
    let start = out.len();
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(start + len);
}

/// Appends a count in decimal digits, made in a register.
#[inline(always)]
pub fn append_count(out: &mut Vec<u8>, v: u64) {
    match u32::try_from(v) {
        Ok(v) if v < 100_000_000 => {
            let (word, len) = ascii8(v);
            append_word(out, word, len);
        }
        _ => {
            let _ = count(out, v);
        }
    }
}

/// Appends `d` as its `Display` writes it: made in registers for at most eight digits
/// either side of the point (nearly every figure).
#[inline(always)]
pub fn append_decimal(out: &mut Vec<u8>, d: Decimal) {
    match DecimalWords::of(d) {
        Some(words) => words.emit(|word, len| append_word(out, word, len)),
        None => {
            let _ = decimal(out, d);
        }
    }
}

/// The padding [`append_window`] needs after a part.
pub const PAD: usize = 15;

/// Writes `d` exactly as its `Display` does: `YYYY-MM-DD` for the years 0 to 9999.
pub fn date(out: &mut impl Write, d: NaiveDate) -> io::Result<()> {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if !(0..=9999).contains(&y) {
        return write!(out, "{d}");
    }
    let digit = |v: u32| b'0' + v as u8;
    let y = y as u32;
    out.write_all(&[
        digit(y / 1000),
        digit(y / 100 % 10),
        digit(y / 10 % 10),
        digit(y % 10),
        b'-',
        digit(m / 10),
        digit(m % 10),
        b'-',
        digit(day / 10),
        digit(day % 10),
    ])
}

/// Appends `d` to `out` as its `Display` writes it.
pub fn push_date(out: &mut String, d: NaiveDate) {
    let mut buf = [0u8; 24];
    let mut w = &mut buf[..];
    if date(&mut w, d).is_ok() {
        let n = 24 - w.len();
        // Digits, `-` and `+` only: always UTF-8.
        out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
    } else {
        out.push_str(&d.to_string());
    }
}

/// Writes a count in decimal digits.
pub fn count(out: &mut impl Write, n: u64) -> io::Result<()> {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut n = n;
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.write_all(&buf[pos..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(f: impl Fn(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn money_too_large_for_two_decimals_is_written_with_its_fen() {
        let top: Decimal = "63382530011411470074835160268".parse().unwrap();
        assert_eq!(fen_padding(top, "CNY"), ".00");
        assert_eq!(fen_padding(Decimal::new(1234, 1), "CNY"), "0");
        assert_eq!(fen_padding(Decimal::new(1234, 2), "CNY"), "");
        assert_eq!(fen_padding(Decimal::new(1234, 3), "CNY"), "");
        assert_eq!(fen_padding(top, "m2"), "");
        assert_eq!(fen_padding(top, "ratio"), "");
    }

    #[test]
    fn decimals_are_written_as_display_writes_them() {
        for (d, want) in [
            (Decimal::ZERO, "0"),
            (Decimal::new(0, 2), "0.00"),
            (-Decimal::new(0, 2), "-0.00"),
            (Decimal::new(5, 1), "0.5"),
            (Decimal::new(-5, 3), "-0.005"),
            (Decimal::new(870416, 3), "870.416"),
            (Decimal::new(250000, 2), "2500.00"),
            (Decimal::MAX, "79228162514264337593543950335"),
            (Decimal::MIN, "-79228162514264337593543950335"),
            (
                Decimal::from_i128_with_scale(1, 28),
                "0.0000000000000000000000000001",
            ),
        ] {
            assert_eq!(text(|o| decimal(o, d)), want);
            let mut s = String::from("x ");
            push_decimal(&mut s, d);
            assert_eq!(s, format!("x {want}"));
            assert_eq!(d.to_string(), want);
        }
    }

    /// Every number of up to five digits, and each side of every power of ten after, as
    /// `Display` writes it: the short paths end at 10, 100, 1000 and 10000.
    #[test]
    fn counts_are_written_as_display_writes_them_at_every_length() {
        let powers = (5..8).map(|k| 10u32.pow(k));
        for v in (0..=12_000)
            .chain(powers.flat_map(|p| [p - 1, p]))
            .chain([99_999_999])
        {
            let (word, len) = ascii8(v);
            assert_eq!(&word.to_le_bytes()[..len], v.to_string().as_bytes());
        }
    }

    proptest! {
        /// What the appenders append is what the writers write, part by part, whatever
        /// comes before it; a part from a buffer short of its padding is appended too.
        #[test]
        fn parts_are_appended_as_the_writers_write_them(
            before in "[a-z]{0,40}",
            part in "[a-z\\[\\]\\.\":{}]{0,40}",
            pad in prop_oneof![Just(PAD), 0..PAD],
            m in prop_oneof![-1000i128..1000, -((1i128 << 96) - 1)..(1i128 << 96)],
            scale in 0u32..=28,
            n in prop_oneof![0..1000u64, 0..100_000_000u64, any::<u64>()],
        ) {
            let d = Decimal::from_i128_with_scale(m, scale);
            let mut padded = part.clone().into_bytes();
            padded.extend(std::iter::repeat_n(0, pad));
            let mut out = before.clone().into_bytes();
            append_window(&mut out, &padded, 0, part.len());
            append_count(&mut out, n);
            append_decimal(&mut out, d);
            prop_assert_eq!(
                String::from_utf8(out).unwrap_or_default(),
                format!("{before}{part}{n}{d}")
            );
        }

        #[test]
        fn any_decimal_is_written_as_display_writes_it(
            m in prop_oneof![-1000i128..1000, -((1i128 << 96) - 1)..(1i128 << 96)],
            scale in 0u32..=28,
            negate in any::<bool>(),
        ) {
            let d = Decimal::from_i128_with_scale(m, scale);
            let d = if negate { -d } else { d };
            prop_assert_eq!(text(|o| decimal(o, d)), d.to_string());
        }

        #[test]
        fn any_date_is_written_as_display_writes_it(days in -4_000_000i32..4_000_000) {
            let d = NaiveDate::from_num_days_from_ce_opt(days).unwrap();
            prop_assert_eq!(text(|o| date(o, d)), d.to_string());
            let mut s = String::from("x ");
            push_date(&mut s, d);
            prop_assert_eq!(s, format!("x {d}"));
        }

        /// Digits made in a register are the digits `Display` writes.
        #[test]
        fn eight_digits_in_a_word_are_the_digits_of_the_number(
            v in prop_oneof![0..200u32, 0..20_000u32, 0..100_000_000u32],
        ) {
            let (word, len) = ascii8(v);
            let (text, padded_text) = (v.to_string(), format!("{v:08}"));
            prop_assert_eq!(&word.to_le_bytes()[..len], text.as_bytes());
            let padded = ascii8_padded(v);
            prop_assert_eq!(&padded.to_le_bytes()[..], padded_text.as_bytes());
        }

        #[test]
        fn any_count_is_written_as_display_writes_it(n in any::<u64>()) {
            prop_assert_eq!(text(|o| count(o, n)), n.to_string());
        }

        /// Eight bytes at a time, a string is plain exactly when each of its bytes is.
        #[test]
        fn plain_is_decided_as_byte_by_byte(s in prop::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), Just(0x1fu8), Just(0x20u8), Just(0xa2u8), any::<u8>(), b'a'..=b'z'],
            0..40,
        )) {
            let want = s.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\');
            prop_assert_eq!(plain(&s), want);
        }

        #[test]
        fn any_string_escapes_to_what_serde_json_reads_back(s in any::<String>()) {
            let json = text(|o| string(o, &s));
            prop_assert_eq!(serde_json::from_str::<String>(&json).unwrap(), s);
        }
    }
}
