//! The correlation graph around one value: its neighbours grouped by link kind and node kind
//! and drawn as a tree, hubs capped with "+N more"; Enter pivots, Backspace goes back along
//! the breadcrumb.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

use super::Ui;
use super::list::Nav;
use crate::correlate::pivot::{Graph, Node};
use crate::tui::text::fit;

/// The longest breadcrumb kept.
const PATH: usize = 64;

enum GRow {
    Header(String),
    Node { node: usize, last: bool },
    More { count: u64, last: bool },
}

#[derive(Default)]
pub struct GraphPane {
    /// Pivot path, the current value last.
    path: Vec<String>,
    graph: Option<Graph>,
    rows: Vec<GRow>,
    /// Positions in `rows` that can be selected.
    nodes: Vec<usize>,
    pub nav: Nav,
}

impl GraphPane {
    pub fn current(&self) -> Option<String> {
        self.path.last().cloned()
    }

    /// Pivot to `value` (the graph arrives later).
    pub fn go(&mut self, value: String) {
        if self.path.last() != Some(&value) {
            self.path.push(value);
            if self.path.len() > PATH {
                self.path.remove(0);
            }
        }
        self.graph = None;
        self.rows.clear();
        self.nodes.clear();
        self.nav = Nav::default();
    }

    /// Step back; returns the value to show again.
    pub fn back(&mut self) -> Option<String> {
        if self.path.len() < 2 {
            return None;
        }
        self.path.pop();
        let prev = self.path.pop()?;
        self.go(prev.clone());
        Some(prev)
    }

    pub fn set_graph(&mut self, value: String, g: Graph) {
        if self.path.last() != Some(&value) {
            return; // an answer to a pivot already left
        }
        self.rows = group(&g);
        self.nodes = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, GRow::Node { .. }))
            .map(|(i, _)| i)
            .collect();
        self.nav.set_len(self.nodes.len());
        self.graph = Some(g);
    }

    fn node_at(&self, sel: usize) -> Option<&Node> {
        let g = self.graph.as_ref()?;
        match self.rows.get(*self.nodes.get(sel)?)? {
            GRow::Node { node, .. } => g.nodes.get(*node),
            _ => None,
        }
    }

    /// (id, kind, label) of the selected neighbour.
    pub fn selected_node(&self) -> Option<(String, &'static str, String)> {
        self.node_at(self.nav.get()?)
            .map(|n| (n.id.clone(), n.kind, n.label.clone()))
    }

    pub fn selected_value(&self) -> Option<String> {
        match self.nav.get().and_then(|i| self.node_at(i)) {
            Some(n) if n.kind == "value" => Some(n.label.clone()),
            Some(_) => None,
            None => self.current(),
        }
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        let block = ui.block(" Graph ");
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [crumb, head, body] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let Some(current) = self.current() else {
            f.render_widget(
                Paragraph::new(
                    "Pick a value (Indicators, or / to search) and pivot to see what it links to.",
                )
                .style(ui.style("dim")),
                inner,
            );
            return;
        };
        // The breadcrumb keeps its end: the latest steps matter most.
        let w = crumb.width as usize;
        let trail: Vec<String> = self.path.iter().map(|p| fit(p, 28, ui.glyphs)).collect();
        let mut shown = trail.join(ui.glyphs.arrow);
        if shown.chars().count() > w {
            let skip = shown.chars().count() - w + ui.glyphs.ellipsis.chars().count();
            shown = format!(
                "{}{}",
                ui.glyphs.ellipsis,
                shown.chars().skip(skip).collect::<String>()
            );
        }
        f.render_widget(Paragraph::new(shown).style(ui.style("dim")), crumb);
        let Some(g) = &self.graph else {
            f.render_widget(Paragraph::new("loading…").style(ui.style("dim")), head);
            return;
        };
        let root = g.nodes.iter().find(|n| n.id == g.root);
        let mut title = vec![Span::styled(
            fit(&current, 60, ui.glyphs),
            ui.style("value").patch(ui.style("title")),
        )];
        if let Some(r) = root {
            if let Some(t) = &r.type_ {
                title.push(Span::styled(
                    format!("  {}", fit(t, 30, ui.glyphs)),
                    ui.style("dim"),
                ));
            }
            if let Some(s) = r.score {
                title.push(Span::raw(format!("  score {s:.0}")));
            }
            if let Some(e) = r.events {
                title.push(Span::raw(format!("  {e} event(s)")));
            }
            if !r.warninglists.is_empty() {
                title.push(Span::styled("  on a warninglist", ui.style("warn")));
            }
            if r.over_correlated {
                title.push(Span::styled("  over-correlated", ui.style("warn")));
            }
        }
        f.render_widget(Paragraph::new(Line::from(title)), head);
        if self.rows.is_empty() {
            f.render_widget(
                Paragraph::new("no links: nothing else holds this value").style(ui.style("dim")),
                body,
            );
            return;
        }
        // Scroll so the selected node's row is on screen, with its group header when it fits.
        let h = body.height as usize;
        let sel_row = self
            .nav
            .get()
            .and_then(|i| self.nodes.get(i))
            .copied()
            .unwrap_or(0);
        let start = sel_row
            .saturating_sub(h.saturating_sub(1))
            .min(self.rows.len().saturating_sub(1));
        let items: Vec<ListItem> = self.rows[start..]
            .iter()
            .take(h)
            .map(|r| ListItem::new(row_line(r, g, ui, body.width as usize)))
            .collect();
        let mut state = ListState::default().with_selected(Some(sel_row - start));
        f.render_stateful_widget(
            List::new(items).highlight_style(ui.style("selection")),
            body,
            &mut state,
        );
    }
}

