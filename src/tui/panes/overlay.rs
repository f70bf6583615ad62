//! Overlays over the views: fuzzy search (results as you type, matched characters lit), the
//! help generated from the keymap and the command registry, and the command palette.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState, Paragraph};

use super::Ui;
use super::list::Nav;
use crate::store::browse::EntryKind;
use crate::tui::app::App;
use crate::tui::command::{self, Command, REGISTRY};
use crate::tui::fuzzy::{Hit, MAX_QUERY};
use crate::tui::msg::Request;
use crate::tui::text::fit;

pub enum Outcome {
    Stay,
    Close,
    Run(Command),
    /// Open search hit: the entry's kind and index.
    Open(EntryKind, usize),
    /// Apply a query line.
    Filter(String),
    /// Pivot to a value (the overlay stays open underneath? no: it closes).
    Pivot(String),
}

pub struct SearchOverlay {
    pub input: String,
    generation: u64,
    /// The generation of the hits shown.
    shown: u64,
    pub hits: Vec<Hit>,
    /// The value the query names, found in the store's index: the first row.
    pub exact: Option<String>,
    pub total: usize,
    pub millis: u128,
    nav: Nav,
}

pub struct HelpOverlay {
    context: &'static str,
    scroll: usize,
}

pub struct PaletteOverlay {
    input: String,
    nav: Nav,
}

pub struct QueryOverlay {
    pub input: String,
}

pub enum Overlay {
    Search(SearchOverlay),
    Help(HelpOverlay),
    Palette(PaletteOverlay),
    Query(QueryOverlay),
    Paste(Box<super::paste::PasteBox>),
    Edit(Box<super::edit::EditBox>),
}

/// Line editing shared by the text overlays; returns whether the text changed.
fn edit(input: &mut String, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => {
            input.clear();
            true
        }
        KeyCode::Char('w') if ctrl => {
            let t = input.trim_end().len();
            input.truncate(input[..t].rfind(' ').map_or(0, |i| i + 1));
            true
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() && input.chars().count() < MAX_QUERY => {
            input.push(c);
            true
        }
        KeyCode::Backspace => input.pop().is_some(),
        _ => false,
    }
}

/// Longest query line.
const QUERY_LINE: usize = 400;

/// `edit` without the search's length cap.
fn edit_long(input: &mut String, key: &KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char(c) if !ctrl && !c.is_control() => input.push(c),
        _ => {
            edit(input, key);
        }
    }
}

/// Up/down keys every overlay list understands.
fn moves(nav: &mut Nav, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Up => nav.up(1),
        KeyCode::Char('p') if ctrl => nav.up(1),
        KeyCode::Down => nav.down(1),
        KeyCode::Char('n') if ctrl => nav.down(1),
        KeyCode::PageUp => nav.up(10),
        KeyCode::PageDown => nav.down(10),
        _ => return false,
    }
    true
}

impl Overlay {
    pub fn search() -> Overlay {
        Overlay::Search(SearchOverlay {
            input: String::new(),
            generation: 0,
            shown: 0,
            hits: Vec::new(),
            exact: None,
            total: 0,
            millis: 0,
            nav: Nav::default(),
        })
    }

    pub fn query(current: &str) -> Overlay {
        Overlay::Query(QueryOverlay {
            input: current.to_string(),
        })
    }

    pub fn help(context: &'static str) -> Overlay {
        Overlay::Help(HelpOverlay { context, scroll: 0 })
    }

    pub fn palette() -> Overlay {
        let mut nav = Nav::default();
        nav.set_len(palette_matches("").len());
        Overlay::Palette(PaletteOverlay {
            input: String::new(),
            nav,
        })
    }

    pub fn on_paste(&mut self, text: &str, requests: &mut Vec<Request>) {
        match self {
            Overlay::Search(s) => {
                // The first line only: a query is one line.
                let line = text.lines().next().unwrap_or("");
                for c in line.chars().filter(|c| !c.is_control()) {
                    if s.input.chars().count() >= MAX_QUERY {
                        break;
                    }
                    s.input.push(c);
                }
                s.requery(requests);
            }
            Overlay::Palette(p) => {
                let room = MAX_QUERY.saturating_sub(p.input.chars().count());
                p.input
                    .extend(text.chars().filter(|c| !c.is_control()).take(room));
                p.nav.set_len(palette_matches(&p.input).len());
                p.nav.top();
            }
            Overlay::Query(q) => {
                let line = text.lines().next().unwrap_or("");
                let room = QUERY_LINE.saturating_sub(q.input.chars().count());
                q.input
                    .extend(line.chars().filter(|c| !c.is_control()).take(room));
            }
            Overlay::Paste(p) => p.paste(text, requests),
            Overlay::Edit(e) => e.on_paste(text),
            Overlay::Help(_) => {}
        }
    }

