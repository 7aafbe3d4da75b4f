//! Signing the ledger. Whoever can write the store can recompute a hash chain; they cannot sign
//! without the log key, which is kept outside the store. Every entry's hash (which covers the
//! entry and, through `prev_hash`, everything before it) is signed with Ed25519; the head — how
//! many entries there are and the last one's hash — is published outside the store, so that a
//! log cut short or put back to an older copy, whose signatures are all genuine, is caught too.

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use std::fmt;

/// What is signed for an entry: this prefix, then the entry's hash.
const CONTEXT: &str = "caretaker log entry v1\n";
/// The first line of a key file.
const KEY_HEADER: &str = "caretaker log key v1";

/// The key the log is signed with.
pub struct LogKey(SigningKey);

impl fmt::Debug for LogKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret half is never printed.
        write!(f, "LogKey({})", self.public_hex())
    }
}

/// A key file that does not hold a log key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadKey(pub String);

impl fmt::Display for BadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl LogKey {
    /// A new key from 32 random bytes (the caller reads them from the system's generator).
    pub fn from_random(bytes: [u8; 32]) -> LogKey {
        LogKey(SigningKey::from_bytes(&bytes))
    }

    /// The key file's text: a header line and the secret key in hex.
    pub fn to_file_text(&self) -> String {
        format!("{KEY_HEADER}\n{}\n", hex::encode(self.0.to_bytes()))
    }

    /// Reads a key file's text.
    pub fn from_file_text(text: &str) -> Result<LogKey, BadKey> {
        let mut lines = text.lines();
        if lines.next().map(str::trim) != Some(KEY_HEADER) {
            return Err(BadKey(format!(
                "it does not start with the line {KEY_HEADER:?}"
            )));
        }
        let secret = lines.next().map(str::trim).unwrap_or_default();
        let bytes: [u8; 32] = hex::decode(secret)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                BadKey("its second line is not a key (64 hexadecimal digits)".to_string())
            })?;
        Ok(LogKey(SigningKey::from_bytes(&bytes)))
    }

    /// The public half, in hex: what checks a signature.
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// The signature (hex) of an entry with hash `hash`.
    pub fn sign(&self, hash: &str) -> String {
        hex::encode(self.0.sign(message(hash).as_bytes()).to_bytes())
    }
}

/// The public half of a log key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Whether `signature` (hex) is the key's signature of an entry with hash `hash`.
    pub fn verifies(&self, hash: &str, signature: &str) -> bool {
        let Some(bytes) = hex::decode(signature.trim())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
        else {
            return false;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&bytes);
        self.0.verify_strict(message(hash).as_bytes(), &sig).is_ok()
    }

    /// In hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    /// The key written in hex by [`PublicKey::to_hex`]; None when it is not one.
    pub fn from_hex(text: &str) -> Option<PublicKey> {
        let bytes = <[u8; 32]>::try_from(hex::decode(text.trim()).ok()?).ok()?;
        VerifyingKey::from_bytes(&bytes).ok().map(PublicKey)
    }
}

fn message(hash: &str) -> String {
    format!("{CONTEXT}{hash}")
}

/// The head of the log: how many entries it holds and the last one's hash (the genesis hash
/// for an empty log). Written `COUNT:HASH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub count: i64,
    pub hash: String,
}

impl Head {
    /// The head of an empty log.
    pub fn empty() -> Head {
        Head {
            count: 0,
            hash: crate::GENESIS.to_string(),
        }
    }

    /// Reads `COUNT:HASH` (64 lowercase or uppercase hex digits).
    pub fn parse(s: &str) -> Result<Head, String> {
        let s = s.trim();
        let (count, hash) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?} is not COUNT:HASH (a number, a colon, 64 hex digits)"))?;
        let count: i64 = count
            .parse()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| format!("{count:?} is not a count of records"))?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{hash:?} is not a hash (64 hexadecimal digits)"));
        }
        Ok(Head {
            count,
            hash: hash.to_ascii_lowercase(),
        })
    }

    /// Every `COUNT:HASH` that follows the words "log head" in `text` (a report, a mail),
    /// in order.
    pub fn find_in(text: &str) -> Vec<Head> {
        let mut out = Vec::new();
        let lower = text.to_ascii_lowercase();
        let mut from = 0;
        while let Some(at) = lower[from..].find("log head") {
            let start = from + at + "log head".len();
            // The head is the first COUNT:HASH within a short distance (markup may come between).
            let window_end = (start + 200).min(text.len());
            let window = text.get(start..window_end).unwrap_or_default();
            if let Some(head) = first_head(window) {
                out.push(head);
            }
            from = start;
        }
        out
    }
}

/// The first `digits:64-hex` in `s`.
fn first_head(s: &str) -> Option<Head> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j < b.len() && b[j] == b':' {
                let hash_end = j + 1 + 64;
                if let Some(candidate) = s.get(i..hash_end) {
                    let ends = b.get(hash_end).is_none_or(|c| !c.is_ascii_hexdigit());
                    if ends {
                        if let Ok(h) = Head::parse(candidate) {
                            return Some(h);
                        }
                    }
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    None
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.count, self.hash)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_signature_holds_for_its_hash_only_and_for_its_key_only() {
        let key = LogKey::from_random([7; 32]);
        let other = LogKey::from_random([8; 32]);
        let hash = "ab".repeat(32);
        let sig = key.sign(&hash);
        assert!(key.public().verifies(&hash, &sig));
        assert!(!key.public().verifies(&"cd".repeat(32), &sig));
        assert!(!other.public().verifies(&hash, &sig));
        assert!(!key.public().verifies(&hash, "00"));
        assert!(!key.public().verifies(&hash, "not hex"));
    }

    #[test]
    fn a_key_file_reads_back_and_garbage_is_refused() {
        let key = LogKey::from_random([9; 32]);
        let again = LogKey::from_file_text(&key.to_file_text()).unwrap();
        assert_eq!(again.public_hex(), key.public_hex());
        assert!(!format!("{key:?}").contains(&hex::encode([9u8; 32])));
        assert!(LogKey::from_file_text("").is_err());
        assert!(LogKey::from_file_text("caretaker log key v1\nzz\n").is_err());
    }

    #[test]
    fn a_head_is_parsed_and_found_in_a_report() {
        let hash = "0f".repeat(32);
        let head = Head::parse(&format!("12:{}", hash.to_uppercase())).unwrap();
        assert_eq!(head.to_string(), format!("12:{hash}"));
        assert!(Head::parse("12").is_err());
        assert!(Head::parse("-1:00").is_err());
        assert!(Head::parse(&format!("x:{hash}")).is_err());
        let html =
            format!("<p>Filter-change log head: <code>12:{hash}</code></p><p>log head none</p>");
        assert_eq!(Head::find_in(&html), vec![head]);
        assert!(Head::find_in("no head here 12:00").is_empty());
    }
}
