//! The writing half of the pipeline: one write transaction per input (or list group),
//! the source's record and an audit entry committed with it.

use std::path::Path;

use crate::ingest::Format;
use crate::model::time;
use crate::model::{Indicator, ParsedEvent};
use crate::store::records::SourceRec;
use crate::store::{AuditEntry, Changes, EventOutcome, Store, StoreError, Writer, current_user};

use super::{FileReport, ImportError, ListGroup, feed_events, normalize_list, phase};

fn begin(
    store: &Store,
    source: &str,
    format: Format,
) -> Result<(Writer, SourceRec, i64), StoreError> {
    let now = time::now();
    let mut w = store.writer()?;
    let src = w.source(source, format.name(), now)?;
    Ok((w, src, now))
}

fn finish(
    mut w: Writer,
    mut src: SourceRec,
    now: i64,
    inputs: Vec<String>,
    counts: &FileReport,
) -> Result<Changes, StoreError> {
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

/// Events of one file: added, replaced when newer, else kept.
pub(super) fn events(
    store: &Store,
    path: &Path,
    format: Format,
    source: &str,
    events: &[ParsedEvent],
    mut report: FileReport,
) -> FileReport {
    let result = (|| -> Result<Changes, StoreError> {
        let (mut w, src, now) = begin(store, source, format)?;
        for pe in events {
            let outcome = w.put_event(pe, &src, now)?;
            count_event(&mut report, outcome, pe);
        }
        finish(w, src, now, vec![path.display().to_string()], &report)
    })();
    match result {
        Ok(changes) => report.with_changes(changes),
        Err(error) => {
            let e = ImportError::Store {
                path: path.display().to_string(),
                error,
            };
            FileReport {
                events_added: 0,
                events_replaced: 0,
                events_unchanged: 0,
                attributes: 0,
                ..report
            }
            .failed(e.to_string())
        }
    }
}

/// Merge the list files of one source into its fixed event, in one transaction.
pub(super) fn list_group(
    store: &Store,
    group: ListGroup,
    reports: &mut [FileReport],
    correlate: bool,
    tags: Option<&[String]>,
) {
    let ListGroup {
        source,
        inputs,
        failed,
    } = group;
    if let Some(bad) = failed {
        for (i, path, ..) in &inputs {
            let msg = format!(
                "{}: not stored: {bad}, a file of the same source, failed",
                path.display()
            );
            reports[*i] = std::mem::take(&mut reports[*i]).failed(msg);
        }
        return;
    }
    let indices: Vec<usize> = inputs.iter().map(|(i, ..)| *i).collect();
    let Some((first, first_path, format, _)) = inputs.first() else {
        return;
    };
    let (first, format) = (*first, *format);
    let first_path = first_path.display().to_string();
    let paths: Vec<String> = inputs
        .iter()
        .map(|(_, p, ..)| p.display().to_string())
        .collect();
    for (i, ..) in inputs.iter().skip(1) {
        reports[*i]
            .warnings
            .push(format!("merged with {first_path} into source {source}"));
    }
    // Each list was normalised when parsed; several lists of one source may repeat each
    // other's values. The first is extended in place: a million-value file is never copied.
    let several = inputs.len() > 1;
    let mut lists = inputs.into_iter().map(|(.., list)| list);
    let mut items: Vec<Indicator> = lists.next().unwrap_or_default();
    lists.for_each(|l| items.extend(l));
    let items = if several {
        normalize_list(items, false)
    } else {
        items
    };
    if items.is_empty() {
        // An empty download or a wrong --columns must not mark every stored value vanished.
        reports[first].warnings.push(format!(
            "no indicators found: nothing merged; what source {source} already holds is kept"
        ));
        return;
    }
    let t = std::time::Instant::now();
    let result = (|| -> Result<_, StoreError> {
        let (mut w, mut src, now) = begin(store, &source, format)?;
        let out = w.merge_list(&mut src, &items, now, correlate)?;
        if let Some(tags) = tags {
            w.set_list_event_tags(&src, tags)?;
        }
        phase("write", t);
        let counts = FileReport {
            attributes: out.added + out.reappeared,
            list: Some(out),
            ..Default::default()
        };
        let changes = finish(w, src, now, paths, &counts)?;
        phase("commit", t);
        Ok((out, changes))
    })();
    match result {
        Ok((out, changes)) => {
            reports[first].attributes = out.added + out.reappeared;
            reports[first].list = Some(out);
            reports[first] = std::mem::take(&mut reports[first]).with_changes(changes);
        }
        Err(error) => {
            let e = ImportError::Store {
                path: first_path,
                error,
            };
            for i in indices {
                reports[i] = std::mem::take(&mut reports[i]).failed(e.to_string());
            }
        }
    }
}

pub(super) fn feed_dir(
    store: &Store,
    dir: &Path,
    source: &str,
    opts: &super::ImportOptions,
) -> Vec<FileReport> {
    let mut reports = Vec::new();
    let mut total = FileReport::new(dir, Format::MispFeed, source);
    let result = (|| -> Result<(), StoreError> {
        let (mut w, src, now) = begin(store, source, Format::MispFeed)?;
        let reports = &mut reports;
        let mut records = 0u64;
        for (mut report, event) in feed_events(dir, source) {
            if let Some(mut pe) = event {
                super::prepare_event(&mut pe, opts);
                records += pe.attributes.len() as u64;
                if let Some(p) = &opts.progress {
                    (p.0)(records);
                }
                let outcome = w.put_event(&pe, &src, now)?;
                count_event(&mut report, outcome, &pe);
                count_event(&mut total, outcome, &pe);
            }
            reports.push(report);
        }
        if opts.all_or_nothing && reports.iter().any(|r| !r.ok) {
            // Dropping the writer aborts: nothing of this run is stored.
            for r in reports.iter_mut().filter(|r| r.ok) {
                *r = std::mem::take(r)
                    .failed("not stored: another event file of this feed failed".into());
            }
            return Ok(());
        }
        if reports.iter().all(|r| !r.ok) && !reports.is_empty() {
            // Nothing usable: leave the source untouched (no import recorded).
            return Ok(());
        }
        // The directory is one batch: its changes go on its last report.
        let changes = finish(w, src, now, vec![dir.display().to_string()], &total)?;
        if let Some(last) = reports.last_mut() {
            *last = std::mem::take(last).with_changes(changes);
        }
        Ok(())
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
