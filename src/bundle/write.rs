//! `bundle export`: the parts are streamed into the zip through a SHA-256 hasher, the
//! manifest goes last, and the file appears under its name only when complete.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use sha2::Digest;
use zip::write::SimpleFileOptions;

use super::{Annotation, BundleError, Manifest, Part};
use crate::export::misp::{EventSink, LazyEvent};
use crate::export::{Counts, ExportError, Selector};
use crate::model::hash::value_hash;
use crate::model::time::format_rfc3339;
use crate::model::{Attribute, Event, Object, ObjectReference};
use crate::store::Store;

/// Counts a part's bytes and digest as they are written.
struct Hashing<'a, W: Write> {
    inner: &'a mut W,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

type Zip = zip::ZipWriter<std::io::BufWriter<std::fs::File>>;

/// Write one part: `fill` writes its lines and returns (records, newest time).
fn part(
    zip: &mut Zip,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> Result<(u64, Option<i64>), BundleError>,
) -> Result<Part, BundleError> {
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(name, opts)
        .map_err(|e| BundleError::Invalid {
            path: name.into(),
            message: e.to_string(),
        })?;
    let mut w = Hashing {
        inner: zip,
        hasher: sha2::Sha256::new(),
        bytes: 0,
    };
    let (records, newest) = fill(&mut w)?;
    Ok(Part {
        name: name.to_string(),
        sha256: super::hex(&w.hasher.finalize()),
        bytes: w.bytes,
        records,
        as_of: newest.map(format_rfc3339),
    })
}

/// `events.jsonl`: one `{"Event": {…}, "source": …}` line per event, streamed.
struct Lines<'a> {
    out: &'a mut dyn Write,
    /// Values that went out: their sightings and score overrides go with them.
    values: &'a mut HashSet<u64>,
    newest: Option<i64>,
    events: u64,
    current: Option<(LazyEvent, String, i64)>,
}

impl EventSink for Lines<'_> {
    fn start(&mut self, e: &Event, source: &str) -> Result<(), ExportError> {
        let tail = format!(",\"source\":{}}}\n", serde_json::Value::from(source));
        self.current = Some((LazyEvent::new(e, ""), tail, e.timestamp));
        Ok(())
    }

    fn attribute(&mut self, a: &Attribute) -> Result<(), ExportError> {
        self.values.insert(value_hash(&a.value));
        for p in a.value.split('|').filter(|_| a.type_.contains('|')) {
            self.values.insert(value_hash(p));
        }
        if let Some((json, ..)) = self.current.as_mut() {
            json.attribute(self.out, a)?;
        }
        Ok(())
    }

    fn end(
        &mut self,
        objects: &[(Object, Vec<Attribute>)],
        refs: &[ObjectReference],
        partial: bool,
    ) -> Result<(), ExportError> {
        for (_, attrs) in objects {
            for a in attrs {
                self.values.insert(value_hash(&a.value));
            }
        }
        // A cut-down event says so: the importing side must not let it replace its copy
        // whole (it would lose what the filters left out here).
        let tail = |t: &str| {
            if partial {
                format!(",\"partial\":true{t}")
            } else {
                t.to_string()
            }
        };
        if let Some((mut json, t, ts)) = self.current.take()
            && json.finish(self.out, objects, refs, &tail(&t))?
        {
            self.events += 1;
            self.newest = self.newest.max(Some(ts));
        }
        Ok(())
    }
}

/// A feed location without credentials in it.
fn without_credentials(location: &str) -> String {
    let Ok(mut url) = reqwest::Url::parse(location) else {
        return location.to_string();
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let keep: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !["key", "token", "auth", "secret", "pass", "sig"]
                .iter()
                .any(|s| k.contains(s))
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if keep.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(keep);
    }
    url.to_string()
}

#[derive(Debug, Default, serde::Serialize)]
pub struct Written {
    pub attributes: Counts,
    pub events: u64,
    pub sightings: u64,
    pub annotations: u64,
    pub feeds: u64,
    pub signed: bool,
}

fn line(out: &mut dyn Write, v: &impl serde::Serialize) -> Result<(), BundleError> {
    serde_json::to_writer(&mut *out, v).map_err(|e| BundleError::Invalid {
        path: "bundle".into(),
        message: e.to_string(),
    })?;
    out.write_all(b"\n").map_err(|error| BundleError::Io {
        path: "bundle".into(),
        error,
    })
}

