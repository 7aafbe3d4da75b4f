//! Every broken configuration in tests/invalid_configs/ is refused with exit 78 and a message that
//! names the file, the line of the mistake (marked `# <- here` in the fixture), the key and what
//! was expected (the fixture's `# expect-key:` and `# expect-text:` lines).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::util::{caretaker, run};

fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_configs");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_broken_config_names_file_line_key_and_expectation() {
    let files = fixtures();
    assert!(
        files.len() >= 10,
        "at least ten broken configurations, found {}",
        files.len()
    );
    let home = tempfile::tempdir().unwrap();
    // Each fixture reports on its own: one that goes wrong does not hide the next.
    let problems: Vec<String> = files
        .iter()
        .flat_map(|file| broken_config_problems(home.path(), file))
        .collect();
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// What is wrong with `config check`'s answer to one broken fixture (empty: nothing).
fn broken_config_problems(home: &std::path::Path, file: &std::path::Path) -> Vec<String> {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return vec![format!("{name}: cannot read it: {e}")],
    };
    let Some(line) = text.lines().position(|l| l.contains("# <- here")) else {
        return vec![format!("{name}: the fixture marks no bad line (# <- here)")];
    };
    let header = |what: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("# {what}:")))
            .map(|s| s.trim().to_string())
    };
    let (Some(key), Some(expected)) = (header("expect-key"), header("expect-text")) else {
        return vec![format!(
            "{name}: the fixture needs # expect-key: and # expect-text: lines"
        )];
    };
    let mut c = caretaker(home);
    c.arg("config").arg("check").arg("--config").arg(file);
    let (code, _out, err) = run(c);
    let mut problems = Vec::new();
    if code != 78 {
        problems.push(format!("{name}: exit code {code}, not 78; stderr: {err}"));
    }
    let place = format!("{}:{}:", file.display(), line + 1);
    if !err.contains(&place) {
        problems.push(format!("{name}: expected {place} in: {err}"));
    }
    if !key.is_empty() && !err.contains(&format!("key `{key}`")) {
        problems.push(format!("{name}: expected key `{key}` in: {err}"));
    }
    if !err.contains(&expected) {
        problems.push(format!("{name}: expected {expected:?} in: {err}"));
    }
    problems
}

fn write_config(dir: &std::path::Path, directory_extra: &str) -> PathBuf {
    let path = dir.join("caretaker.toml");
    std::fs::write(
        &path,
        format!(
            "version = 1\n[[directory]]\nname = \"ad\"\nkind = \"active-directory\"\nurl = \"ldaps://127.0.0.1:1\"\n\
             bind_dn = \"cn=x\"\nbase_dn = \"dc=x\"\n{directory_extra}\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_secret_file_others_can_read_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("ad.pass");
    std::fs::write(&secret, "s3cret-s3cret\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = write_config(dir.path(), "bind_password_file = \"ad.pass\"");
    let mut c = caretaker(dir.path());
    c.args(["config", "check", "--config"]).arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 78, "{err}");
    assert!(err.contains(&format!("{}:8:", config.display())), "{err}");
    assert!(
        err.contains("key `directory[0].bind_password_file`"),
        "{err}"
    );
    assert!(
        err.contains(&format!("chmod 600 {}", secret.display())),
        "{err}"
    );
    assert!(
        !err.contains("s3cret"),
        "the secret itself is never printed: {err}"
    );

    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut c = caretaker(dir.path());
    c.args(["config", "check", "--config"]).arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("usable"), "{out}");
}

