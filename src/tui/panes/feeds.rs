//! Feeds: name, health, last run, records, next run, and a live gauge while a sync runs.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table, TableState};

use super::Ui;
use super::list::Nav;
use crate::model::time::now;
use crate::sync::engine::SyncEvent;
use crate::tui::msg::FeedRow;
use crate::tui::text::{age, fit};

/// Where a running sync stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub bytes: u64,
    pub total: Option<u64>,
    pub records: u64,
}

#[derive(Default)]
pub struct FeedsPane {
    pub rows: Vec<FeedRow>,
    pub nav: Nav,
    pub running: HashMap<String, Progress>,
}

impl FeedsPane {
    pub fn set_rows(&mut self, rows: Vec<FeedRow>) {
        let keep = self.selected_name();
        self.rows = rows;
        self.nav.set_len(self.rows.len());
        if let Some(i) = keep.and_then(|k| self.rows.iter().position(|r| r.feed.name == k)) {
            self.nav.selected = i;
        }
    }

    pub fn selected(&self) -> Option<&FeedRow> {
        self.nav.get().and_then(|i| self.rows.get(i))
    }

    pub fn selected_name(&self) -> Option<String> {
        self.selected().map(|r| r.feed.name.clone())
    }

    pub fn on_sync(&mut self, e: SyncEvent) {
        match e {
            SyncEvent::Started { feed } => {
                self.running.insert(feed, Progress::default());
            }
            SyncEvent::Progress {
                feed,
                bytes,
                total,
                records,
            } => {
                self.running.insert(
                    feed,
                    Progress {
                        bytes,
                        total,
                        records,
                    },
                );
            }
            SyncEvent::Finished { feed, .. } | SyncEvent::Failed { feed, .. } => {
                self.running.remove(&feed);
            }
            SyncEvent::Pushed { .. } => {}
        }
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        let block = ui.block(Line::from(format!(" Feeds ({}) ", self.rows.len())));
        if self.rows.is_empty() {
            let p = ratatui::widgets::Paragraph::new(vec![
                Line::from("No feeds yet."),
                Line::from(""),
                Line::from("c  add the catalog of public feeds (disabled until you enable one)"),
                Line::from("   or: threatdeck feeds add NAME URL_OR_PATH --format F"),
            ])
            .style(ui.style("dim"))
            .block(block);
            f.render_widget(p, area);
            return;
        }
        let range = self.nav.window(super::inner_height(area).saturating_sub(1));
        let t = now();
        let wide = area.width >= 100;
        let rows: Vec<Row> = self.rows[range.clone()]
            .iter()
            .map(|r| {
                let health = if r.feed.enabled {
                    r.health.status
                } else {
                    "disabled"
                };
                let hstyle = match health {
                    "ok" => ui.style("ok"),
                    "disabled" | "never-synced" => ui.style("dim"),
                    "stale" | "dropped" | "empty" => ui.style("warn"),
                    _ => ui.style("error"),
                };
                let last = r.health.last_run.as_ref();
                let state = match self.running.get(&r.feed.name) {
                    Some(p) => gauge(p, ui),
                    None => last
                        .map(|l| {
                            if l.ok {
                                format!("+{} -{}", l.added, l.removed)
                            } else {
                                l.error.clone().unwrap_or_default()
                            }
                        })
                        .unwrap_or_default(),
                };
                let next = r
                    .next_run
                    .map(|n| {
                        if n <= t {
                            "due".to_string()
                        } else {
                            age(n - t)
                        }
                    })
                    .unwrap_or_else(|| "-".into());
                let mut cells = vec![
                    Span::raw(fit(&r.feed.name, 22, ui.glyphs)),
                    Span::styled(health, hstyle),
                    Span::raw(last.map_or("never".into(), |l| age(t - l.finished))),
                    Span::raw(last.map_or(String::new(), |l| l.records.to_string())),
                    Span::raw(next),
                ];
                if wide {
                    cells.push(Span::raw(fit(&r.feed.format, 11, ui.glyphs)));
                }
                cells.push(Span::raw(fit(&state, 60, ui.glyphs)));
                Row::new(cells)
            })
            .collect();
        let mut widths = vec![
            Constraint::Length(22),
            Constraint::Length(12),
            Constraint::Length(6),
            Constraint::Length(9),
            Constraint::Length(5),
        ];
        let mut header = vec!["feed", "health", "last", "records", "next"];
        if wide {
            widths.push(Constraint::Length(11));
            header.push("format");
        }
        widths.push(Constraint::Fill(1));
        header.push("sync");
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(ui.style("dim")))
            .row_highlight_style(ui.style("selection"))
            .block(block);
        let mut state = TableState::default().with_selected(Some(self.nav.selected - range.start));
        f.render_stateful_widget(table, area, &mut state);
    }
}

/// `[████░░░░] 12.0/30.0 MiB 4,211 rec` while a feed syncs.
fn gauge(p: &Progress, ui: &Ui) -> String {
    const W: usize = 10;
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    let bar = match p.total {
        Some(t) if t > 0 => {
            let filled = ((p.bytes.min(t) as f64 / t as f64) * W as f64) as usize;
            format!(
                "[{}{}] {:.1}/{:.1} MiB",
                ui.glyphs.bar_full.to_string().repeat(filled),
                ui.glyphs.bar_empty.to_string().repeat(W - filled),
                mib(p.bytes),
                mib(t)
            )
        }
        _ => format!(
            "[{}] {:.1} MiB",
            "syncing".to_string() + &" ".repeat(W - 7),
            mib(p.bytes)
        ),
    };
    if p.records > 0 {
        format!("{bar} {} rec", p.records)
    } else {
        bar
    }
}
