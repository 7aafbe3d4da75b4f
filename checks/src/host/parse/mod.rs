//! Pure functions from a probe's stdout to [`HostFacts`].
//!
//! The three probes speak different dialects; this module reads each into one OS-neutral set of
//! facts. Every fact is optional: `None` means "the probe could not read it", and the judge turns
//! that into an `error`, never a pass. Field handling is lenient (a boolean may arrive as `true`,
//! `"True"` or `1`; a number as `7` or `"7"`), but the document as a whole must be one JSON object
//! from a known probe, or [`parse`] returns a [`ParseError`]. Nothing here panics on any input.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::OsFamily;

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

/// Virus protection as read on the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Antivirus {
    /// The product: `ClamAV`, `Microsoft Defender`, `XProtect`, or a third-party display name.
    pub product: Option<String>,
    /// Whether any anti-virus product was found at all.
    pub installed: Option<bool>,
    /// Whether it is switched on (Defender service and antivirus; for ClamAV, a database is present).
    pub enabled: Option<bool>,
    /// Whether on-access (real-time) scanning is on. Only Windows reports it.
    pub real_time: Option<bool>,
    pub signature_version: Option<String>,
    /// When the signatures were built or installed.
    pub signatures_updated: Option<OffsetDateTime>,
    /// Whether the product itself says its signatures are current (Security Center only).
    pub signatures_current: Option<bool>,
    /// When none was found: what was looked for, in words.
    pub looked_for: Option<String>,
    /// Why the definitions' age cannot be read on the machine (the product keeps it elsewhere).
    pub age_unknown_reason: Option<String>,
    /// The product uses no signature files at all (CrowdStrike Falcon: cloud and on-sensor models).
    pub no_signatures: bool,
    /// Raw values, for evidence.
    pub evidence: Vec<(String, String)>,
}

/// Operating-system updates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Updates {
    /// When updates were last installed.
    pub last_installed: Option<OffsetDateTime>,
    /// Updates waiting to be installed, where cheap to count.
    pub pending: Option<u64>,
    /// How many of those come from a security archive.
    pub pending_security: Option<u64>,
    /// The first security updates waiting, by package name.
    pub pending_security_names: Vec<String>,
    /// Package logs were read and none records an upgrade (only installs or removals).
    pub no_upgrade_recorded: bool,
    pub evidence: Vec<(String, String)>,
}

/// Encryption of the system disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Encryption {
    /// `LUKS`, `BitLocker`, `FileVault`.
    pub method: Option<String>,
    /// True only when the system disk is fully encrypted and protected.
    pub system_encrypted: Option<bool>,
    /// Encryption has started but not finished.
    pub in_progress: bool,
    pub evidence: Vec<(String, String)>,
}

/// Removable-storage controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removable {
    /// USB storage cannot be used at all (driver disabled, device policy, USBGuard).
    pub blocked: Option<bool>,
    /// Writing is denied (to all removable disks, or to those not encrypted with BitLocker).
    pub write_denied: Option<bool>,
    /// Removable drives are scanned by the anti-virus (Defender's full-scan setting).
    pub scanned: Option<bool>,
    pub evidence: Vec<(String, String)>,
}

/// Screen lock and auto-logon.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreenLock {
    /// Seconds of inactivity before the screen locks (idle delay plus any lock grace delay).
    pub lock_after_secs: Option<u64>,
    /// Whether a password is asked for when the screen comes back.
    pub locks: Option<bool>,
    /// Whether users are prevented from changing it (dconf locks, machine policy).
    pub enforced: Option<bool>,
    /// Whether the machine logs a user in automatically at start-up.
    pub auto_logon: Option<bool>,
    /// Whether the machine has a graphical desktop at all (Linux servers often do not).
    pub graphical: Option<bool>,
    /// What decided the automatic-login fact (the settings read), for its own finding.
    pub auto_logon_evidence: Option<String>,
    /// The screen locker that decided (`GNOME`, `KDE Plasma`, `light-locker`…).
    pub desktop: Option<String>,
    /// A desktop none of whose screen lockers is known: what was looked for.
    pub looked_for: Option<String>,
    pub evidence: Vec<(String, String)>,
}

/// One installed package or application.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Package {
    pub name: String,
    pub version: String,
    /// Installed on purpose (`apt-mark showmanual`) rather than pulled in as a dependency; `None`
    /// where the package manager does not say.
    pub manual: Option<bool>,
    /// dpkg's Priority (`required`, `important`, `standard`, `optional`).
    pub priority: Option<String>,
    /// dpkg's Section (`tasks`, `kernel`, `web`…).
    pub section: Option<String>,
}