/// `config check` refuses what the audit would refuse before connecting, not only what the file
/// says: plain LDAP without StartTLS, a CA file that is not there.
#[test]
fn config_check_refuses_what_the_audit_would_refuse_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("ad.pass");
    crate::util::write_secret(&secret, "s3cret-s3cret\n");
    let check = |extra: &str| {
        let config = write_config(
            dir.path(),
            &format!("bind_password_file = \"ad.pass\"\n{extra}"),
        );
        let mut c = caretaker(dir.path());
        c.args(["config", "check", "--config"]).arg(&config);
        run(c)
    };
    let plain = check("").0;
    assert_eq!(plain, 0, "ldaps:// with the system's CAs is usable");

    let config = dir.path().join("caretaker.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("ldaps://127.0.0.1:1", "ldap://127.0.0.1:1"),
    )
    .unwrap();
    let mut c = caretaker(dir.path());
    c.args(["config", "check", "--config"]).arg(&config);
    let (code, out, err) = run(c);
    assert_eq!(code, 78, "{out}{err}");
    assert!(!out.contains("usable"), "{out}");
    assert!(err.contains("[[directory]] \"ad\""), "{err}");
    assert!(
        err.contains("without encryption") && err.contains("starttls = true"),
        "{err}"
    );

    let (code, out, err) = check("ca_file = \"no-such-ca.pem\"");
    assert_eq!(code, 78, "{out}{err}");
    assert!(err.contains("no-such-ca.pem"), "{err}");
    assert!(err.contains("could not be used"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}

#[test]
fn a_missing_environment_secret_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "bind_password_env = \"CARETAKER_TEST_NOT_SET\"");
    let mut c = caretaker(dir.path());
    c.env_remove("CARETAKER_TEST_NOT_SET")
        .args(["config", "check", "--config"])
        .arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 78, "{err}");
    assert!(err.contains("CARETAKER_TEST_NOT_SET is not set"), "{err}");
    assert!(
        err.contains("key `directory[0].bind_password_env`"),
        "{err}"
    );
}

#[test]
fn the_config_is_found_through_the_environment_and_the_home_folder() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing anywhere: a configuration error that says where it looked.
    let mut c = caretaker(dir.path());
    c.args(["config", "check"]);
    let (code, _, err) = run(c);
    if std::path::Path::new("/etc/caretaker/caretaker.toml").exists() {
        return; // this machine has a system configuration; the lookup order is covered below
    }
    assert_eq!(code, 78, "{err}");
    assert!(
        err.contains(".config/caretaker/caretaker.toml") && err.contains("caretaker init"),
        "{err}"
    );

    // ~/.config/caretaker/caretaker.toml, written by `caretaker init`.
    let home_cfg = dir.path().join(".config/caretaker/caretaker.toml");
    let mut c = caretaker(dir.path());
    c.arg("init").arg(&home_cfg);
    assert_eq!(run(c).0, 0);
    let mut c = caretaker(dir.path());
    c.args(["config", "check"]);
    let (_, _, err) = run(c);
    assert!(
        err.contains(&home_cfg.display().to_string()),
        "the home config is the one read: {err}"
    );

    // $CARETAKER_CONFIG wins over the home folder.
    let other = write_config(dir.path(), "bind_password_env = \"CARETAKER_TEST_PW\"");
    let mut c = caretaker(dir.path());
    c.env("CARETAKER_CONFIG", &other)
        .env("CARETAKER_TEST_PW", "pw")
        .args(["config", "check"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&other.display().to_string()), "{out}");
}

#[test]
fn init_refuses_to_overwrite_and_usage_errors_exit_64() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    let mut c = caretaker(dir.path());
    c.arg("init").arg(&path);
    assert_eq!(run(c).0, 0);
    let mut c = caretaker(dir.path());
    c.arg("init").arg(&path);
    let (code, _, err) = run(c);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("--force"), "{err}");

    let mut c = caretaker(dir.path());
    c.args(["audit", "--frobnicate"]);
    assert_eq!(run(c).0, 64);
    let mut c = caretaker(dir.path());
    c.args(["audit", "--only", "directroy", "--config"])
        .arg(&path);
    let (code, _, err) = run(c);
    assert_eq!(code, 64, "{err}");
    assert!(err.contains("no check is called \"directroy\""), "{err}");
}

