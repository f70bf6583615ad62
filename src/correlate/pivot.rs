//! `pivot`: the correlation neighbourhood of a value as a graph of values, events and
//! sources, with each edge's kind. Hubs are capped and say how much they left out.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::Serialize;

use crate::model::ip::{cidr_key, ip_key, ip_part};
use crate::store::{Holder, Result, Store};

use super::rules::{excluded, parent_domain, url_host};

#[derive(Debug, Clone, Copy)]
pub struct PivotOptions {
    /// Value -> events -> values hops to expand (at least 1).
    pub depth: u32,
    /// Neighbours kept per node.
    pub fanout: usize,
    /// Nodes in all.
    pub max_nodes: usize,
}

impl Default for PivotOptions {
    fn default() -> Self {
        PivotOptions {
            depth: 1,
            fanout: 50,
            max_nodes: 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    pub id: String,
    /// `value`, `event` or `source`.
    pub kind: &'static str,
    pub label: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// For values: events holding it (correlating attributes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<u64>,
    pub over_correlated: bool,
    pub excluded: bool,
    /// Neighbours not shown because of the fan-out cap or over-correlation.
    pub left_out: u64,
    /// Values: warninglists they are on, and their combined score (see `annotate`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warninglists: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// `exact`, `composite`, `cidr`, `url-host`, `parent-domain` or `source`.
    pub kind: &'static str,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Graph {
    pub root: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// True when `max_nodes` stopped the walk.
    pub truncated: bool,
}

struct Walk<'a> {
    store: &'a Store,
    opts: PivotOptions,
    limit: u64,
    exclusions: Vec<String>,
    graph: Graph,
    index: HashMap<String, usize>,
    edges: HashSet<Edge>,
    queue: VecDeque<(String, u32)>,
    expanded_events: HashSet<uuid::Uuid>,
}

fn value_id(v: &str) -> String {
    format!("value:{v}")
}

/// The kind of the edge between a value and an attribute holding it.
fn holder_kind(h: &Holder) -> &'static str {
    if h.type_.contains('|') {
        "composite"
    } else {
        "exact"
    }
}

