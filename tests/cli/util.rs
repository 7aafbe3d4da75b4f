//! Running the real binary in a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

/// The `caretaker` binary built for these tests, with a clean environment for config lookup.
pub fn caretaker(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_caretaker"));
    c.env_remove("CARETAKER_CONFIG")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NO_COLOR", "1");
    c
}

/// Output as (exit code, stdout, stderr).
pub fn run(mut c: Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = c.output().expect("run caretaker");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}