/// Installed software.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Software {
    /// `dpkg`, `rpm`, `uninstall-registry`, `applications-folder`.
    pub manager: Option<String>,
    pub packages: Vec<Package>,
    /// How many the host says are installed (may exceed `packages.len()` when capped).
    pub total: Option<u64>,
    /// True when the list was cut short by the probe's cap.
    pub truncated: bool,
    /// Whether apt's automatic/manual marks were read (`/var/lib/apt/extended_states`).
    pub marks_known: bool,
    /// Whether apt's package lists were there to tell archive packages from others.
    pub origin_known: bool,
    /// Packages from no archive apt knows (`dpkg -i`, a vendor's .deb).
    pub local: Vec<String>,
    /// Software installed outside the package manager: `snap NAME`, `flatpak ID`, `/opt/DIR`.
    pub outside: Vec<String>,
}

/// Every fact a host probe reported, OS-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// The probe's version string (`caretaker-linux/1`).
    pub probe: String,
    pub os: OsFamily,
    pub hostname: Option<String>,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    /// When the probe ran, by the host's clock.
    pub collected_at: Option<OffsetDateTime>,
    pub antivirus: Antivirus,
    pub updates: Updates,
    pub encryption: Encryption,
    pub removable: Removable,
    pub screen_lock: ScreenLock,
    /// `None` when the probe could not list software.
    pub software: Option<Software>,
    /// Things the probe or the parser could not read, in plain words.
    pub problems: Vec<String>,
}

impl HostFacts {
    fn empty(probe: String, os: OsFamily) -> Self {
        HostFacts {
            probe,
            os,
            hostname: None,
            os_name: None,
            os_version: None,
            collected_at: None,
            antivirus: Antivirus::default(),
            updates: Updates::default(),
            encryption: Encryption::default(),
            removable: Removable::default(),
            screen_lock: ScreenLock::default(),
            software: None,
            problems: Vec::new(),
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

// ---------------------------------------------------------------------------------------------
// Lenient field readers.

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
fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(clip(s.trim(), 1000)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text_field(obj: &Map<String, Value>, key: &str) -> Option<String> {
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

fn obj_of<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    match obj.get(key) {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    }
}

fn get<'a>(obj: Option<&'a Map<String, Value>>, key: &str) -> &'a Value {
    obj.and_then(|m| m.get(key)).unwrap_or(&Value::Null)
}

/// A string array (non-strings skipped), at most `cap` items.
fn strings(v: &Value, cap: usize) -> Vec<String> {
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

fn epoch_field(v: &Value) -> Option<OffsetDateTime> {
    as_u64(v).and_then(from_epoch)
}

/// An RFC 3339 / ISO 8601 time as written by the Windows probe (`2024-06-04T08:06:27Z`).
pub(crate) fn parse_iso(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).ok()
}

fn fmt_time(t: Option<OffsetDateTime>) -> String {
    t.map(crate::model::format_rfc3339)
        .unwrap_or_else(|| "not read".into())
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "not read".into(),
        other => as_text(other).unwrap_or_else(|| clip(&other.to_string(), 200)),
    }
}

fn packages(obj: &Map<String, Value>, f: &mut HostFacts) {
    let Some(sw) = obj_of(obj, "software") else {
        f.problems
            .push("the probe did not report installed software".into());
        return;
    };
    let mut list = Vec::new();
    let mut bad = 0usize;
    if let Value::Array(items) = get(Some(sw), "packages") {
        for item in items.iter().take(MAX_PACKAGES) {
            let (pair, mark, priority, section) = match item {
                Value::Array(p) => (
                    (
                        p.first().and_then(as_text),
                        p.get(1).and_then(as_text).unwrap_or_default(),
                    ),
                    p.get(2).and_then(as_text),
                    p.get(3).and_then(as_text),
                    p.get(4).and_then(as_text),
                ),
                Value::Object(m) => (
                    (
                        m.get("name").and_then(as_text),
                        m.get("version").and_then(as_text).unwrap_or_default(),
                    ),
                    None,
                    None,
                    None,
                ),
                _ => ((None, String::new()), None, None, None),
            };
            match pair {
                (Some(name), version) => list.push(Package {
                    name: clip(&name, 200),
                    version: clip(&version, 100),
                    manual: match mark.as_deref() {
                        Some("manual") => Some(true),
                        Some("auto") => Some(false),
                        _ => None,
                    },
                    priority: priority.map(|p| clip(&p, 40)),
                    section: section.map(|p| clip(&p, 60)),
                }),
                (None, _) => bad += 1,
            }
        }
        if items.len() > MAX_PACKAGES {
            bad += items.len() - MAX_PACKAGES;
        }
    }
    if bad > 0 {
        f.problems
            .push(format!("{bad} software entries could not be read"));
    }
    let manager = text_field(sw, "manager");
    let total = as_u64(get(Some(sw), "total"));
    let cap = as_u64(get(Some(sw), "cap"));
    if manager.is_none() && list.is_empty() {
        // The probe found no package manager: software unknown, not "nothing installed".
        return;
    }
    let truncated = bad > 0
        || total.is_some_and(|t| t > list.len() as u64)
        || cap.is_some_and(|c| c > 0 && list.len() as u64 >= c);
    let marks_known = as_bool(get(Some(sw), "extended_states")) == Some(true)
        && list.iter().any(|p| p.manual.is_some());
    let origin_known = as_u64(get(Some(sw), "apt_lists")).is_some_and(|n| n > 0);
    let local = if origin_known {
        strings(get(Some(sw), "local"), 500)
    } else {
        Vec::new()
    };
    let mut outside: Vec<String> = Vec::new();
    for (key, label) in [("snaps", "snap "), ("flatpaks", "flatpak "), ("opt", "")] {
        for n in strings(get(Some(sw), key), 200) {
            outside.push(format!("{label}{}", clip(&n, 200)));
        }
    }
    f.software = Some(Software {
        manager,
        packages: list,
        total,
        truncated,
        marks_known,
        origin_known,
        local,
        outside,
    });
}

// ---------------------------------------------------------------------------------------------
// Linux.

/// Reads a ClamAV `.cvd`/`.cld` header (`ClamAV-VDB:<build time>:<version>:<sigs>:<level>:<md5>:
/// <dsig>:<builder>:<build time in seconds>`): the version and the build time.
pub fn parse_clamav_header(header: &str) -> Option<(String, OffsetDateTime)> {
    let fields: Vec<&str> = header.trim().splitn(10, ':').collect();
    if fields.first() != Some(&"ClamAV-VDB") {
        return None;
    }
    let version = fields.get(2)?.trim().to_string();
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let epoch = fields.get(8).and_then(|s| {
        let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
        digits.parse::<u64>().ok().and_then(from_epoch)
    });
    let built = match epoch {
        Some(t) => t,
        None => parse_clamav_time(fields.get(1)?)?,
    };
    Some((version, built))
}

/// `22 Nov 2026 07-26 +0000` → a time.
fn parse_clamav_time(s: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year] [hour]-[minute] [offset_hour sign:mandatory][offset_minute]"
    );
    OffsetDateTime::parse(s.trim(), &fmt).ok()
}

