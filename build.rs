//! Compiles the rule files and the seeds into the library: every `rules/*.toml` and every
//! `seeds/*.txt`, found here at build time, so that a new document is new files and no Rust
//! edit. Writes `$OUT_DIR/embedded.rs` (`EMBEDDED_RULES`, `EMBEDDED_SEEDS`), in name order.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut out = String::new();
    for (name, dir, ext, what) in [
        (
            "EMBEDDED_RULES",
            "rules",
            "toml",
            "The rule files compiled into the library.",
        ),
        (
            "EMBEDDED_SEEDS",
            "seeds",
            "txt",
            "The source documents compiled into the library, for the quote check.",
        ),
    ] {
        let dir = Path::new(&root).join(dir);
        // A file added or removed in the folder, or one changed, builds again.
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == ext) && p.is_file())
            .collect();
        files.sort();
        let _ = writeln!(out, "/// {what}\npub const {name}: &[(&str, &str)] = &[");
        for p in files {
            let file = p
                .file_name()
                .and_then(|n| n.to_str())
                .expect("a UTF-8 file name");
            let _ = writeln!(
                out,
                "    ({file:?}, include_str!({:?})),",
                p.display().to_string()
            );
        }
        out.push_str("];\n");
    }
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
