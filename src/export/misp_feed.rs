//! `misp-feed`: a directory a MISP instance (or another threatdeck) subscribes to.
//! Each file is written beside its final name and moved in place when whole, so no reader
//! sees half a file; the manifest goes last, so a subscriber (which reads the manifest
//! first) meets every event it lists, and events that left the selection are removed after
//! it. An export that fails midway can leave newer event files under the old manifest.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::misp::{EventSink, LazyEvent, hash_lines, manifest_entry, select_events};
use super::{Counts, ExportError, Selector};
use crate::store::Store;

/// Marks a directory as written by this exporter.
const MARKER: &str = ".threatdeck-feed";

#[derive(Debug, Default, serde::Serialize)]
pub struct FeedCounts {
    #[serde(flatten)]
    pub attributes: Counts,
    pub events: u64,
    /// Event files of an earlier export that are no longer selected.
    pub removed: u64,
}

fn is_event_file(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "json")
        && p.file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| uuid::Uuid::parse_str(s).is_ok())
}

/// Write whole, then rename over `path`.
fn put(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("partial-{}", std::process::id()));
    let res = (|| {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> ExportError + '_ {
    move |e| {
        ExportError::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
    }
}

/// One event file being written beside its final name.
struct Open {
    uuid: String,
    event: crate::model::Event,
    tmp: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    json: LazyEvent,
}

struct Feed<'a> {
    dir: &'a Path,
    manifest: BTreeMap<String, Value>,
    hashes: std::io::BufWriter<std::fs::File>,
    hashes_tmp: PathBuf,
    current: Option<Open>,
}

impl EventSink for Feed<'_> {
    fn start(&mut self, e: &crate::model::Event, _: &str) -> Result<(), ExportError> {
        let uuid = e.uuid.to_string();
        let tmp = self
            .dir
            .join(format!("{uuid}.partial-{}", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(io_at(&tmp))?;
        self.current = Some(Open {
            uuid,
            event: e.clone(),
            tmp,
            file: std::io::BufWriter::with_capacity(1 << 20, file),
            json: LazyEvent::new(e, ""),
        });
        Ok(())
    }

    fn attribute(&mut self, a: &crate::model::Attribute) -> Result<(), ExportError> {
        if let Some(c) = self.current.as_mut() {
            c.json.attribute(&mut c.file, a).map_err(io_at(&c.tmp))?;
            hash_lines(c.event.uuid, a, &mut self.hashes).map_err(io_at(&self.hashes_tmp))?;
        }
        Ok(())
    }

    fn end(
        &mut self,
        objects: &[(crate::model::Object, Vec<crate::model::Attribute>)],
        refs: &[crate::model::ObjectReference],
        _: bool,
    ) -> Result<(), ExportError> {
        let Some(mut c) = self.current.take() else {
            return Ok(());
        };
        let written = (|| {
            for (_, attrs) in objects {
                for a in attrs {
                    hash_lines(c.event.uuid, a, &mut self.hashes)?;
                }
            }
            c.json.finish(&mut c.file, objects, refs, "}\n")
        })();
        let kept = match written {
            Ok(k) => k,
            Err(e) => {
                let _ = std::fs::remove_file(&c.tmp);
                return Err(io_at(&c.tmp)(e));
            }
        };
        let done = (|| {
            c.file
                .into_inner()
                .map_err(|e| e.into_error())?
                .sync_all()?;
            if kept {
                std::fs::rename(&c.tmp, self.dir.join(format!("{}.json", c.uuid)))
            } else {
                std::fs::remove_file(&c.tmp)
            }
        })();
        if done.is_err() {
            let _ = std::fs::remove_file(&c.tmp);
        }
        done.map_err(io_at(self.dir))?;
        if kept {
            self.manifest.insert(c.uuid, manifest_entry(&c.event));
        }
        Ok(())
    }
}

pub fn write_feed(
    store: &Store,
    sel: &mut Selector,
    dir: &Path,
) -> Result<FeedCounts, ExportError> {
    // Stale event files are deleted after an export: only in a directory this tool wrote
    // (its marker) or an empty one, never in someone else's.
    let marker = dir.join(MARKER);
    if dir.exists() {
        let empty = std::fs::read_dir(dir).map_err(io_at(dir))?.next().is_none();
        if !empty && !marker.exists() {
            return Err(ExportError::Io(std::io::Error::other(format!(
                "{}: holds files threatdeck did not write; choose an empty or new directory",
                dir.display()
            ))));
        }
    } else {
        std::fs::create_dir_all(dir).map_err(io_at(dir))?;
    }
    std::fs::write(
        &marker,
        "A MISP feed written by threatdeck export --format misp-feed.\n",
    )
    .map_err(io_at(&marker))?;
    let hashes_path = dir.join("hashes.csv");
    let hashes_tmp: PathBuf = dir.join(format!("hashes.partial-{}", std::process::id()));
    let hashes =
        std::io::BufWriter::new(std::fs::File::create(&hashes_tmp).map_err(io_at(&hashes_tmp))?);
    let mut feed = Feed {
        dir,
        manifest: BTreeMap::new(),
        hashes,
        hashes_tmp: hashes_tmp.clone(),
        current: None,
    };
    let result = select_events(store, sel, &mut feed);
    let Feed {
        manifest,
        hashes,
        current,
        ..
    } = feed;
    if let Some(c) = current {
        let _ = std::fs::remove_file(&c.tmp);
    }
    let finish = result.and_then(|counts| {
        hashes
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(io_at(&hashes_tmp))?;
        std::fs::rename(&hashes_tmp, &hashes_path).map_err(io_at(&hashes_path))?;
        let mpath = dir.join("manifest.json");
        put(&mpath, |w| {
            serde_json::to_writer(&mut *w, &manifest)?;
            w.write_all(b"\n")
        })
        .map_err(io_at(&mpath))?;
        Ok(counts)
    });
    let counts = match finish {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&hashes_tmp);
            return Err(e);
        }
    };
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).map_err(io_at(dir))?.flatten() {
        let p = entry.path();
        let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if is_event_file(&p) && !manifest.contains_key(stem) {
            std::fs::remove_file(&p).map_err(io_at(&p))?;
            removed += 1;
        }
    }
    Ok(FeedCounts {
        attributes: counts,
        events: manifest.len() as u64,
        removed,
    })
}
