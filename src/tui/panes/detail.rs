//! Detail of the selection: every field of a value (types, sources and when each saw it,
//! events, score, warninglists, sightings), of an event (its attributes), or of a feed (its
//! configuration and run history with errors). The full value is here, never cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Ui;
use crate::model::time::{format_date, format_rfc3339};
use crate::tui::msg::{EventDetail, FeedDetail, Request, ValueDetail};
use crate::tui::text::safe;

/// The detail shows values whole (escaped, never cut): the views cut, this is where to read.
fn whole(s: &str) -> String {
    crate::safe_text::escape_controls(s).into_owned()
}

#[derive(Default)]
enum Content {
    #[default]
    None,
    Value(ValueDetail),
    Event(EventDetail),
    Feed(FeedDetail),
}

#[derive(Default)]
pub struct DetailPane {
    content: Content,
    /// What was last asked for (so moving the cursor asks once per row).
    asked: Option<Request>,
    pub scroll: u16,
    /// Keys move through an event's attributes.
    pub focus: bool,
    pub nav: super::list::Nav,
}

impl DetailPane {
    /// Whether `r` is new (and so worth asking for); remembers it.
    pub fn wants(&mut self, r: &Request) -> bool {
        if self.asked.as_ref() == Some(r) {
            return false;
        }
        self.asked = Some(r.clone());
        self.scroll = 0;
        true
    }

    pub fn invalidate(&mut self) {
        self.asked = None;
    }

    /// Answers come back in any order: only the one last asked for is shown.
    fn current(&self, r: &Request) -> bool {
        self.asked.as_ref() == Some(r)
    }

    pub fn set_value(&mut self, d: ValueDetail) {
        if self.current(&Request::ValueDetail(d.value.clone())) {
            self.content = Content::Value(d);
        }
    }

    pub fn set_event(&mut self, d: EventDetail) {
        if self.current(&Request::EventDetail(d.summary.event.uuid)) {
            self.nav.set_len(d.attributes.len());
            self.content = Content::Event(d);
        }
    }

    pub fn set_feed(&mut self, d: FeedDetail) {
        if self.current(&Request::FeedDetail(d.feed.name.clone())) {
            self.content = Content::Feed(d);
        }
    }

    /// The event shown and its selected attribute, when an event is shown.
    pub fn selected_attr(&self) -> Option<(uuid::Uuid, &crate::tui::msg::AttrRow)> {
        match &self.content {
            Content::Event(e) => e
                .attributes
                .get(self.nav.get()?)
                .map(|a| (e.summary.event.uuid, a)),
            _ => None,
        }
    }

    pub fn shows_event(&self, uuid: uuid::Uuid) -> bool {
        matches!(&self.content, Content::Event(e) if e.summary.event.uuid == uuid)
    }

    pub fn scroll_by(&mut self, lines: i32) {
        self.scroll = (i32::from(self.scroll) + lines).clamp(0, i32::from(u16::MAX)) as u16;
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, ui: &Ui) {
        let (title, lines) = match &self.content {
            Content::None => (
                " Detail ",
                vec![Line::from(Span::styled(
                    "nothing selected",
                    ui.style("dim"),
                ))],
            ),
            Content::Value(v) => (" Value ", value_lines(v, ui)),
            Content::Event(e) => {
                let sel = self.focus.then(|| self.nav.get()).flatten();
                if let Some(s) = sel {
                    // Keep the selected attribute in view.
                    let line = (EVENT_HEAD + s) as u16;
                    let h = area.height.saturating_sub(2).max(1);
                    if line < self.scroll {
                        self.scroll = line;
                    } else if line >= self.scroll + h {
                        self.scroll = line + 1 - h;
                    }
                }
                let title = if self.focus {
                    " Event: attributes (p pivot, c comment, Backspace back) "
                } else {
                    " Event (Enter: its attributes) "
                };
                (title, event_lines(e, ui, sel))
            }
            Content::Feed(d) => (" Feed ", feed_lines(d, ui)),
        };
        let focused = Ui {
            focused: ui.focused || self.focus,
            ..*ui
        };
        let p = Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((self.scroll, 0))
            .block(focused.block(title));
        f.render_widget(p, area);
    }
}

fn field<'a>(name: &str, value: String, ui: &Ui) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<12}"), ui.style("dim")),
        Span::raw(value),
    ])
}

