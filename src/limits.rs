//! Bounds on what is read: a case file, a batch line, a rule file. Hostile input (a device, a
//! FIFO, a file that never ends) gets a clear error instead of all the memory or a hang.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

/// How much may be read. The defaults fit real cases with a wide margin (a rental project
/// with 200 unit types is about 13 KB, the largest rule file about 55 KB, the gazette's text
/// 64 KB); `--max-bytes` raises them on the command line. They also bound memory: a rule
/// file goes through the `toml` crate's document tree, which takes up to about 50 times the
/// file's size while it is read, so a rule file of 1 MiB stays under 100 MB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A case file, or standard input as a case.
    pub case_bytes: u64,
    /// One line of a batch (`check --batch`).
    pub line_bytes: usize,
    /// A rule file, a seed, or a golden file.
    pub rule_bytes: u64,
}

/// 1 MiB: a case.
pub const DEFAULT_CASE_BYTES: u64 = 1 << 20;
/// 1 MiB: a batch holds up to 4 lines per worker at once, so a line's bound is its memory's.
pub const DEFAULT_LINE_BYTES: usize = 1 << 20;
/// 1 MiB: a rule file, a seed or a golden file.
pub const DEFAULT_RULE_BYTES: u64 = 1 << 20;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            case_bytes: DEFAULT_CASE_BYTES,
            line_bytes: DEFAULT_LINE_BYTES,
            rule_bytes: DEFAULT_RULE_BYTES,
        }
    }
}

impl Limits {
    /// Every limit set to `bytes`.
    #[must_use]
    pub fn all(bytes: u64) -> Limits {
        Limits {
            case_bytes: bytes,
            line_bytes: usize::try_from(bytes).unwrap_or(usize::MAX),
            rule_bytes: bytes,
        }
    }
}

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file (a FIFO, a device, a socket, a folder): refused without reading.
    Special(&'static str),
    /// Longer than the limit.
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The system could not read it.
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Special(kind) => write!(
                f,
                "{kind}, not a regular file: refused without reading it (give a file, or `-` for standard input)"
            ),
            ReadError::TooLarge { limit } => write!(
                f,
                "longer than the limit of {} bytes ({}); raise it with --max-bytes",
                limit,
                human_size(*limit)
            ),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// `8388608` as `8 MiB`, for messages.
#[must_use]
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, name) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {name}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// A size as given to `--max-bytes`: `5000000`, `64K`, `16M`, `1G` (powers of 1024).
#[must_use]
pub fn parse_size(s: &str) -> Option<u64> {
    let (digits, scale) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1 << 10),
        b'M' | b'm' => (&s[..s.len() - 1], 1 << 20),
        b'G' | b'g' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits
        .parse::<u64>()
        .ok()?
        .checked_mul(scale)
        .filter(|&n| n > 0)
}

/// What kind of special file `meta` describes, if it is not a regular file.
fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

/// Reads the regular file at `path` (symbolic links followed), at most `limit` bytes. A FIFO,
/// a device or a socket is refused before it is opened, so it can neither hang nor flood.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, len) = open_regular(path)?;
    if len > limit {
        return Err(ReadError::TooLarge { limit });
    }
    read_bounded(file, limit)
}

/// Opens the regular file at `path` (symbolic links followed) and gives its length; a FIFO, a
/// device, a socket or a folder is refused before it is opened.
pub fn open_regular(path: &Path) -> Result<(std::fs::File, u64), ReadError> {
    let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
    if let Some(kind) = special_kind(&meta) {
        return Err(ReadError::Special(kind));
    }
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    // The file may have been swapped since: check what was opened.
    let meta = file.metadata().map_err(ReadError::Io)?;
    if let Some(kind) = special_kind(&meta) {
        return Err(ReadError::Special(kind));
    }
    Ok((file, meta.len()))
}

/// Reads `input` to its end, at most `limit` bytes: one byte more is an error, and nothing
/// beyond it is read.
pub fn read_bounded(input: impl Read, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    input
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_their_suffix() {
        assert_eq!(parse_size("5000"), Some(5000));
        assert_eq!(parse_size("64K"), Some(65536));
        assert_eq!(parse_size("16M"), Some(16 << 20));
        assert_eq!(parse_size("1g"), Some(1 << 30));
        for bad in ["", "M", "0", "-1", "1.5M", "1T", "99999999999999999999G"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
        assert_eq!(human_size(8 << 20), "8 MiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }

    #[test]
    fn a_stream_is_read_to_its_limit_and_no_further() {
        assert_eq!(read_bounded(&b"abc"[..], 3).unwrap(), b"abc");
        assert!(matches!(
            read_bounded(io::repeat(0), 1000),
            Err(ReadError::TooLarge { limit: 1000 })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_folders_are_refused_unread() {
        assert!(matches!(
            read_file(Path::new("/dev/zero"), 10),
            Err(ReadError::Special("a device"))
        ));
        assert!(matches!(
            read_file(Path::new("/"), 10),
            Err(ReadError::Special("a folder"))
        ));
    }
}
