//! Batch evaluation: JSON Lines in, one case a line; JSON Lines out, one report a line, in the
//! input's order; every core busy; memory bounded whatever the input's length.
//!
//! The calling thread reads chunks of whole lines, workers parse and evaluate them, and one
//! writer puts the chunks back in order. A fixed pool of chunk buffers circulates between them,
//! so at most `4 × workers + 4` chunks exist at once, and their buffers are reused.
//!
//! A line that is not a valid case is reported as `FILE:LINE:COLUMN: message` on the error
//! stream and the other lines still run. Blank lines are skipped.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::Rulebook;
use crate::case::{Case, CaseReader};
use crate::diagnostic::Form;
use crate::eval::CompactReport;

/// How a batch runs.
#[derive(Clone, Debug)]
pub struct BatchConfig {
    /// `--as-of`: when given, it overrides every line's own `as_of`, as for `check`.
    pub as_of: Option<NaiveDate>,
    /// The date for lines that give no `as_of` of their own when `as_of` is not given.
    pub today: NaiveDate,
    /// Full reports (with reasons and quotes) instead of compact ones.
    pub full: bool,
    /// Worker threads; 0 for one per core.
    pub threads: usize,
    /// Report progress on the error stream every second or so (for a terminal).
    pub progress: bool,
    /// A longer line is reported by its number and skipped to its newline, unread.
    pub max_line: usize,
    /// As a co-process: each line's report is written and flushed as soon as the line is
    /// read, rather than once a chunk of 256 KiB has filled (for a pipe or a terminal).
    pub streaming: bool,
}

/// What a batch did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// Cases evaluated and written.
    pub evaluated: u64,
    /// Lines that were not a valid case, or whose evaluation failed.
    pub bad: u64,
    /// Evaluated cases with some result `non_compliant`.
    pub non_compliant: u64,
}

impl BatchSummary {
    /// The command's exit status: 2 if any line was bad, else 1 if any case is
    /// non-compliant, else 0.
    #[must_use]
    pub fn exit_status(&self) -> i32 {
        if self.bad > 0 {
            2
        } else {
            i32::from(self.non_compliant > 0)
        }
    }
}

/// A chunk of input lines with what became of them.
#[derive(Default)]
struct Chunk {
    seq: u64,
    /// The number of the chunk's first line, from 1.
    first_line: u64,
    /// The chunk's lines are `input[..len]`; the rest of `input` is buffer space, kept
    /// initialised so that reading into it needs no clearing.
    input: Vec<u8>,
    len: usize,
    /// How many lines `input[..len]` holds: each ends with a `\n` but maybe the input's last.
    lines: u64,
    /// Lines over the limit, in order: each is a lone `\n` at this offset of `input`, and its
    /// length in bytes (without its newline).
    oversized: Vec<(usize, u64)>,
    output: Vec<u8>,
    errors: Vec<u8>,
    summary: BatchSummary,
}

/// A chunk holds about this much input; a longer line makes a longer chunk.
const CHUNK_BYTES: usize = 256 * 1024;

/// Cuts the input into chunks of whole lines, reading straight into each chunk's buffer.
struct Lines<R> {
    input: R,
    /// The start of a line that the last chunk's buffer cut off.
    carry: Vec<u8>,
    eof: bool,
    /// The number of the next line, from 1.
    line: u64,
    /// The longest line read; a longer one is skipped.
    max_line: usize,
    /// A chunk is handed on once it holds this many bytes and ends a line: `CHUNK_BYTES`, or
    /// 1 to hand on every line as soon as it is read (streaming).
    min_bytes: usize,
}

