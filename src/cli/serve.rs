//! `policy-calc serve [--addr 127.0.0.1:8080] [--rules DIR]`: the HTTP API and the web page.

use std::net::SocketAddr;
use std::path::Path;

use policy_calc::rulebook::{LoadError, Rulebook};
use policy_calc::serve::Limits;

use super::USAGE;

pub fn run(args: &[String]) -> i32 {
    let mut addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080));
    let mut rules: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a.as_str(), None),
        };
        if flag != "--addr" && flag != "--rules" {
            err!("error: `serve` takes --addr HOST:PORT and --rules DIR, not `{a}`\n\n{USAGE}");
            return 2;
        }
        let Some(value) = inline.or_else(|| it.next().cloned()) else {
            err!("error: `{flag}` needs a value");
            return 2;
        };
        if flag == "--addr" {
            match value.parse() {
                Ok(a) => addr = a,
                Err(_) => {
                    err!(
                        "error: `--addr {value}` is not an address and port such as 127.0.0.1:8080"
                    );
                    return 2;
                }
            }
        } else {
            rules = Some(value);
        }
    }
    let book: &'static Rulebook = match rules {
        None => Rulebook::embedded(),
        // Loaded once and kept for the life of the process, shared by every request.
        Some(dir) => match Rulebook::load_dir(Path::new(&dir)) {
            Ok(b) => Box::leak(Box::new(b)),
            Err(LoadError::Io(e)) => {
                err!("error: {e}");
                return 2;
            }
            Err(LoadError::Rules(d)) => {
                for d in &d.0 {
                    err!("{}\n", super::render(d));
                }
                err!("error: the rules in {dir} have {} problem(s)", d.0.len());
                return 2;
            }
        },
    };
    match policy_calc::serve::run(addr, book, Limits::default()) {
        Ok(()) => 0,
        Err(e) => {
            err!("error: cannot serve on {addr}: {e}");
            2
        }
    }
}
