//! parse -> normalise -> write (one write transaction per input) -> report.
//! What `import`, and later sync and the TUI, call.

mod preview;
mod write;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ingest::{self, Format, ParseError, csv::CsvOptions};
use crate::model::normalize::normalize;
use crate::model::{Attribute, Indicator, ParsedEvent};
use crate::store::{Changes, ListOutcome, Store, StoreError};

pub use preview::{PreviewRow, preview};

/// With `THREATDECK_TIMINGS` set, print a phase's time and the process's memory to stderr
/// (the bench harness and performance work read these; nothing else does).
fn phase(name: &str, since: std::time::Instant) {
    if std::env::var_os("THREATDECK_TIMINGS").is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    eprintln!(
        "[timing] {name:<10} {:>8.3}s  rss {}  peak {}",
        since.elapsed().as_secs_f64(),
        field("VmRSS:"),
        field("VmHWM:")
    );
}

/// Called with a running count (bytes downloaded, records parsed) as work goes on.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(u64) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub format: Format,
    /// Source name; default: the input's absolute path.
    pub source: Option<String>,
    pub csv: CsvOptions,
    /// Store without linking (MISP's per-feed `disable_correlation`).
    pub no_correlation: bool,
    /// A feed directory lands whole or not at all (feed runs), instead of storing the event
    /// files that parsed and reporting the others (imports).
    pub all_or_nothing: bool,
    /// List values (CSV, freetext) matching this are dropped (MISP's feed `exclude_regex`).
    pub exclude: Option<regex::Regex>,
    /// A feed's default tags (e.g. `tlp:clear`): added to every event it brings, and the
    /// exact tag set of its list event (a tag removed from the feed leaves the list).
    pub tags: Option<Vec<String>>,
    /// Records parsed so far.
    pub progress: Option<Progress>,
}

/// What happened to one input (a file, or one event file of a feed directory).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileReport {
    pub path: String,
    pub format: &'static str,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub source: String,
    pub events_added: u64,
    pub events_replaced: u64,
    pub events_unchanged: u64,
    /// Attributes written (object attributes included).
    pub attributes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<ListOutcome>,
    pub warnings: Vec<String>,
    /// Values that gained (`linked`) or lost correlation entries in this input's batch.
    pub linked: u64,
    pub unlinked: u64,
    /// The values themselves (capped), for views that refresh what changed.
    #[serde(skip)]
    pub changes: Changes,
}

impl FileReport {
    fn new(path: &Path, format: Format, source: &str) -> Self {
        FileReport {
            path: path.display().to_string(),
            format: format.name(),
            ok: true,
            source: source.to_string(),
            ..Default::default()
        }
    }

    fn with_changes(mut self, changes: Changes) -> Self {
        self.linked = changes.linked_total;
        self.unlinked = changes.unlinked_total;
        self.changes = changes;
        self
    }

    fn failed(mut self, error: String) -> Self {
        self.ok = false;
        self.error = Some(error);
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {error}")]
    Parse { path: String, error: ParseError },
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}: {error}")]
    Store { path: String, error: StoreError },
    #[error("{path}: {message}")]
    Input { path: String, message: String },
}

/// What one parsed input holds.
enum Parsed {
    Events(Vec<ParsedEvent>, Vec<String>),
    List(Vec<Indicator>, Vec<String>),
}

/// Resolve `auto` for one path.
pub fn detect_format(path: &Path, requested: Format) -> Format {
    if requested != Format::Auto {
        return requested;
    }
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    ingest::detect(path, &head[..n])
}

