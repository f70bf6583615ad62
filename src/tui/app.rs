//! The workbench's state and its update logic: keys and background messages in, state and
//! requests out. No terminal and no store here, so every scenario is testable headless.

use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::Command;
use super::fuzzy::Index;
use super::keymap::{Keymap, Lookup};
use super::keys::Key;
use super::msg::{Msg, Request};
use super::panes::{
    detail::DetailPane, events::EventsPane, feeds::FeedsPane, graph::GraphPane,
    indicators::IndicatorsPane, overlay::Overlay,
};
use super::text::Glyphs;
use super::theme::Theme;
use crate::store::Stats;
use crate::store::browse::EntryKind;
use crate::sync::engine::SyncEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Feeds,
    Events,
    Indicators,
    Graph,
}

pub const TABS: [(Tab, &str); 4] = [
    (Tab::Feeds, "Feeds"),
    (Tab::Events, "Events"),
    (Tab::Indicators, "Indicators"),
    (Tab::Graph, "Graph"),
];

impl Tab {
    pub fn context(self) -> &'static str {
        match self {
            Tab::Feeds => "feeds",
            Tab::Events => "events",
            Tab::Indicators => "indicators",
            Tab::Graph => "graph",
        }
    }
}

pub struct Status {
    pub text: String,
    pub error: bool,
}