pub fn export(
    store: &Store,
    sel: &mut Selector,
    path: &Path,
    sign: Option<&ed25519_dalek::SigningKey>,
) -> Result<Written, BundleError> {
    let tmp = path.with_extension(format!("partial-{}", std::process::id()));
    let result = write_to(store, sel, &tmp, sign).and_then(|w| {
        std::fs::rename(&tmp, path).map_err(|error| BundleError::Io {
            path: path.display().to_string(),
            error,
        })?;
        Ok(w)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn write_to(
    store: &Store,
    sel: &mut Selector,
    tmp: &Path,
    sign: Option<&ed25519_dalek::SigningKey>,
) -> Result<Written, BundleError> {
    let io = |error| BundleError::Io {
        path: tmp.display().to_string(),
        error,
    };
    let file = std::fs::File::create(tmp).map_err(io)?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let mut done = Written::default();
    // Values that went out: their sightings and score overrides go with them.
    let mut values: HashSet<u64> = HashSet::new();
    let mut parts = Vec::new();

    let mut events = 0;
    let mut counts = Counts::default();
    parts.push(part(&mut zip, super::EVENTS, |out| {
        let mut lines = Lines {
            out,
            values: &mut values,
            newest: None,
            events: 0,
            current: None,
        };
        counts = crate::export::misp::select_events(store, sel, &mut lines).map_err(|e| {
            BundleError::Invalid {
                path: super::EVENTS.into(),
                message: e.to_string(),
            }
        })?;
        events = lines.events;
        Ok((lines.events, lines.newest))
    })?);
    done.events = events;
    done.attributes = counts;

    parts.push(part(&mut zip, super::SIGHTINGS, |out| {
        let mut n = 0;
        let mut newest = None;
        for s in store.all_sightings()? {
            if values.contains(&value_hash(&s.value)) {
                newest = newest.max(Some(s.time));
                line(out, &s)?;
                n += 1;
            }
        }
        Ok((n, newest))
    })?);
    done.sightings = parts[1].records;

    parts.push(part(&mut zip, super::ANNOTATIONS, |out| {
        let mut n = 0;
        for (value, score) in store.score_overrides()? {
            if values.contains(&value_hash(&value)) {
                line(out, &Annotation::ScoreOverride { value, score })?;
                n += 1;
            }
        }
        for (pattern, comment) in store.exclusions()? {
            line(out, &Annotation::Exclusion { pattern, comment })?;
            n += 1;
        }
        Ok((n, None))
    })?);
    done.annotations = parts[2].records;

    parts.push(part(&mut zip, super::FEEDS, |out| {
        let mut n = 0;
        for mut f in store.feeds()? {
            // Headers hold references (secret:NAME, env:VAR), never secrets; the secrets
            // file stays on this machine. A location may carry a key (user:pass@, ?apikey=):
            // it is left out.
            f.location = without_credentials(&f.location);
            line(out, &f)?;
            n += 1;
        }
        Ok((n, None))
    })?);
    done.feeds = parts[3].records;

    let manifest = Manifest {
        format: super::FORMAT.into(),
        version: super::VERSION,
        created: format_rfc3339(crate::model::time::now()),
        producer: concat!("threatdeck/", env!("CARGO_PKG_VERSION")).into(),
        filters: sel.filters.clone(),
        parts,
    };
    let bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| BundleError::Invalid {
        path: super::MANIFEST.into(),
        message: e.to_string(),
    })?;
    let zerr = |e: zip::result::ZipError| BundleError::Invalid {
        path: tmp.display().to_string(),
        message: e.to_string(),
    };
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(super::MANIFEST, opts).map_err(zerr)?;
    zip.write_all(&bytes).map_err(io)?;
    if let Some(key) = sign {
        let sig = super::keys::sign(key, &bytes);
        zip.start_file(super::SIGNATURE, opts).map_err(zerr)?;
        zip.write_all(&serde_json::to_vec(&sig).unwrap_or_default())
            .map_err(io)?;
        done.signed = true;
    }
    let file = zip.finish().map_err(zerr)?;
    file.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    #[test]
    fn feed_locations_lose_their_credentials() {
        let f = super::without_credentials;
        assert_eq!(
            f("https://u:p@feeds.example/list.txt?apikey=s3&format=csv"),
            "https://feeds.example/list.txt?format=csv"
        );
        assert_eq!(
            f("https://feeds.example/x?auth_token=1"),
            "https://feeds.example/x"
        );
        assert_eq!(f("/mnt/feeds/urlhaus"), "/mnt/feeds/urlhaus");
    }
}
