//! `POST /v1/check/batch`, streamed: the body is read frame by frame and cut into lines as it
//! comes, each line is evaluated as soon as it is complete (on a blocking thread, off the
//! executor), and the answers go out as soon as the input pauses, or in chunks of
//! [`CHUNK`] while it flows. A client that sends a line and waits gets that line's answer.

use axum::body::{Body, BodyDataStream, Bytes};
use chrono::NaiveDate;
use futures_util::{FutureExt, StreamExt};
use serde::Serialize;
use tokio::sync::mpsc;

use super::query::CheckQuery;
use crate::Rulebook;
use crate::case::CaseReader;
use crate::diagnostic::Diagnostic;
use crate::eval::CompactReport;
use crate::labels::Lang;

/// While the input flows, answers are sent once this much is waiting.
const CHUNK: usize = 64 * 1024;

/// The bounds of one batch: the body's size, a line's, and how long the input may pause.
#[derive(Clone, Copy, Debug)]
pub(super) struct Bounds {
    pub body_bytes: usize,
    pub line_bytes: usize,
    pub idle: std::time::Duration,
}

/// Starts answering the batch in `body`, and returns the answer's body: one JSON line per
/// case, in input order.
pub(super) fn answer(
    book: &'static Rulebook,
    q: CheckQuery,
    today: NaiveDate,
    bounds: Bounds,
    body: Body,
) -> Body {
    let (tx, rx) = mpsc::channel::<Vec<u8>>(4);
    let rt = tokio::runtime::Handle::current();
    let input = body.into_data_stream();
    tokio::task::spawn_blocking(move || {
        let mut job = Job {
            book,
            q,
            today,
            reader: CaseReader::default(),
            report: CompactReport::new(),
        };
        job.run(&rt, input, bounds, &tx);
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::convert::Infallible>(Bytes::from(chunk)), rx))
    });
    Body::from_stream(stream)
}

/// One batch's evaluation, on its blocking thread.
struct Job {
    book: &'static Rulebook,
    q: CheckQuery,
    today: NaiveDate,
    reader: CaseReader,
    report: CompactReport<'static>,
}

/// What the answers written so far become.
struct Out<'t> {
    buf: Vec<u8>,
    tx: &'t mpsc::Sender<Vec<u8>>,
    rt: &'t tokio::runtime::Handle,
    /// How long a chunk may wait for the client to take it.
    idle: std::time::Duration,
    /// The client went away, or reads nothing: nothing more is worth doing.
    gone: bool,
}

impl Out<'_> {
    /// Sends what is written.
    fn send(&mut self) {
        if !self.buf.is_empty() && !self.gone {
            let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + 4096));
            let sent = self
                .rt
                .block_on(tokio::time::timeout(self.idle, self.tx.send(chunk)));
            self.gone = !matches!(sent, Ok(Ok(())));
        }
    }
}

impl Job {
    fn run(
        &mut self,
        rt: &tokio::runtime::Handle,
        mut input: BodyDataStream,
        bounds: Bounds,
        tx: &mpsc::Sender<Vec<u8>>,
    ) {
        let mut out = Out {
            buf: Vec::with_capacity(CHUNK + 4096),
            tx,
            rt,
            idle: bounds.idle,
            gone: false,
        };
        let mut lines = Lines::new(bounds.line_bytes);
        let zh = self.q.words() == Lang::Zh;
        let mut read = 0usize;
        while !out.gone {
            // The next frame if it is at hand; if not, what is written goes out first (the
            // client may wait for it before it sends more), then the frame is waited for.
            let next = match input.next().now_or_never() {
                Some(next) => next,
                None => {
                    out.send();
                    match rt.block_on(tokio::time::timeout(bounds.idle, input.next())) {
                        Ok(next) => next,
                        Err(_) => {
                            let (ms, last) = (bounds.idle.as_millis(), lines.line - 1);
                            let message = if zh {
                                format!(
                                    "{ms}毫秒内没有收到输入：批量检查到此结束，第{last}行之后的各行未读取"
                                )
                            } else {
                                format!(
                                    "no input for {ms} ms: the batch ends here; the lines after {last} were not read"
                                )
                            };
                            note(&mut out.buf, lines.line, "batch::timeout", message, &[]);
                            break;
                        }
                    }
                }
            };
            let frame = match next {
                None => {
                    if let Some(piece) = lines.finish() {
                        self.answer(piece, bounds.line_bytes, &mut out.buf);
                    }
                    break;
                }
                // The connection failed: there is no one to answer.
                Some(Err(_)) => return,
                Some(Ok(frame)) => frame,
            };
            let room = bounds.body_bytes - read;
            read += frame.len().min(room);
            lines.push(if frame.len() > room {
                frame.slice(..room)
            } else {
                frame.clone()
            });
            while let Some(piece) = lines.next_line() {
                self.answer(piece, bounds.line_bytes, &mut out.buf);
                if out.buf.len() >= CHUNK {
                    out.send();
                }
            }
            if frame.len() > room {
                let (limit, from) = (bounds.body_bytes, lines.line);
                let message = if zh {
                    format!(
                        "请求体超过{limit}字节：批量检查到此结束，自第{from}行起的各行未读取（请分几次请求发送）"
                    )
                } else {
                    format!(
                        "the body is larger than {limit} bytes: the batch ends here; the lines from {from} on were not read (send a batch in several requests)"
                    )
                };
                note(&mut out.buf, lines.line, "batch::too_large", message, &[]);
                break;
            }
        }
        out.send();
    }