/// What the Linux probe looks for as anti-virus, in words.
pub const LINUX_AV_LOOKED_FOR: &str = "ClamAV (/var/lib/clamav), Microsoft Defender for Endpoint (mdatp), ESET (/opt/eset), Sophos (/opt/sophos-spl), Trellix (/opt/McAfee/ens) and CrowdStrike Falcon (/opt/CrowdStrike)";

/// `mdatp health` lines (`definitions_updated_minutes_ago : 42`, `real_time_protection_enabled :
/// true [managed]`) as key → value, quotes and `[managed]` removed.
pub fn parse_mdatp_health(lines: &[String]) -> std::collections::BTreeMap<String, String> {
    lines
        .iter()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            let v = v.trim();
            let v = v.strip_suffix("[managed]").unwrap_or(v).trim();
            Some((k.trim().to_string(), v.trim_matches('"').to_string()))
        })
        .collect()
}

/// One entry of the Linux probe's `av_products`.
fn other_antivirus(p: &Map<String, Value>, collected_at: Option<OffsetDateTime>) -> Antivirus {
    let name = p
        .get("product")
        .and_then(as_text)
        .unwrap_or_else(|| "anti-virus".into());
    let service = p.get("service").and_then(as_text);
    let mut av = Antivirus {
        product: Some(clip(&name, 80)),
        installed: Some(true),
        ..Antivirus::default()
    };
    av.evidence
        .push(("product".into(), av.product.clone().unwrap_or_default()));
    av.evidence.push((
        "install_dir".into(),
        p.get("dir")
            .and_then(as_text)
            .unwrap_or_else(|| "not read".into()),
    ));
    av.evidence.push((
        "service".into(),
        service.clone().unwrap_or_else(|| "not read".into()),
    ));
    let by_service = match service.as_deref() {
        Some("active") => Some(true),
        Some(_) => Some(false),
        None => None,
    };
    if let Some(Value::Array(_)) = p.get("health") {
        // Microsoft Defender for Endpoint.
        let lines = strings(p.get("health").unwrap_or(&Value::Null), 64);
        let h = parse_mdatp_health(&lines);
        let b = |k: &str| h.get(k).and_then(|v| as_bool(&Value::String(v.clone())));
        let passive = b("passive_mode_enabled");
        let rtp = b("real_time_protection_enabled");
        av.real_time = rtp;
        av.enabled = match (b("healthy"), passive, rtp) {
            (_, Some(true), _) | (_, _, Some(false)) => Some(false),
            (Some(true), _, Some(true)) => Some(true),
            (Some(false), _, _) => Some(false),
            _ => by_service,
        };
        av.signature_version = h.get("definitions_version").cloned();
        if let (Some(m), Some(at)) = (
            h.get("definitions_updated_minutes_ago")
                .and_then(|m| m.parse::<i64>().ok()),
            collected_at,
        ) {
            av.signatures_updated =
                at.checked_sub(time::Duration::minutes(m.clamp(0, 100_000_000)));
        }
        for k in [
            "healthy",
            "real_time_protection_enabled",
            "passive_mode_enabled",
            "definitions_status",
            "definitions_version",
            "definitions_updated",
            "definitions_updated_minutes_ago",
            "app_version",
        ] {
            av.evidence.push((
                format!("mdatp.{k}"),
                h.get(k).cloned().unwrap_or_else(|| "not read".into()),
            ));
        }
        if lines.is_empty() {
            av.evidence
                .push(("mdatp health".into(), "printed nothing".into()));
        }
        return av;
    }
    av.enabled = by_service;
    if let Some(t) = p
        .get("definitions_mtime")
        .and_then(as_u64)
        .and_then(from_epoch)
    {
        av.signatures_updated = Some(t);
        av.evidence
            .push(("newest_definitions_file".into(), fmt_time(Some(t))));
    } else if name.starts_with("CrowdStrike") {
        av.no_signatures = true;
    } else {
        av.age_unknown_reason = Some(format!(
            "{name} keeps the date of its definitions in its management console, not in a file caretaker can read"
        ));
    }
    av
}

