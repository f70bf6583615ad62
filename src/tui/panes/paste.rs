//! The paste box: text from a ticket or a report goes in (typed or pasted), the indicators
//! in it come out refanged and typed the MISP way, each marked known or new against the
//! store; Tab moves to the list, Enter pivots, `s` saves them as a new event.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState, Paragraph};
use ratatui_textarea::TextArea;

use super::Ui;
use super::list::Nav;
use crate::tui::msg::{Extracted, Request};
use crate::tui::text::fit;

/// The most text the box holds (a report, not a dump).
pub const MAX_TEXT: usize = 1 << 20;

pub enum PasteOutcome {
    Stay,
    Close,
    Pivot(String),
}

pub struct PasteBox {
    pub area: TextArea<'static>,
    pub rows: Extracted,
    pub nav: Nav,
    /// Focus on the list (else on the text).
    pub on_list: bool,
    generation: u64,
}

impl Default for PasteBox {
    fn default() -> Self {
        let mut area = TextArea::default();
        area.set_placeholder_text(
            "paste a ticket, a report or a list: hxxp://evil[.]example, 198.51.100[.]7 …",
        );
        PasteBox {
            area,
            rows: Extracted::default(),
            nav: Nav::default(),
            on_list: false,
            generation: 0,
        }
    }
}

impl PasteBox {
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    fn changed(&mut self, requests: &mut Vec<Request>) {
        self.generation += 1;
        requests.retain(|r| !matches!(r, Request::Extract { .. }));
        requests.push(Request::Extract {
            text: self.text(),
            generation: self.generation,
        });
    }

    /// Pasted text: line ends made plain, controls escaped, the whole capped.
    pub fn paste(&mut self, text: &str, requests: &mut Vec<Request>) {
        let room = MAX_TEXT.saturating_sub(self.text().len());
        let clean = text.replace("\r\n", "\n").replace('\r', "\n");
        let clean = crate::safe_text::escape_controls(&clean);
        let mut cut = clean.len().min(room);
        while !clean.is_char_boundary(cut) {
            cut -= 1;
        }
        self.area.insert_str(&clean[..cut]);
        self.on_list = false;
        self.changed(requests);
    }

    pub fn results(&mut self, r: Extracted) {
        if r.generation == self.generation {
            self.nav.set_len(r.rows.len());
            self.rows = r;
        }
    }

    pub fn on_key(&mut self, key: KeyEvent, requests: &mut Vec<Request>) -> PasteOutcome {
        if key.code == KeyCode::Esc {
            return PasteOutcome::Close;
        }
        if key.code == KeyCode::Tab || key.code == KeyCode::BackTab {
            self.on_list = !self.on_list;
            return PasteOutcome::Stay;
        }
        if self.on_list {
            match key.code {
                KeyCode::Char('j') | KeyCode::Down => self.nav.down(1),
                KeyCode::Char('k') | KeyCode::Up => self.nav.up(1),
                KeyCode::Enter | KeyCode::Char('p') => {
                    if let Some(r) = self.nav.get().and_then(|i| self.rows.rows.get(i)) {
                        return PasteOutcome::Pivot(r.1.clone());
                    }
                }
                KeyCode::Char('s') if !self.rows.rows.is_empty() => {
                    requests.push(Request::SaveEvent {
                        info: first_line(&self.text()),
                        text: self.text(),
                    });
                }
                _ => {}
            }
            return PasteOutcome::Stay;
        }
        // Typing: everything goes to the text area, within the cap.
        let grows = matches!(key.code, KeyCode::Char(_) | KeyCode::Enter)
            && !key.modifiers.contains(KeyModifiers::CONTROL);
        if grows && self.text().len() >= MAX_TEXT {
            return PasteOutcome::Stay;
        }
        if self.area.input(key) {
            self.changed(requests);
        }
        PasteOutcome::Stay
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        f.render_widget(Clear, area);
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(area);
        let text_ui = Ui {
            focused: !self.on_list,
            ..*ui
        };
        self.area
            .set_block(text_ui.block(" Paste (Tab: to the indicators, Esc closes) "));
        f.render_widget(&self.area, top);
        let known = self.rows.rows.iter().filter(|r| r.2).count();
        let title = format!(
            " {} indicator(s), {known} known · Enter pivots · s saves as a new event ",
            self.rows.rows.len()
        );
        let list_ui = Ui {
            focused: self.on_list,
            ..*ui
        };
        let block = list_ui.block(Line::from(title));
        let inner = block.inner(bottom);
        f.render_widget(block, bottom);
        if self.rows.rows.is_empty() {
            f.render_widget(
                Paragraph::new("no indicators found yet").style(ui.style("dim")),
                inner,
            );
            return;
        }
        let range = self.nav.window(inner.height as usize);
        let items: Vec<ListItem> = self.rows.rows[range.clone()]
            .iter()
            .map(|(t, v, known)| {
                ListItem::new(Line::from(vec![
                    Span::styled(
                        if *known { "known " } else { "new   " },
                        if *known {
                            ui.style("warn")
                        } else {
                            ui.style("dim")
                        },
                    ),
                    Span::styled(format!("{:<16}", fit(t, 16, ui.glyphs)), ui.style("dim")),
                    Span::styled(
                        fit(v, inner.width.saturating_sub(24) as usize, ui.glyphs),
                        ui.style("value"),
                    ),
                ]))
            })
            .collect();
        let sel = self
            .on_list
            .then(|| self.nav.selected.saturating_sub(range.start));
        let mut st = ListState::default().with_selected(sel);
        f.render_stateful_widget(
            List::new(items).highlight_style(ui.style("selection")),
            inner,
            &mut st,
        );
    }
}

/// A title for the saved event: the first line that says something, cut short.
fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let short: String = line.chars().take(80).collect();
    format!("Pasted: {short}")
}
