//! The files outside the store that make its filter-change log hold up against whoever can
//! write the store: the log key (every record is signed with it) and the heads file beside it
//! (each store's last known head: how many records, the last one's hash). A store whose head was
//! recorded and that comes back empty, cut short or replaced by an older copy is caught by the
//! heads file; a record edited, inserted or forged, by its signature.

use std::io::{Read as _, Seek as _, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use caretaker_ledger::{Head, LogKey, PublicKey};

use super::StoreError;

/// The log key's file and the heads file beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    key: PathBuf,
    heads: PathBuf,
}

/// A head recorded in the heads file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedHead {
    pub head: Head,
    /// When it was recorded (RFC 3339).
    pub at: String,
}

/// The heads file's first line.
const HEADS_HEADER: &str =
    "# caretaker: the last head of each store's filter-change log (see `caretaker assess verify`)\n";

/// The most a key or heads file may hold.
const MAX: u64 = 64 * 1024;

fn seal_error(path: &Path, what: impl std::fmt::Display) -> StoreError {
    StoreError::Seal(format!("{}: {what}", path.display()))
}

impl Seal {
    /// The key at `key`, the heads file beside it (`<key>` with the extension `head`).
    pub fn new(key: impl Into<PathBuf>) -> Seal {
        let key = key.into();
        let heads = key.with_extension("head");
        Seal { key, heads }
    }

    /// The key file.
    pub fn key_path(&self) -> &Path {
        &self.key
    }

    /// The heads file.
    pub fn heads_path(&self) -> &Path {
        &self.heads
    }

