//! Finding, reading and validating `caretaker.toml`. Every error names the file, line, column and
//! key, quotes the bad value, and says what was expected.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::schema::{Config, DirectoryKind};
use crate::secret::{read_secret_env, read_secret_file};

/// A configuration that could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is not at a place in the file (it cannot be read at all).
    pub line: usize,
    /// 1-based; 0 as for `line`.
    pub column: usize,
    /// The key, as a path: `directory[0].url`. Empty for the file as a whole.
    pub key: String,
    /// The bad value as written, when there is one.
    pub found: Option<String>,
    /// What was expected, or what is wrong, in words.
    pub expected: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        f.write_str(": ")?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        f.write_str(&self.expected)?;
        if let Some(found) = &self.found {
            write!(f, " (found {found})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A loaded, validated configuration and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// The file it was read from.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, hex: recorded with every run.
    pub digest: String,
    /// The store file, resolved (config `store.path`, else the default for this kind of install).
    pub store_path: PathBuf,
    /// The clause map file, resolved, when the config names one.
    pub policy_map: Option<PathBuf>,
    /// The known_hosts file, resolved (config `hosts.known_hosts`, else beside the store).
    pub known_hosts: PathBuf,
}

/// Where a configuration is looked for, in order: `--config`, `$CARETAKER_CONFIG`,
/// `/etc/caretaker/caretaker.toml`, `~/.config/caretaker/caretaker.toml`.
pub fn search_path(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(p) = explicit {
        v.push(p.to_path_buf());
        return v;
    }
    if let Some(p) = std::env::var_os("CARETAKER_CONFIG").filter(|s| !s.is_empty()) {
        v.push(PathBuf::from(p));
        return v;
    }
    v.push(PathBuf::from("/etc/caretaker/caretaker.toml"));
    if let Some(home) = std::env::var_os("HOME").filter(|s| !s.is_empty()) {
        v.push(PathBuf::from(home).join(".config/caretaker/caretaker.toml"));
    }
    v
}

/// Finds and loads the configuration. An explicit path or `$CARETAKER_CONFIG` that does not exist
/// is an error; otherwise the first of the default places that exists is used.
pub fn find_and_load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
    let candidates = search_path(explicit);
    let chosen = if explicit.is_some()
        || std::env::var_os("CARETAKER_CONFIG").is_some_and(|s| !s.is_empty())
    {
        candidates.first().cloned()
    } else {
        candidates.iter().find(|p| p.exists()).cloned()
    };
    match chosen {
        Some(p) => load(&p),
        None => Err(ConfigError {
            file: PathBuf::from("caretaker.toml"),
            line: 0,
            column: 0,
            key: String::new(),
            found: None,
            expected: format!(
                "no configuration found (looked in {}); write one with `caretaker init`, or pass --config",
                candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        }),
    }
}

/// Loads and validates one file.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let bytes = std::fs::read(path).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        key: String::new(),
        found: None,
        expected: format!("cannot read the configuration file: {e}"),
    })?;
    let text = String::from_utf8(bytes.clone()).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        key: String::new(),
        found: None,
        expected: format!(
            "the file is not UTF-8 text (bad byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut config = parse_str(&text, path)?;
    let located = Locator::new(&text, path);
    validate(&config, &located)?;
    resolve_paths(&mut config, &base);
    // A store set in a folder that does not exist is most likely a typing mistake: creating it
    // would start an empty history without a word. (The default place is created when needed.)
    if let Some(store) = &config.store.path {
        if let Some(folder) = store.parent().filter(|f| !f.as_os_str().is_empty()) {
            if !folder.is_dir() {
                return Err(located.error(
                    &[Seg::key("store"), Seg::key("path")],
                    Some(format!("{:?}", store.display().to_string())),
                    format!(
                        "a file in a folder that exists: {} does not (create it with `install -d -m 700 {}`, or correct the path)",
                        folder.display(),
                        folder.display()
                    ),
                ));
            }
        }
    }
    read_secrets(&mut config, &located)?;
    let digest = hex::encode(Sha256::digest(&bytes));
    let store_path = match &config.store.path {
        Some(p) => p.clone(),
        None => default_store_path(path),
    };
    let policy_map = config.policy.map.clone();
    let known_hosts = config
        .hosts
        .known_hosts
        .clone()
        .unwrap_or_else(|| store_path.with_file_name("known_hosts"));
    Ok(Loaded {
        known_hosts,
        config,
        path: path.to_path_buf(),
        digest,
        store_path,
        policy_map,
    })
}

