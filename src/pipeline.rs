//! parse -> normalise -> write (one write transaction per input) -> report.
//! What `import`, and later sync and the TUI, call.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ingest::{self, Format, ParseError, csv::CsvOptions};
use crate::model::normalize::normalize;
use crate::model::time;
use crate::model::{Attribute, Indicator, ParsedEvent};
use crate::store::{
    AuditEntry, EventOutcome, ListOutcome, Store, StoreError, Writer, current_user,
};

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

/// Files larger than this are refused rather than read into memory.
pub const MAX_INPUT_BYTES: u64 = 2 << 30;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub format: Format,
    /// Source name; default: the input's absolute path.
    pub source: Option<String>,
    pub csv: CsvOptions,
}

/// One row of `--dry-run --json`: what would be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewRow {
    #[serde(rename = "type")]
    pub type_: String,
    pub category: String,
    pub value: String,
    pub to_ids: bool,
    pub comment: String,
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
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{path}: {message}")]
    Input { path: String, message: String },
}

/// What one parsed input holds.
enum Parsed {
    Events(Vec<ParsedEvent>, Vec<String>),
    List(Vec<Indicator>, Vec<String>),
}

fn read_file(path: &Path) -> Result<Vec<u8>, ImportError> {
    let io = |error| ImportError::Io {
        path: path.display().to_string(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_INPUT_BYTES {
        return Err(ImportError::Input {
            path: path.display().to_string(),
            message: format!(
                "{} bytes is over the {} byte limit",
                meta.len(),
                MAX_INPUT_BYTES
            ),
        });
    }
    std::fs::read(path).map_err(io)
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
pub fn normalize_list(mut items: Vec<Indicator>) -> Vec<Indicator> {
    for it in &mut items {
        let n = normalize(it.type_, &it.value);
        if n != it.value.as_str() {
            let n = n.into_owned();
            it.original
                .get_or_insert_with(|| std::mem::take(&mut it.value));
            it.value = n;
        }
    }
    let keep: Vec<bool> = {
        let mut seen = HashSet::with_capacity(items.len());
        items
            .iter()
            .map(|it| seen.insert(it.value.as_str()))
            .collect()
    };
    let mut flags = keep.into_iter();
    items.retain(|_| flags.next().unwrap_or(false));
    items
}

fn parse_file(path: &Path, format: Format, opts: &ImportOptions) -> Result<Parsed, ImportError> {
    let t = std::time::Instant::now();
    let bytes = read_file(path)?;
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
            Parsed::List(normalize_list(out.indicators), warnings)
        }
        Format::Freetext => {
            let text = ingest::decode_text(&bytes).map_err(perr)?;
            let items = ingest::freetext::parse(text);
            phase("parse", t);
            let items = normalize_list(items);
            phase("normalise", t);
            Parsed::List(items, Vec::new())
        }
        Format::Auto | Format::MispFeed => {
            return Err(ImportError::Input {
                path: path.display().to_string(),
                message: "not a MISP feed directory (no manifest.json)".to_string(),
            });
        }
    })
}

/// Preview rows for `--dry-run`: parse only, store nothing. Returns the rows and one report
/// per input.
pub fn preview(paths: &[PathBuf], opts: &ImportOptions) -> (Vec<PreviewRow>, Vec<FileReport>) {
    let mut rows = Vec::new();
    let mut reports = Vec::new();
    for path in paths {
        let format = detect_format(path, opts.format);
        let source = opts.source.clone().unwrap_or_else(|| default_source(path));
        if format == Format::MispFeed {
            for (report, event) in feed_events(path, &source) {
                if let Some(pe) = event {
                    rows.extend(pe.attributes.iter().map(row_of_attribute));
                }
                reports.push(report);
            }
            continue;
        }
        let report = FileReport::new(path, format, &source);
        match parse_file(path, format, opts) {
            Ok(Parsed::Events(events, warnings)) => {
                let n: usize = events.iter().map(|e| e.attributes.len()).sum();
                rows.extend(
                    events
                        .iter()
                        .flat_map(|e| e.attributes.iter().map(row_of_attribute)),
                );
                reports.push(FileReport {
                    attributes: n as u64,
                    warnings,
                    ..report
                });
            }
            Ok(Parsed::List(items, warnings)) => {
                rows.extend(items.iter().map(|i| PreviewRow {
                    type_: i.type_.to_string(),
                    category: i.category.to_string(),
                    value: i.value.clone(),
                    to_ids: i.to_ids,
                    comment: i.comment.clone(),
                }));
                reports.push(FileReport {
                    attributes: items.len() as u64,
                    warnings,
                    ..report
                });
            }
            Err(e) => reports.push(report.failed(e.to_string())),
        }
    }
    (rows, reports)
}