pub struct App {
    pub tab: Tab,
    pub show_detail: bool,
    pub overlay: Option<Overlay>,
    pub feeds: FeedsPane,
    pub events: EventsPane,
    pub indicators: IndicatorsPane,
    pub graph: GraphPane,
    pub detail: DetailPane,
    pub status: Option<Status>,
    pub stats: Option<Stats>,
    pub index: Option<Arc<Index>>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub glyphs: Glyphs,
    pub pending: Vec<Key>,
    pub quit: bool,
    /// Requests for the background, drained by the run loop.
    pub requests: Vec<Request>,
    /// The body's height at the last draw (page moves).
    pub page: usize,
    /// Where named views are kept (`views.toml` in the config directory).
    pub views_path: Option<std::path::PathBuf>,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, glyphs: Glyphs) -> App {
        App {
            tab: Tab::Feeds,
            show_detail: true,
            overlay: None,
            feeds: FeedsPane::default(),
            events: EventsPane::default(),
            indicators: IndicatorsPane::default(),
            graph: GraphPane::default(),
            detail: DetailPane::default(),
            status: None,
            stats: None,
            index: None,
            keymap,
            theme,
            glyphs,
            pending: Vec::new(),
            quit: false,
            requests: vec![
                Request::Stats,
                Request::Feeds,
                Request::Events,
                Request::Index,
            ],
            page: 10,
            views_path: None,
        }
    }

    /// An empty store with no feeds: the welcome screen shows instead of the panes.
    pub fn welcome(&self) -> bool {
        self.stats
            .as_ref()
            .is_some_and(|s| s.events == 0 && s.feeds == 0)
    }

    pub fn context(&self) -> &'static str {
        if self.welcome() {
            "welcome"
        } else if self.detail.focus {
            "detail"
        } else {
            self.tab.context()
        }
    }

    pub(super) fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        if let Some(mut o) = self.overlay.take() {
            match o.on_key(key, self) {
                super::panes::overlay::Outcome::Stay => self.overlay = Some(o),
                super::panes::overlay::Outcome::Close => {}
                super::panes::overlay::Outcome::Run(cmd) => self.run(cmd),
                super::panes::overlay::Outcome::Open(kind, i) => self.open_entry(kind, i),
                super::panes::overlay::Outcome::Filter(q) => self.apply_filter(&q),
                super::panes::overlay::Outcome::Pivot(v) => self.pivot(v),
            }
            self.follow_selection();
            return;
        }
        // Ctrl-C always quits, whatever the keymap says.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        self.pending.push(Key::from_event(&key));
        match self.keymap.lookup(self.context(), &self.pending) {
            Lookup::Run(cmd) => {
                self.pending.clear();
                self.run(cmd);
            }
            Lookup::Pending => {}
            Lookup::None => {
                // A key that breaks a chord (`g` then `j`) still counts on its own.
                let last = self.pending.pop();
                let retry = !self.pending.is_empty();
                self.pending.clear();
                if let Some(k) = last.filter(|_| retry)
                    && let Lookup::Run(cmd) = self.keymap.lookup(self.context(), &[k])
                {
                    self.run(cmd);
                }
            }
        }
    }

    /// A bracketed paste: into the overlay taking text, else into a new paste box.
    pub fn on_paste(&mut self, text: &str) {
        if self.overlay.is_none() {
            self.overlay = Some(Overlay::Paste(Box::default()));
        }
        if let Some(o) = self.overlay.as_mut() {
            o.on_paste(text, &mut self.requests);
        }
    }

    /// Run a command from a key, the palette or a test.
    pub fn run(&mut self, cmd: Command) {
        self.status = None;
        let page = self.page.max(1);
        match cmd {
            Command::Quit => self.quit = true,
            Command::Help => self.overlay = Some(Overlay::help(self.context())),
            Command::Palette => self.overlay = Some(Overlay::palette()),
            Command::Search => self.overlay = Some(Overlay::search()),
            Command::NextTab | Command::PrevTab => {
                let i = TABS.iter().position(|(t, _)| *t == self.tab).unwrap_or(0);
                let n = TABS.len();
                let j = if cmd == Command::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.show(TABS[j].0);
            }
            Command::ShowFeeds => self.show(Tab::Feeds),
            Command::ShowEvents => self.show(Tab::Events),
            Command::ShowIndicators => self.show(Tab::Indicators),
            Command::ShowGraph => self.show(Tab::Graph),
            Command::ToggleDetail => {
                self.show_detail = !self.show_detail;
                // Hidden, the detail cannot be browsed.
                self.detail.focus = false;
            }
            Command::Up => self.nav(|n| n.up(1)),
            Command::Down => self.nav(|n| n.down(1)),
            Command::Top => self.nav(|n| n.top()),
            Command::Bottom => self.nav(|n| n.bottom()),
            Command::PageUp => self.nav(|n| n.up(page)),
            Command::PageDown => self.nav(|n| n.down(page)),
            Command::Open | Command::Pivot => self.open(cmd),
            Command::Back if self.detail.focus => self.detail.focus = false,
            Command::Back => {
                if let Some(prev) = self.graph.back() {
                    self.requests.push(Request::Pivot(prev.clone()));
                    self.ask_detail(Request::ValueDetail(prev));
                }
            }
            Command::Refresh => {
                self.events.set_tag_filter(None);
                self.reload(true);
            }
            Command::SyncNow => {
                if let Some(name) = self.feeds.selected_name() {
                    self.requests.push(Request::SyncNow(name));
                }
            }
            Command::SyncAll => self.requests.push(Request::SyncAll),
            Command::Cancel => {
                if let Some(name) = self.feeds.selected_name() {
                    self.requests.push(Request::Cancel(name));
                }
            }
            Command::ToggleEnabled => {
                if let Some(row) = self.feeds.selected() {
                    self.requests.push(Request::SetEnabled(
                        row.feed.name.clone(),
                        !row.feed.enabled,
                    ));
                }
            }
            Command::Sighting | Command::FalsePositive => {
                if let Some(value) = self.selected_value() {
                    self.requests.push(Request::Sighting {
                        value,
                        false_positive: cmd == Command::FalsePositive,
                    });
                }
            }
            Command::LoadSample => self.requests.push(Request::LoadSample),
            Command::AddCatalog => self.requests.push(Request::AddCatalog),
            Command::SortNext => match self.tab {
                Tab::Events => self.events.next_sort(),
                Tab::Indicators => self.indicators.next_sort(),
                _ => {}
            },
            Command::Filter if self.tab == Tab::Events => {
                let current = self.events.words.join(" ");
                self.overlay = Some(Overlay::query(&current));
            }
            Command::Filter => {
                let current = self
                    .indicators
                    .filter
                    .as_ref()
                    .map(|f| f.query.clone())
                    .unwrap_or_default();
                self.overlay = Some(Overlay::query(&current));
            }
            Command::EditInfo | Command::EditTags => {
                if let Some(e) = self.events.selected() {
                    let (field, current) = if cmd == Command::EditInfo {
                        (super::panes::edit::Field::Info, e.event.info.clone())
                    } else {
                        let tags: Vec<&str> =
                            e.event.tags.iter().map(|t| t.name.as_str()).collect();
                        (super::panes::edit::Field::Tags, tags.join(", "))
                    };
                    self.overlay = Some(Overlay::Edit(Box::new(super::panes::edit::EditBox::new(
                        e.event.uuid,
                        field,
                        &current,
                    ))));
                }
            }
            Command::DetailDown => self.detail.scroll_by(page as i32 / 2),
            Command::DetailUp => self.detail.scroll_by(-(page as i32 / 2)),
            Command::EditComment => {
                if let Some((event, a)) = self.detail.selected_attr() {
                    let (attr, current) = (a.uuid, a.comment.clone());
                    self.overlay = Some(Overlay::Edit(Box::new(super::panes::edit::EditBox::new(
                        event,
                        super::panes::edit::Field::Comment(attr),
                        &current,
                    ))));
                }
            }
            Command::PasteBox => {
                self.overlay = Some(Overlay::Paste(Box::default()));
            }
            Command::Noop => {}
        }
        self.follow_selection();
    }

    fn show(&mut self, tab: Tab) {
        self.tab = tab;
        self.detail.focus = false;
    }

    fn nav(&mut self, f: impl FnOnce(&mut super::panes::list::Nav)) {
        if self.detail.focus {
            return f(&mut self.detail.nav);
        }
        match self.tab {
            Tab::Feeds => f(&mut self.feeds.nav),
            Tab::Events => f(&mut self.events.nav),
            Tab::Indicators => f(&mut self.indicators.nav),
            Tab::Graph => f(&mut self.graph.nav),
        }
    }

    /// The value under the cursor of the current view, if it is one.
    pub fn selected_value(&self) -> Option<String> {
        if self.detail.focus {
            return self.detail.selected_attr().map(|(_, a)| a.value.clone());
        }
        match self.tab {
            Tab::Indicators => self.indicators.selected_value(self.index.as_deref()),
            Tab::Graph => self.graph.selected_value(),
            _ => None,
        }
    }

    /// Ask for the detail of whatever is selected now (views call this after moving).
    fn follow_selection(&mut self) {
        if self.detail.focus {
            return; // moving through the detail's own rows
        }
        let want = match self.tab {
            Tab::Feeds => self.feeds.selected_name().map(Request::FeedDetail),
            Tab::Events => self.events.selected_uuid().map(Request::EventDetail),
            Tab::Indicators | Tab::Graph => self.selected_value().map(Request::ValueDetail),
        };
        if let Some(r) = want {
            self.ask_detail(r);
        }
    }

    fn open(&mut self, cmd: Command) {
        match self.tab {
            Tab::Feeds => self.show_detail = true,
            Tab::Events if self.detail.focus => {
                if let Some(v) = self.selected_value() {
                    self.detail.focus = false;
                    self.pivot(v);
                }
            }
            Tab::Events => {
                if let Some(u) = self.events.selected_uuid() {
                    self.show_detail = true;
                    self.ask_detail(Request::EventDetail(u));
                    // Once its detail is there, Enter moves into its attributes.
                    if self.detail.shows_event(u) {
                        self.detail.focus = true;
                        self.detail.nav.top();
                    }
                }
            }
            Tab::Indicators | Tab::Graph => {
                if cmd == Command::Open && self.tab == Tab::Graph {
                    if let Some((id, kind, label)) = self.graph.selected_node() {
                        self.pivot_to_node(&id, kind, label);
                    }
                } else if let Some(v) = self.selected_value() {
                    self.pivot(v);
                }
            }
        }
    }

    /// Enter on a graph neighbour: values pivot, events open their detail.
    fn pivot_to_node(&mut self, id: &str, kind: &str, label: String) {
        match kind {
            "value" => self.pivot(label),
            "event" => {
                if let Some(u) = id
                    .strip_prefix("event:")
                    .and_then(|u| uuid::Uuid::parse_str(u).ok())
                {
                    self.events.select_uuid(u);
                    self.ask_detail(Request::EventDetail(u));
                    self.show_detail = true;
                }
            }
            _ => self.info("sources have no neighbours to pivot to here"),
        }
    }

    pub fn pivot(&mut self, value: String) {
        self.detail.focus = false;
        self.graph.go(value.clone());
        self.tab = Tab::Graph;
        self.requests.push(Request::Pivot(value.clone()));
        self.ask_detail(Request::ValueDetail(value));
    }

    /// Ask for a detail; it replaces whatever detail was asked for before.
    fn ask_detail(&mut self, r: Request) {
        if self.detail.wants(&r) {
            self.requests.push(r);
        }
    }

    /// Enter on a search hit.
    fn open_entry(&mut self, kind: EntryKind, i: usize) {
        let Some(entry) = self.index.as_ref().and_then(|x| x.entries.get(i)).cloned() else {
            return;
        };
        match kind {
            EntryKind::Value => self.pivot(entry.text.to_string()),
            EntryKind::EventInfo => {
                self.detail.focus = false;
                if let Some(u) = entry.event {
                    self.tab = Tab::Events;
                    self.events.select_uuid(u);
                    self.ask_detail(Request::EventDetail(u));
                }
            }
            EntryKind::Tag => {
                self.tab = Tab::Events;
                self.events.set_tag_filter(Some(entry.text.to_string()));
                self.info(format!("events tagged {}", super::text::safe(&entry.text)));
            }
        }
    }

    /// Reload what the views show; `values` when values came or went (the fuzzy index is
    /// rebuilt then, a scan of the store).
    fn reload(&mut self, values: bool) {
        self.requests
            .extend([Request::Stats, Request::Feeds, Request::Events]);
        if values {
            self.requests.push(Request::Index);
        }
        if let Some(v) = self.graph.current() {
            self.requests.push(Request::Pivot(v));
        }
        if let Some(r) = self.indicators.refilter() {
            self.requests.push(r);
        }
        self.detail.invalidate();
        // Browsing an event's attributes: that event is shown again, as it is now.
        if self.detail.focus
            && let Some((u, _)) = self.detail.selected_attr()
        {
            self.ask_detail(Request::EventDetail(u));
        }
        self.follow_selection();
    }

    pub fn on_msg(&mut self, msg: Msg) {
        match msg {
            Msg::Stats(s) => self.stats = Some(s),
            Msg::Feeds(rows) => self.feeds.set_rows(rows),
            Msg::Events(rows) => self.events.set_rows(rows),
            Msg::Index(idx) => {
                self.indicators.set_index(&idx);
                self.index = Some(idx);
                if let Some(Overlay::Search(s)) = self.overlay.as_mut() {
                    s.index_changed(&mut self.requests);
                }
            }
            Msg::Search {
                generation,
                index,
                exact,
                hits,
                total,
                millis,
            } => {
                // Hits point into the index they were found in: one the view no longer has
                // would open the wrong entries (the new index brings a new search).
                let same = match (&index, &self.index) {
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                    _ => false,
                };
                if !same {
                    return;
                }
                if let Some(Overlay::Search(s)) = self.overlay.as_mut() {
                    s.results(generation, exact, hits, total, millis);
                }
            }
            Msg::Rows(rows) => self.indicators.set_facts(rows),
            Msg::EventLinks(l) => self.events.set_links(l),
            Msg::Extracted(x) => {
                if let Some(Overlay::Paste(p)) = self.overlay.as_mut() {
                    p.results(x);
                }
            }
            Msg::Filtered(f) => {
                let n = f.values.len();
                let ms = f.millis;
                self.indicators.set_filtered(*f);
                self.info(format!("{n} value(s) match ({ms} ms)"));
            }
            Msg::ValueDetail(d) => self.detail.set_value(*d),
            Msg::EventDetail(d) => self.detail.set_event(*d),
            Msg::FeedDetail(d) => self.detail.set_feed(*d),
            Msg::Graph(v, g) => self.graph.set_graph(v, *g),
            Msg::Sync(e) => self.on_sync(e),
            Msg::Changed => {
                // Scores and tags of what is on screen may have changed.
                self.indicators.clear_facts();
                self.reload(false);
            }
            Msg::NewData => self.reload(true),
            Msg::Info(t) => self.info(t),
            Msg::Error(t) => {
                self.status = Some(Status {
                    text: t,
                    error: true,
                })
            }
        }
        self.follow_selection();
    }

    fn on_sync(&mut self, e: SyncEvent) {
        let finished = matches!(e, SyncEvent::Finished { .. } | SyncEvent::Failed { .. });
        let new_values =
            matches!(&e, SyncEvent::Finished { run, .. } if run.added + run.removed > 0);
        if let SyncEvent::Failed { feed, error } = &e {
            self.status = Some(Status {
                text: format!("{}: {}", super::text::safe(feed), super::text::safe(error)),
                error: true,
            });
        }
        if let SyncEvent::Pushed { output, report } = &e {
            let error = report.as_ref().map_or(true, |r| !r.ok());
            self.status = Some(Status {
                text: super::text::safe(&crate::cli::push_line(output, report)).into_owned(),
                error,
            });
        }
        self.feeds.on_sync(e);
        if finished {
            // New data: the views reload what they show.
            self.reload(new_values);
        }
    }
}
