//! Pure functions from a probe's stdout to [`HostFacts`].
//!
//! The three probes speak different dialects; this module reads each into one OS-neutral set of
//! facts. Every fact is optional: `None` means "the probe could not read it", and the judge turns
//! that into an `error`, never a pass. Field handling is lenient (a boolean may arrive as `true`,
//! `"True"` or `1`; a number as `7` or `"7"`), but the document as a whole must be one JSON object
//! from a known probe, or [`parse`] returns a [`ParseError`]. Nothing here panics on any input.

mod facts;
mod fields;
mod linux;
mod macos;
mod notifier;
mod software;
mod windows;

use serde_json::Value;

use super::OsFamily;
use fields::{as_text, text_field};
use linux::linux;
use macos::macos;
use windows::windows;

pub use facts::{
    Antivirus, Encryption, HostFacts, Package, Removable, ScreenLock, Software, Updates,
};
pub(crate) use fields::{as_bool, clip, json_object};
pub use linux::{parse_clamav_header, parse_mdatp_health, LINUX_AV_LOOKED_FOR};
pub use macos::{parse_mount_controls, parse_softwareupdate_date};
pub use notifier::parse_updates_available;
pub use windows::decode_product_state;

/// Larger outputs are refused rather than parsed (a probe caps every list well below this).
pub const MAX_OUTPUT_BYTES: usize = 16 * 1024 * 1024;
/// At most this many packages are kept.
pub const MAX_PACKAGES: usize = 10_000;

/// Why a probe's output could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ParseError {
    /// Plain technical reason: "not JSON: EOF while parsing an object at line 1 column 80".
    pub reason: String,
}

impl ParseError {
    fn new(reason: impl Into<String>) -> Self {
        ParseError {
            reason: reason.into(),
        }
    }
}

/// Parses a probe's stdout. `expected` is the OS family the configuration names; a document from
/// another family's probe is an error (the wrong script ran, or the configuration is wrong).
pub fn parse(stdout: &[u8], expected: OsFamily) -> Result<HostFacts, ParseError> {
    parse_inner(stdout, Some(expected))
}

/// Like [`parse`] for a machine whose OS was not configured: the family is the one the output's
/// `probe` field names.
pub fn parse_any(stdout: &[u8]) -> Result<HostFacts, ParseError> {
    parse_inner(stdout, None)
}

fn parse_inner(stdout: &[u8], expected: Option<OsFamily>) -> Result<HostFacts, ParseError> {
    if stdout.len() > MAX_OUTPUT_BYTES {
        return Err(ParseError::new(format!(
            "the probe printed {} bytes, more than the {MAX_OUTPUT_BYTES} accepted",
            stdout.len()
        )));
    }
    let text = std::str::from_utf8(stdout)
        .map_err(|e| ParseError::new(format!("the probe's output is not UTF-8 text: {e}")))?;
    let obj = json_object(text).map_err(ParseError::new)?;
    let probe = match obj.get("probe") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ParseError::new("the \"probe\" field is not a string")),
        None => {
            return Err(ParseError::new(
                "the output has no \"probe\" field: not from a caretaker probe",
            ))
        }
    };
    let family = if probe.starts_with("caretaker-linux/") {
        OsFamily::Linux
    } else if probe.starts_with("caretaker-windows/") {
        OsFamily::Windows
    } else if probe.starts_with("caretaker-macos/") {
        OsFamily::Macos
    } else {
        return Err(ParseError::new(format!(
            "unknown probe {:?}",
            clip(&probe, 80)
        )));
    };
    if let Some(expected) = expected.filter(|e| *e != family) {
        return Err(ParseError::new(format!(
            "expected output from the {} probe, got {:?}",
            expected.as_str(),
            clip(&probe, 80)
        )));
    }
    if !probe.ends_with("/1") {
        return Err(ParseError::new(format!(
            "unsupported probe version {:?} (this caretaker reads version 1)",
            clip(&probe, 80)
        )));
    }
    let mut f = HostFacts::empty(probe, family);
    f.hostname = text_field(&obj, "hostname");
    f.os_name = text_field(&obj, "os_name");
    f.os_version = text_field(&obj, "os_version");
    if let Some(v) = obj.get("problems") {
        match v {
            Value::Array(items) => {
                for item in items.iter().take(100) {
                    if let Some(s) = as_text(item) {
                        f.problems.push(clip(&s, 300));
                    }
                }
            }
            Value::Null => {}
            other => f
                .problems
                .push(clip(&as_text(other).unwrap_or_default(), 300)),
        }
    }
    match family {
        OsFamily::Linux => linux(&obj, &mut f),
        OsFamily::Windows => windows(&obj, &mut f),
        OsFamily::Macos => macos(&obj, &mut f),
    }
    Ok(f)
}