fn row_of_attribute(a: &Attribute) -> PreviewRow {
    PreviewRow {
        type_: a.type_.clone(),
        category: a.category.clone(),
        value: a.value.clone(),
        to_ids: a.to_ids,
        comment: a.comment.clone(),
    }
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
        let path = dir.join(format!("{}.json", entry.uuid));
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

/// Import every path. Each file is one write transaction (a feed directory is one for all its
/// good event files): a file that fails leaves the store as it was and the others go on.
pub fn import(store: &mut Store, paths: &[PathBuf], opts: &ImportOptions) -> Vec<FileReport> {
    let mut reports = Vec::new();
    for path in paths {
        let format = detect_format(path, opts.format);
        let source = opts.source.clone().unwrap_or_else(|| default_source(path));
        if format == Format::MispFeed {
            reports.extend(import_feed_dir(store, path, &source));
            continue;
        }
        let report = FileReport::new(path, format, &source);
        let result = parse_file(path, format, opts)
            .and_then(|parsed| write_parsed(store, path, format, &source, parsed, report.clone()));
        reports.push(match result {
            Ok(r) => r,
            Err(e) => report.failed(e.to_string()),
        });
    }
    // A big import can leave the file grown well ahead of its data; a failed compaction
    // loses nothing, the space is just not reclaimed yet.
    let t = std::time::Instant::now();
    if let Err(e) = store.compact_if_worthwhile()
        && let Some(last) = reports.last_mut()
    {
        last.warnings.push(format!("store not compacted: {e}"));
    }
    phase("compact", t);
    reports
}

fn begin(
    store: &Store,
    source: &str,
    format: Format,
) -> Result<(Writer, crate::store::records::SourceRec, i64), StoreError> {
    let now = time::now();
    let mut w = store.writer()?;
    let src = w.source(source, format.name(), now)?;
    Ok((w, src, now))
}

fn finish(
    mut w: Writer,
    mut src: crate::store::records::SourceRec,
    now: i64,
    inputs: Vec<String>,
    counts: &FileReport,
) -> Result<(), StoreError> {
    src.last_import = now;
    src.imports += 1;
    w.save_source(&src)?;
    let mut map = serde_json::Map::new();
    for (k, v) in [
        ("events_added", counts.events_added),
        ("events_replaced", counts.events_replaced),
        ("events_unchanged", counts.events_unchanged),
        ("attributes", counts.attributes),
    ] {
        map.insert(k.to_string(), v.into());
    }
    if let Some(l) = &counts.list {
        map.insert(
            "list".to_string(),
            serde_json::to_value(l).unwrap_or_default(),
        );
    }
    w.audit(&AuditEntry {
        time: now,
        user: current_user(),
        action: "import".to_string(),
        source: Some(src.name.clone()),
        inputs,
        counts: map,
    })?;
    w.commit()
}

fn count_event(report: &mut FileReport, outcome: EventOutcome, pe: &ParsedEvent) {
    match outcome {
        EventOutcome::Added => report.events_added += 1,
        EventOutcome::Replaced => report.events_replaced += 1,
        EventOutcome::Unchanged => report.events_unchanged += 1,
    }
    if outcome != EventOutcome::Unchanged {
        report.attributes += pe.attributes.len() as u64;
    }
}

fn write_parsed(
    store: &Store,
    path: &Path,
    format: Format,
    source: &str,
    parsed: Parsed,
    mut report: FileReport,
) -> Result<FileReport, ImportError> {
    let t = std::time::Instant::now();
    let (mut w, mut src, now) = begin(store, source, format)?;
    match parsed {
        Parsed::Events(events, warnings) => {
            report.warnings = warnings;
            for pe in &events {
                let outcome = w.put_event(pe, &src, now)?;
                count_event(&mut report, outcome, pe);
            }
        }
        Parsed::List(items, warnings) => {
            report.warnings = warnings;
            let out = w.merge_list(&mut src, &items, now)?;
            report.attributes = out.added + out.reappeared;
            report.list = Some(out);
        }
    }
    phase("write", t);
    finish(w, src, now, vec![path.display().to_string()], &report)?;
    phase("commit", t);
    Ok(report)
}

fn import_feed_dir(store: &Store, dir: &Path, source: &str) -> Vec<FileReport> {
    let mut reports = Vec::new();
    let mut total = FileReport::new(dir, Format::MispFeed, source);
    let result = (|| -> Result<(), StoreError> {
        let (mut w, src, now) = begin(store, source, Format::MispFeed)?;
        for (mut report, event) in feed_events(dir, source) {
            if let Some(pe) = event {
                let outcome = w.put_event(&pe, &src, now)?;
                count_event(&mut report, outcome, &pe);
                count_event(&mut total, outcome, &pe);
            }
            reports.push(report);
        }
        if reports.iter().all(|r| !r.ok) && !reports.is_empty() {
            // Nothing usable: leave the source untouched (no import recorded).
            return Ok(());
        }
        finish(w, src, now, vec![dir.display().to_string()], &total)
    })();
    if let Err(e) = result {
        // The transaction was dropped: nothing from this directory is stored.
        for r in &mut reports {
            if r.ok {
                *r = std::mem::take(r).failed(format!("not stored: {e}"));
            }
        }
        if reports.is_empty() {
            reports.push(total.failed(e.to_string()));
        }
    }
    reports
}