    pub fn on_key(&mut self, key: KeyEvent, app: &mut App) -> Outcome {
        if let Overlay::Paste(p) = self {
            return match p.on_key(key, &mut app.requests) {
                super::paste::PasteOutcome::Stay => Outcome::Stay,
                super::paste::PasteOutcome::Close => Outcome::Close,
                super::paste::PasteOutcome::Pivot(v) => Outcome::Pivot(v),
            };
        }
        if let Overlay::Edit(e) = self {
            return match e.on_key(key) {
                super::edit::EditOutcome::Stay => Outcome::Stay,
                super::edit::EditOutcome::Close => Outcome::Close,
                super::edit::EditOutcome::Save(r) => {
                    app.requests.push(r);
                    Outcome::Close
                }
            };
        }
        if key.code == KeyCode::Esc {
            return Outcome::Close;
        }
        match self {
            // Handled above.
            Overlay::Paste(_) | Overlay::Edit(_) => Outcome::Stay,
            Overlay::Search(s) => {
                if moves(&mut s.nav, &key) {
                    return Outcome::Stay;
                }
                if key.code == KeyCode::Enter {
                    if let Some(v) = &s.exact {
                        return Outcome::Pivot(v.clone());
                    }
                    return match (s.nav.get().and_then(|i| s.hits.get(i)), app.index.as_ref()) {
                        (Some(h), Some(idx)) => match idx.entries.get(h.index) {
                            Some(e) => Outcome::Open(e.kind, h.index),
                            None => Outcome::Stay,
                        },
                        _ => Outcome::Stay,
                    };
                }
                if edit(&mut s.input, &key) {
                    s.requery(&mut app.requests);
                }
                Outcome::Stay
            }
            Overlay::Help(h) => {
                match key.code {
                    KeyCode::Char('q') | KeyCode::Char('?') => return Outcome::Close,
                    KeyCode::Char('j') | KeyCode::Down => h.scroll += 1,
                    KeyCode::Char('k') | KeyCode::Up => h.scroll = h.scroll.saturating_sub(1),
                    _ => {}
                }
                Outcome::Stay
            }
            Overlay::Query(q) => {
                if key.code == KeyCode::Enter {
                    return Outcome::Filter(q.input.clone());
                }
                if q.input.chars().count() < QUERY_LINE || key.code == KeyCode::Backspace {
                    edit_long(&mut q.input, &key);
                }
                Outcome::Stay
            }
            Overlay::Palette(p) => {
                if moves(&mut p.nav, &key) {
                    return Outcome::Stay;
                }
                let found = palette_matches(&p.input);
                if key.code == KeyCode::Enter {
                    return match p.nav.get().and_then(|i| found.get(i)) {
                        Some(c) => Outcome::Run(*c),
                        None => Outcome::Stay,
                    };
                }
                if edit(&mut p.input, &key) {
                    p.nav.set_len(palette_matches(&p.input).len());
                    p.nav.top();
                }
                Outcome::Stay
            }
        }
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui, app: &App) {
        let w = area.width.saturating_sub(4).min(100);
        let h = area.height.saturating_sub(2).min(30);
        let popup = area.centered(Constraint::Length(w), Constraint::Length(h));
        f.render_widget(Clear, popup);
        match self {
            Overlay::Edit(e) => e.render(f, area, ui),
            Overlay::Paste(p) => {
                let big = area.centered(
                    Constraint::Length(area.width.saturating_sub(2)),
                    Constraint::Length(area.height.saturating_sub(2)),
                );
                p.render(f, big, ui);
            }
            Overlay::Search(s) => s.render(f, popup, ui),
            Overlay::Help(hp) => {
                let rows = app.keymap.help_rows(hp.context);
                let lines: Vec<Line> = rows
                    .iter()
                    .skip(hp.scroll.min(rows.len().saturating_sub(1)))
                    .map(|(k, d)| {
                        Line::from(vec![
                            Span::styled(format!("{k:>20}  "), ui.style("key")),
                            Span::raw(d.clone()),
                        ])
                    })
                    .collect();
                let title = format!(" Keys: {} (Esc closes, j/k scroll) ", hp.context);
                f.render_widget(Paragraph::new(lines).block(ui.block(title)), popup);
            }
            Overlay::Query(q) => {
                let area = Rect {
                    height: 5.min(popup.height),
                    ..popup
                };
                f.render_widget(Clear, area);
                let lines = vec![
                    Line::from(vec![
                        Span::styled("filter ", ui.style("key")),
                        Span::raw(fit(
                            &q.input,
                            area.width.saturating_sub(10) as usize,
                            ui.glyphs,
                        )),
                    ]),
                    Line::from(Span::styled(
                        "type:ip-dst tag:tlp:clear source:NAME score:>50 since:7d cidr:10.0.0.0/8 -warninglist ids WORD",
                        ui.style("dim"),
                    )),
                    Line::from(Span::styled(
                        "Enter applies (empty clears) · =name QUERY saves a view · @name loads one · Esc",
                        ui.style("dim"),
                    )),
                ];
                f.render_widget(Paragraph::new(lines).block(ui.block(" Filter ")), area);
            }
            Overlay::Palette(p) => {
                let found = palette_matches(&p.input);
                let block = ui.block(" Command ");
                let inner = block.inner(popup);
                f.render_widget(block, popup);
                let [input, list] =
                    Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
                f.render_widget(Paragraph::new(format!(": {}", p.input)), input);
                p.nav.set_len(found.len());
                let range = p.nav.window(list.height as usize);
                let items: Vec<ListItem> = found[range.clone()]
                    .iter()
                    .map(|c| {
                        let i = command::info(*c);
                        ListItem::new(Line::from(vec![
                            Span::styled(format!("{:<16}", i.name), ui.style("key")),
                            Span::raw(i.desc),
                        ]))
                    })
                    .collect();
                let mut st =
                    ListState::default().with_selected(p.nav.get().map(|s| s - range.start));
                f.render_stateful_widget(
                    List::new(items).highlight_style(ui.style("selection")),
                    list,
                    &mut st,
                );
            }
        }
    }
}