impl Walk<'_> {
    fn node(
        &mut self,
        id: String,
        kind: &'static str,
        label: &str,
        type_: Option<&str>,
    ) -> Option<usize> {
        if let Some(&i) = self.index.get(&id) {
            return Some(i);
        }
        if self.graph.nodes.len() >= self.opts.max_nodes {
            self.graph.truncated = true;
            return None;
        }
        self.index.insert(id.clone(), self.graph.nodes.len());
        self.graph.nodes.push(Node {
            id,
            kind,
            label: label.to_string(),
            type_: type_.map(str::to_string),
            events: None,
            over_correlated: false,
            excluded: false,
            left_out: 0,
            warninglists: Vec::new(),
            score: None,
        });
        Some(self.graph.nodes.len() - 1)
    }

    fn edge(&mut self, from: &str, to: &str, kind: &'static str) {
        let e = Edge {
            from: from.to_string(),
            to: to.to_string(),
            kind,
        };
        if self.edges.insert(e.clone()) {
            self.graph.edges.push(e);
        }
    }

    /// Add a value node linked from `from`, queued for expansion at `depth`.
    fn link_value(
        &mut self,
        from: &str,
        value: &str,
        type_: Option<&str>,
        kind: &'static str,
        depth: u32,
    ) {
        let id = value_id(value);
        let fresh = !self.index.contains_key(&id);
        if self.node(id.clone(), "value", value, type_).is_none() {
            return;
        }
        self.edge(from, &id, kind);
        if fresh {
            self.queue.push_back((value.to_string(), depth));
        }
    }

    fn left_out(&mut self, node: &str, n: u64) {
        if let Some(&i) = self.index.get(node) {
            self.graph.nodes[i].left_out += n;
        }
    }

    fn expand(&mut self, value: &str, depth: u32) -> Result<()> {
        let vid = value_id(value);
        let Some(me) = self.index.get(&vid).copied() else {
            return Ok(());
        };
        // Count first, from index keys: hubs, exclusions and leaves read at most one record.
        let n = self.store.value_event_count(value)?;
        self.graph.nodes[me].events = Some(n);
        let excluded = excluded(&self.exclusions, value);
        let hub = n > self.limit;
        if excluded || hub || depth >= self.opts.depth {
            if self.graph.nodes[me].type_.is_none() {
                self.graph.nodes[me].type_ = self.store.value_type(value)?;
            }
            if excluded {
                self.graph.nodes[me].excluded = true;
            } else if hub {
                // Flagged and counted, never linked pairwise (MISP over-correlation).
                self.graph.nodes[me].over_correlated = true;
                self.graph.nodes[me].left_out += n;
            }
            return Ok(());
        }
        let holders = self.store.value_holders(value)?;
        // Holders come in key order, so one event's holders are adjacent.
        let mut by_event: Vec<&Holder> = Vec::new();
        for h in &holders {
            if by_event.last().is_none_or(|l| l.event != h.event) {
                by_event.push(h);
            }
        }
        if self.graph.nodes[me].type_.is_none() {
            self.graph.nodes[me].type_ = holders.first().map(|h| h.type_.clone());
        }
        let n = by_event.len();
        self.graph.nodes[me].events = Some(n as u64);
        for (i, h) in by_event.into_iter().enumerate() {
            let eid = format!("event:{}", h.event);
            if i >= self.opts.fanout
                || self
                    .node(eid.clone(), "event", &h.event_info, None)
                    .is_none()
            {
                self.graph.nodes[me].left_out += (n - i) as u64;
                break;
            }
            self.edge(&vid, &eid, holder_kind(h));
            let sid = format!("source:{}", h.source);
            if self.node(sid.clone(), "source", &h.source, None).is_some() {
                self.edge(&eid, &sid, "source");
            }
            self.siblings(h.event, &eid, depth + 1)?;
        }
        self.derived(value, &vid, depth + 1)?;
        Ok(())
    }

    /// The other values of an event, once per event. A list source's values are not related
    /// to each other, so its event is a dead end.
    fn siblings(&mut self, event: uuid::Uuid, eid: &str, depth: u32) -> Result<()> {
        if !self.expanded_events.insert(event) {
            return Ok(());
        }
        let Some((values, total)) = self.store.event_values(event, self.opts.fanout)? else {
            return Ok(());
        };
        self.left_out(eid, total.saturating_sub(values.len() as u64));
        for h in &values {
            for part in crate::store::index::index_values(&h.type_, &h.value) {
                self.link_value(eid, part, Some(&h.type_), holder_kind(h), depth);
            }
        }
        Ok(())
    }

    /// CIDR containment both ways, URL -> host, host -> registered domain.
    fn derived(&mut self, value: &str, vid: &str, depth: u32) -> Result<()> {
        let linked = if ip_key(value).is_some() {
            Some(self.store.cidrs_containing(value, self.opts.fanout)?)
        } else if cidr_key(value).is_some() {
            Some(self.store.ips_in(value, self.opts.fanout)?)
        } else {
            None
        };
        if let Some((holders, total)) = linked {
            self.left_out(vid, total.saturating_sub(holders.len() as u64));
            for h in &holders {
                let ip = ip_part(&h.type_, &h.value).unwrap_or(&h.value).to_string();
                self.link_value(vid, &ip, Some(&h.type_), "cidr", depth);
            }
        }
        if let Some(host) = url_host(value)
            && value.contains("://")
            && self.store.holds(&host)?
        {
            self.link_value(vid, &host, None, "url-host", depth);
        }
        if !value.contains('/')
            && value.contains('.')
            && ip_key(value).is_none()
            && let Some(parent) = parent_domain(value)
            && self.store.holds(&parent)?
        {
            self.link_value(vid, &parent, None, "parent-domain", depth);
        }
        Ok(())
    }
}

/// The neighbourhood of `value` up to `opts.depth` hops.
pub fn pivot(store: &Store, value: &str, mut opts: PivotOptions) -> Result<Graph> {
    opts.depth = opts.depth.max(1);
    let mut walk = Walk {
        store,
        opts,
        limit: store.correlation_limit()?,
        exclusions: store.exclusions()?.into_iter().map(|(p, _)| p).collect(),
        graph: Graph {
            root: value_id(value),
            ..Graph::default()
        },
        index: HashMap::new(),
        edges: HashSet::new(),
        queue: VecDeque::new(),
        expanded_events: HashSet::new(),
    };
    walk.node(value_id(value), "value", value, None);
    walk.queue.push_back((value.to_string(), 0));
    while let Some((v, d)) = walk.queue.pop_front() {
        if walk.graph.truncated {
            break;
        }
        walk.expand(&v, d)?;
    }
    Ok(walk.graph)
}
