//! The audit log: who changed what, when, from which source. Append-only.

use serde::{Deserialize, Serialize};

use redb::ReadableTable;

use super::tables::AUDIT;
use super::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub time: i64,
    /// The OS user who ran the command.
    pub user: String,
    /// `import`, `edit`, `delete`, later `sync`, `sighting`, `export`.
    pub action: String,
    pub source: Option<String>,
    /// Files or URLs involved.
    pub inputs: Vec<String>,
    /// Counts of what changed (`events_added`, `attributes_added`, ...).
    pub counts: serde_json::Map<String, serde_json::Value>,
}

/// The OS user running this process, for the audit trail.
pub fn current_user() -> String {
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Ok(u) = std::env::var(var)
            && !u.is_empty()
        {
            return u;
        }
    }
    // No login variables (cron, containers, sudo -i): the uid, named from /etc/passwd.
    let Some(uid) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().next().map(str::to_string))
        })
    else {
        return "unknown".to_string();
    };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|p| {
            p.lines().find_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                (f.nth(1)? == uid).then(|| name.to_string())
            })
        })
        .unwrap_or_else(|| format!("uid {uid}"))
}

impl Store {
    /// The audit log, oldest first; `limit` keeps the newest entries.
    pub fn audit_log(&self, limit: Option<usize>) -> Result<Vec<(u64, AuditEntry)>> {
        let txn = self.read()?;
        let table = txn.open_table(AUDIT)?;
        let mut out = Vec::new();
        for item in table.iter()?.rev() {
            if limit.is_some_and(|l| out.len() >= l) {
                break;
            }
            let (k, v) = item?;
            let entry: AuditEntry = serde_json::from_slice(v.value())
                .map_err(|e| StoreError::Corrupt(format!("audit entry {}: {e}", k.value())))?;
            out.push((k.value(), entry));
        }
        out.reverse();
        Ok(out)
    }
}
