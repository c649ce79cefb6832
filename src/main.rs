//! The `policy-calc` command: a thin front over the library.

mod cli;

fn main() {
    std::process::exit(cli::run(std::env::args().skip(1).collect()));
}
