#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Replays every input kept under `fuzz/regressions/<target>/` through the same function the fuzz
//! target of that name runs (`fuzz/src/lib.rs`, compiled here as it is): inputs that once crashed
//! or hung a parser, and hostile hand-made ones (empty, a huge line, invalid UTF-8, NUL bytes,
//! deep nesting, numbers over 64 bits). Nothing may panic on any of them, and each must finish
//! within the fuzzer's time limit. A file named `err-…` must be refused by the target's parser,
//! one named `ok-…` accepted.

#[path = "../../fuzz/src/lib.rs"]
mod fuzz;

use std::path::Path;
use std::time::{Duration, Instant};

/// The fuzzer's `-timeout`: an input that takes longer is a hang.
const LIMIT: Duration = Duration::from_secs(10);

#[test]
fn no_kept_input_panics_or_hangs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (target, run) in fuzz::TARGETS {
        let dir = root.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no input kept in {}", dir.display());
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let data = std::fs::read(&path).unwrap();
            let start = Instant::now();
            let result = std::panic::catch_unwind(|| run(&data));
            let took = start.elapsed();
            replayed += 1;
            match result {
                Err(_) => failures.push(format!("{target}/{name}: panicked")),
                Ok(accepted) => {
                    if name.starts_with("err-") && accepted {
                        failures.push(format!("{target}/{name}: accepted, should be refused"));
                    }
                    if name.starts_with("ok-") && !accepted {
                        failures.push(format!("{target}/{name}: refused, should be accepted"));
                    }
                }
            }
            if took > LIMIT {
                failures.push(format!("{target}/{name}: took {took:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(replayed >= fuzz::TARGETS.len());
}