/// The store's default place: `/var/lib/caretaker/caretaker.db` for a system install (config under
/// `/etc`), otherwise `$XDG_DATA_HOME/caretaker/caretaker.db` (`~/.local/share/…`).
pub fn default_store_path(config_path: &Path) -> PathBuf {
    if config_path.starts_with("/etc") {
        return PathBuf::from("/var/lib/caretaker/caretaker.db");
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("caretaker/caretaker.db")
}

/// Parses text into the schema (no validation beyond types and unknown keys).
pub fn parse_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
    toml::from_str::<Config>(text).map_err(|e| {
        let locator = Locator::new(text, path);
        locator.toml_error(&e)
    })
}

fn resolve_paths(config: &mut Config, base: &Path) {
    let fix = |p: &mut PathBuf| {
        if p.is_relative() {
            *p = base.join(&*p);
        }
    };
    if let Some(p) = config.store.path.as_mut() {
        fix(p);
    }
    if let Some(p) = config.policy.map.as_mut() {
        fix(p);
    }
    if let Some(p) = config.hosts.known_hosts.as_mut() {
        fix(p);
    }
    if let Some(p) = config.hosts.key_file.as_mut() {
        fix(p);
    }
    if let Some(p) = config.filter.ca_file.as_mut() {
        fix(p);
    }
    for v in &mut config.filter.vantages {
        if let Some(p) = v.proxy_password_file.as_mut() {
            fix(p);
        }
    }
    for d in &mut config.directories {
        if let Some(p) = d.ca_file.as_mut() {
            fix(p);
        }
        if let Some(p) = d.bind_password_file.as_mut() {
            fix(p);
        }
    }
}

fn read_secrets(config: &mut Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    // The SSH key is read by the SSH library, but refused here if others could read it.
    if let Some(key) = &config.hosts.key_file {
        crate::secret::check_private_file(key)
            .map_err(|p| at.error(&[Seg::key("hosts"), Seg::key("key_file")], None, p.0))?;
    }
    for (i, d) in config.directories.iter_mut().enumerate() {
        let (key, read) = match (&d.bind_password_file, &d.bind_password_env) {
            (Some(file), _) => ("bind_password_file", read_secret_file(file)),
            (None, Some(var)) => ("bind_password_env", read_secret_env(var)),
            (None, None) => continue,
        };
        let path = [Seg::key("directory"), Seg::Index(i), Seg::key(key)];
        d.bind_password = Some(read.map_err(|p| at.error(&path, None, p.0))?);
    }
    for (i, v) in config.filter.vantages.iter_mut().enumerate() {
        let (key, read) = match (&v.proxy_password_file, &v.proxy_password_env) {
            (Some(file), _) => ("proxy_password_file", read_secret_file(file)),
            (None, Some(var)) => ("proxy_password_env", read_secret_env(var)),
            (None, None) => continue,
        };
        let path = [
            Seg::key("filter"),
            Seg::key("vantage"),
            Seg::Index(i),
            Seg::key(key),
        ];
        v.proxy_password = Some(read.map_err(|p| at.error(&path, None, p.0))?);
    }
    Ok(())
}