/// What is not a small regular file is refused at once, naming the file: a device that never ends
/// (`/dev/zero`, which grew to gigabytes), a FIFO (which hung for ever), a file over 1 MiB, and a
/// policy map that is any of these.
#[test]
fn configs_and_policy_maps_that_are_not_small_regular_files_are_refused_at_once() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let fifo = dir.join("fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo (coreutils)");
    let big = dir.join("big.toml");
    std::fs::write(&big, format!("version = 1\n# {}\n", "x".repeat(2 << 20))).unwrap();
    let map_zero = dir.join("map-zero.toml");
    std::fs::write(
        &map_zero,
        "version = 1\n[store]\npath = \"caretaker.db\"\n[policy]\nmap = \"/dev/zero\"\n",
    )
    .unwrap();
    let cases: [(&std::path::Path, &str); 4] = [
        (std::path::Path::new("/dev/zero"), "not a regular file"),
        (&fifo, "not a regular file"),
        (&big, "at most 1048576"),
        (&map_zero, "policy.map"),
    ];
    for (config, says) in cases {
        let mut c = caretaker(dir);
        c.args(["runs", "--config"])
            .arg(config)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > std::time::Duration::from_secs(10) {
                let _ = child.kill();
                panic!("{} hung", config.display());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(status.code(), Some(78), "{}: {err}", config.display());
        assert!(err.contains(says), "{}: {err}", config.display());
    }
}

/// Files others can write are not trusted (as OpenSSH's StrictModes): a configuration of mode
/// 0666 (with which a local user pointed the directory at a server of their own and was sent the
/// bind password), and a CA file in a folder anyone may write to, are configuration errors
/// naming the file, its mode and the `chmod` that fixes it; `config check` says the same.
#[test]
fn files_others_can_change_are_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt as _;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let config = dir.join("caretaker.toml");
    std::fs::write(&config, "version = 1\n[store]\npath = \"caretaker.db\"\n").unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
    for cmd in ["audit", "runs"] {
        let mut c = caretaker(dir);
        c.args([cmd, "--config"]).arg(&config);
        let (code, _, err) = run(c);
        assert_eq!(code, 78, "{cmd}: {err}");
        assert!(
            err.contains("mode 0666") && err.contains(&format!("chmod go-w {}", config.display())),
            "{cmd}: {err}"
        );
    }
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let open = dir.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::write(open.join("ca.pem"), "not a certificate").unwrap();
    std::fs::write(
        &config,
        format!(
            "version = 1\n[store]\npath = \"caretaker.db\"\n[[directory]]\nname = \"ad\"\nkind = \"active-directory\"\nurl = \"ldaps://dc.example.invalid\"\nbase_dn = \"DC=example,DC=invalid\"\nbind_dn = \"CN=caretaker,DC=example,DC=invalid\"\nbind_password_env = \"CARETAKER_TEST_UNSET\"\nca_file = \"{}\"\n",
            open.join("ca.pem").display()
        ),
    )
    .unwrap();
    let mut c = caretaker(dir);
    c.args(["config", "check", "--config"]).arg(&config);
    let (code, _, err) = run(c);
    assert_eq!(code, 78, "{err}");
    assert!(
        err.contains("ca_file") && err.contains("0777") && err.contains("chmod go-w"),
        "{err}"
    );
}

/// `config check` on `text` written to caretaker.toml in a folder of its own: (exit code, stderr,
/// the file's path).
fn check_text(text: &str) -> (i32, String, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("caretaker.toml");
    std::fs::write(&config, text).unwrap();
    let mut c = caretaker(dir.path());
    c.args(["config", "check", "--config"]).arg(&config);
    let (code, _, err) = run(c);
    (code, err, config, dir)
}

/// The error for `text` is refused with exit 78 and names the file and `line`, the key, the
/// expectation and the value as written.
fn assert_number_error(text: &str, line: usize, key: &str, expected: &str, found: &str) {
    let (code, err, config, _dir) = check_text(text);
    assert_eq!(code, 78, "{err}");
    let place = format!("{}:{line}:", config.display());
    assert!(err.contains(&place), "expected {place} in: {err}");
    assert!(
        err.contains(&format!("key `{key}`")),
        "expected key `{key}` in: {err}"
    );
    assert!(err.contains(expected), "expected {expected:?} in: {err}");
    assert!(
        err.contains(&format!("(found {found})")),
        "expected (found {found}) in: {err}"
    );
    assert!(!err.contains("not valid TOML"), "{err}");
}