fn default_source(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Normalise every attribute value; keep the original where it changed.
pub fn normalize_event(pe: &mut ParsedEvent) {
    for a in &mut pe.attributes {
        normalize_attribute(a);
    }
}

fn normalize_attribute(a: &mut Attribute) {
    let n = normalize(&a.type_, &a.value);
    if n != a.value.as_str() {
        let n = n.into_owned();
        a.original
            .get_or_insert_with(|| std::mem::take(&mut a.value));
        a.value = n;
    }
}

/// Normalise list values in place and drop repeats (first wins), as MISP's fixed_event diff
/// does. No value is copied: lists run to millions of entries.
///
/// `unique`: the items come from one parser, which already dropped repeats; then only a
/// value that normalisation changed can have become a repeat, and when none did the
/// million-entry set is skipped.
pub fn normalize_list(mut items: Vec<Indicator>, unique: bool) -> Vec<Indicator> {
    let mut changed = Vec::new();
    for (i, it) in items.iter_mut().enumerate() {
        let n = normalize(it.type_, &it.value);
        if n != it.value.as_str() {
            let n = n.into_owned();
            it.original
                .get_or_insert_with(|| std::mem::take(&mut it.value));
            it.value = n;
            changed.push(i);
        }
    }
    if unique && changed.is_empty() {
        return items;
    }
    let keep: Vec<bool> = if unique {
        // Only changed values can collide: with each other, or with one unchanged value.
        let mut keep = vec![true; items.len()];
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(changed.len());
        for &i in &changed {
            match first.get(items[i].value.as_str()) {
                Some(_) => keep[i] = false,
                None => {
                    first.insert(items[i].value.as_str(), i);
                }
            }
        }
        let is_changed: HashSet<usize> = changed.iter().copied().collect();
        for (j, it) in items.iter().enumerate() {
            if let Some(&i) = first.get(it.value.as_str())
                && !is_changed.contains(&j)
            {
                // First wins: drop whichever of the two came later.
                if j < i {
                    keep[i] = false
                } else {
                    keep[j] = false
                }
            }
        }
        keep
    } else {
        let mut seen: HashSet<&str, BuildHasherDefault<ValueHasher>> =
            HashSet::with_capacity_and_hasher(items.len(), Default::default());
        items
            .iter()
            .map(|it| seen.insert(it.value.as_str()))
            .collect()
    };
    let mut flags = keep.into_iter();
    items.retain(|_| flags.next().unwrap_or(false));
    items
}

/// A fast hasher for value strings (the store's value hash); the set verifies equality, so
/// collisions cost a comparison, never a wrong answer.
#[derive(Default)]
struct ValueHasher(u64);

impl std::hash::Hasher for ValueHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let h = std::str::from_utf8(bytes).map_or(0, crate::model::hash::value_hash);
        self.0 = self.0.rotate_left(7) ^ h;
    }
}

fn parse_file(path: &Path, format: Format, opts: &ImportOptions) -> Result<Parsed, ImportError> {
    let t = std::time::Instant::now();
    let bytes = ingest::read_input(path).map_err(|error| ImportError::Io {
        path: path.display().to_string(),
        error,
    })?;
    phase("read", t);
    let perr = |error| ImportError::Parse {
        path: path.display().to_string(),
        error,
    };
    Ok(match format {
        Format::MispEvent => {
            let mut events = ingest::misp_event::parse(&bytes).map_err(perr)?;
            events.iter_mut().for_each(normalize_event);
            Parsed::Events(events, Vec::new())
        }
        Format::Stix => {
            let mut out = ingest::stix::parse(&bytes).map_err(perr)?;
            out.events.iter_mut().for_each(normalize_event);
            Parsed::Events(out.events, out.warnings)
        }
        Format::Csv => {
            let text = ingest::decode_text(&bytes).map_err(perr)?;
            let out = ingest::csv::parse(text, &opts.csv).map_err(perr)?;
            let mut warnings = Vec::new();
            if out.header_skipped {
                warnings.push("first row taken as a header and skipped".to_string());
            }
            Parsed::List(
                list_done(normalize_list(out.indicators, true), opts),
                warnings,
            )
        }
        Format::Freetext => {
            let text = ingest::decode_text(&bytes).map_err(perr)?;
            let items = ingest::freetext::parse(text);
            phase("parse", t);
            let items = normalize_list(items, true);
            phase("normalise", t);
            Parsed::List(list_done(items, opts), Vec::new())
        }
        Format::Auto | Format::MispFeed => {
            return Err(ImportError::Input {
                path: path.display().to_string(),
                message: "not a MISP feed directory (no manifest.json)".to_string(),
            });
        }
    })
}

