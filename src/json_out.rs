//! Writing JSON quickly: the batch mode writes a report a case, so these avoid the formatting
//! machinery (`write!`) for what every report holds: strings, decimals and counts.

use std::io::{self, Write};

use rust_decimal::Decimal;

/// Writes `s` as a JSON string.
pub fn string(out: &mut impl Write, s: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    escaped(out, s)?;
    out.write_all(b"\"")
}

/// Writes `s` escaped for the inside of a JSON string.
pub fn escaped(out: &mut impl Write, s: &str) -> io::Result<()> {
    let plain = |b: &u8| *b >= 0x20 && *b != b'"' && *b != b'\\';
    if s.as_bytes().iter().all(plain) {
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

/// Writes `d` exactly as its `Display` does: every digit of its scale, `-` for any negative
/// sign (negative zero too).
pub fn decimal(out: &mut impl Write, d: Decimal) -> io::Result<()> {
    let mut buf = [0u8; 48];
    out.write_all(decimal_text(d, &mut buf))
}

/// Appends `d` to `out` as its `Display` writes it.
pub fn push_decimal(out: &mut String, d: Decimal) {
    let mut buf = [0u8; 48];
    // Digits, `.` and `-` only: always UTF-8.
    out.push_str(std::str::from_utf8(decimal_text(d, &mut buf)).unwrap_or_default());
}

fn decimal_text(d: Decimal, buf: &mut [u8; 48]) -> &[u8] {
    let scale = d.scale() as usize;
    let mut pos = buf.len();
    let mut n = 0;
    // Digits from the right, at least `scale + 1` of them, with the point after `scale`.
    macro_rules! digits {
        ($m:expr) => {{
            let mut m = $m;
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
        }};
    }
    let m = d.mantissa().unsigned_abs();
    match u64::try_from(m) {
        Ok(m) => digits!(m),
        Err(_) => digits!(m),
    }
    if d.is_sign_negative() {
        pos -= 1;
        buf[pos] = b'-';
    }
    &buf[pos..]
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

    proptest! {
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
        fn any_count_is_written_as_display_writes_it(n in any::<u64>()) {
            prop_assert_eq!(text(|o| count(o, n)), n.to_string());
        }

        #[test]
        fn any_string_escapes_to_what_serde_json_reads_back(s in any::<String>()) {
            let json = text(|o| string(o, &s));
            prop_assert_eq!(serde_json::from_str::<String>(&json).unwrap(), s);
        }
    }
}
