//! Drawing the whole workbench: the tab bar, the focused view (and the detail beside it, or
//! below it, or instead of it on a small terminal), the status bar, and any overlay.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, TABS, Tab};
use super::command::Command;
use super::panes::{Ui, welcome};

/// Wide enough for a view and the detail side by side.
const SIDE_BY_SIDE: u16 = 120;
/// Tall enough for a view above the detail.
const STACKED: u16 = 36;

pub fn draw(f: &mut Frame, app: &mut App, store: &str) {
    let area = f.area();
    let [top, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    app.page = body.height.saturating_sub(4).max(1) as usize;
    let theme = app.theme.clone();
    let glyphs = app.glyphs;
    let index = app.index.clone();
    let ui = Ui {
        theme: &theme,
        glyphs: &glyphs,
        index: index.as_deref(),
        focused: true,
    };
    tabs(f, top, app, &ui);
    if app.welcome() {
        welcome::render(f, body, &ui, &app.keymap, store);
    } else {
        let (main, detail) = split(body, app.show_detail, app.detail.focus);
        if let Some(main) = main {
            match app.tab {
                Tab::Feeds => app.feeds.render(f, main, &ui),
                Tab::Events => app.events.render(f, main, &ui),
                Tab::Indicators => app.indicators.render(f, main, &ui),
                Tab::Graph => app.graph.render(f, main, &ui),
            }
        }
        if let Some(d) = detail {
            let dui = Ui {
                focused: main.is_none(),
                ..ui
            };
            app.detail.render(f, d, &dui);
        }
    }
    status_bar(f, status, app, &ui);
    if let Some(mut o) = app.overlay.take() {
        o.render(f, area, &ui, app);
        app.overlay = Some(o);
    }
    if glyphs.ascii {
        ascii_fold(f.buffer_mut());
    }
}

/// Outside UTF-8 locales every cell must be ASCII: the chrome's marks get ASCII stand-ins,
/// anything else (a feed's non-ASCII text) shows as `?` rather than as mojibake.
fn ascii_fold(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let sym = cell.symbol();
        if sym.is_ascii() {
            continue;
        }
        let plain = match sym {
            "·" => "-",
            "…" => ".",
            "›" => ">",
            "─" | "━" => "-",
            "│" | "┃" => "|",
            "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" => "+",
            "█" => "#",
            "░" => "-",
            "▶" => ">",
            _ => "?",
        };
        cell.set_symbol(plain);
    }
}

/// Where the view and the detail go. On a small terminal the detail key swaps them, and
/// browsing the detail (`focus`) gives it the screen.
fn split(body: Rect, show_detail: bool, focus: bool) -> (Option<Rect>, Option<Rect>) {
    let show_detail = show_detail || focus;
    if body.width >= SIDE_BY_SIDE {
        if !show_detail {
            return (Some(body), None);
        }
        let [m, d] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Fill(1)]).areas(body);
        (Some(m), Some(d))
    } else if body.height >= STACKED {
        if !show_detail {
            return (Some(body), None);
        }
        let [m, d] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Fill(1)]).areas(body);
        (Some(m), Some(d))
    } else if focus {
        (None, Some(body))
    } else if show_detail {
        (Some(body), None)
    } else {
        (None, Some(body))
    }
}

fn tabs(f: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let mut spans = vec![Span::styled(" threatdeck ", ui.style("title"))];
    for (i, (tab, name)) in TABS.iter().enumerate() {
        let style = if *tab == app.tab && !app.welcome() {
            ui.style("tab_active")
        } else {
            ui.style("tab")
        };
        spans.push(Span::styled(format!(" {} {name} ", i + 1), style));
    }
    let running = app.feeds.running.len();
    let mut right = String::new();
    if running > 0 {
        right.push_str(&format!("syncing {running}  "));
    }
    if let Some(s) = &app.stats {
        right.push_str(&format!(
            "{} events · {} attributes ",
            s.events, s.attributes
        ));
    }
    let [l, r] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(right.chars().count() as u16),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(Line::from(spans)), l);
    f.render_widget(Paragraph::new(right).style(ui.style("dim")), r);
}

fn status_bar(f: &mut Frame, area: Rect, app: &App, ui: &Ui) {
    let line = if let Some(s) = &app.status {
        Line::from(Span::styled(
            super::text::fit(&s.text, area.width as usize, ui.glyphs),
            if s.error {
                ui.style("error")
            } else {
                ui.style("status")
            },
        ))
    } else if !app.pending.is_empty() {
        Line::from(Span::styled(
            format!("{} …", super::keymap::show_keys(&app.pending)),
            ui.style("key"),
        ))
    } else {
        let ctx = app.context();
        let mut hints = vec![
            (Command::Search, "search"),
            (Command::Palette, "commands"),
            (Command::Help, "help"),
            (Command::Quit, "quit"),
        ];
        let first: &[(Command, &str)] = match app.context() {
            "feeds" => &[
                (Command::SyncNow, "sync"),
                (Command::ToggleEnabled, "enable"),
            ],
            "indicators" => &[
                (Command::Pivot, "pivot"),
                (Command::FalsePositive, "false positive"),
            ],
            "graph" => &[(Command::Open, "pivot"), (Command::Back, "back")],
            "welcome" => &[(Command::LoadSample, "sample")],
            _ => &[],
        };
        hints.splice(0..0, first.iter().copied());
        let mut spans = Vec::new();
        for (c, label) in hints {
            if let Some(k) = app.keymap.key_for(ctx, c) {
                spans.push(Span::styled(format!(" {k}"), ui.style("key")));
                spans.push(Span::styled(format!(" {label} "), ui.style("dim")));
            }
        }
        Line::from(spans)
    };
    f.render_widget(Paragraph::new(line), area);
}