/// Parse each event file of a feed directory: a report per file and the event when it parsed.
/// A directory whose manifest is unreadable gives one failed report.
fn feed_events<'a>(
    dir: &'a Path,
    source: &'a str,
) -> Box<dyn Iterator<Item = (FileReport, Option<ParsedEvent>)> + 'a> {
    let feed = match ingest::misp_feed::scan(dir) {
        Ok(f) => f,
        Err(e) => {
            let path = dir.join("manifest.json");
            let report = FileReport::new(&path, Format::MispFeed, source)
                .failed(format!("{}: {e}", path.display()));
            return Box::new(std::iter::once((report, None)));
        }
    };
    Box::new(feed.entries.into_iter().map(move |entry| {
        let path = ingest::misp_feed::event_path(dir, &entry);
        let report = FileReport::new(&path, Format::MispFeed, source);
        match ingest::misp_feed::load_event(dir, &entry) {
            Ok(mut pe) => {
                normalize_event(&mut pe);
                (report, Some(pe))
            }
            Err(e) => (report.failed(format!("{}: {e}", path.display())), None),
        }
    }))
}

/// Drop excluded values and report the count of what is left.
fn list_done(mut items: Vec<Indicator>, opts: &ImportOptions) -> Vec<Indicator> {
    if let Some(re) = &opts.exclude {
        items.retain(|i| !re.is_match(&i.value));
    }
    if let Some(p) = &opts.progress {
        (p.0)(items.len() as u64);
    }
    items
}

/// What the options ask of every event: correlation off, default tags added.
pub(crate) fn prepare_event(pe: &mut ParsedEvent, opts: &ImportOptions) {
    if opts.no_correlation {
        pe.attributes
            .iter_mut()
            .for_each(|a| a.disable_correlation = true);
    }
    for t in opts.tags.iter().flatten() {
        if !pe.event.tags.iter().any(|e| e.name == *t) {
            pe.event.tags.push(crate::model::Tag::named(t.clone()));
        }
    }
}

