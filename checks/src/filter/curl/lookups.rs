//! Reading the probe's `lookups`: what each name resolved to on the machine (`getent ahosts`).

use serde_json::{Map, Value};

use super::fields::{as_raw_text, as_text, as_u64};
use crate::filter::bypass::lookup::{plain_name, Answer, Lookup};
use crate::host::parse::clip;

/// How the evidence names the sh probe's lookups.
pub const BY_GETENT: &str = "getent ahosts (the machine's own resolver)";

/// The answers for `names`, in order, from the document's `lookups`; `Err(reason)` when the
/// probe looked nothing up (the Windows probe, or getent missing: `problems` say why).
pub(super) fn lookups_of(
    obj: &Map<String, Value>,
    names: &[String],
    windows: bool,
    problems: &[String],
) -> Result<Vec<Lookup>, String> {
    let items = match obj.get("lookups") {
        Some(Value::Array(items)) => items,
        _ if windows => return Err(
            "the Windows probe does not look names up, so this cannot be tested from a Windows \
                 machine (add a Linux or macOS machine of the same network as a vantage point)"
                .into(),
        ),
        _ => {
            let getent = problems.iter().find(|p| p.contains("getent"));
            return Err(match getent {
                Some(p) => format!("names could not be looked up there: {p}"),
                None if problems.is_empty() => "the probe looked no names up".into(),
                None => format!(
                    "names could not be looked up there (the probe said: {})",
                    problems.join("; ")
                ),
            });
        }
    };
    let by = match obj.get("lookups_by").and_then(as_text) {
        Some(b) if b == "getent ahosts" => BY_GETENT.to_string(),
        Some(b) => clip(&b, 100),
        None => BY_GETENT.to_string(),
    };
    let entries: Vec<(String, &Map<String, Value>)> = items
        .iter()
        .take(names.len().saturating_mul(2).max(1))
        .filter_map(|v| match v {
            Value::Object(m) => m
                .get("name")
                .and_then(as_raw_text)
                .map(|n| (plain_name(&n), m)),
            _ => None,
        })
        .collect();
    Ok(names
        .iter()
        .map(
            |name| match entries.iter().find(|(n, _)| *n == plain_name(name)) {
                Some((_, m)) => one(name, m, &by),
                None => Lookup::without(
                    name,
                    Answer::Failed,
                    &by,
                    "the probe's output has no answer for this name",
                ),
            },
        )
        .collect())
}

/// One entry: getent's exit status says how the lookup ended (0 found, 2 not found; 143 or 137
/// stopped at the time limit).
fn one(name: &str, m: &Map<String, Value>, by: &str) -> Lookup {
    let addresses: Vec<String> = match m.get("addresses") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(as_text)
            .filter(|a| a.parse::<std::net::IpAddr>().is_ok())
            .take(16)
            .collect(),
        _ => Vec::new(),
    };
    let canonical = m
        .get("canonical")
        .and_then(as_text)
        .filter(|c| super::request::is_host_name(c.trim_end_matches('.')))
        .map(|c| plain_name(&c));
    match m.get("exit").and_then(as_u64) {
        Some(0) if !addresses.is_empty() => Lookup {
            name: name.to_string(),
            answer: Answer::Addresses,
            addresses,
            canonical,
            by: by.to_string(),
            detail: None,
        },
        Some(0) => Lookup::without(name, Answer::NoAddress, by, "getent found the name but no address"),
        Some(2) => Lookup::without(
            name,
            Answer::NotFound,
            by,
            "getent found no address (NXDOMAIN, no records, or a refusal: getent cannot tell which)",
        ),
        Some(137 | 143) => Lookup::without(
            name,
            Answer::Timeout,
            by,
            "getent did not finish within the connect timeout",
        ),
        Some(n) => Lookup::without(name, Answer::Failed, by, format!("getent exited with {n}")),
        None => Lookup::without(name, Answer::Failed, by, "no exit status for getent"),
    }
}