fn linux(obj: &Map<String, Value>, f: &mut HostFacts) {
    f.collected_at = epoch_field(get(Some(obj), "collected_at"));

    // Antivirus: ClamAV, then the other products the probe found.
    let clam = obj_of(obj, "clamav");
    let mut av = Antivirus {
        product: Some("ClamAV".into()),
        ..Antivirus::default()
    };
    let header = as_text(get(clam, "daily_header"));
    let file = as_text(get(clam, "daily_file"));
    av.evidence
        .push(("clamav.daily_file".into(), shown(get(clam, "daily_file"))));
    av.evidence.push((
        "clamav.daily_header".into(),
        shown(get(clam, "daily_header")),
    ));
    av.evidence
        .push(("clamav.freshclam".into(), shown(get(clam, "freshclam"))));
    av.evidence
        .push(("clamav.clamd".into(), shown(get(clam, "clamd"))));
    if clam.is_none() {
        f.problems.push("the probe did not report on ClamAV".into());
    } else if file.is_none() && as_bool(get(clam, "clamscan")) != Some(true) {
        av.installed = Some(false);
    } else {
        av.installed = Some(true);
        match header.as_deref().and_then(parse_clamav_header) {
            Some((v, t)) => {
                av.signature_version = Some(v);
                av.signatures_updated = Some(t);
            }
            None => {
                if let Some(h) = &header {
                    f.problems.push(format!(
                        "the ClamAV database header could not be read: {:?}",
                        clip(h, 80)
                    ));
                }
            }
        }
        // ClamAV has no on/off switch: a present database is "on", and the judge decides by
        // the database's age (freshclam may run as a service or from cron; its state is evidence).
        av.enabled = Some(true);
    }
    let others: Vec<Antivirus> = match obj.get("av_products") {
        Some(Value::Array(items)) => items
            .iter()
            .take(8)
            .filter_map(Value::as_object)
            .map(|p| other_antivirus(p, f.collected_at))
            .collect(),
        _ => Vec::new(),
    };
    let found: Vec<String> = others.iter().filter_map(|a| a.product.clone()).collect();
    let mut candidates: Vec<Antivirus> = others;
    if av.installed == Some(true) || candidates.is_empty() {
        candidates.insert(0, av);
    }
    // The one that protects best decides: switched on, then the newest definitions.
    let best = candidates
        .into_iter()
        .max_by_key(|a| {
            (
                a.installed == Some(true),
                a.enabled == Some(true),
                a.no_signatures || a.signatures_updated.is_some(),
                a.signatures_updated,
            )
        })
        .unwrap_or_default();
    f.antivirus = best;
    if !found.is_empty() {
        f.antivirus
            .evidence
            .push(("products_found".into(), found.join(", ")));
    }
    if f.antivirus.installed == Some(false) {
        f.antivirus.looked_for = Some(LINUX_AV_LOOKED_FOR.into());
    }

    // Updates: the newest real upgrade in any log, rotated ones included.
    let up = obj_of(obj, "updates");
    f.updates.pending = as_u64(get(up, "pending"));
    f.updates.pending_security = as_u64(get(up, "pending_security"));
    f.updates.pending_security_names = as_text(get(up, "pending_security_names"))
        .map(|s| s.split_whitespace().take(20).map(str::to_string).collect())
        .unwrap_or_default();
    let source = as_text(get(up, "source"));
    match get(up, "upgrades") {
        Value::Array(_) => {
            let rows = strings(get(up, "upgrades"), 48);
            let newest = rows
                .iter()
                .filter_map(|r| {
                    let mut p = r.splitn(3, '|');
                    let t = p
                        .next()
                        .and_then(|e| e.trim().parse::<u64>().ok())
                        .and_then(from_epoch)?;
                    Some((t, r))
                })
                .max_by_key(|(t, _)| *t);
            f.updates.last_installed = newest.map(|(t, _)| t);
            f.updates.no_upgrade_recorded = newest.is_none()
                && source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("/var/log/apt/history.log"));
            f.updates.evidence = vec![
                ("last_upgrade".into(), fmt_time(f.updates.last_installed)),
                (
                    "last_upgrade_source".into(),
                    newest.map_or_else(
                        || "no upgrade in apt's history or dpkg.log".into(),
                        |(_, r)| r.split_once('|').map_or(r.as_str(), |x| x.1).to_string(),
                    ),
                ),
                ("logs_with_upgrades".into(), rows.len().to_string()),
            ];
            if newest.is_none() && source.is_none() {
                f.problems
                    .push("no package log found (apt history, dpkg.log, dnf.rpm.log)".into());
                f.updates.last_installed = None;
            }
            if newest.is_none() && source.as_deref().is_some_and(|s| s.starts_with("mtime of")) {
                // dnf: the log's time is all there is.
                f.updates.last_installed = epoch_field(get(up, "last_install_epoch"));
            }
        }
        _ => {
            f.updates.last_installed = epoch_field(get(up, "last_install_epoch"));
            f.updates.evidence = vec![
                ("last_installed".into(), fmt_time(f.updates.last_installed)),
                ("source".into(), shown(get(up, "source"))),
            ];
        }
    }
    f.updates
        .evidence
        .push(("pending".into(), shown(get(up, "pending"))));
    f.updates.evidence.push((
        "pending_security".into(),
        shown(get(up, "pending_security")),
    ));
    if !f.updates.pending_security_names.is_empty() {
        f.updates.evidence.push((
            "pending_security_names".into(),
            f.updates.pending_security_names.join(" "),
        ));
    }
    if let Some(t) = epoch_field(get(up, "apt_update_success_epoch")) {
        f.updates
            .evidence
            .push(("apt_update_success".into(), fmt_time(Some(t))));
    }

    // Encryption: a crypt device in the root filesystem's chain.
    let enc = obj_of(obj, "encryption");
    let chain = as_text(get(enc, "lsblk_chain"));
    let dm = as_u64(get(enc, "crypt_dm_devices"));
    f.encryption.method = Some("LUKS (dm-crypt)".into());
    f.encryption.system_encrypted = chain.as_ref().map(|c| {
        c.split_whitespace()
            .any(|t| t.split(':').next() == Some("crypt"))
    });
    f.encryption.evidence = vec![
        ("root_source".into(), shown(get(enc, "root_source"))),
        ("lsblk_chain".into(), shown(get(enc, "lsblk_chain"))),
        (
            "crypt_dm_devices".into(),
            shown(get(enc, "crypt_dm_devices")),
        ),
    ];
    if chain.is_none() && dm.is_some_and(|n| n > 0) {
        f.problems.push(
            "a dm-crypt device exists but the root filesystem's device chain could not be read"
                .into(),
        );
    }

    // Removable storage.
    let rm = obj_of(obj, "removable");
    if rm.is_some() {
        let rules = strings(get(rm, "modprobe_rules"), 64);
        let usbguard = as_text(get(rm, "usbguard"));
        let disabled_by_rule = rules.iter().any(|r| {
            let w: Vec<&str> = r.split_whitespace().collect();
            let module_ok = |m: &str| m == "usb-storage" || m == "usb_storage";
            match w.as_slice() {
                ["install", m, cmd, ..] => {
                    module_ok(m) && (cmd.ends_with("/true") || cmd.ends_with("/false"))
                }
                ["blacklist", m, ..] => module_ok(m),
                _ => false,
            }
        });
        let guarded = usbguard.as_deref() == Some("active");
        f.removable.blocked = Some(disabled_by_rule || guarded);
        f.removable.evidence = vec![
            (
                "modprobe_rules".into(),
                if rules.is_empty() {
                    "none".into()
                } else {
                    rules.join("; ")
                },
            ),
            ("usbguard".into(), shown(get(rm, "usbguard"))),
            (
                "usb_storage_loaded".into(),
                shown(get(rm, "usb_storage_loaded")),
            ),
        ];
    }

    // Screen lock and automatic login: what the desktop session will apply.
    if let Some(sl) = obj_of(obj, "screen_lock") {
        f.screen_lock = super::screenlock::linux(sl);
    }
    packages(obj, f);
}