fn validate(config: &Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    if config.version != 1 {
        return Err(at.error(
            &[Seg::key("version")],
            Some(config.version.to_string()),
            "this caretaker reads configuration version 1",
        ));
    }
    if config.school.name.trim().is_empty() {
        return Err(at.error(
            &[Seg::key("school"), Seg::key("name")],
            Some("\"\"".into()),
            "the school's name, not empty",
        ));
    }
    if !(1..=86_400).contains(&config.audit.timeout_secs) {
        return Err(at.error(
            &[Seg::key("audit"), Seg::key("timeout_secs")],
            Some(config.audit.timeout_secs.to_string()),
            "a whole number of seconds from 1 to 86400",
        ));
    }
    if !(1..=256).contains(&config.audit.concurrency) {
        return Err(at.error(
            &[Seg::key("audit"), Seg::key("concurrency")],
            Some(config.audit.concurrency.to_string()),
            "how many checks run at once: from 1 to 256",
        ));
    }
    validate_hosts(config, at)?;
    validate_filter(config, at)?;
    let mut names = std::collections::BTreeSet::new();
    for (i, d) in config.directories.iter().enumerate() {
        let key = |k: &str| vec![Seg::key("directory"), Seg::Index(i), Seg::key(k)];
        unique_name(
            at,
            &key("name"),
            &d.name,
            &mut names,
            &['-', '_'],
            "a short name of letters, digits, '-' or '_' (it appears in every finding)",
            "[[directory]]",
        )?;
        let lower = d.url.to_ascii_lowercase();
        let scheme_ok = lower.starts_with("ldaps://") || lower.starts_with("ldap://");
        if !scheme_ok || d.url.len() <= "ldap://".len() {
            return Err(at.error(
                &key("url"),
                Some(format!("{:?}", d.url)),
                "an LDAP URL: ldaps://host:636 (or ldap://host:389 with starttls = true)",
            ));
        }
        if d.starttls && lower.starts_with("ldaps://") {
            return Err(at.error(
                &key("starttls"),
                Some("true".into()),
                "starttls only with an ldap:// URL (ldaps:// is already encrypted)",
            ));
        }
        if d.bind_dn.trim().is_empty() {
            return Err(at.error(
                &key("bind_dn"),
                Some("\"\"".into()),
                "the DN (or user principal name) caretaker binds as",
            ));
        }
        match (&d.bind_password_file, &d.bind_password_env) {
            (Some(_), Some(_)) => {
                return Err(at.error(
                    &key("bind_password_env"),
                    None,
                    "either bind_password_file or bind_password_env, not both",
                ))
            }
            (None, None) => {
                return Err(at.error(
                    &[Seg::key("directory"), Seg::Index(i)],
                    None,
                    "a bind password reference: bind_password_file = \"/etc/caretaker/ldap.pass\" (mode 0600) or \
                     bind_password_env = \"VARIABLE\"",
                ))
            }
            _ => {}
        }
        if d.base_dn.trim().is_empty() || !d.base_dn.contains('=') {
            return Err(at.error(
                &key("base_dn"),
                Some(format!("{:?}", d.base_dn)),
                "a DN such as \"DC=school,DC=sch,DC=uk\"",
            ));
        }
        if !(1..=600).contains(&d.timeout_secs) {
            return Err(at.error(
                &key("timeout_secs"),
                Some(d.timeout_secs.to_string()),
                "a whole number of seconds from 1 to 600",
            ));
        }
        if !(1..=10_000).contains(&d.page_size) {
            return Err(at.error(
                &key("page_size"),
                Some(d.page_size.to_string()),
                "entries per page, from 1 to 10000",
            ));
        }
        if !(1..=3650).contains(&d.stale_after_days) {
            return Err(at.error(
                &key("stale_after_days"),
                Some(d.stale_after_days.to_string()),
                "a number of days from 1 to 3650",
            ));
        }
        for (field, pats) in [
            ("shared_login_patterns", &d.shared_login_patterns),
            ("admin_account_patterns", &d.admin_account_patterns),
        ] {
            for (j, p) in pats.iter().enumerate() {
                if let Err(e) = globset::Glob::new(p) {
                    return Err(at.error(
                        &[
                            Seg::key("directory"),
                            Seg::Index(i),
                            Seg::key(field),
                            Seg::Index(j),
                        ],
                        Some(format!("{p:?}")),
                        format!("a glob pattern such as \"class*\" ({})", e.kind()),
                    ));
                }
            }
        }
        for (pname, pop) in [
            ("staff", &d.populations.staff),
            ("pupils", &d.populations.pupils),
            ("admins", &d.populations.admins),
        ] {
            let pkey = |k: &str| {
                vec![
                    Seg::key("directory"),
                    Seg::Index(i),
                    Seg::key("populations"),
                    Seg::key(pname),
                    Seg::key(k),
                ]
            };
            if let Some(n) = pop.min_password_length {
                if !(1..=128).contains(&n) {
                    return Err(at.error(
                        &pkey("min_password_length"),
                        Some(n.to_string()),
                        "a length from 1 to 128",
                    ));
                }
            }
            if let Some(n) = pop.max_lockout_threshold {
                if !(1..=1000).contains(&n) {
                    return Err(at.error(
                        &pkey("max_lockout_threshold"),
                        Some(n.to_string()),
                        "the most failed attempts allowed before lockout, from 1 to 1000",
                    ));
                }
            }
        }
        if d.kind == DirectoryKind::ActiveDirectory
            && d.populations.admins.groups.is_empty()
            && d.privileged_groups.is_empty()
        {
            // Fine: the built-in admin groups are used.
        }
        let mut yg_names = std::collections::BTreeSet::new();
        for (j, y) in d.year_groups.iter().enumerate() {
            let ykey = |k: &str| {
                vec![
                    Seg::key("directory"),
                    Seg::Index(i),
                    Seg::key("year_groups"),
                    Seg::Index(j),
                    Seg::key(k),
                ]
            };
            if y.name.trim().is_empty() || !yg_names.insert(y.name.clone()) {
                return Err(at.error(
                    &ykey("name"),
                    Some(format!("{:?}", y.name)),
                    "a year group name, not empty and not repeated",
                ));
            }
            if y.ou.is_none() && y.group.is_none() {
                return Err(at.error(
                    &[
                        Seg::key("directory"),
                        Seg::Index(i),
                        Seg::key("year_groups"),
                        Seg::Index(j),
                    ],
                    None,
                    "an `ou` or a `group` saying where this year group's accounts are",
                ));
            }
        }
    }
    Ok(())
}