    /// Reads a small private file: refused unless a regular file that only its owner can read
    /// or write (like OpenSSH's private keys). None when it does not exist.
    fn read_private(path: &Path) -> Result<Option<String>, StoreError> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(seal_error(path, format!("cannot read it: {e}"))),
        };
        if !meta.file_type().is_file() {
            return Err(seal_error(path, "it is not a regular file"));
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(seal_error(
                path,
                format!(
                    "other users may read or write it (mode {mode:04o}); run `chmod 600 {}`",
                    path.display()
                ),
            ));
        }
        if meta.len() > MAX {
            return Err(seal_error(path, format!("it is {} bytes long", meta.len())));
        }
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX).read_to_string(&mut text))
            .map_err(|e| {
                seal_error(
                    path,
                    format!(
                        "cannot read it: {e} (it must be readable by the user caretaker runs as: \
                         `chown caretaker {}` on a system install)",
                        path.display()
                    ),
                )
            })?;
        Ok(Some(text))
    }

    /// The key, when there is one.
    pub fn key(&self) -> Result<Option<LogKey>, StoreError> {
        match Seal::read_private(&self.key)? {
            None => Ok(None),
            Some(text) => LogKey::from_file_text(&text)
                .map(Some)
                .map_err(|e| seal_error(&self.key, format!("it is not a log key: {e}"))),
        }
    }

    /// The public half of the key, when there is one.
    pub fn public(&self) -> Result<Option<PublicKey>, StoreError> {
        Ok(self.key()?.map(|k| k.public()))
    }

    /// Makes a new key (0600; refused if one is there already).
    pub fn create_key(&self) -> Result<LogKey, StoreError> {
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(|e| seal_error(&self.key, format!("cannot read random bytes: {e}")))?;
        let key = LogKey::from_random(bytes);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&self.key)
            .map_err(|e| seal_error(&self.key, format!("cannot create the log key: {e}")))?;
        f.write_all(key.to_file_text().as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| seal_error(&self.key, format!("cannot write the log key: {e}")))?;
        Ok(key)
    }

    /// The key, made now if there is none (another process making it at the same moment is
    /// fine: its key is read).
    pub fn create_key_or_read(&self) -> Result<LogKey, StoreError> {
        if let Some(parent) = self.key.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(seal_error(
                    &self.key,
                    format!(
                        "cannot make the log key: the folder {} does not exist",
                        parent.display()
                    ),
                ));
            }
        }
        match self.create_key() {
            Ok(key) => Ok(key),
            Err(e) => match self.key()? {
                Some(key) => Ok(key),
                None => Err(e),
            },
        }
    }

    /// Makes the key and an empty heads file for a new installation (`caretaker init`), unless a
    /// key is there already (true when one was made). `owner`: the user the daemon runs as, who
    /// must read the key and keep the heads file up to date (root gives them to it).
    pub fn create_files(&self, owner: Option<&str>) -> Result<bool, StoreError> {
        if self.key()?.is_some() {
            return Ok(false);
        }
        self.create_key()?;
        if !self.heads.exists() {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&self.heads)
                .map_err(|e| seal_error(&self.heads, format!("cannot create it: {e}")))?;
            f.write_all(HEADS_HEADER.as_bytes())
                .map_err(|e| seal_error(&self.heads, format!("cannot write it: {e}")))?;
        }
        if let Some(name) = owner {
            let user = nix::unistd::User::from_name(name)
                .ok()
                .flatten()
                .ok_or_else(|| seal_error(&self.key, format!("there is no user {name:?}")))?;
            for path in [&self.key, &self.heads] {
                std::os::unix::fs::chown(path, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
                    .map_err(|e| seal_error(path, format!("cannot give it to {name}: {e}")))?;
            }
        }
        Ok(true)
    }

    /// Who the key is made for when root makes it for a system install (the configuration under
    /// `/etc` and a `caretaker` user, as the Debian package makes): the daemon's user.
    pub fn system_owner(config: &Path) -> Option<&'static str> {
        (config.starts_with("/etc")
            && nix::unistd::geteuid().is_root()
            && nix::unistd::User::from_name("caretaker")
                .ok()
                .flatten()
                .is_some())
        .then_some("caretaker")
    }

    /// The name a store is known by in the heads file: its absolute path, the folder resolved.
    fn store_name(store: &Path) -> String {
        let absolute = std::path::absolute(store).unwrap_or_else(|_| store.to_path_buf());
        let resolved = match (absolute.parent(), absolute.file_name()) {
            (Some(dir), Some(name)) => dir
                .canonicalize()
                .map(|d| d.join(name))
                .unwrap_or(absolute.clone()),
            _ => absolute.clone(),
        };
        resolved.display().to_string()
    }

    /// The heads file's lines: (head, recorded at, store).
    fn read_heads(&self) -> Result<Vec<(Head, String, String)>, StoreError> {
        let Some(text) = Seal::read_private(&self.heads)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, ' ');
            let (Some(head), Some(at), Some(store)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(seal_error(
                    &self.heads,
                    format!("line {} is not `COUNT:HASH RECORDED-AT STORE`", n + 1),
                ));
            };
            let head = Head::parse(head)
                .map_err(|e| seal_error(&self.heads, format!("line {}: {e}", n + 1)))?;
            out.push((head, at.to_string(), store.to_string()));
        }
        Ok(out)
    }

    /// The head last recorded for `store`.
    pub fn recorded_head(&self, store: &Path) -> Result<Option<RecordedHead>, StoreError> {
        let name = Seal::store_name(store);
        Ok(self
            .read_heads()?
            .into_iter()
            .rev()
            .find(|(_, _, s)| *s == name)
            .map(|(head, at, _)| RecordedHead { head, at }))
    }

    /// Records `head` as `store`'s, in place (the file keeps its owner, so the daemon's user
    /// may keep it up to date in a folder it cannot write), under an exclusive lock.
    pub fn record_head(&self, store: &Path, head: &Head, at: &str) -> Result<(), StoreError> {
        let name = Seal::store_name(store);
        let err =
            |e: std::io::Error| seal_error(&self.heads, format!("cannot record the head: {e}"));
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&self.heads)
            .map_err(err)?;
        // Two processes recording at once take turns (released when `f` is dropped).
        let mut f = nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| err(std::io::Error::from(e)))?;
        let mut lines: Vec<(Head, String, String)> = self
            .read_heads()?
            .into_iter()
            .filter(|(_, _, s)| *s != name)
            .collect();
        lines.push((head.clone(), at.to_string(), name));
        let mut text = String::from(HEADS_HEADER);
        for (h, at, s) in &lines {
            text.push_str(&format!("{h} {at} {s}\n"));
        }
        f.rewind().map_err(err)?;
        f.write_all(text.as_bytes()).map_err(err)?;
        f.set_len(text.len() as u64).map_err(err)?;
        f.sync_data().map_err(err)
    }

    /// Refuses a store that is missing or empty where the heads file says one existed.
    pub fn check_present(&self, store: &Path) -> Result<(), StoreError> {
        let len = match std::fs::metadata(store) {
            Ok(m) => Some(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(_) => return Ok(()),
        };
        if len.is_some_and(|l| l > 0) {
            return Ok(());
        }
        if let Some(recorded) = self.recorded_head(store)? {
            return Err(StoreError::Vanished {
                path: store.to_path_buf(),
                what: if len.is_none() { "missing" } else { "empty" },
                head: recorded.head.to_string(),
                at: recorded.at,
                heads: self.heads.clone(),
            });
        }
        Ok(())
    }
}
