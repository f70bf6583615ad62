//! Indicators: every value in the store, a million as cheaply as ten: rows are built for the
//! window on screen, and their facts (sources, score, links, warninglists, first and last
//! seen) are looked up in the store's index for those rows only.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table, TableState};

use super::Ui;
use super::list::Nav;
use crate::model::time::format_date;
use crate::store::SearchHit;
use crate::tui::fuzzy::Index;
use crate::tui::msg::{Filtered, Request};
use crate::tui::text::fit;

/// Facts kept for at most this many values (rows scrolled past are looked up again).
const CACHE: usize = 4096;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// As stored (import order).
    #[default]
    Stored,
    Value,
    Type,
}

#[derive(Default)]
pub struct IndicatorsPane {
    /// Index entries (values only), in the order shown.
    rows: Vec<usize>,
    pub nav: Nav,
    pub sort: Sort,
    facts: HashMap<String, Option<SearchHit>>,
    /// Values on screen whose facts are not known yet: the run loop asks for them.
    pub wanted: Vec<String>,
    /// Values whose facts were asked for and have not come back.
    asked: std::collections::HashSet<String>,
    /// The query line in force, and what it matched.
    pub filter: Option<Filtered>,
    /// A query line being run: (query, generation).
    pub filtering: Option<(String, u64)>,
    generation: u64,
}

impl IndicatorsPane {
    pub fn set_index(&mut self, idx: &Index) {
        self.rows = idx.values().map(|(i, _)| i).collect();
        self.facts.clear();
        self.asked.clear();
        self.apply_sort(idx);
        self.nav.set_len(self.rows.len());
    }

    fn apply_sort(&mut self, idx: &Index) {
        let e = &idx.entries;
        match self.sort {
            Sort::Stored => self.rows.sort_unstable(),
            Sort::Value => self.rows.sort_by(|&a, &b| e[a].text.cmp(&e[b].text)),
            Sort::Type => self
                .rows
                .sort_by(|&a, &b| (e[a].type_, &e[a].text).cmp(&(e[b].type_, &e[b].text))),
        }
    }

    pub fn next_sort(&mut self) {
        self.sort = match self.sort {
            Sort::Stored => Sort::Value,
            Sort::Value => Sort::Type,
            Sort::Type => Sort::Stored,
        };
        // Sorted again at the next draw, which has the index.
        self.rows.clear();
    }

    /// Forget the facts of the rows (scores or tags changed): they are asked for again.
    pub fn clear_facts(&mut self) {
        self.facts.clear();
        self.asked.clear();
    }

    /// Run `query` (an empty one clears the filter).
    pub fn start_filter(&mut self, query: &str) -> Option<Request> {
        let query = query.trim().to_string();
        if query.is_empty() {
            self.filter = None;
            self.filtering = None;
            self.nav = Nav::default();
            self.rows.clear();
            return None;
        }
        self.generation += 1;
        self.filtering = Some((query.clone(), self.generation));
        Some(Request::Filter {
            query,
            generation: self.generation,
        })
    }

    pub fn set_filtered(&mut self, f: Filtered) {
        if self
            .filtering
            .as_ref()
            .is_none_or(|(_, g)| *g != f.generation)
        {
            return; // an older query's answer
        }
        self.filtering = None;
        // The same query again (new data came): the cursor stays where it was.
        let same = self.filter.as_ref().is_some_and(|old| old.query == f.query);
        if !same {
            self.nav = Nav::default();
        }
        self.nav.set_len(f.values.len());
        self.filter = Some(f);
    }

    /// A filter is re-run when the store changes (new data may match).
    pub fn refilter(&mut self) -> Option<Request> {
        let q = self.filter.as_ref()?.query.clone();
        let keep = self.nav.selected;
        let r = self.start_filter(&q);
        self.nav.selected = keep;
        r
    }

    pub fn set_facts(&mut self, rows: Vec<(String, Option<SearchHit>)>) {
        if self.facts.len() > CACHE {
            self.facts.clear();
        }
        for (v, _) in &rows {
            self.asked.remove(v);
        }
        self.facts.extend(rows);
    }

