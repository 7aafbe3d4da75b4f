//! Windows security identifiers: binary as AD sends them, or in text form.

use std::fmt;

use super::{BadValue, Val};

/// A Windows security identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid {
    pub revision: u8,
    pub authority: u64,
    pub subs: Vec<u32>,
}

impl Sid {
    /// The last sub-authority: 500 for the built-in Administrator, 501 for Guest, 512 for Domain Admins.
    pub fn rid(&self) -> Option<u32> {
        self.subs.last().copied()
    }

    /// The SID of the same domain with another RID (for `primaryGroupID`).
    pub fn with_rid(&self, rid: u32) -> Sid {
        let mut subs = self.subs.clone();
        if let Some(last) = subs.last_mut() {
            *last = rid;
        }
        Sid {
            revision: self.revision,
            authority: self.authority,
            subs,
        }
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S-{}-{}", self.revision, self.authority)?;
        for s in &self.subs {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

/// A binary SID as AD sends it (revision, count, 48-bit big-endian authority, little-endian
/// 32-bit sub-authorities), or its text form `S-1-5-21-…`.
pub fn parse_sid(attr: &str, bytes: &[u8]) -> Val<Sid> {
    if let Some(text) = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.starts_with("S-") || t.starts_with("s-"))
    {
        return parse_sid_text(attr, text);
    }
    let shown = || {
        bytes
            .iter()
            .take(32)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let (Some(&revision), Some(&count)) = (bytes.first(), bytes.get(1)) else {
        return Err(BadValue::new(attr, &shown(), "is too short to be a SID"));
    };
    if revision != 1 || count > 15 || bytes.len() != 8 + 4 * usize::from(count) {
        return Err(BadValue::new(attr, &shown(), "is not a well-formed SID"));
    }
    let mut authority: u64 = 0;
    for b in bytes.get(2..8).unwrap_or_default() {
        authority = (authority << 8) | u64::from(*b);
    }
    let subs = bytes
        .get(8..)
        .unwrap_or_default()
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(Sid {
        revision,
        authority,
        subs,
    })
}

fn parse_sid_text(attr: &str, text: &str) -> Val<Sid> {
    let bad = || BadValue::new(attr, text, "is not a SID such as S-1-5-21-1-2-3-500");
    let mut parts = text.get(2..).ok_or_else(bad)?.split('-');
    let revision: u8 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let authority: u64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let subs = parts
        .map(|p| p.parse::<u32>().map_err(|_| bad()))
        .collect::<Result<Vec<_>, _>>()?;
    if subs.len() > 15 {
        return Err(bad());
    }
    Ok(Sid {
        revision,
        authority,
        subs,
    })
}