impl<R: Read> Lines<R> {
    /// Fills `chunk` with at least `CHUNK_BYTES` of whole lines (fewer at the end of the
    /// input), and counts them. Where each ends is the workers' to find: the direct reader
    /// finds it as it reads a case.
    fn fill(&mut self, chunk: &mut Chunk) -> io::Result<()> {
        let size = (2 * CHUNK_BYTES).max(2 * self.carry.len());
        if chunk.input.len() < size {
            chunk.input.resize(size, 0);
        }
        let buf = &mut chunk.input;
        buf[..self.carry.len()].copy_from_slice(&self.carry);
        let mut filled = self.carry.len();
        self.carry.clear();
        chunk.oversized.clear();
        // After the last newline so far (the carry has none): each byte is looked at once.
        let mut after_newline = None;
        let cut = loop {
            let line_start = after_newline.unwrap_or(0);
            if filled - line_start > self.max_line {
                // Too long: the line becomes a lone newline, and the rest of it is read into
                // the space after and dropped, up to its own newline.
                let mut size = (filled - line_start) as u64;
                buf[line_start] = b'\n';
                filled = line_start + 1;
                after_newline = Some(filled);
                if buf.len() < filled + 64 * 1024 {
                    buf.resize(filled + 64 * 1024, 0);
                }
                loop {
                    match self.input.read(&mut buf[filled..]) {
                        Ok(0) => {
                            self.eof = true;
                            break;
                        }
                        Ok(n) => match buf[filled..filled + n].iter().position(|&b| b == b'\n') {
                            Some(i) => {
                                size += i as u64;
                                buf.copy_within(filled + i + 1..filled + n, filled);
                                let rest = n - i - 1;
                                if let Some(last) =
                                    buf[filled..filled + rest].iter().rposition(|&b| b == b'\n')
                                {
                                    after_newline = Some(filled + last + 1);
                                }
                                filled += rest;
                                break;
                            }
                            None => size += n as u64,
                        },
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                chunk.oversized.push((line_start, size));
                continue;
            }
            if self.eof {
                break filled;
            }
            if filled >= self.min_bytes
                && let Some(after) = after_newline
            {
                break after;
            }
            if filled == buf.len() {
                // A line longer than the buffer: make room for it.
                buf.resize(2 * buf.len(), 0);
            }
            match self.input.read(&mut buf[filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) if filled + n - after_newline.unwrap_or(0) <= self.max_line => {
                    // No line here can be over the limit.
                    if let Some(last) = buf[filled..filled + n].iter().rposition(|&b| b == b'\n') {
                        after_newline = Some(filled + last + 1);
                    }
                    filled += n;
                }
                Ok(n) => {
                    // Line by line: each one over the limit becomes a lone newline.
                    let (mut at, mut end) = (filled, filled + n);
                    while let Some(i) = buf[at..end].iter().position(|&b| b == b'\n') {
                        let (start, newline) = (after_newline.unwrap_or(0), at + i);
                        if newline - start > self.max_line {
                            buf[start] = b'\n';
                            buf.copy_within(newline + 1..end, start + 1);
                            end -= newline - start;
                            chunk.oversized.push((start, (newline - start) as u64));
                            at = start + 1;
                        } else {
                            at = newline + 1;
                        }
                        after_newline = Some(at);
                    }
                    filled = end;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        self.carry.extend_from_slice(&buf[cut..filled]);
        chunk.len = cut;
        let newlines = count_newlines(&buf[..cut]);
        let unended = cut > 0 && buf[cut - 1] != b'\n'; // the input's last line
        chunk.lines = newlines + u64::from(unended);
        chunk.first_line = self.line;
        self.line += chunk.lines;
        Ok(())
    }
}

/// The number of `\n` in `bytes`, 32 bytes at a time: a quick test passes over the blocks
/// with no newline (nearly all: lines run to kilobytes), and only the others are counted
/// exactly.
fn count_newlines(bytes: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let newlines = ONES * u64::from(b'\n');
    let word = |w: &[u8]| u64::from_le_bytes(w.try_into().unwrap_or_default()) ^ newlines;
    // The high bit of some byte that is zero, if any: exact as a test of the word (a borrow
    // only follows a zero).
    let zero_flag = |x: u64| x.wrapping_sub(ONES) & !x;
    let mut total = 0;
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        let (a, b, c, d) = (
            word(&block[..8]),
            word(&block[8..16]),
            word(&block[16..24]),
            word(&block[24..]),
        );
        if (zero_flag(a) | zero_flag(b) | zero_flag(c) | zero_flag(d)) & HIGH != 0 {
            total += zero_bytes(a) + zero_bytes(b) + zero_bytes(c) + zero_bytes(d);
        }
    }
    total + blocks.remainder().iter().filter(|&&b| b == b'\n').count() as u64
}

/// The number of zero bytes of `x`. Out of line: left in the loop above, the compiler
/// vectorises the loop and counts every word.
#[inline(never)]
fn zero_bytes(x: u64) -> u64 {
    u64::from(crate::case::direct::zero_bytes(x).count_ones())
}

/// Evaluates every line of `input` (named `name` in messages) with `book`, writing one JSON
/// object a line to `output` in input order and the problems to `errors`.
pub fn run(
    book: &Rulebook,
    name: &str,
    input: impl Read,
    output: impl Write + Send,
    errors: impl Write + Send,
    config: &BatchConfig,
) -> io::Result<BatchSummary> {
    let workers = match config.threads {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        n => n,
    };
    // Room for chunks to wait while a slow one (a run of large projects) holds up the
    // writer, so that the reader still has chunks to fill and no worker waits.
    let pool = 4 * workers + 4;
    let (free_tx, free_rx) = mpsc::channel::<Chunk>();
    let (work_tx, work_rx) = mpsc::channel::<Chunk>();
    let (done_tx, done_rx) = mpsc::channel::<Chunk>();
    for _ in 0..pool {
        let _ = free_tx.send(Chunk::default());
    }
    let work_rx = Mutex::new(work_rx);
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (work_rx, done_tx) = (&work_rx, done_tx.clone());
            s.spawn(move || {
                let mut report = CompactReport::new();
                let mut reader = CaseReader::default();
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(mut chunk)) = next else {
                        break;
                    };
                    evaluate_chunk(book, name, config, &mut chunk, &mut reader, &mut report);
                    if done_tx.send(chunk).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let writer = s.spawn(move || {
            write_in_order(
                done_rx,
                free_tx,
                output,
                errors,
                config.progress,
                config.streaming,
            )
        });

        // Read whole lines into free chunks until the input ends or the writer stops.
        let mut lines = Lines {
            input,
            carry: Vec::new(),
            eof: false,
            line: 1,
            max_line: config.max_line.max(1),
            min_bytes: if config.streaming { 1 } else { CHUNK_BYTES },
        };
        let mut read_result = Ok(());
        for seq in 0.. {
            let Ok(mut chunk) = free_rx.recv() else {
                break;
            };
            chunk.seq = seq;
            if let Err(e) = lines.fill(&mut chunk) {
                read_result = Err(e);
                break;
            }
            if chunk.len > 0 && work_tx.send(chunk).is_err() {
                break;
            }
            if lines.eof {
                break;
            }
        }
        drop(work_tx);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread failed")));
        read_result.and(written)
    })
}

/// Writes the chunks in input order as they come, and returns each to the pool.
fn write_in_order(
    done: mpsc::Receiver<Chunk>,
    free: mpsc::Sender<Chunk>,
    mut output: impl Write,
    mut errors: impl Write,
    progress: bool,
    streaming: bool,
) -> io::Result<BatchSummary> {
    let mut summary = BatchSummary::default();
    let mut waiting: BTreeMap<u64, Chunk> = BTreeMap::new();
    let mut next = 0;
    let start = Instant::now();
    let mut shown = start;
    for chunk in done {
        waiting.insert(chunk.seq, chunk);
        while let Some(mut chunk) = waiting.remove(&next) {
            if progress && !chunk.errors.is_empty() {
                errors.write_all(b"\r\x1b[K")?;
            }
            errors.write_all(&chunk.errors)?;
            output.write_all(&chunk.output)?;
            if streaming {
                // The peer waits for this line's answer before it sends the next.
                errors.flush()?;
                output.flush()?;
            }
            summary.evaluated += chunk.summary.evaluated;
            summary.bad += chunk.summary.bad;
            summary.non_compliant += chunk.summary.non_compliant;
            next += 1;
            // A giant line may have grown a buffer: give the memory back.
            if chunk.input.len() > 4 * CHUNK_BYTES {
                chunk.input.truncate(2 * CHUNK_BYTES);
                chunk.input.shrink_to(4 * CHUNK_BYTES);
            }
            for b in [&mut chunk.output, &mut chunk.errors] {
                b.clear();
                b.shrink_to(4 * CHUNK_BYTES);
            }
            let _ = free.send(chunk);
        }
        if progress && shown.elapsed() >= Duration::from_secs(1) {
            shown = Instant::now();
            let done = summary.evaluated + summary.bad;
            let millis = start.elapsed().as_millis().max(1) as u64;
            write!(
                errors,
                "\r\x1b[K{done} cases, {} a second",
                done.saturating_mul(1000) / millis
            )?;
            errors.flush()?;
        }
    }
    if progress && shown != start {
        errors.write_all(b"\r\x1b[K")?;
    }
    output.flush()?;
    errors.flush()?;
    Ok(summary)
}

fn evaluate_chunk<'b>(
    book: &'b Rulebook,
    name: &str,
    config: &BatchConfig,
    chunk: &mut Chunk,
    reader: &mut CaseReader,
    report: &mut CompactReport<'b>,
) {
    let Chunk {
        first_line,
        input,
        len,
        output,
        errors,
        summary,
        oversized,
        ..
    } = chunk;
    let mut oversized = oversized.iter().peekable();
    output.clear();
    errors.clear();
    *summary = BatchSummary::default();
    let bad = |errors: &mut Vec<u8>,
               summary: &mut BatchSummary,
               line: u64,
               column: usize,
               message: &str| {
        let _ = writeln!(errors, "{name}:{line}:{column}: {message}");
        summary.bad += 1;
    };
    let input = &input[..*len];
    let (mut start, mut line) = (0, *first_line);
    while start < input.len() {
        let this = line;
        line += 1;
        if let Some(&(_, size)) = oversized.next_if(|&&(at, _)| at == start) {
            start += 1;
            bad(
                errors,
                summary,
                this,
                1,
                &format!(
                    "error: the line is {size} bytes long, over the limit of {} bytes ({}); it was skipped (--max-bytes raises the limit)",
                    config.max_line,
                    crate::limits::human_size(config.max_line as u64)
                ),
            );
            continue;
        }
        let rest = &input[start..];
        // A line of the common shape: the direct reader reads it and says where it ends.
        // Any other line is cut at its newline and read (or reported) by the full reader.
        let case = if let Some(n) = reader.read_direct_line(book, rest) {
            start += n;
            reader.case()
        } else {
            let n = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |i| i + 1);
            let raw = &rest[..n];
            start += n;
            let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
            let Some(raw) = line_text(raw, this) else {
                continue;
            };
            if let Some(case) = read_line(book, name, reader, raw, this, errors) {
                case
            } else {
                summary.bad += 1;
                continue;
            }
        };
        let as_of = config.as_of.or(case.as_of).unwrap_or(config.today);
        let written = if config.full {
            book.evaluate(case, as_of).map(|r| {
                r.append_json(this, output);
                r.has_non_compliance()
            })
        } else {
            book.evaluate_compact(case, as_of, report).map(|()| {
                report.append_json(Some(this), output);
                report.has_non_compliance()
            })
        };
        match written {
            Ok(non_compliant) => {
                output.push(b'\n');
                summary.evaluated += 1;
                summary.non_compliant += u64::from(non_compliant);
            }
            Err(e) => {
                let mut message = format!("error: {e}");
                for f in &e.facts {
                    message.push_str(&format!("; {f}"));
                }
                bad(errors, summary, this, 1, &message);
            }
        }
    }
}

/// Line `line` of a batch (without its `\n`) as a case's text: without a `\r` at its end, nor
/// a BOM at the start of the first line; `None` for a blank line, which is skipped.
pub(crate) fn line_text(raw: &[u8], line: u64) -> Option<&[u8]> {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let raw = if line == 1 {
        raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw)
    } else {
        raw
    };
    (!raw.iter().all(u8::is_ascii_whitespace)).then_some(raw)
}