fn validate_hosts(config: &Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    let h = &config.hosts;
    let key = |k: &str| vec![Seg::key("hosts"), Seg::key(k)];
    if !(1..=1024).contains(&h.concurrency) {
        return Err(at.error(
            &key("concurrency"),
            Some(h.concurrency.to_string()),
            "how many machines at once: from 1 to 1024",
        ));
    }
    for (k, v, max) in [
        ("connect_timeout_secs", h.connect_timeout_secs, 600),
        ("command_timeout_secs", h.command_timeout_secs, 3600),
    ] {
        if !(1..=max).contains(&v) {
            return Err(at.error(
                &key(k),
                Some(v.to_string()),
                format!("a whole number of seconds from 1 to {max}"),
            ));
        }
    }
    if !(1024..=1 << 30).contains(&h.max_output_bytes) {
        return Err(at.error(
            &key("max_output_bytes"),
            Some(h.max_output_bytes.to_string()),
            "a size in bytes from 1024 to 1073741824",
        ));
    }
    let t = &h.thresholds;
    let tkey = |k: &str| vec![Seg::key("hosts"), Seg::key("thresholds"), Seg::key(k)];
    if t.signature_warn_hours == 0 || t.signature_warn_hours > t.signature_fail_hours {
        return Err(at.error(
            &tkey("signature_warn_hours"),
            Some(t.signature_warn_hours.to_string()),
            format!(
                "hours from 1 to signature_fail_hours ({})",
                t.signature_fail_hours
            ),
        ));
    }
    for (k, v) in [
        ("xprotect_max_days", t.xprotect_max_days),
        ("update_max_days", t.update_max_days),
        ("screen_lock_max_minutes", t.screen_lock_max_minutes),
    ] {
        if !(1..=3650).contains(&v) {
            return Err(at.error(
                &tkey(k),
                Some(v.to_string()),
                "a whole number from 1 to 3650",
            ));
        }
    }
    for (os, list) in [
        ("linux", &h.allowed_software.linux),
        ("windows", &h.allowed_software.windows),
        ("macos", &h.allowed_software.macos),
    ] {
        for (j, p) in list.iter().enumerate() {
            if let Err(e) = globset::Glob::new(p) {
                return Err(at.error(
                    &[
                        Seg::key("hosts"),
                        Seg::key("allowed_software"),
                        Seg::key(os),
                        Seg::Index(j),
                    ],
                    Some(format!("{p:?}")),
                    format!(
                        "a glob pattern such as \"Microsoft Office*\" ({})",
                        e.kind()
                    ),
                ));
            }
        }
    }
    if h.user.trim().is_empty() {
        return Err(at.error(
            &key("user"),
            Some("\"\"".into()),
            "the account the probe logs in as",
        ));
    }
    let mut group_names = std::collections::BTreeSet::new();
    for (i, g) in h.groups.iter().enumerate() {
        if g.name.trim().is_empty() || !group_names.insert(g.name.clone()) {
            return Err(at.error(
                &[
                    Seg::key("hosts"),
                    Seg::key("group"),
                    Seg::Index(i),
                    Seg::key("name"),
                ],
                Some(format!("{:?}", g.name)),
                "a group name, not empty and not repeated",
            ));
        }
    }
    for (i, d) in h.discover.iter().enumerate() {
        let dkey = |k: &str| {
            vec![
                Seg::key("hosts"),
                Seg::key("discover"),
                Seg::Index(i),
                Seg::key(k),
            ]
        };
        let ads: Vec<&str> = config
            .directories
            .iter()
            .filter(|x| x.kind == DirectoryKind::ActiveDirectory)
            .map(|x| x.name.as_str())
            .collect();
        if !ads.contains(&d.directory.as_str()) {
            return Err(at.error(
                &dkey("directory"),
                Some(format!("{:?}", d.directory)),
                format!(
                    "the name of an Active Directory [[directory]] ({})",
                    if ads.is_empty() {
                        "none is defined".to_string()
                    } else {
                        ads.join(", ")
                    }
                ),
            ));
        }
        if !d.base_dn.contains('=') {
            return Err(at.error(
                &dkey("base_dn"),
                Some(format!("{:?}", d.base_dn)),
                "the DN of the OU holding the computers, such as \"OU=Computers,DC=school,DC=local\"",
            ));
        }
        if let Some(g) = &d.group {
            if !h.groups.iter().any(|x| &x.name == g) {
                return Err(at.error(
                    &dkey("group"),
                    Some(format!("{g:?}")),
                    "the name of a [[hosts.group]]",
                ));
            }
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, host) in config.host_list.iter().enumerate() {
        let hkey = |k: &str| vec![Seg::key("host"), Seg::Index(i), Seg::key(k)];
        unique_name(
            at,
            &hkey("name"),
            &host.name,
            &mut names,
            &['-', '_', '.'],
            "a short name of letters, digits, '-', '_' or '.'",
            "[[host]]",
        )?;
        if host.address.trim().is_empty()
            || host
                .address
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(at.error(
                &hkey("address"),
                Some(format!("{:?}", host.address)),
                "an address or DNS name",
            ));
        }
        if host.port == Some(0) {
            return Err(at.error(
                &hkey("port"),
                Some("0".into()),
                "a TCP port from 1 to 65535",
            ));
        }
        if let Some(g) = &host.group {
            if !h.groups.iter().any(|x| &x.name == g) {
                let known: Vec<&str> = h.groups.iter().map(|x| x.name.as_str()).collect();
                return Err(at.error(
                    &hkey("group"),
                    Some(format!("{g:?}")),
                    format!(
                        "the name of a [[hosts.group]] ({})",
                        if known.is_empty() {
                            "none is defined".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A table's `name`: not empty, letters, digits and `extra` only, and not used twice.
fn unique_name(
    at: &Locator<'_>,
    path: &[Seg],
    name: &str,
    seen: &mut std::collections::BTreeSet<String>,
    extra: &[char],
    expected: &str,
    table: &str,
) -> Result<(), ConfigError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    {
        return Err(at.error(path, Some(format!("{name:?}")), expected));
    }
    if !seen.insert(name.to_string()) {
        return Err(at.error(
            path,
            Some(format!("{name:?}")),
            format!("a name not used by another {table}"),
        ));
    }
    Ok(())
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Seg {
    pub fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }
}

/// `directory[0].url`.
pub fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Turns byte spans and key paths into file:line:column errors for one document.
struct Locator<'a> {
    text: &'a str,
    file: &'a Path,
    doc: Option<toml_edit::Document<&'a str>>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str, file: &'a Path) -> Self {
        Locator {
            text,
            file,
            doc: toml_edit::Document::parse(text).ok(),
        }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|n| n + 1).unwrap_or(0);
        (line, before[line_start..].chars().count() + 1)
    }

    /// An error at the key `path` (its value if it has one, else its table).
    fn error(
        &self,
        path: &[Seg],
        found: Option<String>,
        expected: impl Into<String>,
    ) -> ConfigError {
        let span = self.doc.as_ref().and_then(|d| span_of(d.as_item(), path));
        let (line, column) = span.map(|s| self.line_col(s.start)).unwrap_or((1, 1));
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key: path_string(path),
            found,
            expected: expected.into(),
        }
    }

    /// A parse or type error from the toml crate, located and keyed.
    fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let message = e.message().trim().to_string();
        let span = e.span();
        let (line, column) = span
            .clone()
            .map(|s| self.line_col(s.start))
            .unwrap_or((0, 0));
        let mut key = String::new();
        let mut found = None;
        if let (Some(doc), Some(span)) = (&self.doc, span.clone()) {
            if let Some((path, is_key)) = locate(doc.as_item(), &span) {
                key = path_string(&path);
                if !is_key {
                    found = self
                        .text
                        .get(span.clone())
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty() && s.len() < 200);
                }
            }
        }
        // Unknown fields: serde names the key itself.
        if let Some(rest) = message.strip_prefix("unknown field `") {
            let name = rest.split('`').next().unwrap_or("");
            if !key.ends_with(name) {
                key = if key.is_empty() {
                    name.to_string()
                } else {
                    format!("{key}.{name}")
                };
            }
            let hint = if name.ends_with("password") || name == "password" || name == "secret" {
                "secrets are never written in the configuration: use bind_password_file = \"/path\" (mode 0600) \
                 or bind_password_env = \"VARIABLE\""
                    .to_string()
            } else {
                format!("a known key: {message}")
            };
            return ConfigError {
                file: self.file.to_path_buf(),
                line,
                column,
                key,
                found: None,
                expected: hint,
            };
        }
        if let Some(rest) = message.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or("");
            let key = if key.is_empty() {
                name.to_string()
            } else {
                format!("{key}.{name}")
            };
            return ConfigError {
                file: self.file.to_path_buf(),
                line,
                column,
                key,
                found: None,
                expected: format!("the required key `{name}` is missing here"),
            };
        }
        let expected = match message.split_once(", expected ") {
            Some((what, exp))
                if what.starts_with("invalid type") || what.starts_with("invalid value") =>
            {
                humanize_expected(exp)
            }
            _ => message.clone(),
        };
        let expected = if key.is_empty() && found.is_none() {
            format!("not valid TOML: {expected}")
        } else {
            expected
        };
        ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key,
            found,
            expected,
        }
    }
}

