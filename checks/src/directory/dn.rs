//! Distinguished names compared the way a person reads them: case-insensitive, spaces around
//! commas, plus signs and equals signs ignored.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast, non-cryptographic hasher for maps keyed by DNs and names read from the school's own
/// directory (tens of thousands of lookups per audit).
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut v = 0u64;
            for (i, b) in chunk.iter().enumerate() {
                v |= u64::from(*b) << (8 * i);
            }
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, i: usize) {
        self.0 = (self.0.rotate_left(5) ^ i as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// [`normalize`] for a DN already owned: lowercased in place when that is all it needs.
pub fn normalize_owned(mut dn: String) -> String {
    if is_plain(&dn) {
        dn.make_ascii_lowercase();
        dn
    } else {
        normalize(&dn)
    }
}

/// A DN in a canonical form for comparison: attribute names and values lowercased, spaces around
/// `,`, `+` and `=` removed (escaped characters are kept as written).
pub fn normalize(dn: &str) -> String {
    if is_plain(dn) {
        return dn.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(dn.len());
    for (i, rdn) in split_unescaped(dn, ',').into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, ava) in split_unescaped(rdn, '+').into_iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            match ava.split_once('=') {
                Some((name, value)) => {
                    out.push_str(&name.trim().to_lowercase());
                    out.push('=');
                    out.push_str(&trim_value(value).to_lowercase());
                }
                None => out.push_str(&ava.trim().to_lowercase()),
            }
        }
    }
    out
}

/// True if the DN is ASCII without escapes, `+` or spaces next to a separator: then lowercasing
/// is all normalization does (the common case, and the fast one).
fn is_plain(dn: &str) -> bool {
    let b = dn.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut prev = 0u8;
    for &c in b {
        match c {
            b'\\' | b'+' | b'"' => return false,
            b' ' if prev == b',' || prev == b'=' => return false,
            b',' | b'=' if prev == b' ' => return false,
            c if c >= 0x80 => return false,
            _ => {}
        }
        prev = c;
    }
    true
}

/// True if `ndn` is `nbase` or lies below it. Both must already be [`normalize`]d.
pub fn is_under(ndn: &str, nbase: &str) -> bool {
    if nbase.is_empty() {
        return true;
    }
    ndn == nbase
        || (ndn.len() > nbase.len()
            && ndn.ends_with(nbase)
            && ndn.as_bytes().get(ndn.len() - nbase.len() - 1) == Some(&b','))
}

/// The value of the first RDN, unescaped loosely: `CN=Domain Admins,CN=Users,…` → `Domain Admins`.
pub fn first_rdn_value(dn: &str) -> String {
    let first = split_unescaped(dn, ',')
        .into_iter()
        .next()
        .unwrap_or_default();
    let first = split_unescaped(first, '+')
        .into_iter()
        .next()
        .unwrap_or_default();
    let value = first.split_once('=').map(|(_, v)| v).unwrap_or(first);
    unescape(trim_value(value))
}

/// Splits on `sep` where it is not escaped with a backslash.
fn split_unescaped(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(s.get(start..i).unwrap_or_default());
            start = i + c.len_utf8();
        }
    }
    parts.push(s.get(start..).unwrap_or_default());
    parts
}

/// Trims surrounding spaces, but keeps a trailing space that is escaped (`\ `).
fn trim_value(v: &str) -> &str {
    let v = v.trim_start();
    let trimmed = v.trim_end();
    if trimmed.ends_with('\\') && trimmed.len() < v.len() {
        v.get(..trimmed.len() + 1).unwrap_or(trimmed)
    } else {
        trimmed
    }
}

/// Removes backslash escapes (`\,` → `,`, `\2C` → `,`) for display.
fn unescape(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or_default();
        if b == b'\\' {
            let h = bytes
                .get(i + 1..i + 3)
                .and_then(|pair| std::str::from_utf8(pair).ok());
            if let Some(byte) = h.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
            if let Some(next) = bytes.get(i + 1) {
                out.push(*next);
                i += 2;
                continue;
            }
            i += 1;
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_and_spaces() {
        assert_eq!(
            normalize("OU=Year 1, OU=Pupils ,DC=School,DC=sch,DC=uk"),
            "ou=year 1,ou=pupils,dc=school,dc=sch,dc=uk"
        );
        assert_eq!(
            normalize("cn = A\\, B + uid=x,dc=x"),
            "cn=a\\, b+uid=x,dc=x"
        );
    }

    #[test]
    fn under_means_at_or_below() {
        let base = normalize("OU=Pupils,DC=s");
        assert!(is_under(&normalize("CN=a,OU=Year 1,OU=Pupils,DC=s"), &base));
        assert!(is_under(&base, &base));
        assert!(!is_under(&normalize("CN=a,OU=NotPupils,DC=s"), &base));
        assert!(!is_under(&normalize("DC=s"), &base));
    }

    #[test]
    fn first_rdn_value_unescapes() {
        assert_eq!(
            first_rdn_value("CN=Domain Admins,CN=Users,DC=x"),
            "Domain Admins"
        );
        assert_eq!(first_rdn_value("cn=Smith\\, John,dc=x"), "Smith, John");
        assert_eq!(first_rdn_value("cn=a\\2Cb,dc=x"), "a,b");
        assert_eq!(first_rdn_value(""), "");
    }
}