    /// Writes the answer to one line of the input: its report, or what is wrong with it.
    fn answer(&mut self, piece: Piece<'_>, line_bytes: usize, out: &mut Vec<u8>) {
        let (line, raw) = match piece {
            Piece::TooLong { line, bytes } => {
                let message = if self.q.words() == Lang::Zh {
                    format!("该行长{bytes}字节，超过每行{line_bytes}字节的上限，已跳过")
                } else {
                    format!(
                        "the line is {bytes} bytes long, over the limit of {line_bytes} bytes ({}); it was skipped",
                        crate::limits::human_size(line_bytes as u64)
                    )
                };
                note(out, line, "batch::line_too_long", message, &[]);
                return;
            }
            Piece::Line { line, text } => (line, text),
        };
        let Some(raw) = crate::batch::line_text(raw, line) else {
            return;
        };
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t,
            Err(e) => {
                let at = e.valid_up_to();
                let message = if self.q.words() == Lang::Zh {
                    format!("该行不是「UTF-8」文本（自第{at}字节起无效）")
                } else {
                    format!("not UTF-8 text (invalid at byte {at})")
                };
                note(out, line, "case::syntax", message, &[]);
                return;
            }
        };
        let (book, q) = (self.book, &self.q);
        match self.reader.read_json(book, text, &format!("<body>:{line}")) {
            Err(d) => {
                // Every diagnostic is on line 1 of the line's own text: give the body's line.
                let errors: Vec<Diagnostic> =
                    d.0.into_iter()
                        .map(|d| {
                            let mut d = d.in_lang(q.words());
                            d.line = usize::try_from(line).unwrap_or(usize::MAX);
                            d
                        })
                        .collect();
                numbered(out, line, &errors);
            }
            Ok(case) => {
                let as_of = q.as_of.or(case.as_of).unwrap_or(self.today);
                let written = if q.full {
                    if q.changes {
                        book.evaluate_with_changes(case, as_of)
                    } else {
                        book.evaluate(case, as_of)
                    }
                    .map(|mut r| {
                        r.set_language(q.words());
                        r.set_why(q.why);
                        crate::report_json::append_numbered(&r, line, out);
                    })
                } else {
                    book.evaluate_compact(case, as_of, &mut self.report)
                        .map(|()| self.report.append_json(Some(line), out))
                };
                match written {
                    Ok(()) => out.push(b'\n'),
                    Err(e) => note(
                        out,
                        line,
                        "case::evaluation",
                        e.message_in(q.words()),
                        &e.facts,
                    ),
                }
            }
        }
    }
}

/// A problem of a line that is not a diagnostic of its case: its code, what, and the facts
/// involved (for an evaluation error).
#[derive(Serialize)]
struct Note<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    facts: &'a [String],
}

/// `{"line":N,"errors":[...]}`: what is wrong with line `N`, in its place.
#[derive(Serialize)]
struct Numbered<E> {
    line: u64,
    errors: E,
}

/// Writes the line that stands for line `line`, with its diagnostics.
fn numbered(out: &mut Vec<u8>, line: u64, errors: &[Diagnostic]) {
    // Writing to a `Vec` does not fail.
    let _ = serde_json::to_writer(&mut *out, &Numbered { line, errors });
    out.push(b'\n');
}

/// Writes the line that stands for line `line`, with one [`Note`].
fn note(out: &mut Vec<u8>, line: u64, code: &'static str, message: String, facts: &[String]) {
    let errors = [Note {
        code,
        message,
        facts,
    }];
    let _ = serde_json::to_writer(&mut *out, &Numbered { line, errors });
    out.push(b'\n');
}

/// A line of the input, or the place of one that was too long.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    /// Line `line` (from 1), without its `\n`.
    Line { line: u64, text: &'a [u8] },
    /// Line `line` was `bytes` long (without its `\n`), over the limit: it was not kept.
    TooLong { line: u64, bytes: u64 },
}

