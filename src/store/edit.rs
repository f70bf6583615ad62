//! Analyst edits of stored events (their title and tags), written like any other change:
//! one transaction, an audit entry with the user.

use redb::ReadableTable;
use uuid::Uuid;

use super::records::{AttrRec, TagRec, decode, encode};
use super::tables::*;
use super::{AuditEntry, Result, Store, StoreError, current_user};

/// What to change; None leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventEdit {
    pub info: Option<String>,
    pub tags: Option<Vec<String>>,
}

/// Longest event title kept (MISP's column is 65,535 bytes; a title is a line).
const MAX_INFO: usize = 4096;

impl Store {
    /// Apply `edit` to the event `uuid`; its timestamp moves to now, so a copy with an older
    /// timestamp (a re-import) does not undo it, as in MISP.
    pub fn edit_event(&self, uuid: Uuid, edit: &EventEdit) -> Result<()> {
        let mut w = self.writer()?;
        let id = event_id(&w.txn().open_table(EVENT_UUIDS)?, uuid)?
            .ok_or_else(|| StoreError::NotFound(format!("no event {uuid}")))?;
        let mut ev = w.event_rec(id)?;
        let now = crate::model::time::now();
        let mut changed = serde_json::Map::new();
        if let Some(info) = &edit.info {
            let info: String = info.trim().chars().take(MAX_INFO).collect();
            if info.is_empty() {
                return Err(StoreError::Invalid("an event needs a title".into()));
            }
            changed.insert("info".into(), info.clone().into());
            ev.info = info;
        }
        if let Some(tags) = &edit.tags {
            let mut names: Vec<String> = Vec::new();
            for t in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
                if !names.iter().any(|n| n == t) {
                    names.push(t.to_string());
                }
            }
            {
                let mut table = w.txn().open_table(TAGS)?;
                for n in &names {
                    if table.get(n.as_str())?.is_none() {
                        table.insert(n.as_str(), "")?;
                    }
                }
            }
            changed.insert("tags".into(), names.clone().into());
            // A tag kept keeps its local flag (local tags are never exported).
            let local = |n: &str| ev.tags.iter().any(|t| t.name == n && t.local);
            ev.tags = names
                .into_iter()
                .map(|name| TagRec {
                    local: local(&name),
                    name,
                })
                .collect();
        }
        ev.timestamp = now;
        ev.updated = now;
        w.save_event(id, &ev)?;
        w.audit(&AuditEntry {
            time: now,
            user: current_user(),
            action: "edit".to_string(),
            source: None,
            inputs: vec![uuid.to_string()],
            counts: changed,
        })?;
        w.commit().map(|_| ())
    }
}

/// Longest comment kept.
const MAX_COMMENT: usize = 4096;

impl Store {
    /// Set the comment of attribute `attr` of event `event`. Its timestamp stays: a note is
    /// not new evidence, and the score decays from when the value was last seen. The event's
    /// moves to now (as MISP does), so the edited event replaces older copies elsewhere (an
    /// offline bundle carries it back).
    pub fn set_attribute_comment(&self, event: Uuid, attr: Uuid, comment: &str) -> Result<()> {
        let mut w = self.writer()?;
        let id = event_id(&w.txn().open_table(EVENT_UUIDS)?, event)?
            .ok_or_else(|| StoreError::NotFound(format!("no event {event}")))?;
        let comment: String = comment.trim().chars().take(MAX_COMMENT).collect();
        let found = {
            let mut attrs = w.txn().open_table(ATTRIBUTES)?;
            let mut hit = None;
            for item in attrs.range(event_range(id))? {
                let (k, v) = item?;
                let rec: AttrRec = decode("attribute", v.value())?;
                if rec.uuid(event.as_u128()) == attr {
                    hit = Some((k.value(), rec));
                    break;
                }
            }
            match hit {
                Some((k, mut rec)) => {
                    rec.comment = comment.clone();
                    attrs.insert(k, encode(&rec)?.as_slice())?;
                    true
                }
                None => false,
            }
        };
        if !found {
            return Err(StoreError::NotFound(format!(
                "no attribute {attr} in event {event}"
            )));
        }
        let now = crate::model::time::now();
        let mut ev = w.event_rec(id)?;
        ev.timestamp = ev.timestamp.max(now);
        ev.updated = now;
        w.save_event(id, &ev)?;
        let mut counts = serde_json::Map::new();
        counts.insert("comment".into(), comment.into());
        w.audit(&AuditEntry {
            time: now,
            user: current_user(),
            action: "comment".to_string(),
            source: None,
            inputs: vec![event.to_string(), attr.to_string()],
            counts,
        })?;
        w.commit().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_land_with_an_audit_entry() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        crate::tui::sample::load(&store).unwrap();
        let u = Uuid::from_u128(0x5a3e6c1e_0000_4000_8000_5a3e5a3e0001);
        store
            .edit_event(
                u,
                &EventEdit {
                    info: Some("  Glasswing phishing, reviewed ".into()),
                    tags: Some(vec![
                        "tlp:amber".into(),
                        " reviewed ".into(),
                        "tlp:amber".into(),
                        "".into(),
                    ]),
                },
            )
            .unwrap();
        let ev = store
            .events()
            .unwrap()
            .into_iter()
            .find(|e| e.event.uuid == u)
            .unwrap();
        assert_eq!(ev.event.info, "Glasswing phishing, reviewed");
        let tags: Vec<&str> = ev.event.tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(tags, ["tlp:amber", "reviewed"]);
        assert!(
            store
                .audit_log(Some(10))
                .unwrap()
                .iter()
                .any(|(_, a)| a.action == "edit")
        );
        assert!(
            store
                .edit_event(
                    u,
                    &EventEdit {
                        info: Some("  ".into()),
                        tags: None
                    }
                )
                .is_err()
        );
        assert!(
            store
                .edit_event(Uuid::nil(), &EventEdit::default())
                .is_err()
        );
        let a = store.event_attributes(u).unwrap().unwrap()[4].clone();
        let stamp = a.timestamp;
        store
            .set_attribute_comment(u, a.uuid.unwrap(), " seen on the proxy ")
            .unwrap();
        let b = store.event_attributes(u).unwrap().unwrap()[4].clone();
        assert_eq!(
            (b.comment.as_str(), b.timestamp),
            ("seen on the proxy", stamp)
        );
        assert!(store.set_attribute_comment(u, Uuid::nil(), "x").is_err());
    }
}
