//! Events: date, org, info, tags, attributes and source; sorted by date, size or title, and
//! filtered by a tag (from the search overlay).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table, TableState};
use uuid::Uuid;

use super::Ui;
use super::list::Nav;
use crate::store::EventSummary;
use crate::tui::text::fit;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    Largest,
    Title,
}

#[derive(Default)]
pub struct EventsPane {
    all: Vec<EventSummary>,
    /// Indices into `all`, in the order shown.
    shown: Vec<usize>,
    pub nav: Nav,
    pub sort: Sort,
    pub tag: Option<String>,
    /// Words every shown event has in its info, org, source or tags (lowercase).
    pub words: Vec<String>,
    /// Events each shares a value with (None: a list), for the rows seen so far.
    links: std::collections::HashMap<Uuid, Option<u64>>,
    /// Events on screen whose links are not known yet: the run loop asks for them.
    pub wanted: Vec<Uuid>,
    asked: std::collections::HashSet<Uuid>,
}

impl EventsPane {
    pub fn set_links(&mut self, links: Vec<(Uuid, Option<u64>)>) {
        self.links.extend(links);
    }

    pub fn set_rows(&mut self, rows: Vec<EventSummary>) {
        // New data may add links: count them again as they come on screen.
        self.links.clear();
        self.asked.clear();
        let keep = self.selected_uuid();
        self.all = rows;
        self.reorder(keep);
    }

    fn reorder(&mut self, keep: Option<Uuid>) {
        let mut shown: Vec<usize> = (0..self.all.len())
            .filter(|&i| {
                let e = &self.all[i];
                let tagged = self
                    .tag
                    .as_ref()
                    .is_none_or(|t| e.event.tags.iter().any(|x| x.name == *t));
                tagged
                    && (self.words.is_empty() || {
                        let mut hay = format!("{} {}", e.event.info, e.source);
                        if let Some(o) = &e.event.orgc {
                            hay.push(' ');
                            hay.push_str(&o.name);
                        }
                        for t in &e.event.tags {
                            hay.push(' ');
                            hay.push_str(&t.name);
                        }
                        let hay = hay.to_lowercase();
                        self.words.iter().all(|w| hay.contains(w.as_str()))
                    })
            })
            .collect();
        let a = &self.all;
        match self.sort {
            Sort::Newest => shown.sort_by(|&x, &y| {
                (&a[y].event.date, a[y].event.timestamp)
                    .cmp(&(&a[x].event.date, a[x].event.timestamp))
            }),
            Sort::Largest => shown.sort_by_key(|&i| std::cmp::Reverse(a[i].attribute_count)),
            Sort::Title => shown.sort_by(|&x, &y| a[x].event.info.cmp(&a[y].event.info)),
        }
        self.shown = shown;
        self.nav.set_len(self.shown.len());
        if let Some(u) = keep {
            self.select_uuid(u);
        }
    }

    pub fn next_sort(&mut self) {
        self.sort = match self.sort {
            Sort::Newest => Sort::Largest,
            Sort::Largest => Sort::Title,
            Sort::Title => Sort::Newest,
        };
        let keep = self.selected_uuid();
        self.reorder(keep);
    }

    /// Show only events having every word (in info, org, source or tags); empty: all.
    pub fn set_words(&mut self, text: &str) {
        self.words = text.split_whitespace().map(str::to_lowercase).collect();
        self.nav.top();
        self.reorder(None);
    }

    pub fn set_tag_filter(&mut self, tag: Option<String>) {
        self.tag = tag;
        self.nav.top();
        self.reorder(None);
    }

    pub fn select_uuid(&mut self, u: Uuid) {
        if let Some(pos) = self.shown.iter().position(|&i| self.all[i].event.uuid == u) {
            self.nav.selected = pos;
        } else if self.tag.is_some() {
            // Not under the filter: drop the filter rather than hide what was asked for.
            self.tag = None;
            self.reorder(Some(u));
        }
    }

    pub fn selected(&self) -> Option<&EventSummary> {
        self.nav
            .get()
            .and_then(|i| self.shown.get(i))
            .map(|&i| &self.all[i])
    }

    pub fn selected_uuid(&self) -> Option<Uuid> {
        self.selected().map(|e| e.event.uuid)
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        let sort = match self.sort {
            Sort::Newest => "newest",
            Sort::Largest => "largest",
            Sort::Title => "title",
        };
        let mut filter = self
            .tag
            .as_ref()
            .map(|t| format!(", tag {}", fit(t, 30, ui.glyphs)))
            .unwrap_or_default();
        if !self.words.is_empty() {
            filter.push_str(&format!(
                ", matching {}",
                fit(&self.words.join(" "), 30, ui.glyphs)
            ));
        }
        let block = ui.block(Line::from(format!(
            " Events ({}, {sort}{filter}) ",
            self.shown.len()
        )));
        let range = self.nav.window(super::inner_height(area).saturating_sub(1));
        let wide = area.width >= 100;
        let rows: Vec<Row> = self.shown[range.clone()]
            .iter()
            .map(|&i| {
                let e = &self.all[i];
                let links = match self.links.get(&e.event.uuid) {
                    Some(Some(n)) => n.to_string(),
                    Some(None) => "list".to_string(),
                    None => {
                        if self.asked.insert(e.event.uuid) {
                            self.wanted.push(e.event.uuid);
                        }
                        "…".to_string()
                    }
                };
                let org = e.event.orgc.as_ref().map(|o| o.name.as_str()).unwrap_or("");
                let tags: Vec<&str> = e.event.tags.iter().map(|t| t.name.as_str()).collect();
                let mut cells = vec![
                    Span::raw(fit(&e.event.date, 10, ui.glyphs)),
                    Span::raw(e.attribute_count.to_string()),
                    Span::raw(links),
                    Span::styled(fit(&e.event.info, 200, ui.glyphs), ui.style("event")),
                ];
                if wide {
                    cells.push(Span::raw(fit(org, 18, ui.glyphs)));
                    cells.push(Span::styled(
                        fit(&tags.join(" "), 40, ui.glyphs),
                        ui.style("dim"),
                    ));
                }
                Row::new(cells)
            })
            .collect();
        let mut widths = vec![
            Constraint::Length(10),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Fill(2),
        ];
        let mut header = vec!["date", "attrs", "links", "info"];
        if wide {
            widths.extend([Constraint::Length(18), Constraint::Fill(1)]);
            header.extend(["org", "tags"]);
        }
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(ui.style("dim")))
            .row_highlight_style(ui.style("selection"))
            .block(block);
        let sel = self.nav.selected.saturating_sub(range.start);
        let mut state =
            TableState::default().with_selected((!self.shown.is_empty()).then_some(sel));
        f.render_stateful_widget(table, area, &mut state);
    }
}