/// An integer past 64 bits is refused at its own line and key, with the field's range, not as a
/// file that is "not valid TOML" with no key.
#[test]
fn an_integer_beyond_64_bits_names_its_line_key_and_range() {
    for literal in ["18446744073709551616", "99999999999999999999999"] {
        assert_number_error(
            &format!("# caretaker\nversion = 1\n\n[audit]\ntimeout_secs = {literal}\n"),
            5,
            "audit.timeout_secs",
            "a whole number from 0 to 18446744073709551615",
            literal,
        );
    }
    // In a list of tables, in a text field, and in hexadecimal.
    assert_number_error(
        "version = 1\n[[host]]\nname = \"a\"\naddress = \"10.0.0.1\"\n[[host]]\nname = \"b\"\n\
         address = \"10.0.0.2\"\nport = 99999999999999999999999\n",
        8,
        "host[1].port",
        "a whole number from 0 to 65535",
        "99999999999999999999999",
    );
    assert_number_error(
        "version = 1\n[school]\nname = 123456789012345678901234567890\n",
        3,
        "school.name",
        "text in double quotes",
        "123456789012345678901234567890",
    );
    assert_number_error(
        "version = 1\n[filter]\nmax_redirects = 0x1ffffffffffffffff\n",
        3,
        "filter.max_redirects",
        "a whole number from 0 to 4294967295",
        "0x1ffffffffffffffff",
    );
}

#[test]
fn a_port_beyond_65535_names_its_line_key_and_range() {
    assert_number_error(
        "version = 1\n\n[[host]]\nname = \"office-pc\"\naddress = \"10.0.0.5\"\nport = 70000\nos = \"linux\"\n",
        6,
        "host[0].port",
        "a whole number from 0 to 65535",
        "70000",
    );
    assert_number_error(
        "version = 1\n[[hosts.group]]\nname = \"suite\"\nport = 65536\n",
        4,
        "hosts.group[0].port",
        "a whole number from 0 to 65535",
        "65536",
    );
}

#[test]
fn a_u32_field_given_more_than_it_holds_names_its_line_key_and_range() {
    assert_number_error(
        "version = 5000000000\n",
        1,
        "version",
        "a whole number from 0 to 4294967295",
        "5000000000",
    );
    assert_number_error(
        "version = 1\n[[directory]]\nname = \"ad\"\nkind = \"active-directory\"\nurl = \"ldaps://dc\"\n\
         bind_dn = \"cn=x\"\nbase_dn = \"dc=x\"\npage_size = 5000000000\n",
        8,
        "directory[0].page_size",
        "a whole number from 0 to 4294967295",
        "5000000000",
    );
}

#[test]
fn a_negative_number_for_an_unsigned_field_names_its_real_range() {
    assert_number_error(
        "version = 1\n[[host]]\nname = \"a\"\naddress = \"10.0.0.1\"\nport = -22\n",
        5,
        "host[0].port",
        "a whole number from 0 to 65535",
        "-22",
    );
    assert_number_error(
        "version = 1\n[filter]\nmax_redirects = -1\n",
        3,
        "filter.max_redirects",
        "a whole number from 0 to 4294967295",
        "-1",
    );
    assert_number_error(
        "version = 1\n[schedule]\njitter_secs = -9223372036854775809\n",
        3,
        "schedule.jitter_secs",
        "a whole number from 0 to 18446744073709551615",
        "-9223372036854775809",
    );
}

/// A number past what a signed 64-bit integer holds but within its field's range is read; a
/// mistake further down the same file is still reported at its own line, not at 1:1.
#[test]
fn a_number_past_i64_in_its_fields_range_leaves_later_errors_at_their_line() {
    let (code, err, config, _dir) =
        check_text("version = 1\n[schedule]\njitter_secs = 18446744073709551615\n");
    assert_eq!(code, 78, "{err}");
    assert!(err.contains(&format!("{}:3:", config.display())), "{err}");
    assert!(err.contains("key `schedule.jitter_secs`"), "{err}");
    assert!(err.contains("from 0 to 3600"), "{err}");

    let (code, err, config, _dir) = check_text(
        "version = 1\n[audit]\ntimeout_secs = 10000000000000000000\n[filter]\nmax_redirects = 21\n",
    );
    assert_eq!(code, 78, "{err}");
    assert!(
        err.contains(&format!("{}:3:", config.display()))
            && err.contains("key `audit.timeout_secs`"),
        "{err}"
    );
}
