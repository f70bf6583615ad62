//! The command registry: every action a key can run, with the contexts it belongs to and
//! the text the help overlay and README show. Keymaps are checked against it at start.

/// Where a binding applies. A key is looked up in the focused context, then `list` for
/// list panes, then `global`.
pub const CONTEXTS: &[&str] = &[
    "global",
    "list",
    "welcome",
    "feeds",
    "events",
    "indicators",
    "graph",
    "detail",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    Help,
    Palette,
    Search,
    NextTab,
    PrevTab,
    ShowFeeds,
    ShowEvents,
    ShowIndicators,
    ShowGraph,
    ToggleDetail,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Refresh,
    SyncNow,
    SyncAll,
    Cancel,
    ToggleEnabled,
    Pivot,
    Sighting,
    FalsePositive,
    LoadSample,
    AddCatalog,
    SortNext,
    Filter,
    PasteBox,
    EditInfo,
    EditTags,
    DetailDown,
    DetailUp,
    EditComment,
    /// Unbinds a default key in a user keymap.
    Noop,
}

pub struct Info {
    pub command: Command,
    pub name: &'static str,
    pub desc: &'static str,
    /// Contexts whose sections may bind it.
    pub contexts: &'static [&'static str],
}

const ANY: &[&str] = CONTEXTS;
const LISTS: &[&str] = &[
    "list",
    "feeds",
    "events",
    "indicators",
    "graph",
    "detail",
    "global",
];

#[rustfmt::skip]
pub const REGISTRY: &[Info] = &[
    Info { command: Command::Quit, name: "quit", desc: "Quit threatdeck", contexts: ANY },
    Info { command: Command::Help, name: "help", desc: "Show the keys of this view", contexts: ANY },
    Info { command: Command::Palette, name: "palette", desc: "Run a command by name", contexts: ANY },
    Info { command: Command::Search, name: "search", desc: "Fuzzy search values, event info and tags", contexts: ANY },
    Info { command: Command::NextTab, name: "next-tab", desc: "Next view", contexts: ANY },
    Info { command: Command::PrevTab, name: "prev-tab", desc: "Previous view", contexts: ANY },
    Info { command: Command::ShowFeeds, name: "show-feeds", desc: "Feeds and their health", contexts: ANY },
    Info { command: Command::ShowEvents, name: "show-events", desc: "Events", contexts: ANY },
    Info { command: Command::ShowIndicators, name: "show-indicators", desc: "Indicators", contexts: ANY },
    Info { command: Command::ShowGraph, name: "show-graph", desc: "Correlation graph", contexts: ANY },
    Info { command: Command::ToggleDetail, name: "toggle-detail", desc: "Show or hide the detail of the selection", contexts: ANY },
    Info { command: Command::Up, name: "up", desc: "Move up", contexts: LISTS },
    Info { command: Command::Down, name: "down", desc: "Move down", contexts: LISTS },
    Info { command: Command::Top, name: "top", desc: "Go to the first row", contexts: LISTS },
    Info { command: Command::Bottom, name: "bottom", desc: "Go to the last row", contexts: LISTS },
    Info { command: Command::PageUp, name: "page-up", desc: "Up a page", contexts: LISTS },
    Info { command: Command::PageDown, name: "page-down", desc: "Down a page", contexts: LISTS },
    Info { command: Command::Open, name: "open", desc: "Open the selection", contexts: LISTS },
    Info { command: Command::Back, name: "back", desc: "Go back along the pivot path", contexts: ANY },
    Info { command: Command::Refresh, name: "refresh", desc: "Reload from the store", contexts: ANY },
    Info { command: Command::SyncNow, name: "sync", desc: "Sync the selected feed now", contexts: &["feeds"] },
    Info { command: Command::SyncAll, name: "sync-all", desc: "Sync every enabled feed now", contexts: &["feeds", "global"] },
    Info { command: Command::Cancel, name: "cancel", desc: "Cancel the selected feed's sync", contexts: &["feeds"] },
    Info { command: Command::ToggleEnabled, name: "toggle-enabled", desc: "Enable or disable the selected feed", contexts: &["feeds"] },
    Info { command: Command::Pivot, name: "pivot", desc: "Pivot to the selected value in the graph", contexts: &["indicators", "graph", "detail", "events"] },
    Info { command: Command::Sighting, name: "sighting", desc: "Record a sighting of the selected value", contexts: &["indicators", "graph", "detail"] },
    Info { command: Command::FalsePositive, name: "false-positive", desc: "Mark the selected value a false positive", contexts: &["indicators", "graph", "detail"] },
    Info { command: Command::LoadSample, name: "load-sample", desc: "Load the built-in sample dataset (marked as sample)", contexts: &["welcome", "global"] },
    Info { command: Command::AddCatalog, name: "add-catalog", desc: "Add the catalog of public feeds, disabled", contexts: &["welcome", "feeds", "global"] },
    Info { command: Command::SortNext, name: "sort", desc: "Sort by the next column", contexts: &["events", "indicators"] },
    Info { command: Command::Filter, name: "filter", desc: "Filter: indicators by type:, tag:, source:, score:>N, since:7d, cidr:, -warninglist (=name saves, @name loads); events by words", contexts: &["indicators", "events", "global"] },
    Info { command: Command::PasteBox, name: "paste", desc: "Paste text from a ticket or report: its indicators, refanged, known or new", contexts: ANY },
    Info { command: Command::EditInfo, name: "edit-info", desc: "Edit the selected event's title", contexts: &["events"] },
    Info { command: Command::EditTags, name: "edit-tags", desc: "Edit the selected event's tags", contexts: &["events"] },
    Info { command: Command::DetailDown, name: "detail-down", desc: "Scroll the detail down", contexts: ANY },
    Info { command: Command::DetailUp, name: "detail-up", desc: "Scroll the detail up", contexts: ANY },
    Info { command: Command::EditComment, name: "edit-comment", desc: "Edit the selected attribute's comment", contexts: &["detail"] },
    Info { command: Command::Noop, name: "noop", desc: "Unbind the key", contexts: ANY },
];

pub fn by_name(name: &str) -> Option<&'static Info> {
    REGISTRY.iter().find(|i| i.name == name)
}

pub fn info(c: Command) -> &'static Info {
    REGISTRY
        .iter()
        .find(|i| i.command == c)
        .unwrap_or(&REGISTRY[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_contexts_known() {
        for (i, a) in REGISTRY.iter().enumerate() {
            assert!(
                REGISTRY[i + 1..].iter().all(|b| b.name != a.name),
                "{}",
                a.name
            );
            assert!(
                a.contexts.iter().all(|c| CONTEXTS.contains(c)),
                "{}",
                a.name
            );
            assert_eq!(info(a.command).name, a.name);
        }
    }
}
