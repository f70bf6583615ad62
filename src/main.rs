//! Thin binary: parse the command line, call the library, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so `threatdeck search x | head` would panic on a closed pipe;
    // a command-line tool should just stop, as cat and grep do.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = threatdeck::cli::Cli::parse();
    match threatdeck::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "threatdeck: {}",
                threatdeck::safe_text::inert(&format!("{e:#}"))
            );
            ExitCode::from(1)
        }
    }
}
