//! The README's two commands (`scripts/sample-school`, `scripts/test`) as people run them: a
//! Rust installed with rustup lives in the user's ~/.cargo/bin, which `sudo` drops from PATH; and
//! root on a bare Debian has no sudo at all. The scripts' shared steps (scripts/lib.sh) are run
//! here the way sudo and a root shell would run them.

use std::path::Path;
use std::process::Command;

const LIB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/lib.sh");

/// Runs `snippet` after sourcing scripts/lib.sh, in a clean environment with `vars`.
fn lib(snippet: &str, vars: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new("/bin/bash");
    c.env_clear()
        .args(["-c", &format!(". {LIB} && {snippet}")])
        .envs(vars.iter().copied());
    let out = c.output().expect("run bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A user whose home holds a rustup-style ~/.cargo/bin/cargo, removed on drop.
struct RustupUser {
    name: String,
    home: tempfile::TempDir,
}

impl RustupUser {
    fn new(with_cargo: bool) -> RustupUser {
        let home = tempfile::tempdir().unwrap();
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("ctk{}x{n}", std::process::id());
        let ok = Command::new("useradd")
            .args(["--no-create-home", "--home-dir"])
            .arg(home.path())
            .args(["--shell", "/usr/sbin/nologin", &name])
            .status()
            .unwrap_or_else(|e| panic!("useradd (package passwd) is needed: {e}"))
            .success();
        assert!(ok, "useradd {name} failed (these tests run as root)");
        if !with_cargo {
            return RustupUser { name, home };
        }
        let bin = home.path().join(".cargo/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(home.path().join(".rustup")).unwrap();
        let cargo = bin.join("cargo");
        std::fs::write(&cargo, "#!/bin/sh\necho cargo from rustup\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
        RustupUser { name, home }
    }

    fn home(&self) -> &Path {
        self.home.path()
    }
}

impl Drop for RustupUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).status();
    }
}

#[test]
fn under_sudo_cargo_is_found_in_the_home_of_who_ran_sudo() {
    let user = RustupUser::new(true);
    // What sudo leaves: its own secure PATH, root's HOME, and SUDO_USER.
    let (code, out, err) = lib(
        "find_cargo && command -v cargo && echo \"$RUSTUP_HOME\" && invoking_user",
        &[
            (
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ),
            ("HOME", "/root"),
            ("SUDO_USER", &user.name),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            user.home().join(".cargo/bin/cargo").to_str().unwrap(),
            user.home().join(".rustup").to_str().unwrap(),
            user.name.as_str(),
        ]
    );
}

#[test]
fn with_no_cargo_anywhere_the_message_says_where_it_looked() {
    let user = RustupUser::new(false);
    let (code, _, err) = lib(
        "find_cargo",
        &[
            ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            ("HOME", user.home().to_str().unwrap()),
            ("SUDO_USER", &user.name),
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("cargo (Rust 1.85 or newer) is needed"),
        "{err}"
    );
    assert!(err.contains("rustup"), "{err}");
}

#[test]
fn root_without_sudo_runs_the_root_steps_itself() {
    // A PATH where no sudo can be found: as root, nothing needs it.
    let bin = tempfile::tempdir().unwrap();
    for tool in ["id", "env", "cut", "getent"] {
        let found = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap();
        std::os::unix::fs::symlink(found, bin.path().join(tool)).unwrap();
    }
    let (code, out, err) = lib(
        "as_root id -u && as_user id -u",
        &[("PATH", bin.path().to_str().unwrap()), ("HOME", "/root")],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "0\n0\n", "{err}");
}