// ---------------------------------------------------------------------------------------------
// Windows.

/// Decodes a Security Center `productState`: (enabled, signatures up to date).
pub fn decode_product_state(state: u64) -> (bool, bool) {
    let enabled = (state >> 12) & 0xF == 1;
    let up_to_date = (state >> 4) & 0xF == 0;
    (enabled, up_to_date)
}

fn windows(obj: &Map<String, Value>, f: &mut HostFacts) {
    f.collected_at = as_text(get(Some(obj), "collected_at")).and_then(|s| parse_iso(&s));

    // Antivirus: Defender, or a third-party product registered with Security Center.
    let d = obj_of(obj, "defender");
    let av = &mut f.antivirus;
    let mode = as_text(get(d, "AMRunningMode"));
    for key in [
        "AMServiceEnabled",
        "AntivirusEnabled",
        "RealTimeProtectionEnabled",
        "AntivirusSignatureVersion",
        "AntivirusSignatureLastUpdated",
        "AntivirusSignatureAge",
        "AMRunningMode",
    ] {
        av.evidence.push((key.into(), shown(get(d, key))));
    }
    let third: Vec<(String, u64)> = match obj.get("security_center") {
        Some(Value::Array(items)) => items
            .iter()
            .take(8)
            .filter_map(|p| {
                let m = p.as_object()?;
                Some((
                    m.get("displayName").and_then(as_text)?,
                    m.get("productState").and_then(as_u64)?,
                ))
            })
            .collect(),
        Some(Value::Object(m)) => m
            .get("displayName")
            .and_then(as_text)
            .zip(m.get("productState").and_then(as_u64))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    let third: Vec<(String, u64)> = third
        .into_iter()
        .filter(|(n, _)| {
            !n.to_ascii_lowercase().contains("windows defender")
                && !n.to_ascii_lowercase().contains("microsoft defender")
        })
        .collect();
    let defender_active = d.is_some() && mode.as_deref().is_none_or(|m| m == "Normal");
    if let Some((name, state)) = third.first().filter(|_| !defender_active) {
        let (on, current) = decode_product_state(*state);
        av.product = Some(name.clone());
        av.installed = Some(true);
        av.enabled = Some(on);
        // Security Center's "on" covers real-time protection.
        av.real_time = Some(on);
        av.signatures_current = Some(current);
        av.evidence
            .push(("SecurityCenter2.displayName".into(), name.clone()));
        av.evidence.push((
            "SecurityCenter2.productState".into(),
            format!("{state} (0x{state:X})"),
        ));
    } else if d.is_some() {
        av.product = Some("Microsoft Defender Antivirus".into());
        av.installed = Some(true);
        let service = as_bool(get(d, "AMServiceEnabled"));
        let antivirus = as_bool(get(d, "AntivirusEnabled"));
        av.enabled = match (service, antivirus) {
            (Some(a), Some(b)) => Some(a && b),
            (Some(false), None) | (None, Some(false)) => Some(false),
            _ => None,
        };
        if mode.as_deref().is_some_and(|m| m != "Normal") {
            // Passive or disabled mode with no other product: not protecting.
            av.enabled = Some(false);
        }
        av.real_time = as_bool(get(d, "RealTimeProtectionEnabled"));
        av.signature_version = as_text(get(d, "AntivirusSignatureVersion"));
        av.signatures_updated =
            as_text(get(d, "AntivirusSignatureLastUpdated")).and_then(|s| parse_iso(&s));
        if av.signatures_updated.is_none() {
            // Fall back to the age in days, counted from when the probe ran.
            if let (Some(age), Some(at)) = (as_u64(get(d, "AntivirusSignatureAge")), f.collected_at)
            {
                av.signatures_updated = i64::try_from(age)
                    .ok()
                    .and_then(|a| at.checked_sub(time::Duration::days(a.min(100_000))));
            }
        }
    }

    // Updates: newest hotfix.
    let hf = obj_of(obj, "last_hotfix");
    f.updates.last_installed = as_text(get(hf, "InstalledOn")).and_then(|s| parse_iso(&s));
    f.updates.evidence = vec![
        ("HotFixID".into(), shown(get(hf, "HotFixID"))),
        ("InstalledOn".into(), shown(get(hf, "InstalledOn"))),
    ];

    // Encryption: BitLocker on the system drive.
    let bl = obj_of(obj, "bitlocker");
    f.encryption.method = Some("BitLocker".into());
    for key in [
        "MountPoint",
        "ProtectionStatus",
        "VolumeStatus",
        "EncryptionMethod",
    ] {
        f.encryption
            .evidence
            .push((key.into(), shown(get(bl, key))));
    }
    if bl.is_some() {
        let prot = as_text(get(bl, "ProtectionStatus")).map(|s| s.to_ascii_lowercase());
        let vol = as_text(get(bl, "VolumeStatus")).map(|s| s.to_ascii_lowercase());
        let protected = prot.as_deref().map(|p| p == "on" || p == "1");
        let full = vol.as_deref().map(|v| v == "fullyencrypted" || v == "1");
        f.encryption.in_progress = vol.as_deref() == Some("encryptioninprogress");
        f.encryption.system_encrypted = match (protected, full) {
            (Some(p), Some(v)) => Some(p && v),
            (Some(false), None) | (None, Some(false)) => Some(false),
            _ => None,
        };
    }

    // Removable storage.
    let rm = obj_of(obj, "removable");
    if let Some(r) = rm {
        let num = |k: &str| as_u64(get(Some(r), k));
        let start = num("usbstor_start");
        let deny_all = num("deny_all");
        let deny_read = num("disk_deny_read");
        let deny_write = num("disk_deny_write");
        let rdv = num("rdv_deny_write_access");
        let any = [start, deny_all, deny_read, deny_write, rdv]
            .iter()
            .any(Option::is_some);
        if any {
            f.removable.blocked =
                Some(start == Some(4) || deny_all == Some(1) || deny_read == Some(1));
            f.removable.write_denied = Some(deny_write == Some(1) || rdv == Some(1));
        }
        f.removable.scanned =
            as_bool(get(Some(r), "disable_removable_drive_scanning")).map(|disabled| !disabled);
        for (k, label) in [
            ("usbstor_start", "USBSTOR\\Start"),
            ("deny_all", "RemovableStorageDevices\\Deny_All"),
            (
                "disk_deny_read",
                "RemovableStorageDevices\\{53f5630d-…}\\Deny_Read",
            ),
            (
                "disk_deny_write",
                "RemovableStorageDevices\\{53f5630d-…}\\Deny_Write",
            ),
            ("rdv_deny_write_access", "FVE\\RDVDenyWriteAccess"),
            (
                "disable_removable_drive_scanning",
                "MpPreference.DisableRemovableDriveScanning",
            ),
        ] {
            f.removable
                .evidence
                .push((label.into(), shown(get(Some(r), k))));
        }
    }

    // Screen lock.
    let sl = obj_of(obj, "screen_lock");
    if let Some(s) = sl {
        let inactivity = as_u64(get(Some(s), "inactivity_timeout_secs"));
        let ss_timeout = as_u64(get(Some(s), "screensaver_timeout"));
        let ss_secure = as_bool(get(Some(s), "screensaver_secure"));
        match (inactivity.filter(|&n| n > 0), ss_timeout.filter(|&n| n > 0)) {
            (Some(i), _) => {
                f.screen_lock.lock_after_secs = Some(i);
                f.screen_lock.locks = Some(true);
                f.screen_lock.enforced = Some(true);
            }
            (None, Some(t)) => {
                f.screen_lock.lock_after_secs = Some(t);
                f.screen_lock.locks = Some(ss_secure == Some(true));
                f.screen_lock.enforced = Some(true);
            }
            (None, None) => {
                // No policy at all: the machine is left to each user's settings.
                f.screen_lock.locks = Some(false);
                f.screen_lock.enforced = Some(false);
            }
        }
        // A missing AutoAdminLogon value means off.
        f.screen_lock.auto_logon = Some(as_bool(get(Some(s), "auto_admin_logon")) == Some(true));
        f.screen_lock.graphical = Some(true);
        for (k, label) in [
            ("inactivity_timeout_secs", "InactivityTimeoutSecs"),
            ("screensaver_timeout", "ScreenSaveTimeOut"),
            ("screensaver_secure", "ScreenSaverIsSecure"),
            ("auto_admin_logon", "Winlogon\\AutoAdminLogon"),
        ] {
            f.screen_lock
                .evidence
                .push((label.into(), shown(get(Some(s), k))));
        }
    }
    packages(obj, f);
}

// ---------------------------------------------------------------------------------------------
// macOS.

/// The first date in a `softwareupdate --history` row (`…  11/20/2026, 09:15:02`).
pub fn parse_softwareupdate_date(line: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[month padding:none]/[day padding:none]/[year], [hour]:[minute]:[second]"
    );
    // Try every start position of a digit; the date is near the end, so scan from the right.
    let bytes = line.as_bytes();
    let mut starts: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()))
        .collect();
    starts.reverse();
    for i in starts.into_iter().take(16) {
        let rest = line.get(i..)?;
        let end = rest.len().min(20);
        for len in (17..=end).rev() {
            if let Some(candidate) = rest.get(..len) {
                if let Ok(dt) = time::PrimitiveDateTime::parse(candidate, &fmt) {
                    return Some(dt.assume_utc());
                }
            }
        }
    }
    None
}

