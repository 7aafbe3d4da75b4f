//! Finding, reading and validating `caretaker.toml`. Every error names the file, line, column and
//! key, quotes the bad value, and says what was expected.

mod locator;
#[cfg(test)]
mod tests;
mod validate;
mod validate_filter;
mod validate_hosts;
mod validate_store;
pub use validate_store::{is_school_id, parse_trust_url, TrustUrl};

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::schema::Config;
use crate::secret::{read_secret_env, read_secret_file};
use locator::Locator;
use validate::validate;

pub use locator::{path_string, Seg};

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
    /// The daemon's socket, resolved (config `daemon.socket`, else [`default_socket_path`]).
    pub socket: PathBuf,
    /// The filter-change log's signing key, resolved (config `store.log_key`, else `log.key`
    /// beside the configuration); the log's head is recorded beside it.
    pub log_key: PathBuf,
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

/// The most a configuration file or a policy map may hold.
pub const MAX_FILE: u64 = 1 << 20;

/// Reads `path` whole, if it is a regular file of at most [`MAX_FILE`] bytes: a FIFO, a device
/// (`/dev/zero`) or a huge file is refused in words before it can hang or fill memory.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.file_type().is_file() {
        return Err(
            "it is not a regular file (a FIFO, a device or a folder cannot be read as one)".into(),
        );
    }
    if meta.len() > MAX_FILE {
        return Err(format!(
            "it is {} bytes long; at most {MAX_FILE} (1 MiB) are read",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(format!(
            "it grew past {MAX_FILE} bytes (1 MiB) while it was read"
        ));
    }
    Ok(bytes)
}

/// Loads and validates one file.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let bytes = read_bounded(path).map_err(|e| ConfigError {
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
    strict_modes(path, &config, &located)?;
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
    let socket = config
        .daemon
        .socket
        .clone()
        .unwrap_or_else(|| default_socket_path(path, &store_path));
    let log_key = config
        .store
        .log_key
        .clone()
        .unwrap_or_else(|| base.join("log.key"));
    Ok(Loaded {
        log_key,
        known_hosts,
        socket,
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

/// The daemon's socket on a system install.
pub const SYSTEM_SOCKET: &str = "/run/caretaker/caretaker.sock";

/// The daemon's socket's default place: `/run/caretaker/caretaker.sock` for a system install
/// (config under `/etc`; systemd's `RuntimeDirectory=caretaker`), otherwise beside the store.
pub fn default_socket_path(config_path: &Path, store_path: &Path) -> PathBuf {
    if config_path.starts_with("/etc") {
        return PathBuf::from(SYSTEM_SOCKET);
    }
    store_path.with_extension("sock")
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
    if let Some(p) = config.store.log_key.as_mut() {
        fix(p);
    }
    if let Some(p) = config.store.ca_file.as_mut() {
        fix(p);
    }
    if let Some(p) = config.store.password_file.as_mut() {
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
    if let Some(p) = config.alert.smtp_password_file.as_mut() {
        fix(p);
    }
    if let Some(p) = config.alert.smtp_ca_file.as_mut() {
        fix(p);
    }
    if let Some(p) = config.daemon.socket.as_mut() {
        fix(p);
    }
    if let Some(p) = config.report.folder.as_mut() {
        fix(p);
    }
    for d in &mut config.directories {
        if let Some(p) = d.ca_file.as_mut() {
            fix(p);
        }
        if let Some(p) = d.bind_password_file.as_mut() {
            fix(p);
        }
        for r in &mut d.rosters {
            fix(&mut r.path);
        }
    }
}

/// The configuration, every file it names and the folders above them may be changed only by
/// their owners (root or this user): see [`crate::strict`].
fn strict_modes(path: &Path, config: &Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    crate::strict::check(path).map_err(|u| ConfigError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        key: String::new(),
        found: None,
        expected: format!("the configuration must be safe from other users: {}", u.0),
    })?;
    let mut named: Vec<(Vec<Seg>, &Path)> = Vec::new();
    let k = Seg::key;
    if let Some(p) = &config.store.path {
        if let Some(folder) = p.parent().filter(|f| !f.as_os_str().is_empty()) {
            named.push((vec![k("store"), k("path")], folder));
        }
    }
    if let Some(p) = &config.store.log_key {
        named.push((vec![k("store"), k("log_key")], p));
    }
    if let Some(p) = &config.policy.map {
        named.push((vec![k("policy"), k("map")], p));
    }
    if let Some(p) = &config.hosts.known_hosts {
        named.push((vec![k("hosts"), k("known_hosts")], p));
    }
    if let Some(p) = &config.hosts.key_file {
        named.push((vec![k("hosts"), k("key_file")], p));
    }
    for (i, d) in config.directories.iter().enumerate() {
        if let Some(p) = &d.ca_file {
            named.push((vec![k("directory"), Seg::Index(i), k("ca_file")], p));
        }
        if let Some(p) = &d.bind_password_file {
            named.push((
                vec![k("directory"), Seg::Index(i), k("bind_password_file")],
                p,
            ));
        }
        for (j, r) in d.rosters.iter().enumerate() {
            named.push((
                vec![
                    k("directory"),
                    Seg::Index(i),
                    k("roster"),
                    Seg::Index(j),
                    k("path"),
                ],
                &r.path,
            ));
        }
    }
    if let Some(p) = &config.filter.ca_file {
        named.push((vec![k("filter"), k("ca_file")], p));
    }
    for (i, v) in config.filter.vantages.iter().enumerate() {
        if let Some(p) = &v.proxy_password_file {
            named.push((
                vec![
                    k("filter"),
                    k("vantage"),
                    Seg::Index(i),
                    k("proxy_password_file"),
                ],
                p,
            ));
        }
    }
    if let Some(p) = &config.alert.smtp_password_file {
        named.push((vec![k("alert"), k("smtp_password_file")], p));
    }
    if let Some(p) = &config.alert.smtp_ca_file {
        named.push((vec![k("alert"), k("smtp_ca_file")], p));
    }
    for (segs, p) in named {
        crate::strict::check(p).map_err(|u| at.error(&segs, None, u.0))?;
    }
    Ok(())
}

fn read_secrets(config: &mut Config, at: &Locator<'_>) -> Result<(), ConfigError> {
    // The log key is read when a record is signed, but refused here if others could read it.
    if let Some(key) = config.store.log_key.as_ref().filter(|k| k.exists()) {
        crate::secret::check_private_file(key)
            .map_err(|p| at.error(&[Seg::key("store"), Seg::key("log_key")], None, p.0))?;
    }
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
    let s = &mut config.store;
    let read = match (&s.password_file, &s.password_env) {
        (Some(file), _) => Some(("password_file", read_secret_file(file))),
        (None, Some(var)) => Some(("password_env", read_secret_env(var))),
        (None, None) => None,
    };
    if let Some((key, read)) = read {
        let path = [Seg::key("store"), Seg::key(key)];
        s.password = Some(read.map_err(|p| at.error(&path, None, p.0))?);
    }
    let a = &mut config.alert;
    let read = match (&a.smtp_password_file, &a.smtp_password_env) {
        (Some(file), _) => Some(("smtp_password_file", read_secret_file(file))),
        (None, Some(var)) => Some(("smtp_password_env", read_secret_env(var))),
        (None, None) => None,
    };
    if let Some((key, read)) = read {
        let path = [Seg::key("alert"), Seg::key(key)];
        a.smtp_password = Some(read.map_err(|p| at.error(&path, None, p.0))?);
    }
    Ok(())
}
