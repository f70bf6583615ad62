//! Pages pulled from an API are written to the staging file as they arrive, one JSON array
//! under one key, so memory holds one page, not the whole pull.

use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::Value;

pub struct ArrayFile {
    out: BufWriter<std::fs::File>,
    pub count: usize,
}

impl ArrayFile {
    /// Start `{"<key>": [` in a new file at `path`.
    pub fn create(path: &Path, key: &str) -> Result<ArrayFile, String> {
        let file = std::fs::File::create(path).map_err(|e| format!("staging: {e}"))?;
        let mut out = BufWriter::new(file);
        write!(out, "{{{}:[", Value::String(key.to_string()))
            .map_err(|e| format!("staging: {e}"))?;
        Ok(ArrayFile { out, count: 0 })
    }

    pub fn push(&mut self, item: &Value) -> Result<(), String> {
        if self.count > 0 {
            self.out
                .write_all(b",")
                .map_err(|e| format!("staging: {e}"))?;
        }
        serde_json::to_writer(&mut self.out, item).map_err(|e| format!("staging: {e}"))?;
        self.count += 1;
        Ok(())
    }

    /// Close the array and the object.
    pub fn finish(mut self) -> Result<usize, String> {
        self.out
            .write_all(b"]}")
            .and_then(|()| self.out.flush())
            .map_err(|e| format!("staging: {e}"))?;
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_one_valid_document() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        let mut a = ArrayFile::create(&p, "objects").unwrap();
        a.push(&serde_json::json!({"a": 1})).unwrap();
        a.push(&serde_json::json!("b")).unwrap();
        assert_eq!(a.finish().unwrap(), 2);
        let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(v, serde_json::json!({"objects": [{"a": 1}, "b"]}));
        let e = ArrayFile::create(&p, "response").unwrap();
        assert_eq!(e.finish().unwrap(), 0);
        let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(v, serde_json::json!({"response": []}));
    }
}
