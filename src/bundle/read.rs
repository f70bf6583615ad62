//! `bundle import`: check the manifest (and its signature), check every part's digest and
//! size, and only then merge, in one transaction.

use std::io::{BufRead, Read};
use std::path::Path;

use sha2::Digest;

use super::{Annotation, BundleError, EventLine, Manifest, Signature};
use crate::safe_text::inert;
use crate::store::{AuditEntry, EventOutcome, SightingRec, Store, current_user};

/// Longest line read from a part (a whole event with its attributes).
const MAX_LINE: u64 = 1 << 30;

#[derive(Debug, Default, serde::Serialize)]
pub struct Merged {
    pub events_added: u64,
    pub events_replaced: u64,
    pub events_unchanged: u64,
    pub sightings_added: u64,
    pub sightings_known: u64,
    pub annotations_applied: u64,
    pub feeds_added: u64,
    /// Feed headers referring to secrets or environment variables, left out.
    pub feed_headers_dropped: u64,
    /// The signing key's fingerprint, when the bundle is signed.
    pub signed_by: Option<String>,
    /// Whether that key is the one the user said to trust.
    pub trusted: bool,
    pub created: String,
}

type Archive = zip::ZipArchive<std::io::BufReader<std::fs::File>>;

fn invalid(path: &Path, message: impl Into<String>) -> BundleError {
    BundleError::Invalid {
        path: path.display().to_string(),
        message: message.into(),
    }
}

fn read_small(zip: &mut Archive, path: &Path, name: &str) -> Result<Option<Vec<u8>>, BundleError> {
    let mut f = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(invalid(path, format!("{name}: {e}"))),
    };
    let mut buf = Vec::new();
    f.by_ref()
        .take(16 << 20)
        .read_to_end(&mut buf)
        .map_err(|e| invalid(path, format!("{name}: {e}")))?;
    Ok(Some(buf))
}

/// Open and verify a bundle: its manifest, signature and every part's digest and size.
pub fn verify(
    path: &Path,
    trusted: Option<&ed25519_dalek::VerifyingKey>,
) -> Result<(Archive, Manifest, Merged), BundleError> {
    let file = std::fs::File::open(path).map_err(|error| BundleError::Io {
        path: path.display().to_string(),
        error,
    })?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| invalid(path, format!("not a threatdeck bundle, or truncated ({e})")))?;
    let bytes = read_small(&mut zip, path, super::MANIFEST)?
        .ok_or_else(|| invalid(path, "no manifest.json: not a threatdeck bundle"))?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| invalid(path, format!("manifest.json: {e}")))?;
    if manifest.format != super::FORMAT || manifest.version != super::VERSION {
        return Err(invalid(
            path,
            format!(
                "a {} version {} bundle; this build reads {} version {}",
                manifest.format,
                manifest.version,
                super::FORMAT,
                super::VERSION
            ),
        ));
    }
    let mut report = Merged {
        created: manifest.created.clone(),
        ..Merged::default()
    };
    match read_small(&mut zip, path, super::SIGNATURE)? {
        Some(sig) => {
            let sig: Signature = serde_json::from_slice(&sig)
                .map_err(|e| invalid(path, format!("manifest.sig: {e}")))?;
            let key = super::keys::verify(&sig, &bytes).map_err(|e| invalid(path, e))?;
            report.signed_by = Some(super::keys::fingerprint(&key));
            if let Some(t) = trusted {
                if t != &key {
                    return Err(invalid(
                        path,
                        format!(
                            "signed by key {}, not by the key you trust ({})",
                            super::keys::fingerprint(&key),
                            super::keys::fingerprint(t)
                        ),
                    ));
                }
                report.trusted = true;
            }
        }
        None if trusted.is_some() => {
            return Err(invalid(
                path,
                "not signed, and --verify-key asks for a signature",
            ));
        }
        None => {}
    }
    // Nothing rides along that the manifest does not vouch for.
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| invalid(path, format!("an entry name: {e}")))?;
    let distinct: std::collections::HashSet<&String> = names.iter().collect();
    if distinct.len() != names.len() {
        // Other unzip tools would show other contents than the ones checked here.
        return Err(invalid(path, "holds two entries with one name"));
    }
    for name in names {
        if name != super::MANIFEST
            && name != super::SIGNATURE
            && !manifest.parts.iter().any(|p| p.name == name)
        {
            return Err(invalid(
                path,
                format!("holds {name:?}, which its manifest does not list"),
            ));
        }
    }
    for part in &manifest.parts {
        let mut f = zip
            .by_name(&part.name)
            .map_err(|e| invalid(path, format!("{}: {e} (truncated?)", inert(&part.name))))?;
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 64 << 10];
        let mut bytes = 0u64;
        loop {
            let n = f.read(&mut buf).map_err(|e| {
                invalid(
                    path,
                    format!("{}: {e} (damaged or truncated)", inert(&part.name)),
                )
            })?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            if bytes > part.bytes {
                break;
            }
            hasher.update(&buf[..n]);
        }
        if bytes != part.bytes || super::hex(&hasher.finalize()) != part.sha256 {
            return Err(invalid(
                path,
                format!(
                    "{} does not match its digest in the manifest: the bundle was altered or damaged",
                    part.name
                ),
            ));
        }
    }
    Ok((zip, manifest, report))
}

