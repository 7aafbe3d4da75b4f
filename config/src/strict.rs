//! Permissions like OpenSSH's StrictModes: a file caretaker trusts (its configuration, the secrets,
//! CA files, known_hosts, the policy map and the SSH key it names) and every folder above it may
//! be changed by no one but its owner — root or the user caretaker runs as. Otherwise another
//! local user could point the directory URL at a server of their own and be sent the bind
//! password. A folder others may write to is accepted only when it is sticky and root's (`/tmp`):
//! no one can then replace what they do not own in it.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

/// Why a path may not be trusted, in words with the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsafe(pub String);

/// Whether `path` and every folder above it can be changed only by their owners, who are root
/// or this process's user. A path that does not exist is left to whoever reads it.
pub fn check(path: &Path) -> Result<(), Unsafe> {
    let me = nix_euid();
    let absolute: PathBuf = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let Ok(meta) = std::fs::metadata(&absolute) else {
        return Ok(());
    };
    judge(&absolute, &meta, me, false)?;
    let mut dir = absolute.parent();
    while let Some(d) = dir {
        if let Ok(meta) = std::fs::metadata(d) {
            judge(d, &meta, me, true)?;
        }
        dir = d.parent();
    }
    Ok(())
}

fn judge(path: &Path, meta: &std::fs::Metadata, me: u32, folder: bool) -> Result<(), Unsafe> {
    let mode = meta.mode() & 0o7777;
    let owner = meta.uid();
    let what = if folder { "the folder" } else { "the file" };
    if owner != 0 && owner != me {
        return Err(Unsafe(format!(
            "{what} {} belongs to uid {owner}, who could change it; caretaker trusts only files and folders of root or its own user (uid {me}): run `chown root {}` (or move it)",
            path.display(),
            path.display()
        )));
    }
    let sticky_root = folder && owner == 0 && mode & 0o1000 != 0;
    if mode & 0o022 != 0 && !sticky_root {
        return Err(Unsafe(format!(
            "{what} {} has mode {:04o}, so {} can change it; run `chmod go-w {}`",
            path.display(),
            mode,
            if mode & 0o002 != 0 {
                "every user on this machine"
            } else {
                "its group"
            },
            path.display()
        )));
    }
    Ok(())
}

/// This process's effective user id, from /proc (no unsafe code, no libc call).
fn nix_euid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::os::unix::fs::PermissionsExt as _;

    use super::check;

    #[test]
    fn writable_by_others_is_refused_with_the_fix_and_sticky_tmp_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("caretaker.toml");
        std::fs::write(&f, "version = 1\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            check(&f),
            Ok(()),
            "under /tmp (sticky, root's) and a 0700 folder"
        );
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        let e = check(&f).unwrap_err().0;
        assert!(e.contains("mode 0666") && e.contains("chmod go-w"), "{e}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = check(&f).unwrap_err().0;
        assert!(e.contains("the folder") && e.contains("0777"), "{e}");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}
