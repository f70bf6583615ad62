//! Turning file bytes into text: byte-order mark, and invalid UTF-8 reported by line.

use super::ParseError;

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