/// serde's names for types, in words.
fn humanize_expected(exp: &str) -> String {
    match exp.trim() {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "a boolean" => "true or false".to_string(),
        "a sequence" => "a list, such as [\"a\", \"b\"]".to_string(),
        "a string" => "text in double quotes".to_string(),
        other => other.to_string(),
    }
}

/// The span of the value (or table) at `path`.
fn span_of(item: &toml_edit::Item, path: &[Seg]) -> Option<Range<usize>> {
    let Some((first, rest)) = path.split_first() else {
        return item.span();
    };
    match (first, item) {
        (Seg::Key(k), toml_edit::Item::Table(t)) => {
            let (key, child) = t.get_key_value(k)?;
            if rest.is_empty() {
                child.span().or_else(|| key.span())
            } else {
                span_of(child, rest).or_else(|| key.span())
            }
        }
        (Seg::Key(k), toml_edit::Item::Value(toml_edit::Value::InlineTable(t))) => {
            let (key, child) = t.get_key_value(k)?;
            let child = child.clone();
            if rest.is_empty() {
                key.span()
            } else {
                span_of(&child, rest).or_else(|| key.span())
            }
        }
        (Seg::Index(i), toml_edit::Item::ArrayOfTables(a)) => {
            let t = a.get(*i)?;
            let item = toml_edit::Item::Table(t.clone());
            if rest.is_empty() {
                t.span()
            } else {
                span_of(&item, rest).or_else(|| t.span())
            }
        }
        (Seg::Index(i), toml_edit::Item::Value(toml_edit::Value::Array(a))) => {
            let v = a.get(*i)?;
            if rest.is_empty() {
                v.span()
            } else {
                span_of(&toml_edit::Item::Value(v.clone()), rest)
            }
        }
        _ => None,
    }
}

