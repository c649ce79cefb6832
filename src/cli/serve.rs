//! `policy-calc serve [--addr 127.0.0.1:8080] [--rules DIR]`: the HTTP API and the web page.

use std::net::SocketAddr;
use std::path::Path;

use policy_calc::Rulebook;
use policy_calc::rulebook::LoadError;
use policy_calc::serve::Limits;

/// Serves on `addr` the built-in rulebook, or the rules in folder `rules`.
pub fn run(addr: SocketAddr, rules: Option<String>) -> i32 {
    let book: &'static Rulebook = match rules {
        None => Rulebook::embedded(),
        // Loaded once and kept for the life of the process, shared by every request.
        Some(dir) => match Rulebook::load_dir(Path::new(&dir)) {
            Ok(b) => Box::leak(Box::new(b)),
            Err(e @ LoadError::Io { .. }) => {
                err!("error: {e}");
                return 2;
            }
            Err(LoadError::Rules(d)) => {
                for d in &d.0 {
                    err!("{}\n", super::full(d));
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