    pub fn selected_value(&self, idx: Option<&Index>) -> Option<String> {
        if let Some(f) = &self.filter {
            return f.values.get(self.nav.get()?).map(|(v, _)| v.clone());
        }
        let i = *self.rows.get(self.nav.get()?)?;
        idx?.entries.get(i).map(|e| e.text.to_string())
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        let height = super::inner_height(area).saturating_sub(1);
        let busy = self
            .filtering
            .as_ref()
            .map(|(q, _)| format!(", running {}…", fit(q, 40, ui.glyphs)))
            .unwrap_or_default();
        // The window of (value, type) rows on screen, and the title.
        let (title, window) = if let Some(flt) = &self.filter {
            let capped = flt
                .capped
                .map(|c| format!(", score judged on the first {c}"))
                .unwrap_or_default();
            self.nav.set_len(flt.values.len());
            let range = self.nav.window(height);
            (
                format!(
                    " Indicators matching {} ({}{capped}{busy}) ",
                    fit(&flt.query, 50, ui.glyphs),
                    flt.values.len()
                ),
                flt.values[range].to_vec(),
            )
        } else {
            let Some(idx) = ui.index else {
                let p = ratatui::widgets::Paragraph::new("loading the values…")
                    .style(ui.style("dim"))
                    .block(ui.block(" Indicators "));
                f.render_widget(p, area);
                return;
            };
            if self.rows.is_empty() && idx.values().next().is_some() {
                self.set_index(idx);
            }
            let sort = match self.sort {
                Sort::Stored => "as stored",
                Sort::Value => "by value",
                Sort::Type => "by type",
            };
            self.nav.set_len(self.rows.len());
            let range = self.nav.window(height);
            (
                format!(" Indicators ({}, {sort}{busy}) ", self.rows.len()),
                self.rows[range]
                    .iter()
                    .map(|&i| {
                        (
                            idx.entries[i].text.to_string(),
                            idx.entries[i].type_.to_string(),
                        )
                    })
                    .collect(),
            )
        };
        let block = ui.block(Line::from(title));
        let wide = area.width >= 110;
        let mut rows = Vec::with_capacity(window.len());
        for (value, type_) in &window {
            let facts = self.facts.get(value);
            // Asked once: a row whose answer is late (or failed) is not asked again each frame.
            if facts.is_none() && self.asked.insert(value.clone()) {
                self.wanted.push(value.clone());
            }
            let hit = facts.and_then(Option::as_ref);
            let dash = || "-".to_string();
            let sources = hit.map_or_else(dash, |h| h.sources.len().to_string());
            let score = hit
                .and_then(|h| h.score)
                .map_or_else(dash, |s| format!("{s:.0}"));
            let links = hit.map_or_else(dash, |h| h.correlations.to_string());
            let wl = hit.is_some_and(|h| !h.warninglists.is_empty());
            let mut cells = vec![
                Span::styled(fit(type_, 14, ui.glyphs), ui.style("dim")),
                Span::styled(fit(value, 300, ui.glyphs), ui.style("value")),
                Span::raw(sources),
                Span::raw(score),
                Span::raw(links),
                if wl {
                    Span::styled("WL", ui.style("warn"))
                } else {
                    Span::raw("")
                },
            ];
            if wide {
                let first = hit.and_then(|h| h.seen.iter().map(|s| s.first_seen).min());
                let last = hit.and_then(|h| h.seen.iter().map(|s| s.last_seen).max());
                cells.push(Span::raw(first.map(format_date).unwrap_or_default()));
                cells.push(Span::raw(last.map(format_date).unwrap_or_default()));
            }
            rows.push(Row::new(cells));
        }
        let mut widths = vec![
            Constraint::Length(14),
            Constraint::Fill(1),
            Constraint::Length(4),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(2),
        ];
        let mut header = vec!["type", "value", "src", "score", "links", "wl"];
        if wide {
            widths.extend([Constraint::Length(10), Constraint::Length(10)]);
            header.extend(["first", "last"]);
        }
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(ui.style("dim")))
            .row_highlight_style(ui.style("selection"))
            .block(block);
        let sel = self.nav.selected.saturating_sub(self.nav.offset);
        let mut state = TableState::default().with_selected((!window.is_empty()).then_some(sel));
        f.render_stateful_widget(table, area, &mut state);
    }
}
