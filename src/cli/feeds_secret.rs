//! `feeds secret set|list|remove`: the 0600 secrets file that `secret:NAME` headers use.

use std::io::{BufRead, IsTerminal};

use crate::safe_text::inert;
use crate::sync::secrets;

#[derive(Debug, clap::Subcommand)]
pub enum SecretCommand {
    /// Store a secret, read from standard input (never from the command line, which other
    /// users can see in the process list).
    Set {
        name: String,
    },
    /// Names of the stored secrets (values are never shown).
    List {
        #[arg(long)]
        json: bool,
    },
    Remove {
        name: String,
    },
}

/// Terminal echo off while a secret is typed; restored when dropped.
struct NoEcho {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl NoEcho {
    fn new() -> NoEcho {
        #[cfg(unix)]
        {
            // SAFETY: tcgetattr/tcsetattr on stdin with a termios we own; failures leave
            // the terminal as it was.
            let mut t: libc::termios = unsafe { std::mem::zeroed() };
            if unsafe { libc::tcgetattr(libc::STDIN_FILENO, &mut t) } != 0 {
                return NoEcho { saved: None };
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            if unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) } != 0 {
                return NoEcho { saved: None };
            }
            NoEcho { saved: Some(saved) }
        }
        #[cfg(not(unix))]
        NoEcho {}
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(t) = &self.saved {
            // SAFETY: restores the attributes read in `new`.
            unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t) };
        }
    }
}

pub fn run(cmd: SecretCommand) -> anyhow::Result<()> {
    match cmd {
        SecretCommand::Set { name } => {
            let stdin = std::io::stdin();
            let mut line = String::new();
            if stdin.is_terminal() {
                eprintln!(
                    "value for {} (one line; not shown as you type):",
                    inert(&name)
                );
                let _quiet = NoEcho::new();
                stdin.lock().read_line(&mut line)?;
                eprintln!();
            } else {
                stdin.lock().read_line(&mut line)?;
            }
            let value = line.trim_end_matches(['\r', '\n']);
            if value.trim().is_empty() {
                anyhow::bail!("no value on standard input; nothing stored");
            }
            let p = secrets::set(&name, value).map_err(anyhow::Error::msg)?;
            println!(
                "secret {} stored in {} (mode 600); use it as a header value 'secret:{}'",
                inert(&name),
                inert(&p.display().to_string()),
                inert(&name)
            );
        }
        SecretCommand::List { json } => {
            let names = secrets::names().map_err(anyhow::Error::msg)?;
            if json {
                super::print_json(&names)?;
            } else if names.is_empty() {
                println!("no secrets; add one with `threatdeck feeds secret set NAME`");
            } else {
                for n in names {
                    println!("{}", inert(&n));
                }
            }
        }
        SecretCommand::Remove { name } => {
            if !secrets::remove(&name).map_err(anyhow::Error::msg)? {
                anyhow::bail!("no secret named {name}");
            }
            println!("secret {} removed", inert(&name));
        }
    }
    Ok(())
}