/// The key path of the innermost key or value whose span holds `span.start`; the bool says whether
/// the span is on the key itself.
fn locate(item: &toml_edit::Item, span: &Range<usize>) -> Option<(Vec<Seg>, bool)> {
    let mut best: Option<(Vec<Seg>, bool, usize)> = None;
    let mut path = Vec::new();
    walk(item, span, &mut path, &mut best);
    best.map(|(p, k, _)| (p, k))
}

fn consider(
    best: &mut Option<(Vec<Seg>, bool, usize)>,
    path: &[Seg],
    is_key: bool,
    s: Option<Range<usize>>,
    target: &Range<usize>,
) {
    if let Some(s) = s {
        if s.start <= target.start && target.start < s.end.max(s.start + 1) {
            let width = s.end - s.start;
            if best.as_ref().is_none_or(|(_, _, w)| width <= *w) {
                *best = Some((path.to_vec(), is_key, width));
            }
        }
    }
}

fn walk(
    item: &toml_edit::Item,
    target: &Range<usize>,
    path: &mut Vec<Seg>,
    best: &mut Option<(Vec<Seg>, bool, usize)>,
) {
    match item {
        toml_edit::Item::Table(t) => {
            consider(best, path, false, t.span(), target);
            for (k, _) in t.iter() {
                if let Some((key, child)) = t.get_key_value(k) {
                    path.push(Seg::key(k));
                    consider(best, path, true, key.span(), target);
                    walk(child, target, path, best);
                    path.pop();
                }
            }
        }
        toml_edit::Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                path.push(Seg::Index(i));
                walk(&toml_edit::Item::Table(t.clone()), target, path, best);
                path.pop();
            }
        }
        toml_edit::Item::Value(v) => {
            consider(best, path, false, v.span(), target);
            match v {
                toml_edit::Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        path.push(Seg::Index(i));
                        walk(&toml_edit::Item::Value(x.clone()), target, path, best);
                        path.pop();
                    }
                }
                toml_edit::Value::InlineTable(t) => {
                    for (k, _) in t.iter() {
                        if let Some((key, child)) = t.get_key_value(k) {
                            path.push(Seg::key(k));
                            consider(best, path, true, key.span(), target);
                            walk(child, target, path, best);
                            path.pop();
                        }
                    }
                }
                _ => {}
            }
        }
        toml_edit::Item::None => {}
    }
}