/// Cuts frames of a body into lines, whatever the frames' bounds: a line may span frames (or
/// a character of it). A line over the limit is not kept, only measured, to its newline.
struct Lines {
    frame: Bytes,
    /// Where in `frame` the next line starts.
    at: usize,
    /// The start of a line that an earlier frame cut off.
    partial: Vec<u8>,
    /// `partial` was handed out whole: clear it before the next line.
    handed: bool,
    /// The bytes so far of a line over the limit, being skipped.
    skipping: Option<u64>,
    /// The number of the line being read, from 1.
    line: u64,
    max: usize,
}

impl Lines {
    fn new(max: usize) -> Lines {
        Lines {
            frame: Bytes::new(),
            at: 0,
            partial: Vec::new(),
            handed: false,
            skipping: None,
            line: 1,
            max: max.max(1),
        }
    }

    /// Takes the next frame; [`next_line`](Self::next_line) gives the lines it ends.
    fn push(&mut self, frame: Bytes) {
        self.frame = frame;
        self.at = 0;
    }

    /// The next line the frames so far end, if any.
    fn next_line(&mut self) -> Option<Piece<'_>> {
        if std::mem::take(&mut self.handed) {
            self.partial.clear();
        }
        let start = self.at;
        let rest = &self.frame[start..];
        let Some(i) = memchr::memchr(b'\n', rest) else {
            // The line goes on in the next frame.
            self.at = self.frame.len();
            let len = self.partial.len() + rest.len();
            match &mut self.skipping {
                Some(n) => *n += rest.len() as u64,
                None if len > self.max => {
                    self.skipping = Some(len as u64);
                    self.partial.clear();
                }
                None => self.partial.extend_from_slice(rest),
            }
            return None;
        };
        self.at = start + i + 1;
        let line = self.line;
        self.line += 1;
        let len = self.partial.len() + i;
        if let Some(n) = self.skipping.take() {
            return Some(Piece::TooLong {
                line,
                bytes: n + i as u64,
            });
        }
        if len > self.max {
            self.partial.clear();
            return Some(Piece::TooLong {
                line,
                bytes: len as u64,
            });
        }
        if self.partial.is_empty() {
            return Some(Piece::Line {
                line,
                text: &self.frame[start..start + i],
            });
        }
        self.partial
            .extend_from_slice(&self.frame[start..start + i]);
        self.handed = true;
        Some(Piece::Line {
            line,
            text: &self.partial,
        })
    }

    /// The input's last line, when it does not end with a newline.
    fn finish(&mut self) -> Option<Piece<'_>> {
        if std::mem::take(&mut self.handed) {
            self.partial.clear();
        }
        let line = self.line;
        if let Some(bytes) = self.skipping.take() {
            return Some(Piece::TooLong { line, bytes });
        }
        if self.partial.is_empty() {
            return None;
        }
        self.handed = true;
        Some(Piece::Line {
            line,
            text: &self.partial,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of `data` cut into frames of `step` bytes, as (line, text or size).
    fn cut(data: &[u8], step: usize, max: usize) -> Vec<(u64, Result<Vec<u8>, u64>)> {
        let mut lines = Lines::new(max);
        let mut out = Vec::new();
        let mut take = |p: Piece<'_>| match p {
            Piece::Line { line, text } => out.push((line, Ok(text.to_vec()))),
            Piece::TooLong { line, bytes } => out.push((line, Err(bytes))),
        };
        for frame in data.chunks(step) {
            lines.push(Bytes::copy_from_slice(frame));
            while let Some(p) = lines.next_line() {
                take(p);
            }
        }
        if let Some(p) = lines.finish() {
            take(p);
        }
        out
    }

    #[test]
    fn lines_are_cut_alike_whatever_the_frames() {
        // A long line (12 bytes, over the limit of 10) between short ones, a blank line, a
        // multi-byte character, and a last line without its newline.
        let data = "ab\r\n123456789012\n\n价格x\nlast".as_bytes();
        let want = vec![
            (1, Ok(b"ab\r".to_vec())),
            (2, Err(12)),
            (3, Ok(Vec::new())),
            (4, Ok("价格x".as_bytes().to_vec())),
            (5, Ok(b"last".to_vec())),
        ];
        for step in 1..=data.len() {
            assert_eq!(cut(data, step, 10), want, "frames of {step} bytes");
        }
        // Exactly at the limit is kept; a line over it at the end is measured too.
        assert_eq!(
            cut(b"0123456789", 3, 10),
            vec![(1, Ok(b"0123456789".to_vec()))]
        );
        assert_eq!(
            cut(b"x\n0123456789a", 4, 10),
            vec![(1, Ok(b"x".to_vec())), (2, Err(11))]
        );
        assert!(cut(b"", 1, 10).is_empty());
    }
}
