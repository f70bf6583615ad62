//! Analyst edits of stored events (their title and tags), written like any other change:
//! one transaction, an audit entry with the user.

use redb::ReadableTable;
use uuid::Uuid;

use super::records::TagRec;
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
        let id = w
            .txn()
            .open_table(EVENT_UUIDS)?
            .get(uuid.as_u128())?
            .map(|v| v.value())
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
    }
}