/// A test URL: `http://` or `https://` with a host, printable ASCII, no credentials.
fn web_url(s: &str) -> Result<url::Url, String> {
    if s.chars().any(|c| !c.is_ascii_graphic()) {
        return Err("no spaces or non-ASCII characters".into());
    }
    let u = url::Url::parse(s).map_err(|e| e.to_string())?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("the scheme {:?} is not http or https", u.scheme()));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("credentials in the URL (use proxy_user and proxy_password_file)".into());
    }
    Ok(u)
}

fn validate_filter(config: &Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    let f = &config.filter;
    let key = |k: &str| vec![Seg::key("filter"), Seg::key(k)];
    for (k, v, max) in [
        ("timeout_secs", f.timeout_secs, 600),
        ("connect_timeout_secs", f.connect_timeout_secs, 120),
    ] {
        if !(1..=max).contains(&v) {
            return Err(at.error(
                &key(k),
                Some(v.to_string()),
                format!("a whole number of seconds from 1 to {max}"),
            ));
        }
    }
    if !(1..=256).contains(&f.concurrency) {
        return Err(at.error(
            &key("concurrency"),
            Some(f.concurrency.to_string()),
            "how many URLs at once from each vantage point: from 1 to 256",
        ));
    }
    if !(1024..=64 << 20).contains(&f.max_body_bytes) {
        return Err(at.error(
            &key("max_body_bytes"),
            Some(f.max_body_bytes.to_string()),
            "a size in bytes from 1024 to 67108864",
        ));
    }
    if f.max_redirects > 20 {
        return Err(at.error(
            &key("max_redirects"),
            Some(f.max_redirects.to_string()),
            "a number of redirects from 0 to 20",
        ));
    }
    for (j, a) in f.sinkhole_addresses.iter().enumerate() {
        if a.parse::<std::net::IpAddr>().is_err() {
            return Err(at.error(
                &[
                    Seg::key("filter"),
                    Seg::key("sinkhole_addresses"),
                    Seg::Index(j),
                ],
                Some(format!("{a:?}")),
                "an IP address such as \"0.0.0.0\"",
            ));
        }
    }
    if let Err(e) = web_url(&f.control.url) {
        return Err(at.error(
            &[Seg::key("filter"), Seg::key("control"), Seg::key("url")],
            Some(format!("{:?}", f.control.url)),
            format!("an http:// or https:// URL ({e})"),
        ));
    }
    if f.control.token.is_empty() {
        return Err(at.error(
            &[Seg::key("filter"), Seg::key("control"), Seg::key("token")],
            Some("\"\"".into()),
            "text the control page contains, not empty",
        ));
    }
    for (i, b) in f.block_pages.iter().enumerate() {
        for (k, v) in [("name", &b.name), ("text", &b.text)] {
            if v.trim().is_empty() {
                return Err(at.error(
                    &[
                        Seg::key("filter"),
                        Seg::key("block_page"),
                        Seg::Index(i),
                        Seg::key(k),
                    ],
                    Some("\"\"".into()),
                    "not empty",
                ));
            }
        }
    }
    for (i, t) in f.tests.iter().enumerate() {
        let tkey = |k: &str| {
            vec![
                Seg::key("filter"),
                Seg::key("test"),
                Seg::Index(i),
                Seg::key(k),
            ]
        };
        if let Err(e) = web_url(&t.url) {
            return Err(at.error(
                &tkey("url"),
                Some(format!("{:?}", t.url)),
                format!("an http:// or https:// URL ({e})"),
            ));
        }
        if t.token.trim().is_empty() {
            return Err(at.error(
                &tkey("token"),
                Some("\"\"".into()),
                "text (case-sensitive) that only the real page contains",
            ));
        }
        if t.category.trim().is_empty() {
            return Err(at.error(
                &tkey("category"),
                Some("\"\"".into()),
                "a category such as \"adult\" or \"teaching\"",
            ));
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for (i, v) in f.vantages.iter().enumerate() {
        let vkey = |k: &str| {
            vec![
                Seg::key("filter"),
                Seg::key("vantage"),
                Seg::Index(i),
                Seg::key(k),
            ]
        };
        unique_name(
            at,
            &vkey("name"),
            &v.name,
            &mut names,
            &['-', '_', '.'],
            "a short name of letters, digits, '-', '_' or '.'",
            "[[filter.vantage]]",
        )?;
        if v.group.trim().is_empty() {
            return Err(at.error(
                &vkey("group"),
                Some("\"\"".into()),
                "the user group whose filtering it sees: \"pupil\", \"staff\" or \"guest\"",
            ));
        }
        if let Some(h) = &v.host {
            if !config.host_list.iter().any(|x| &x.name == h) {
                return Err(at.error(
                    &vkey("host"),
                    Some(format!("{h:?}")),
                    "the name of a [[host]] (the tests run there over SSH)",
                ));
            }
            if v.resolver.is_some() {
                return Err(at.error(
                    &vkey("resolver"),
                    None,
                    "no resolver for a vantage point on another machine (it uses its own)",
                ));
            }
        }
        if let Some(p) = &v.proxy {
            let ok = url::Url::parse(p).ok().filter(|u| {
                u.scheme() == "http"
                    && u.host_str().is_some()
                    && u.username().is_empty()
                    && u.password().is_none()
            });
            if ok.is_none() {
                return Err(at.error(
                    &vkey("proxy"),
                    Some(format!("{p:?}")),
                    "a proxy as http://host:port, without credentials (use proxy_user and proxy_password_file)",
                ));
            }
        }
        let has_password = v.proxy_password_file.is_some() || v.proxy_password_env.is_some();
        if v.proxy_user.is_some() != has_password || (v.proxy_user.is_some() && v.proxy.is_none()) {
            return Err(at.error(
                &vkey("proxy_user"),
                None,
                "proxy_user together with proxy_password_file or proxy_password_env, and a proxy",
            ));
        }
        if let Some(r) = &v.resolver {
            let ok =
                r.parse::<std::net::SocketAddr>().is_ok() || r.parse::<std::net::IpAddr>().is_ok();
            if !ok {
                return Err(at.error(
                    &vkey("resolver"),
                    Some(format!("{r:?}")),
                    "a DNS server's address, such as \"10.0.0.1\" or \"10.0.0.1:53\"",
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod assess_tests {
    use super::*;
    use crate::ConsentFrom;

    #[test]
    fn assess_consent_from_defaults_to_medium_and_names_a_bad_value() {
        let path = Path::new("caretaker.toml");
        let cfg = parse_str("version = 1\n", path).unwrap();
        assert_eq!(cfg.assess.consent_from, ConsentFrom::Medium);
        let cfg = parse_str("version = 1\n[assess]\nconsent_from = \"never\"\n", path).unwrap();
        assert_eq!(cfg.assess.consent_from, ConsentFrom::Never);
        let err = parse_str(
            "version = 1\n[assess]\nconsent_from = \"sometimes\"\n",
            path,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("caretaker.toml:3:"), "{err}");
        assert!(err.contains("assess.consent_from"), "{err}");
        assert!(err.contains("`low`, `medium`, `high`, `never`"), "{err}");
        let err = parse_str("version = 1\n[assess]\nconsent = \"low\"\n", path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("assess.consent"), "{err}");
    }
}
