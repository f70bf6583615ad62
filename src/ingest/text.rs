//! Turning file bytes into text: byte-order mark, and invalid UTF-8 reported by line.

use std::io::Read;
use std::path::Path;

use super::ParseError;

/// Inputs larger than this are refused rather than read into memory.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// Read a whole input file, refusing one over [`MAX_INPUT_BYTES`]. The limit is enforced on
/// the bytes read, not the size the file claims, so a symlink to a device cannot exhaust
/// memory.
pub fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    if hint > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    let mut buf = Vec::with_capacity(hint as usize);
    file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    Ok(buf)
}

fn too_big() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("larger than the {} MiB input limit", MAX_INPUT_BYTES >> 20),
    )
}

/// Strip a UTF-8 byte-order mark and check the bytes are UTF-8; on failure name the line
/// and byte column of the first invalid byte.
pub fn decode_text(bytes: &[u8]) -> Result<&str, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let col = at
            - bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        ParseError::at_line(line, format!("invalid UTF-8 at byte {col} of the line"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom_and_reports_bad_bytes() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFabc").unwrap(), "abc");
        let e = decode_text(b"ok\nfine\nba\xffd\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("byte 3"), "{e}");
    }
}
