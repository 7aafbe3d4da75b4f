//! Reading the probe's JSON document: one [`Fetch`] per requested URL, in order.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::facts::{curl_fetch, windows_fetch};
use super::fields::{as_raw_text, as_text, proxy_without_userinfo};
use super::lookups::lookups_of;
use super::{ParseError, MAX_OUTPUT_BYTES, PROBE, PROBE_WINDOWS};
use crate::filter::bypass::Lookup;
use crate::filter::model::{Fetch, Outcome};
use crate::host::parse::clip;

/// Everything one run of the filter probe reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeReport {
    /// `caretaker-filter/1` or `caretaker-filter-windows/1`.
    pub probe: String,
    /// `curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 …`, or the PowerShell version.
    pub client_version: Option<String>,
    /// The proxy the probe used, without credentials.
    pub proxy: Option<String>,
    /// What the probe could not do, in plain words ("curl is not installed …").
    pub problems: Vec<String>,
    /// One per requested URL, in the order asked.
    pub fetches: Vec<Fetch>,
    /// One per requested name, in the order asked; `Err(reason)` when the probe looked nothing
    /// up (the Windows probe, or no getent on the machine).
    pub lookups: Result<Vec<Lookup>, String>,
}

/// One [`Fetch`] per URL of `urls`, in order, from the probe's stdout. A URL the output does not
/// mention becomes [`Outcome::Other`] with a detail saying so (and what the probe's problems were).
pub fn parse(stdout: &[u8], urls: &[String]) -> Result<Vec<Fetch>, ParseError> {
    parse_report(stdout, urls).map(|r| r.fetches)
}

/// Like [`parse`], with the probe's own facts (client version, proxy, problems).
pub fn parse_report(stdout: &[u8], urls: &[String]) -> Result<ProbeReport, ParseError> {
    parse_with_lookups(stdout, urls, &[])
}

/// Like [`parse_report`], with the answers for the names the probe was asked to look up
/// (`names`, in order).
pub fn parse_with_lookups(
    stdout: &[u8],
    urls: &[String],
    names: &[String],
) -> Result<ProbeReport, ParseError> {
    if stdout.len() > MAX_OUTPUT_BYTES {
        return Err(ParseError::new(format!(
            "the probe printed {} bytes, more than the {MAX_OUTPUT_BYTES} accepted",
            stdout.len()
        )));
    }
    // The document is ASCII by construction; a stray byte can only be inside a string.
    let text = String::from_utf8_lossy(stdout);
    let obj = crate::host::parse::json_object(&text).map_err(ParseError::new)?;
    let windows = match obj.get("probe") {
        Some(Value::String(p)) if p == PROBE => false,
        Some(Value::String(p)) if p == PROBE_WINDOWS => true,
        Some(Value::String(p)) => {
            return Err(ParseError::new(format!(
                "the output is from probe {:?}, not caretaker's filter probe ({PROBE} or {PROBE_WINDOWS})",
                clip(p, 80)
            )))
        }
        Some(_) => return Err(ParseError::new("the \"probe\" field is not a string")),
        None => {
            return Err(ParseError::new(
                "the output has no \"probe\" field: not from caretaker's filter probe",
            ))
        }
    };
    let results = match obj.get("results") {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ParseError::new("the \"results\" field is not a list")),
        None => return Err(ParseError::new("the output has no \"results\" list")),
    };
    let mut problems = Vec::new();
    match obj.get("problems") {
        Some(Value::Array(items)) => {
            problems.extend(items.iter().filter_map(as_text).take(100));
        }
        Some(v) => problems.extend(as_text(v)),
        None => {}
    }
    let proxy = obj
        .get("proxy")
        .and_then(as_text)
        .and_then(|p| proxy_without_userinfo(&p));
    let client_version = if windows {
        obj.get("powershell_version").and_then(as_text)
    } else {
        obj.get("curl_version").and_then(as_text)
    };

    let entries: Vec<(Option<String>, &Map<String, Value>)> = results
        .iter()
        .filter_map(|r| match r {
            Value::Object(m) => Some((m.get("url").and_then(as_raw_text), m)),
            _ => None,
        })
        .collect();
    let mut used = vec![false; entries.len()];
    let mut fetches = Vec::with_capacity(urls.len());
    for (i, url) in urls.iter().enumerate() {
        let same = |j: usize| {
            entries
                .get(j)
                .is_some_and(|(u, _)| u.as_deref() == Some(url.as_str()))
                && !used.get(j).copied().unwrap_or(true)
        };
        let pick = if same(i) {
            Some(i)
        } else {
            (0..entries.len()).find(|&j| same(j))
        };
        let fetch = match pick.and_then(|j| entries.get(j).map(|e| (j, e.1))) {
            Some((j, m)) => {
                if let Some(u) = used.get_mut(j) {
                    *u = true;
                }
                if windows {
                    windows_fetch(url, m, proxy.as_deref())
                } else {
                    curl_fetch(url, m, proxy.as_deref())
                }
            }
            None => {
                let mut detail = String::from("the probe's output has no result for this URL");
                if !problems.is_empty() {
                    let _ = write!(detail, " (the probe said: {})", problems.join("; "));
                }
                let mut f = Fetch::failed(url, Outcome::Other, detail);
                f.proxy.clone_from(&proxy);
                f
            }
        };
        fetches.push(fetch);
    }
    let lookups = lookups_of(&obj, names, windows, &problems);
    Ok(ProbeReport {
        probe: if windows { PROBE_WINDOWS } else { PROBE }.to_string(),
        client_version,
        proxy,
        problems,
        fetches,
        lookups,
    })
}
