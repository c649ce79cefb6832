//! The `policy-calc` command: a thin front over the library.

mod cli;

/// mimalloc in place of the C library's allocator: a report or a server's answer is many
/// small allocations freed soon after, often on another thread, which glibc's malloc paid for
/// in its arenas' locks and consolidation (an eighth of the server's time).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run(std::env::args_os().skip(1).collect()));
}
