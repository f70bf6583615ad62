//! `text` (one value per line, each once: block lists) and `csv` (MISP's attribute CSV
//! columns, RFC 4180 quoting).

use std::io::Write;

use super::{Row, Seen, Sink};

#[derive(Default)]
pub struct Text {
    seen: Seen,
    /// Values with control characters are left out: a block list has no use for them and
    /// some consumers would choke.
    pub skipped: u64,
}

impl Sink for Text {
    fn begin(&mut self, _: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }

    fn row(&mut self, out: &mut dyn Write, row: &Row) -> std::io::Result<()> {
        let v = row.h.value;
        if v.chars().any(char::is_control) {
            self.skipped += 1;
            return Ok(());
        }
        if self.seen.first(v) {
            out.write_all(v.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    fn end(&mut self, _: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}

/// MISP's default attribute CSV columns (restSearch returnFormat csv). `event_id` holds the
/// event's uuid: numeric ids mean nothing outside one MISP instance. Object columns are
/// empty: objects are exported by `misp-event` and `stix21`.
pub const CSV_HEADER: &str = "uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category";

#[derive(Default)]
pub struct Csv;

fn field(out: &mut dyn Write, s: &str) -> std::io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        out.write_all(b"\"")?;
        out.write_all(s.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(s.as_bytes())
    }
}

impl Sink for Csv {
    fn begin(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "{CSV_HEADER}")
    }

    fn row(&mut self, out: &mut dyn Write, row: &Row) -> std::io::Result<()> {
        let h = row.h;
        let cells = [
            h.uuid.to_string(),
            h.event.to_string(),
            h.category.to_string(),
            h.type_.to_string(),
            h.value.to_string(),
            h.comment.to_string(),
            u8::from(h.to_ids).to_string(),
            h.timestamp.to_string(),
            String::new(),
            h.tags.join(","),
            String::new(),
            String::new(),
            String::new(),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            field(out, c)?;
        }
        out.write_all(b"\n")
    }

    fn end(&mut self, _: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}
