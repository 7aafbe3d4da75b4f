//! Reading an entry's attributes into facts: required or optional values, values kept for
//! evidence, and values taken out of the entry as they are read.

use super::{BadValue, Entry, RawKey, Val};

pub(super) fn opt<T>(
    e: &Entry,
    attr: &str,
    key: &str,
    f: impl Fn(&str, &str) -> Val<T>,
) -> Val<Option<T>> {
    match e.first(attr) {
        Some(s) => f(key, s).map(Some),
        None => Ok(None),
    }
}

pub(super) fn req<T>(e: &Entry, attr: &str, key: &str, f: impl Fn(&str, &str) -> Val<T>) -> Val<T> {
    match e.first(attr) {
        Some(s) => f(key, s),
        None => Err(BadValue::missing(key)),
    }
}

pub(super) fn record(e: &Entry, keys: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for (key, attr) in keys {
        let vals = e.all(attr);
        if !vals.is_empty() {
            v.push((key.to_string(), vals.join("; ")));
        }
    }
    v
}

/// Removes and returns the first value of `name`.
pub(super) fn take(e: &mut Entry, name: &str) -> Option<String> {
    e.attrs.remove(name).and_then(|v| v.into_iter().next())
}

/// Removes and returns every value of `name`.
pub(super) fn take_all(e: &mut Entry, name: &str) -> Vec<String> {
    e.attrs.remove(name).unwrap_or_default()
}

/// Parses an optional value and keeps it for evidence under `key`.
pub(super) fn keep<T>(
    raw: &mut Vec<(RawKey, String)>,
    key: RawKey,
    value: Option<String>,
    f: impl Fn(&str, &str) -> Val<T>,
) -> Val<Option<T>> {
    match value {
        Some(v) => {
            let parsed = f(key.name(), &v).map(Some);
            raw.push((key, v));
            parsed
        }
        None => Ok(None),
    }
}
