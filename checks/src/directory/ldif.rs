//! A small reader for LDIF content records (RFC 2849) as printed by `ldapsearch`: comments, folded
//! lines, base64 (`::`) values, and the `search:`/`result:` trailer (skipped). Used to feed the
//! recorded fixtures to the parser and judge; never panics on any input.

use std::fmt;

use super::parse::Entry;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

/// Why an LDIF text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifError {
    /// 1-based line of the problem.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LdifError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LDIF line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LdifError {}

/// Reads every entry (record with a `dn:`) of an LDIF text, in order.
pub fn parse_ldif(text: &str) -> Result<Vec<Entry>, LdifError> {
    let mut entries = Vec::new();
    let mut record: Vec<(usize, String)> = Vec::new();
    let mut in_comment = false;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let number = i + 1;
        if let Some(cont) = line.strip_prefix(' ') {
            if in_comment {
                continue;
            }
            match record.last_mut() {
                Some((_, last)) => last.push_str(cont),
                None => {
                    return Err(LdifError {
                        line: number,
                        message: "a continuation line with nothing to continue".into(),
                    })
                }
            }
            continue;
        }
        in_comment = false;
        if line.starts_with('#') {
            in_comment = true;
            continue;
        }
        if line.is_empty() {
            if !record.is_empty() {
                if let Some(e) = read_record(&record)? {
                    entries.push(e);
                }
                record.clear();
            }
            continue;
        }
        record.push((number, line.to_string()));
    }
    if !record.is_empty() {
        if let Some(e) = read_record(&record)? {
            entries.push(e);
        }
    }
    Ok(entries)
}

fn read_record(lines: &[(usize, String)]) -> Result<Option<Entry>, LdifError> {
    let mut entry: Option<Entry> = None;
    for (number, line) in lines {
        let (name, value) = split_line(line).map_err(|m| LdifError {
            line: *number,
            message: m,
        })?;
        let lname = name.to_ascii_lowercase();
        match &mut entry {
            None => {
                if lname == "version" {
                    continue;
                }
                if lname != "dn" {
                    // `search: 2`, `result: 0 Success`, `control: …`: not an entry.
                    return Ok(None);
                }
                let dn = match value {
                    Value::Text(t) => t,
                    Value::Bytes(b) => String::from_utf8(b).map_err(|_| LdifError {
                        line: *number,
                        message: "the DN is not UTF-8".into(),
                    })?,
                };
                entry = Some(Entry::new(dn));
            }
            Some(e) => {
                if lname == "changetype" {
                    return Err(LdifError {
                        line: *number,
                        message: "change records are not supported".into(),
                    });
                }
                match value {
                    Value::Text(t) => e.push(&lname, t),
                    Value::Bytes(b) => match String::from_utf8(b) {
                        Ok(t) => e.push(&lname, t),
                        Err(err) => e.push_bin(&lname, err.into_bytes()),
                    },
                }
            }
        }
    }
    Ok(entry)
}

enum Value {
    Text(String),
    Bytes(Vec<u8>),
}

fn split_line(line: &str) -> Result<(&str, Value), String> {
    let Some(colon) = line.find(':') else {
        return Err(format!(
            "expected `name: value`, found {:?}",
            truncate(line)
        ));
    };
    let name = line.get(..colon).unwrap_or_default();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';' || c == '.')
    {
        return Err(format!("not an attribute name: {:?}", truncate(name)));
    }
    let rest = line.get(colon + 1..).unwrap_or_default();
    if let Some(b64) = rest.strip_prefix(':') {
        let bytes =
            decode_base64(b64.trim()).ok_or_else(|| format!("bad base64 value for {name}"))?;
        Ok((name, Value::Bytes(bytes)))
    } else if rest.starts_with('<') {
        Err(format!("URL values (`{name}:<`) are not supported"))
    } else {
        Ok((name, Value::Text(rest.trim_start_matches(' ').to_string())))
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(60).collect()
}

/// Standard base64 (RFC 4648, padded, as `ldapsearch` prints it). `None` if it is not base64:
/// a character outside the alphabet, missing or misplaced padding, or stray trailing bits.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    BASE64.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_folded_lines_base64_and_skips_trailers() {
        let text = "# extended LDIF\n#\n# a comment that\n  is folded\n\n# x\ndn: CN=Admins PSO,CN=Password Settings Container,CN=System,DC=stexample,DC=sch\n ,DC=uk\nobjectSid:: AQUAAAAAAAUVAAAAA2VxNTMDe3ocBlq+9QEAAA==\ncn: Admins PSO\nempty:\ndescription:: w6lsw6h2ZQ==\n\n# search result\nsearch: 2\nresult: 0 Success\n";
        let entries = parse_ldif(text).unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!(
            e.dn,
            "CN=Admins PSO,CN=Password Settings Container,CN=System,DC=stexample,DC=sch,DC=uk"
        );
        assert_eq!(e.first("cn"), Some("Admins PSO"));
        assert_eq!(e.first("empty"), Some(""));
        assert_eq!(e.first("description"), Some("élève"));
        let sid = e.bytes("objectsid");
        assert_eq!(sid.len(), 1);
        assert_eq!(sid[0].len(), 28);
    }

    #[test]
    fn base64_round_trips_known_values() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64(""), Some(vec![]));
        assert_eq!(decode_base64("a=b"), None);
        assert_eq!(decode_base64("!!"), None);
        // Cut short, padded where no padding belongs, or with stray bits: refused, never read as
        // fewer bytes (`ldapsearch` always prints padded base64).
        assert_eq!(decode_base64("aGVsbG8"), None);
        assert_eq!(decode_base64("Zm9"), None);
        assert_eq!(decode_base64("Zg="), None);
        assert_eq!(decode_base64("Zm9v="), None);
        assert_eq!(decode_base64("Zh=="), None);
        assert_eq!(decode_base64("aGVs bG8="), None);
    }

    #[test]
    fn a_bad_base64_value_is_an_error_with_its_line() {
        let err = parse_ldif("dn: cn=x\nobjectSid:: AQUAAAAAAAUVAAAAA2VxNTMDe3ocBlq+9QEAAA\n")
            .unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("bad base64"), "{err}");
    }

    #[test]
    fn reports_bad_lines_with_their_number() {
        let err = parse_ldif("dn: cn=x\nno colon here\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(parse_ldif(" continuation first\n").is_err());
    }
}
