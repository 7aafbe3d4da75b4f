//! `caretaker completions bash|zsh|fish`: a script each shell reads, naming every subcommand.

use std::process::Command;

use clap::CommandFactory;

use crate::util::{caretaker, run};

/// Every subcommand name, nested ones included (`hosts trust`, `assess check-filter`).
fn subcommand_names() -> Vec<String> {
    fn walk(cmd: &clap::Command, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands() {
            out.push(sub.get_name().to_string());
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&caretaker::cli::Cli::command(), &mut out);
    out
}

fn script(shell: &str) -> String {
    let home = tempfile::tempdir().unwrap();
    let mut c = caretaker(home.path());
    c.args(["completions", shell]);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{shell}: {err}");
    assert!(err.is_empty(), "{shell}: {err}");
    out
}

#[test]
fn each_shell_gets_a_script_naming_every_subcommand() {
    let names = subcommand_names();
    assert!(names.iter().any(|n| n == "completions"), "{names:?}");
    assert!(names.iter().any(|n| n == "check-filter"), "{names:?}");
    for (shell, marker) in [
        ("bash", "complete -F _caretaker"),
        ("zsh", "#compdef caretaker"),
        ("fish", "complete -c caretaker"),
    ] {
        let s = script(shell);
        assert!(s.contains(marker), "{shell}: no {marker:?}:\n{s}");
        for name in &names {
            assert!(s.contains(name.as_str()), "{shell}: {name} not offered");
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let mut c = caretaker(home.path());
    c.args(["completions", "tcsh"]);
    let (code, out, err) = run(c);
    assert_eq!(code, 64, "{out}{err}");
    assert!(err.contains("bash"), "the shells are listed: {err}");
}

#[test]
fn bash_parses_the_script_and_completes_subcommands_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("caretaker.bash");
    std::fs::write(&path, script("bash")).unwrap();
    let bash = std::path::Path::new("/bin/bash");
    assert!(bash.exists(), "bash is missing: apt-get install bash");
    let out = Command::new(bash).arg("-n").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // What pressing Tab after `caretaker as` and `caretaker hosts t` offers.
    let ask = |line: &str| -> Vec<String> {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "source {}; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT={}; \
             _caretaker caretaker '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display(),
            words.join(" "),
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = Command::new(bash).args(["-c", &program]).output().unwrap();
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut got: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        got.sort();
        got
    };
    assert_eq!(
        ask("caretaker as"),
        vec!["assess".to_string()],
        "after `caretaker as`"
    );
    let att = ask("caretaker att");
    assert_eq!(att, vec!["attest".to_string(), "attestations".to_string()]);
    assert_eq!(ask("caretaker hosts t"), vec!["trust".to_string()]);
}