/// Reads `defaults read … mount-controls` text (`{ "harddisk-external" = ( deny, eject ); }`):
/// whether external disks are denied, and whether they are read-only.
pub fn parse_mount_controls(text: &str) -> (bool, bool) {
    let Some(i) = text.find("harddisk-external") else {
        return (false, false);
    };
    let rest = text.get(i..).unwrap_or("");
    let list = match (rest.find('('), rest.find(')')) {
        (Some(a), Some(b)) if a < b => rest.get(a + 1..b).unwrap_or(""),
        _ => return (false, false),
    };
    let words: Vec<String> = list
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|w| w.trim_matches('"').to_ascii_lowercase())
        .filter(|w| !w.is_empty())
        .collect();
    (
        words.iter().any(|w| w == "deny"),
        words.iter().any(|w| w == "read-only"),
    )
}

fn macos(obj: &Map<String, Value>, f: &mut HostFacts) {
    f.collected_at = epoch_field(get(Some(obj), "collected_at"));

    let xp = obj_of(obj, "xprotect");
    let av = &mut f.antivirus;
    av.product = Some("XProtect".into());
    av.signature_version = as_text(get(xp, "version"));
    av.signatures_updated = epoch_field(get(xp, "mtime"));
    if av.signature_version.is_some() {
        // XProtect is built in and cannot be switched off; it scans on access.
        av.installed = Some(true);
        av.enabled = Some(true);
    }
    av.evidence = vec![
        ("xprotect.version".into(), shown(get(xp, "version"))),
        (
            "xprotect.bundle_mtime".into(),
            fmt_time(av.signatures_updated),
        ),
    ];

    let rows = strings(get(Some(obj), "softwareupdate_history"), 64);
    let newest = rows
        .iter()
        // Background security-data rows (XProtect, MRT, Gatekeeper) are not OS updates.
        .filter(|r| {
            let n = r.trim_start();
            !["XProtect", "MRT", "Gatekeeper", "Background Task"]
                .iter()
                .any(|p| n.starts_with(p))
        })
        .filter_map(|r| parse_softwareupdate_date(r).map(|t| (t, r)))
        .max_by_key(|(t, _)| *t);
    f.updates.last_installed = newest.map(|(t, _)| t);
    f.updates.evidence = vec![
        (
            "softwareupdate --history (newest)".into(),
            newest.map_or_else(|| "none".into(), |(_, r)| r.clone()),
        ),
        ("history_rows".into(), rows.len().to_string()),
    ];

    let fv = as_text(get(Some(obj), "filevault"));
    f.encryption.method = Some("FileVault".into());
    if let Some(s) = &fv {
        if s.contains("FileVault is On") {
            f.encryption.system_encrypted = Some(true);
        } else if s.contains("Encryption in progress") {
            f.encryption.system_encrypted = Some(false);
            f.encryption.in_progress = true;
        } else if s.contains("FileVault is Off") || s.contains("Decryption in progress") {
            f.encryption.system_encrypted = Some(false);
        }
    }
    f.encryption.evidence = vec![(
        "fdesetup status".into(),
        fv.unwrap_or_else(|| "not read".into()),
    )];

    // Removable media: a managed `mount-controls` restriction. No restriction at all (the probe
    // read nothing) means external disks mount freely.
    if obj.contains_key("mount_controls") {
        let mc = as_text(get(Some(obj), "mount_controls"));
        let (deny, read_only) = mc.as_deref().map_or((false, false), parse_mount_controls);
        f.removable.blocked = Some(deny);
        f.removable.write_denied = Some(read_only);
        f.removable.evidence = vec![(
            "managed mount-controls".into(),
            mc.unwrap_or_else(|| "not set".into()),
        )];
    }

    let sl = obj_of(obj, "screen_lock");
    let idle = as_u64(get(sl, "idle_time"));
    let ask = as_bool(get(sl, "ask_for_password"));
    let delay = as_u64(get(sl, "ask_for_password_delay"));
    if let Some(i) = idle {
        f.screen_lock.lock_after_secs = if i == 0 {
            None
        } else {
            Some(i.saturating_add(delay.unwrap_or(0)))
        };
        f.screen_lock.enforced = Some(true);
    }
    f.screen_lock.locks = match (idle, ask) {
        (Some(0), _) => Some(false),
        (_, a) => a,
    };
    let auto = as_text(get(Some(obj), "auto_login_user"));
    f.screen_lock.auto_logon = Some(auto.is_some());
    f.screen_lock.graphical = Some(true);
    f.screen_lock.evidence = vec![
        ("managed idleTime".into(), shown(get(sl, "idle_time"))),
        (
            "managed askForPassword".into(),
            shown(get(sl, "ask_for_password")),
        ),
        (
            "managed askForPasswordDelay".into(),
            shown(get(sl, "ask_for_password_delay")),
        ),
        (
            "loginwindow autoLoginUser".into(),
            auto.unwrap_or_else(|| "not set".into()),
        ),
    ];
    packages(obj, f);
}