/// A directory that is not a MISP feed (no manifest.json) stands for the files in it,
/// sorted, hidden ones skipped (one level: analysts drop a batch of reports in a folder).
pub(crate) fn expand_dirs(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() || p.join("manifest.json").exists() {
            out.push(p.clone());
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| f.is_file())
                    .filter(|f| {
                        !f.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if files.is_empty() {
            // Keep it, so the feed parser reports what is wrong with it.
            out.push(p.clone());
        }
        files.sort();
        out.extend(files);
    }
    out
}

/// List files (CSV, freetext) of one source, merged together: each list import replaces the
/// source's whole list, so two files of one source must be merged as one or the second
/// would mark the first's values as vanished.
struct ListGroup {
    source: String,
    /// (index into the reports, path, format, parsed values).
    inputs: Vec<(usize, PathBuf, Format, Vec<Indicator>)>,
    /// A file of this source that failed to parse: then none of the group is merged.
    failed: Option<String>,
}

/// Import every path. Each file is one write transaction (a feed directory is one for all
/// its good event files; list files sharing a source are one): a file that fails leaves the
/// store as it was and the others go on.
/// Readers (the workbench) go on while it writes: it needs only a shared store.
pub fn import(store: &Store, paths: &[PathBuf], opts: &ImportOptions) -> Vec<FileReport> {
    let mut reports: Vec<FileReport> = Vec::new();
    let mut groups: Vec<ListGroup> = Vec::new();
    let correlate = !opts.no_correlation;
    for path in &expand_dirs(paths) {
        let format = detect_format(path, opts.format);
        let source = opts.source.clone().unwrap_or_else(|| default_source(path));
        if format == Format::MispFeed {
            reports.extend(write::feed_dir(store, path, &source, opts));
            continue;
        }
        let report = FileReport::new(path, format, &source);
        let group = |groups: &mut Vec<ListGroup>| -> usize {
            match groups.iter().position(|g| g.source == source) {
                Some(i) => i,
                None => {
                    groups.push(ListGroup {
                        source: source.clone(),
                        inputs: Vec::new(),
                        failed: None,
                    });
                    groups.len() - 1
                }
            }
        };
        match parse_file(path, format, opts) {
            Ok(Parsed::Events(mut events, warnings)) => {
                events.iter_mut().for_each(|e| prepare_event(e, opts));
                if let Some(p) = &opts.progress {
                    (p.0)(events.iter().map(|e| e.attributes.len() as u64).sum());
                }
                let report = FileReport { warnings, ..report };
                reports.push(write::events(store, path, format, &source, &events, report));
            }
            Ok(Parsed::List(items, warnings)) => {
                let g = group(&mut groups);
                groups[g]
                    .inputs
                    .push((reports.len(), path.clone(), format, items));
                reports.push(FileReport { warnings, ..report });
            }
            Err(e) => {
                if matches!(format, Format::Csv | Format::Freetext) {
                    let g = group(&mut groups);
                    groups[g]
                        .failed
                        .get_or_insert_with(|| path.display().to_string());
                }
                reports.push(report.failed(e.to_string()));
            }
        }
    }
    for g in groups {
        write::list_group(store, g, &mut reports, correlate, opts.tags.as_deref());
    }
    reports
}

/// Compact after `reports` wrote a large part of the store: a big import can leave the file
/// grown well ahead of its data. A failed compaction loses nothing, the space is just not
/// reclaimed yet (it becomes a warning on the last report).
pub fn compact_after(store: &Store, reports: &mut [FileReport]) {
    let t = std::time::Instant::now();
    let written = reports.iter().map(|r| r.attributes).sum();
    if let Err(e) = store.compact_if_worthwhile(written)
        && let Some(last) = reports.last_mut()
    {
        last.warnings.push(format!("store not compacted: {e}"));
    }
    phase("compact", t);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ind(t: &'static str, v: &str) -> Indicator {
        Indicator {
            type_: t,
            category: "Network activity",
            value: v.to_string(),
            to_ids: true,
            comment: String::new(),
            original: None,
        }
    }

    fn values(items: &[Indicator]) -> Vec<&str> {
        items.iter().map(|i| i.value.as_str()).collect()
    }

    #[test]
    fn normalised_repeats_are_dropped_first_wins() {
        // Unique as parsed, but two spellings of one address and one hostname case.
        let items = vec![
            ind("ip-dst", "2001:db8:7:0::1"),
            ind("hostname", "www.example.com"),
            ind("ip-dst", "2001:db8:7::1"),
            ind("hostname", "WWW.example.com"),
            ind("domain", "other.example"),
        ];
        let out = normalize_list(items, true);
        assert_eq!(
            values(&out),
            ["2001:db8:7::1", "www.example.com", "other.example"]
        );
        assert_eq!(out[0].original.as_deref(), Some("2001:db8:7:0::1"));
        // Unchanged unique input comes back as it was.
        let same = normalize_list(
            vec![ind("domain", "a.example"), ind("domain", "b.example")],
            true,
        );
        assert_eq!(values(&same), ["a.example", "b.example"]);
        // Lists of several files may repeat each other outright.
        let merged = normalize_list(
            vec![ind("domain", "a.example"), ind("domain", "a.example")],
            false,
        );
        assert_eq!(values(&merged), ["a.example"]);
    }
}