/// Commands whose name contains the typed text (the palette lists what keys can run).
fn palette_matches(input: &str) -> Vec<Command> {
    let q = input.trim().to_ascii_lowercase();
    REGISTRY
        .iter()
        .filter(|i| i.command != Command::Noop && i.name.contains(q.as_str()))
        .map(|i| i.command)
        .collect()
}

impl SearchOverlay {
    /// Ask for results of the current input.
    pub fn requery(&mut self, requests: &mut Vec<Request>) {
        self.generation += 1;
        if self.input.trim().is_empty() {
            self.hits.clear();
            self.exact = None;
            self.total = 0;
            self.nav.set_len(0);
            self.shown = self.generation;
            return;
        }
        requests.retain(|r| !matches!(r, Request::Search { .. }));
        requests.push(Request::Search {
            query: self.input.clone(),
            generation: self.generation,
        });
    }

    /// The index changed under the hits shown: they point into the old one, so they go
    /// until the new answer comes.
    pub fn index_changed(&mut self, requests: &mut Vec<Request>) {
        self.hits.clear();
        self.exact = None;
        self.nav.set_len(0);
        self.requery(requests);
    }

    pub fn results(
        &mut self,
        generation: u64,
        exact: Option<String>,
        hits: Vec<Hit>,
        total: usize,
        millis: u128,
    ) {
        // Answers arrive in order; an older one than shown is stale.
        if generation < self.shown || generation > self.generation {
            return;
        }
        self.shown = generation;
        self.nav.set_len(usize::from(exact.is_some()) + hits.len());
        self.exact = exact;
        self.hits = hits;
        self.total = total;
        self.millis = millis;
        self.nav.top();
    }

    fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        let status = if self.input.trim().is_empty() {
            String::new()
        } else if self.shown != self.generation {
            "searching…".to_string()
        } else {
            format!(
                "{} of {} in {} ms",
                self.hits.len() + usize::from(self.exact.is_some()),
                self.total,
                self.millis
            )
        };
        let block = ui.block(Line::from(format!(" Search {status} ")));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [input, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("/ ", ui.style("key")),
                Span::raw(fit(
                    &self.input,
                    input.width.saturating_sub(3) as usize,
                    ui.glyphs,
                )),
            ])),
            input,
        );
        let Some(idx) = ui.index else {
            f.render_widget(
                Paragraph::new("loading the values…").style(ui.style("dim")),
                list,
            );
            return;
        };
        if let Some(v) = &self.exact {
            // Found by the store's index, as typed: one row, no fuzzy scan.
            let line = Line::from(vec![
                Span::styled(format!("{:<14} ", "exact"), ui.style("dim")),
                Span::styled(
                    fit(v, list.width.saturating_sub(16) as usize, ui.glyphs),
                    ui.style("value"),
                ),
            ]);
            let mut st = ListState::default().with_selected(Some(0));
            f.render_stateful_widget(
                List::new(vec![ListItem::new(line)]).highlight_style(ui.style("selection")),
                list,
                &mut st,
            );
            return;
        }
        let range = self.nav.window(list.height as usize);
        let width = list.width.saturating_sub(16) as usize;
        let items: Vec<ListItem> = self.hits[range.clone()]
            .iter()
            .filter_map(|h| {
                let e = idx.entries.get(h.index)?;
                let (kind, style) = match e.kind {
                    EntryKind::Value => (e.type_, ui.style("value")),
                    EntryKind::EventInfo => ("event", ui.style("event")),
                    EntryKind::Tag => ("tag", ui.style("source")),
                };
                let mut line = ui.highlighted(&e.text, &h.positions, width, style);
                line.spans.insert(
                    0,
                    Span::styled(
                        format!("{:<14} ", fit(kind, 14, ui.glyphs)),
                        ui.style("dim"),
                    ),
                );
                Some(ListItem::new(line))
            })
            .collect();
        let mut st = ListState::default().with_selected(self.nav.get().map(|s| s - range.start));
        f.render_stateful_widget(
            List::new(items).highlight_style(ui.style("selection")),
            list,
            &mut st,
        );
    }
}
