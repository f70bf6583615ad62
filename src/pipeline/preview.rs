//! `--dry-run`: parse and normalise exactly as an import would, store nothing.

use std::path::PathBuf;

use serde::Serialize;

use crate::ingest::Format;
use crate::model::Attribute;

use super::{
    FileReport, ImportOptions, Parsed, default_source, detect_format, feed_events, parse_file,
};

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

/// Preview rows for `--dry-run`: parse only, store nothing. Returns the rows and one report
/// per input.
pub fn preview(paths: &[PathBuf], opts: &ImportOptions) -> (Vec<PreviewRow>, Vec<FileReport>) {
    let mut rows = Vec::new();
    let mut reports = Vec::new();
    for path in &super::expand_dirs(paths) {
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
