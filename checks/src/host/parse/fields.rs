//! Lenient field readers: a probe's JSON object, booleans and numbers in any of the forms the
//! probes write them, times, and values as evidence shows them.

use serde_json::{Map, Value};
use time::OffsetDateTime;

/// A probe's output as its one JSON object. PowerShell may start with a byte-order mark, shells
/// may add blank lines. The error is the reason, in words.
pub(crate) fn json_object(text: &str) -> Result<Map<String, Value>, String> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err("the probe printed nothing".into());
    }
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| format!("the probe's output is not one JSON document: {e}"))?;
    match doc {
        Value::Object(obj) => Ok(obj),
        _ => Err("the probe's output is JSON but not an object".into()),
    }
}

/// Cuts a string to at most `max` characters.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// A scalar as text; `None` for null, arrays, objects and empty strings.
pub(super) fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(clip(s.trim(), 1000)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn text_field(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(as_text)
}

/// A boolean from `true`, `"True"`, `"1"`, `1`, `"on"`, `"yes"` (and their opposites).
pub(crate) fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "on" | "yes" => Some(true),
            "false" | "0" | "off" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A non-negative integer from `7` or `"7"`; `None` for negatives, fractions, huge values.
pub(crate) fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

pub(super) fn obj_of<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    match obj.get(key) {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    }
}

pub(super) fn get<'a>(obj: Option<&'a Map<String, Value>>, key: &str) -> &'a Value {
    obj.and_then(|m| m.get(key)).unwrap_or(&Value::Null)
}

/// A string array (non-strings skipped), at most `cap` items.
pub(super) fn strings(v: &Value, cap: usize) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(as_text).take(cap).collect(),
        other => as_text(other).into_iter().collect(),
    }
}

/// Seconds since the Unix epoch → a time; `None` when out of range.
pub(crate) fn from_epoch(secs: u64) -> Option<OffsetDateTime> {
    let secs = i64::try_from(secs).ok()?;
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

pub(super) fn epoch_field(v: &Value) -> Option<OffsetDateTime> {
    as_u64(v).and_then(from_epoch)
}

/// An RFC 3339 / ISO 8601 time as written by the Windows probe (`2024-06-04T08:06:27Z`).
pub(crate) fn parse_iso(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).ok()
}

pub(super) fn fmt_time(t: Option<OffsetDateTime>) -> String {
    t.map(crate::model::format_rfc3339)
        .unwrap_or_else(|| "not read".into())
}

pub(super) fn shown(v: &Value) -> String {
    match v {
        Value::Null => "not read".into(),
        other => as_text(other).unwrap_or_else(|| clip(&other.to_string(), 200)),
    }
}
