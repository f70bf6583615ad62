//! The real terminal: raw mode, the alternate screen, bracketed paste, synchronized output;
//! all undone on exit, on error and on panic.

use std::io::{self, Stdout, Write};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};

use super::app::App;
use super::run::Screen;

/// The terminal while the workbench runs; dropping it restores the terminal.
pub struct Tty {
    term: Terminal<CrosstermBackend<Stdout>>,
}

impl Tty {
    pub fn enter() -> io::Result<Tty> {
        // NO_COLOR is the theme's job (it keeps reverse and bold): crossterm's own handling
        // would turn every colour change into a full attribute reset.
        ratatui::crossterm::style::Colored::set_ansi_color_disabled(false);
        // ratatui's hook restores raw mode and the screen, then runs the previous hook.
        let term = ratatui::try_init()?;
        let prev = std::panic::take_hook();
        let ui = std::thread::current().id();
        std::panic::set_hook(Box::new(move |info| {
            // A background job that panics is caught and reported in the status bar; only a
            // panic of the drawing thread ends the session and restores the terminal.
            if std::thread::current().id() != ui {
                return;
            }
            let _ = execute!(io::stdout(), DisableBracketedPaste);
            prev(info);
        }));
        execute!(io::stdout(), EnableBracketedPaste)?;
        Ok(Tty { term })
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        let _ = execute!(io::stdout(), DisableBracketedPaste);
        ratatui::restore();
        let _ = io::stdout().flush();
    }
}

impl Screen for Tty {
    fn frame(&mut self, app: &mut App, store: &str) -> io::Result<()> {
        // Terminals that know synchronized output paint the frame at once (no tearing over
        // SSH); the rest ignore the markers.
        execute!(self.term.backend_mut(), BeginSynchronizedUpdate)?;
        let r = self
            .term
            .draw(|f| super::ui::draw(f, app, store))
            .map(|_| ());
        execute!(self.term.backend_mut(), EndSynchronizedUpdate)?;
        r
    }
}
