//! What the workbench asks of the background (requests) and what comes back (messages).
//! Views never touch the store: they push requests, and redraw when messages arrive.

use std::sync::Arc;

use uuid::Uuid;

use crate::correlate::pivot::Graph;
use crate::store::feeds::{FeedRec, RunRec};
use crate::store::{EventSummary, SearchHit, Stats};
use crate::sync::engine::SyncEvent;
use crate::sync::health::Health;

use super::fuzzy::{Hit, Index};

#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Stats,
    Feeds,
    Events,
    /// Rebuild the fuzzy index (after a sync or an import).
    Index,
    /// Fuzzy search; `generation` drops answers to queries typed over since.
    Search {
        query: String,
        generation: u64,
    },
    EditEvent {
        event: Uuid,
        edit: crate::store::edit::EventEdit,
    },
    Comment {
        event: Uuid,
        attr: Uuid,
        comment: String,
    },
    /// How many events each of these shares a value with.
    EventLinks(Vec<Uuid>),
    /// Values matching a query line, over the whole store.
    Filter {
        query: String,
        generation: u64,
    },
    /// Row facts (sources, score, links) of values on screen, from the index only.
    Rows(Vec<String>),
    ValueDetail(String),
    EventDetail(Uuid),
    FeedDetail(String),
    Pivot(String),
    SyncNow(String),
    SyncAll,
    Cancel(String),
    SetEnabled(String, bool),
    Sighting {
        value: String,
        false_positive: bool,
    },
    LoadSample,
    AddCatalog,
    /// The indicators in pasted text, each known to the store or new.
    Extract {
        text: String,
        generation: u64,
    },
    /// Store the indicators of pasted text as a new event.
    SaveEvent {
        info: String,
        text: String,
    },
}

#[derive(Debug, Clone)]
pub struct FeedRow {
    pub feed: FeedRec,
    pub health: Health,
    /// Unix seconds of the next scheduled run (enabled feeds).
    pub next_run: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ValueDetail {
    pub value: String,
    pub hit: Option<SearchHit>,
    pub warninglists: Vec<String>,
    pub sightings: Vec<(String, i64)>,
}

#[derive(Debug, Clone)]
pub struct EventDetail {
    pub summary: EventSummary,
    /// Its attributes, capped.
    pub attributes: Vec<AttrRow>,
    pub more: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttrRow {
    pub uuid: Uuid,
    pub type_: String,
    pub value: String,
    pub comment: String,
}

#[derive(Debug, Clone)]
pub struct FeedDetail {
    pub feed: FeedRec,
    pub runs: Vec<RunRec>,
}

pub enum Msg {
    Stats(Stats),
    Feeds(Vec<FeedRow>),
    Events(Vec<EventSummary>),
    Index(Arc<Index>),
    Search {
        generation: u64,
        /// The index the hits point into.
        index: Option<Arc<Index>>,
        /// The value the query names exactly, found in the store's index (then `hits` is
        /// empty: no fuzzy scan was needed).
        exact: Option<String>,
        hits: Vec<Hit>,
        total: usize,
        millis: u128,
    },
    Rows(Vec<(String, Option<SearchHit>)>),
    Filtered(Box<Filtered>),
    Extracted(Extracted),
    EventLinks(Vec<(Uuid, Option<u64>)>),
    ValueDetail(Box<ValueDetail>),
    EventDetail(Box<EventDetail>),
    FeedDetail(Box<FeedDetail>),
    Graph(String, Box<Graph>),
    Sync(SyncEvent),
    /// Something about stored data changed (a sighting, an edit, a feed setting): views
    /// reload what they show.
    Changed,
    /// Values were added or removed (an import): the fuzzy index is rebuilt too.
    NewData,
    Info(String),
    Error(String),
}

/// The values a query line matched: (value, type), in store order.
#[derive(Debug, Clone)]
pub struct Filtered {
    pub generation: u64,
    pub query: String,
    pub values: Vec<(String, String)>,
    /// Score and warninglist terms were judged on the first this-many candidates only.
    pub capped: Option<usize>,
    pub millis: u128,
}

/// The indicators found in pasted text: (type, value, known to the store).
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub generation: u64,
    pub rows: Vec<(String, String, bool)>,
}
