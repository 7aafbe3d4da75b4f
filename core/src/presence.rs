//! Whether a daemon runs on a store: the daemon holds an exclusive lock on a file beside the
//! store (`caretaker.db.daemon`, mode 0600) saying who it is, for as long as it runs. A second
//! daemon on the same store is refused; `caretaker status` reads the file only while the lock is
//! held, so a daemon that died (the kernel drops its lock) is never reported as running.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

/// Who the running daemon is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonInfo {
    pub pid: u32,
    pub version: String,
    /// RFC 3339, UTC.
    pub started_at: String,
}

/// The daemon's claim on a store; dropped, the claim ends.
#[derive(Debug)]
pub struct Presence {
    _lock: Flock<File>,
    path: PathBuf,
}

impl Presence {
    /// The file that says a daemon runs on the store at `store`.
    pub fn path_for(store: &Path) -> PathBuf {
        let mut name = store.as_os_str().to_owned();
        name.push(".daemon");
        PathBuf::from(name)
    }

    /// Claims the store at `store` for this process, or says which daemon already has it.
    pub fn claim(store: &Path, info: &DaemonInfo) -> Result<Presence, String> {
        let path = Presence::path_for(store);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(l) => l,
            Err((mut file, Errno::EWOULDBLOCK)) => {
                let other = read_info(&mut file)
                    .map(|o| format!(" (pid {}, since {})", o.pid, o.started_at))
                    .unwrap_or_default();
                return Err(format!(
                    "another caretaker daemon{other} already runs on the store {}",
                    store.display()
                ));
            }
            Err((_, e)) => return Err(format!("cannot lock {}: {e}", path.display())),
        };
        let text = serde_json::to_string(info).map_err(|e| e.to_string())?;
        lock.set_len(0)
            .and_then(|()| lock.seek(SeekFrom::Start(0)).map(drop))
            .and_then(|()| lock.write_all(text.as_bytes()))
            .and_then(|()| lock.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Presence { _lock: lock, path })
    }

    /// The daemon running on the store at `store`, if one is.
    pub fn find(store: &Path) -> Option<DaemonInfo> {
        let path = Presence::path_for(store);
        let file = File::open(path).ok()?;
        match Flock::lock(file, FlockArg::LockSharedNonblock) {
            // Nobody holds it: no daemon runs (the lock is let go when `free` is dropped).
            Ok(free) => {
                drop(free);
                None
            }
            Err((mut file, Errno::EWOULDBLOCK)) => read_info(&mut file),
            Err(_) => None,
        }
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        // The lock goes with the file; the stale words go too, when they can.
        let _ = std::fs::remove_file(&self.path);
    }
}

fn read_info(file: &mut File) -> Option<DaemonInfo> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn one_daemon_per_store_and_none_once_it_has_gone() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("caretaker.db");
        assert_eq!(Presence::find(&store), None);
        let me = DaemonInfo {
            pid: 4242,
            version: "0.1.0".into(),
            started_at: "2026-12-06T00:00:00Z".into(),
        };
        let claim = Presence::claim(&store, &me).unwrap();
        assert_eq!(Presence::find(&store), Some(me.clone()));
        let e = Presence::claim(&store, &me).unwrap_err();
        assert!(e.contains("pid 4242") && e.contains("already runs"), "{e}");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(Presence::path_for(&store))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(claim);
        assert_eq!(Presence::find(&store), None);
        // A file left behind without its lock (a daemon killed) says nothing.
        std::fs::write(
            Presence::path_for(&store),
            serde_json::to_string(&me).unwrap(),
        )
        .unwrap();
        assert_eq!(Presence::find(&store), None);
        assert!(Presence::claim(&store, &me).is_ok());
    }
}
