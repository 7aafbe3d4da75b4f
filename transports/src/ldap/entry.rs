//! One directory entry as the probe read it: its DN, text values and binary values.

use std::collections::BTreeMap;

/// One directory entry: its DN, its text values (attribute names lowercased), and values that are
/// not UTF-8 (such as `objectSid`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub dn: String,
    pub attrs: BTreeMap<String, Vec<String>>,
    pub bin: BTreeMap<String, Vec<Vec<u8>>>,
}

impl Entry {
    pub fn new(dn: impl Into<String>) -> Self {
        Entry {
            dn: dn.into(),
            attrs: BTreeMap::new(),
            bin: BTreeMap::new(),
        }
    }

    /// Adds a text value (the name is lowercased).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.attrs
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value.into());
    }

    /// Adds a binary value (the name is lowercased).
    pub fn push_bin(&mut self, name: &str, value: Vec<u8>) {
        self.bin
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value);
    }

    /// Builder form of [`Entry::push`], for tests.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.push(name, value);
        self
    }

    /// The first text value of `name` (lowercase).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.attrs
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }

    /// Every text value of `name` (lowercase).
    pub fn all(&self, name: &str) -> &[String] {
        self.attrs.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every value of `name` as bytes, text values first.
    pub fn bytes(&self, name: &str) -> Vec<&[u8]> {
        let mut v: Vec<&[u8]> = self.all(name).iter().map(|s| s.as_bytes()).collect();
        if let Some(b) = self.bin.get(name) {
            v.extend(b.iter().map(Vec::as_slice));
        }
        v
    }

    /// True if the entry has the attribute at all.
    pub fn has(&self, name: &str) -> bool {
        self.attrs.contains_key(name) || self.bin.contains_key(name)
    }

    /// True if one of the entry's `objectClass` values is `class` (case-insensitive).
    pub fn has_class(&self, class: &str) -> bool {
        self.all("objectclass")
            .iter()
            .any(|c| c.eq_ignore_ascii_case(class))
    }
}
