//! The first run: an empty store and no feeds. Says how to get data in; nothing touches the
//! network unless asked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Ui;
use crate::tui::command::Command;
use crate::tui::keymap::Keymap;

pub fn render(f: &mut Frame, area: Rect, ui: &Ui, keymap: &Keymap, store: &str) {
    let key = |c: Command| keymap.key_for("welcome", c).unwrap_or_else(|| "?".into());
    let k = |s: String| Span::styled(format!("  {s:<6}"), ui.style("key"));
    let lines = vec![
        Line::from(Span::styled("Welcome to threatdeck", ui.style("title"))),
        Line::from(Span::styled(
            format!("The store at {store} is empty."),
            ui.style("dim"),
        )),
        Line::from(""),
        Line::from(vec![
            k(key(Command::LoadSample)),
            Span::raw("load a small sample (two events, marked as sample)"),
        ]),
        Line::from(vec![
            k(key(Command::AddCatalog)),
            Span::raw("add the public feed catalog, all disabled"),
        ]),
        Line::from(vec![k(key(Command::Help)), Span::raw("keys")]),
        Line::from(vec![k(key(Command::Quit)), Span::raw("quit")]),
        Line::from(""),
        Line::from("Or import from a shell:"),
        Line::from(Span::styled(
            "  threatdeck import ./misp-feed-dir            a MISP feed",
            ui.style("dim"),
        )),
        Line::from(Span::styled(
            "  threatdeck import report.txt --dry-run       preview a defanged report",
            ui.style("dim"),
        )),
        Line::from(Span::styled(
            "  threatdeck import list.csv --source NAME     a CSV or text list",
            ui.style("dim"),
        )),
        Line::from(Span::styled(
            "  threatdeck feeds add NAME URL --format F     a feed, synced here",
            ui.style("dim"),
        )),
        Line::from(""),
        Line::from(Span::styled(
            "Nothing touches the network until you enable a feed.",
            ui.style("dim"),
        )),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(ui.block(" threatdeck ")),
        area,
    );
}
