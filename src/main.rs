//! Thin binary: parse the command line, call the library, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
