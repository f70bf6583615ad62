//! What each receiver expects on the wire, and how its answers are read: Splunk HEC
//! (concatenated event objects, `{"code":0}`), Elasticsearch `_bulk` (NDJSON `create`
//! actions, per-item statuses: a 200 with `"errors": true` is not success), and a webhook
//! (a JSON document signed with HMAC-SHA256).

use serde_json::{Value, json};

use crate::store::browse::Holding;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Hec,
    Elastic,
    Webhook,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "splunk-hec" | "hec" => Kind::Hec,
            "elasticsearch" | "elastic" | "opensearch" => Kind::Elastic,
            "webhook" => Kind::Webhook,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Hec => "splunk-hec",
            Kind::Elastic => "elasticsearch",
            Kind::Webhook => "webhook",
        }
    }
}

/// One indicator ready to go: its id (for error reports) and its wire text.
pub struct Item {
    pub id: String,
    pub text: String,
}

/// The indicator as HEC events and webhook documents carry it.
fn plain(h: &Holding) -> Value {
    json!({
        "uuid": h.uuid, "type": h.type_, "category": h.category, "value": h.value,
        "to_ids": h.to_ids, "comment": h.comment, "tags": h.tags, "source": h.source,
        "event_uuid": h.event, "event_info": h.event_info,
        "timestamp": crate::model::time::format_rfc3339(h.timestamp),
        "last_seen": crate::model::time::format_rfc3339(h.seen),
    })
}

/// The wire text of one indicator, or None when the receiver cannot take its type.
pub fn item(kind: Kind, index: Option<&str>, h: &Holding) -> Option<Item> {
    let id = h.uuid.to_string();
    let text = match kind {
        Kind::Hec => {
            let mut ev = json!({
                "time": h.timestamp, "host": "threatdeck", "source": h.source,
                "sourcetype": "threatdeck:indicator", "event": plain(h),
            });
            if let Some(i) = index {
                ev["index"] = json!(i);
            }
            ev.to_string()
        }
        Kind::Elastic => {
            let doc = crate::export::ecs::document(h)?;
            let index = index.unwrap_or(DEFAULT_INDEX);
            // A data stream only takes `create`: a changed indicator is a new document there.
            // An index takes `index`: a changed indicator replaces its document.
            let action = if is_data_stream(index) {
                json!({"create": {"_index": index, "_id": format!("{id}-{}", h.timestamp)}})
            } else {
                json!({"index": {"_index": index, "_id": id}})
            };
            format!("{action}\n{doc}")
        }
        Kind::Webhook => plain(h).to_string(),
    };
    Some(Item { id, text })
}

pub const DEFAULT_INDEX: &str = "threatdeck-indicators";

/// Elastic's data stream naming (`logs-ti_threatdeck.indicator-default`).
pub fn is_data_stream(index: &str) -> bool {
    ["logs-", "metrics-", "traces-"]
        .iter()
        .any(|p| index.starts_with(p))
}

/// How a receiver answered a batch it took.
#[derive(Debug, Default)]
pub struct Verdict {
    pub ok: u64,
    /// Refused for good, with the reason.
    pub refused: Vec<String>,
    /// Indexes of items to send again (a per-item 429).
    pub retry: Vec<usize>,
}

/// The request body for a batch.
pub fn body(kind: Kind, items: &[Item]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.iter().map(|i| i.text.len() + 2).sum::<usize>() + 64);
    match kind {
        Kind::Hec | Kind::Elastic => {
            // HEC takes newline-separated objects; _bulk must end with a newline.
            for i in items {
                out.extend_from_slice(i.text.as_bytes());
                out.push(b'\n');
            }
        }
        Kind::Webhook => {
            out.extend_from_slice(b"{\"source\":\"threatdeck\",\"indicators\":[");
            for (n, i) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(i.text.as_bytes());
            }
            out.extend_from_slice(b"]}");
        }
    }
    out
}

/// `sha256=<hex>` of the body under the webhook's key (the receiver recomputes it).
pub fn signature(key: &[u8], body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(64);
    for b in bytes {
        hex.push_str(&format!("{b:02x}"));
    }
    format!("sha256={hex}")
}