fn value_lines<'a>(v: &ValueDetail, ui: &Ui) -> Vec<Line<'a>> {
    let mut out = vec![Line::from(Span::styled(whole(&v.value), ui.style("value")))];
    let Some(h) = &v.hit else {
        out.push(Line::from(Span::styled(
            "not in the store",
            ui.style("dim"),
        )));
        return out;
    };
    out.push(field("types", safe(&h.types.join(", ")).into_owned(), ui));
    out.push(field(
        "score",
        h.score.map_or("-".into(), |s| format!("{s:.1}")),
        ui,
    ));
    out.push(field(
        "links",
        format!(
            "{} event(s) correlate{}",
            h.correlations,
            if h.over_correlated {
                " (over-correlated: not linked pairwise)"
            } else {
                ""
            }
        ),
        ui,
    ));
    if !v.warninglists.is_empty() {
        out.push(Line::from(vec![
            Span::styled(format!("{:<12}", "warninglist"), ui.style("dim")),
            Span::styled(
                safe(&v.warninglists.join(", ")).into_owned(),
                ui.style("warn"),
            ),
        ]));
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled("sources", ui.style("title"))));
    for s in &h.seen {
        out.push(Line::from(format!(
            "  {}  {} .. {}{}",
            safe(&s.source),
            format_date(s.first_seen),
            format_date(s.last_seen),
            if s.listed { "" } else { "  (no longer listed)" }
        )));
    }
    out.push(Line::from(Span::styled(
        format!("events ({})", h.events.len()),
        ui.style("title"),
    )));
    for e in h.events.iter().take(50) {
        out.push(Line::from(format!("  {e}")));
    }
    if !v.sightings.is_empty() {
        out.push(Line::from(Span::styled("sightings", ui.style("title"))));
        for (kind, t) in v.sightings.iter().rev().take(20) {
            out.push(Line::from(format!("  {}  {kind}", format_rfc3339(*t))));
        }
    }
    out
}

/// Lines above an event's attributes (title, eight fields, the heading).
const EVENT_HEAD: usize = 9;

fn event_lines<'a>(d: &EventDetail, ui: &Ui, selected: Option<usize>) -> Vec<Line<'a>> {
    let e = &d.summary.event;
    let mut out = vec![Line::from(Span::styled(whole(&e.info), ui.style("event")))];
    out.push(field("uuid", e.uuid.to_string(), ui));
    out.push(field("date", safe(&e.date).into_owned(), ui));
    out.push(field(
        "org",
        e.orgc
            .as_ref()
            .map_or(String::new(), |o| safe(&o.name).into_owned()),
        ui,
    ));
    out.push(field("source", safe(&d.summary.source).into_owned(), ui));
    let tags: Vec<&str> = e.tags.iter().map(|t| t.name.as_str()).collect();
    out.push(field("tags", safe(&tags.join(", ")).into_owned(), ui));
    out.push(field(
        "threat",
        ["", "high", "medium", "low", "undefined"][usize::from(e.threat_level_id.min(4))]
            .to_string(),
        ui,
    ));
    out.push(field(
        "analysis",
        ["initial", "ongoing", "completed"][usize::from(e.analysis.min(2))].to_string(),
        ui,
    ));
    out.push(Line::from(Span::styled(
        format!("attributes ({})", d.summary.attribute_count),
        ui.style("title"),
    )));
    for (i, a) in d.attributes.iter().enumerate() {
        let mut spans = vec![
            Span::styled(
                format!("  {:<14} ", crate::tui::text::fit(&a.type_, 14, ui.glyphs)),
                ui.style("dim"),
            ),
            Span::styled(whole(&a.value), ui.style("value")),
        ];
        if !a.comment.is_empty() {
            spans.push(Span::styled(
                format!("  # {}", whole(&a.comment)),
                ui.style("dim"),
            ));
        }
        let mut line = Line::from(spans);
        if selected == Some(i) {
            line = line.style(ui.style("selection"));
        }
        out.push(line);
    }
    if d.more > 0 {
        out.push(Line::from(Span::styled(
            format!("  +{} more", d.more),
            ui.style("dim"),
        )));
    }
    out
}

fn feed_lines<'a>(d: &FeedDetail, ui: &Ui) -> Vec<Line<'a>> {
    let f = &d.feed;
    let mut out = vec![Line::from(Span::styled(
        safe(&f.name).into_owned(),
        ui.style("title"),
    ))];
    out.push(field("location", whole(&f.location), ui));
    out.push(field("format", f.format.clone(), ui));
    out.push(field("enabled", f.enabled.to_string(), ui));
    out.push(field("interval", format!("{} s", f.interval_secs), ui));
    if !f.tags.is_empty() {
        out.push(field("tags", safe(&f.tags.join(", ")).into_owned(), ui));
    }
    if let Some(c) = f.confidence {
        out.push(field("confidence", c.to_string(), ui));
    }
    // Header names only: values may be references to secrets.
    if !f.headers.is_empty() {
        let names: Vec<&str> = f.headers.iter().map(|(k, _)| k.as_str()).collect();
        out.push(field("headers", safe(&names.join(", ")).into_owned(), ui));
    }
    out.push(Line::from(Span::styled("runs", ui.style("title"))));
    for r in &d.runs {
        let what = if r.ok {
            format!(
                "{} records +{} -{}{}",
                r.records,
                r.added,
                r.removed,
                if r.not_modified {
                    " (not modified)"
                } else {
                    ""
                }
            )
        } else {
            r.error.clone().unwrap_or_default()
        };
        let style = if r.ok {
            ui.style("text")
        } else if r.cancelled {
            ui.style("dim")
        } else {
            ui.style("error")
        };
        out.push(Line::from(vec![
            Span::styled(
                format!("  {}  ", format_rfc3339(r.started)),
                ui.style("dim"),
            ),
            Span::styled(safe(&what).into_owned(), style),
        ]));
    }
    out
}