/// Hashes what is read through it.
struct HashRead<R> {
    inner: R,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Each line of a part, with its number; a line error names the part and line. The bytes
/// merged are hashed again as they are read, so a file changed since `verify` is refused
/// before anything is committed.
fn lines(
    zip: &mut Archive,
    path: &Path,
    manifest: &Manifest,
    name: &str,
    mut each: impl FnMut(usize, &str) -> Result<(), String>,
) -> Result<(), BundleError> {
    let Some(part) = manifest.parts.iter().find(|p| p.name == name) else {
        return Ok(());
    };
    let f = zip
        .by_name(name)
        .map_err(|e| invalid(path, format!("{name}: {e}")))?;
    let mut r = std::io::BufReader::new(HashRead {
        inner: f,
        hasher: sha2::Sha256::new(),
        bytes: 0,
    });
    let mut line = String::new();
    for n in 1.. {
        line.clear();
        let read = r
            .by_ref()
            .take(MAX_LINE)
            .read_line(&mut line)
            .map_err(|e| invalid(path, format!("{name} line {n}: {e}")))?;
        if read == 0 {
            break;
        }
        if read as u64 == MAX_LINE && !line.ends_with('\n') {
            return Err(invalid(path, format!("{name} line {n}: longer than 1 GiB")));
        }
        if line.trim().is_empty() {
            continue;
        }
        each(n, line.trim_end()).map_err(|e| invalid(path, format!("{name} line {n}: {e}")))?;
    }
    let h = r.into_inner();
    if h.bytes != part.bytes || super::hex(&h.hasher.finalize()) != part.sha256 {
        return Err(invalid(
            path,
            format!("{name} changed while it was being imported; nothing was stored"),
        ));
    }
    Ok(())
}

/// Add to a cut-down event what the store holds of it and the event lacks (attributes,
/// their objects and references), so replacing the stored copy loses nothing.
fn keep_local(
    store: &Store,
    pe: &mut crate::model::ParsedEvent,
) -> Result<(), crate::store::StoreError> {
    let Some((attrs, objects, refs)) = store.event_parts(pe.event.uuid)? else {
        return Ok(());
    };
    let have: std::collections::HashSet<uuid::Uuid> =
        pe.attributes.iter().filter_map(|a| a.uuid).collect();
    pe.attributes.extend(
        attrs
            .into_iter()
            .filter(|a| a.uuid.is_none_or(|u| !have.contains(&u))),
    );
    let objs: std::collections::HashSet<uuid::Uuid> = pe.objects.iter().map(|o| o.uuid).collect();
    pe.objects
        .extend(objects.into_iter().filter(|o| !objs.contains(&o.uuid)));
    for r in refs {
        if !pe.references.contains(&r) {
            pe.references.push(r);
        }
    }
    Ok(())
}

/// Verify, then merge the bundle into `store` in one transaction.
pub fn import(
    store: &Store,
    path: &Path,
    trusted: Option<&ed25519_dalek::VerifyingKey>,
) -> Result<Merged, BundleError> {
    let (mut zip, manifest, mut report) = verify(path, trusted)?;
    let now = crate::model::time::now();
    let mut w = store.writer()?;
    let mut sources: std::collections::HashMap<String, crate::store::records::SourceRec> =
        Default::default();
    let mut failure: Option<BundleError> = None;
    lines(&mut zip, path, &manifest, super::EVENTS, |_, l| {
        let line: EventLine = serde_json::from_str(l).map_err(|e| e.to_string())?;
        let doc = serde_json::json!({ "Event": line.event });
        let mut events = crate::ingest::misp_event::parse(doc.to_string().as_bytes())
            .map_err(|e| e.to_string())?;
        let src = match sources.get(&line.source) {
            Some(s) => s.clone(),
            None => {
                let s = w
                    .source(&line.source, "bundle", now)
                    .map_err(|e| e.to_string())?;
                sources.insert(line.source.clone(), s.clone());
                s
            }
        };
        for pe in &mut events {
            crate::pipeline::normalize_event(pe);
            if line.partial {
                // The other side's filters left things out: keep ours.
                keep_local(store, pe).map_err(|e| e.to_string())?;
            }
            match w.put_event(pe, &src, now) {
                Ok(EventOutcome::Added) => report.events_added += 1,
                Ok(EventOutcome::Replaced) => report.events_replaced += 1,
                Ok(EventOutcome::Unchanged) => report.events_unchanged += 1,
                Err(e) => {
                    failure = Some(e.into());
                    return Err("the store refused it".into());
                }
            }
        }
        Ok(())
    })
    .map_err(|e| failure.take().unwrap_or(e))?;
    let mut sightings: Vec<SightingRec> = Vec::new();
    lines(&mut zip, path, &manifest, super::SIGHTINGS, |_, l| {
        sightings.push(serde_json::from_str(l).map_err(|e| e.to_string())?);
        Ok(())
    })?;
    let (added, known) = w.add_sightings_once(sightings)?;
    report.sightings_added = added;
    report.sightings_known = known;
    let mut notes: Vec<Annotation> = Vec::new();
    lines(&mut zip, path, &manifest, super::ANNOTATIONS, |_, l| {
        notes.push(serde_json::from_str(l).map_err(|e| e.to_string())?);
        Ok(())
    })?;
    for n in notes {
        if w.annotate(&n)? {
            report.annotations_applied += 1;
        }
    }
    let mut feeds: Vec<crate::store::feeds::FeedRec> = Vec::new();
    lines(&mut zip, path, &manifest, super::FEEDS, |_, l| {
        feeds.push(serde_json::from_str(l).map_err(|e| e.to_string())?);
        Ok(())
    })?;
    for mut f in feeds {
        // Nothing touches the network until the user says so on this side, and a planted
        // definition cannot send this side's secrets anywhere: references are dropped.
        f.enabled = false;
        let before = f.headers.len();
        f.headers
            .retain(|(_, v)| !(v.contains("secret:") || v.contains("env:")));
        report.feed_headers_dropped += (before - f.headers.len()) as u64;
        if w.add_feed_if_absent(&f)? {
            report.feeds_added += 1;
        }
    }
    for mut src in sources.into_values() {
        src.last_import = now;
        src.imports += 1;
        w.save_source(&src)?;
    }
    let mut counts = serde_json::Map::new();
    counts.insert(
        "report".into(),
        serde_json::to_value(&report).unwrap_or_default(),
    );
    w.audit(&AuditEntry {
        time: now,
        user: current_user(),
        action: "bundle-import".into(),
        source: None,
        inputs: vec![path.display().to_string()],
        counts,
    })?;
    w.commit()?;
    Ok(report)
}