/// How a 2xx answer to a batch reads.
pub fn accepted(kind: Kind, items: &[Item], answer: &[u8]) -> Verdict {
    let n = items.len() as u64;
    let all = |why: String| Verdict {
        refused: items.iter().map(|i| format!("{}: {why}", i.id)).collect(),
        ..Verdict::default()
    };
    match kind {
        Kind::Webhook => Verdict {
            ok: n,
            ..Verdict::default()
        },
        Kind::Hec => {
            let v: Value = serde_json::from_slice(answer).unwrap_or(Value::Null);
            if v["code"].as_i64() == Some(0) {
                Verdict {
                    ok: n,
                    ..Verdict::default()
                }
            } else {
                let text: String = String::from_utf8_lossy(answer).chars().take(200).collect();
                all(format!("HEC answered {}", crate::safe_text::inert(&text)))
            }
        }
        Kind::Elastic => {
            let v: Value = match serde_json::from_slice(answer) {
                Ok(v) => v,
                Err(e) => return all(format!("unreadable _bulk answer: {e}")),
            };
            if v["errors"] != Value::Bool(true) {
                return Verdict {
                    ok: n,
                    ..Verdict::default()
                };
            }
            let results = v["items"].as_array().cloned().unwrap_or_default();
            let mut out = Verdict::default();
            for (i, item) in items.iter().enumerate() {
                let r = results
                    .get(i)
                    .and_then(|r| r.as_object())
                    .and_then(|o| o.values().next());
                let status = r.and_then(|r| r["status"].as_u64()).unwrap_or(0);
                // 409 on `create`: that very version is already there.
                if (200..300).contains(&status) || status == 409 {
                    out.ok += 1;
                } else if status == 429 {
                    out.retry.push(i);
                } else {
                    let why = match r.map(|r| &r["error"]) {
                        Some(Value::Object(e)) => format!(
                            "{} {}",
                            e.get("type").and_then(Value::as_str).unwrap_or("error"),
                            e.get("reason").and_then(Value::as_str).unwrap_or("")
                        ),
                        _ => "no result for this item".to_string(),
                    };
                    out.refused.push(format!(
                        "{}: {status} {}",
                        item.id,
                        crate::safe_text::inert(&why)
                    ));
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<Item> {
        (0..n)
            .map(|i| Item {
                id: format!("id{i}"),
                text: "{}".into(),
            })
            .collect()
    }

    #[test]
    fn bulk_answers_are_read_per_item() {
        let answer = br#"{"took":1,"errors":true,"items":[
            {"create":{"status":201}},
            {"create":{"status":409,"error":{"type":"version_conflict_engine_exception"}}},
            {"create":{"status":400,"error":{"type":"document_parsing_exception","reason":"bad ip"}}},
            {"create":{"status":429,"error":{"type":"es_rejected_execution_exception"}}}]}"#;
        let v = accepted(Kind::Elastic, &items(4), answer);
        assert_eq!(v.ok, 2);
        assert_eq!(
            v.refused,
            vec!["id2: 400 document_parsing_exception bad ip".to_string()]
        );
        assert_eq!(v.retry, vec![3], "429s go again");
        let v = accepted(Kind::Elastic, &items(2), br#"{"errors":false,"items":[]}"#);
        assert_eq!((v.ok, v.refused.len()), (2, 0));
    }

    #[test]
    fn hec_needs_code_zero_and_signatures_are_hmac_sha256() {
        assert_eq!(
            accepted(Kind::Hec, &items(2), br#"{"text":"Success","code":0}"#).ok,
            2
        );
        assert_eq!(
            accepted(Kind::Hec, &items(2), br#"{"text":"x","code":6}"#)
                .refused
                .len(),
            2
        );
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            body(Kind::Webhook, &items(2)),
            br#"{"source":"threatdeck","indicators":[{},{}]}"#
        );
        assert!(body(Kind::Elastic, &items(1)).ends_with(b"\n"));
    }
}