fn row_line<'a>(r: &GRow, g: &Graph, ui: &Ui, width: usize) -> Line<'a> {
    match r {
        GRow::Header(h) => Line::from(Span::styled(h.clone(), ui.style("title"))),
        GRow::Node { node, last } => {
            let n = &g.nodes[*node];
            let branch = if *last {
                ui.glyphs.last_branch
            } else {
                ui.glyphs.branch
            };
            let style = ui.style(match n.kind {
                "event" => "event",
                "source" => "source",
                _ => "value",
            });
            let mut spans = vec![
                Span::styled(format!("  {branch}"), ui.style("dim")),
                Span::styled(
                    fit(&n.label, width.saturating_sub(30).max(10), ui.glyphs),
                    style,
                ),
            ];
            if let Some(t) = &n.type_ {
                spans.push(Span::styled(
                    format!("  {}", fit(t, 30, ui.glyphs)),
                    ui.style("dim"),
                ));
            }
            if let Some(s) = n.score {
                spans.push(Span::raw(format!("  {s:.0}")));
            }
            if !n.warninglists.is_empty() {
                spans.push(Span::styled(" WL", ui.style("warn")));
            }
            if n.left_out > 0 {
                spans.push(Span::styled(
                    format!("  +{} more", n.left_out),
                    ui.style("dim"),
                ));
            }
            Line::from(spans)
        }
        GRow::More { count, last } => {
            let branch = if *last {
                ui.glyphs.last_branch
            } else {
                ui.glyphs.branch
            };
            Line::from(Span::styled(
                format!("  {branch}+{count} more (hub: not expanded)"),
                ui.style("dim"),
            ))
        }
    }
}

/// Neighbours grouped by how they link to the centre (exact, composite, cidr, url-host,
/// parent-domain, source) and what they are; what shares an event with it comes last.
fn group(g: &Graph) -> Vec<GRow> {
    use std::collections::BTreeMap;
    let order = [
        "exact",
        "composite",
        "cidr",
        "url-host",
        "parent-domain",
        "source",
    ];
    let mut groups: BTreeMap<(usize, &str, &str), Vec<usize>> = BTreeMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        if n.id == g.root {
            continue;
        }
        let direct = g
            .edges
            .iter()
            .find(|e| (e.from == g.root && e.to == n.id) || (e.to == g.root && e.from == n.id));
        let (rank, link) = match direct {
            Some(e) => (
                order
                    .iter()
                    .position(|k| *k == e.kind)
                    .unwrap_or(order.len()),
                e.kind,
            ),
            None => (order.len() + 1, "same event"),
        };
        groups.entry((rank, link, n.kind)).or_default().push(i);
    }
    let root_left = g
        .nodes
        .iter()
        .find(|n| n.id == g.root)
        .map_or(0, |n| n.left_out);
    let mut rows = Vec::new();
    for ((_, link, kind), members) in groups {
        rows.push(GRow::Header(format!("{link} · {kind} ({})", members.len())));
        let n = members.len();
        for (j, node) in members.into_iter().enumerate() {
            rows.push(GRow::Node {
                node,
                last: j + 1 == n,
            });
        }
    }
    if root_left > 0 {
        rows.push(GRow::More {
            count: root_left,
            last: true,
        });
    }
    rows
}