/// Reads a line that is not of the common shape, or not a case, with the full reader; writes
/// what is wrong with it to `errors`.
fn read_line<'r>(
    book: &Rulebook,
    name: &str,
    reader: &'r mut CaseReader,
    raw: &[u8],
    line: u64,
    errors: &mut Vec<u8>,
) -> Option<&'r Case> {
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t,
        Err(e) => {
            let column = String::from_utf8_lossy(&raw[..e.valid_up_to()])
                .chars()
                .count()
                + 1;
            let _ = writeln!(
                errors,
                "{name}:{line}:{column}: error: not UTF-8 text; a case is one JSON object a line"
            );
            return None;
        }
    };
    match reader.read_json(book, text, name) {
        Ok(c) => Some(c),
        Err(d) => {
            for d in &d.0 {
                // The line is the case's whole text: its diagnostics are on its line 1.
                let form = Form::InFile { first_line: line };
                let _ = writeln!(errors, "{}", d.render(form));
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// 32 bytes at a time, the newlines counted are those a byte at a time finds.
        #[test]
        fn every_newline_is_counted(bytes in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(b'\n'),
                proptest::strategy::Just(b'\n' ^ 0x80),
                proptest::num::u8::ANY,
            ],
            0..200,
        )) {
            let want = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            proptest::prop_assert_eq!(count_newlines(&bytes), want);
        }
    }

    #[test]
    fn a_lone_newline_is_counted_wherever_it_is() {
        for at in 0..100 {
            let mut bytes = vec![b'n' ^ 0x80; 100];
            bytes[at] = b'\n';
            assert_eq!(count_newlines(&bytes), 1, "at {at}");
            bytes[99 - at] = b'\n';
            assert_eq!(
                count_newlines(&bytes),
                1 + u64::from(at != 99 - at),
                "at {at}"
            );
        }
    }

    /// A reader that gives at most `step` bytes a read, to cut lines at every place.
    struct Dribble<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn lines_of(data: &[u8], step: usize) -> Vec<(u64, Vec<u8>)> {
        let mut lines = Lines {
            input: Dribble { data, step },
            carry: Vec::new(),
            eof: false,
            line: 1,
            max_line: usize::MAX,
            min_bytes: CHUNK_BYTES,
        };
        let mut out = Vec::new();
        let mut chunk = Chunk::default();
        while !lines.eof {
            lines.fill(&mut chunk).unwrap();
            let held = &chunk.input[..chunk.len];
            let before = out.len();
            for (i, line) in held.split_inclusive(|&b| b == b'\n').enumerate() {
                out.push((chunk.first_line + i as u64, line.to_vec()));
            }
            assert_eq!(out.len() - before, chunk.lines as usize, "lines counted");
            assert!(
                held.ends_with(b"\n") || lines.eof,
                "a chunk holds whole lines only"
            );
        }
        out
    }

    #[test]
    fn a_line_over_the_limit_becomes_a_blank_line_and_its_length_however_it_is_read() {
        let mut data = b"short\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 100));
        data.extend_from_slice(b"\nok\n\nexactly 10\n");
        data.extend(std::iter::repeat_n(b'y', 50));
        for step in [1 << 20, 64, 7, 1] {
            let mut lines = Lines {
                input: Dribble { data: &data, step },
                carry: Vec::new(),
                eof: false,
                line: 1,
                max_line: 10,
                min_bytes: CHUNK_BYTES,
            };
            let (mut held, mut oversized) = (Vec::new(), Vec::new());
            let mut chunk = Chunk::default();
            while !lines.eof {
                lines.fill(&mut chunk).unwrap();
                for &(at, size) in &chunk.oversized {
                    assert_eq!(chunk.input[at], b'\n');
                    oversized.push((held.len() + at, size));
                }
                held.extend_from_slice(&chunk.input[..chunk.len]);
            }
            assert_eq!(
                String::from_utf8(held).unwrap(),
                "short\n\nok\n\nexactly 10\n\n",
                "reads of {step} bytes"
            );
            assert_eq!(oversized, vec![(6, 100), (22, 50)], "reads of {step} bytes");
        }
    }

    #[test]
    fn chunks_hold_whole_lines_however_the_input_is_read() {
        // Short lines, a line longer than a chunk's buffer, a blank line, and a last line
        // without its newline.
        let mut data = Vec::new();
        for i in 0..5000 {
            data.extend_from_slice(format!("{{\"n\": {i}}}\n").as_bytes());
        }
        data.extend_from_slice(&vec![b' '; 5 * CHUNK_BYTES]);
        data.extend_from_slice(b"{}\n\n{\"last\": true}");
        let want: Vec<(u64, Vec<u8>)> = data
            .split_inclusive(|&b| b == b'\n')
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, l.to_vec()))
            .collect();
        for step in [1 << 20, CHUNK_BYTES + 1, 4096, 7] {
            assert_eq!(lines_of(&data, step), want, "reads of {step} bytes");
        }
        assert!(lines_of(b"", 10).is_empty());
    }
}
