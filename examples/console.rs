//! The console outside `caretaker`, for trying it and for the benchmark's real-terminal run:
//!
//!   cargo run -p caretaker --example console -- --sample        # the sample school
//!   cargo run -p caretaker --example console -- caretaker.toml  # a configured store

use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "--sample".into());
    let offset = time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC);
    let result = if arg == "--sample" {
        match caretaker_sample::Sample::new() {
            Ok(sample) => caretaker_tui::run_with(Arc::new(sample), offset),
            Err(e) => Err(e.into()),
        }
    } else {
        match caretaker_config::load(std::path::Path::new(&arg)) {
            Ok(loaded) => {
                match caretaker_core::Local::open(loaded, caretaker_checks::clauses::builtin()) {
                    Ok(local) => caretaker_tui::run_with(Arc::new(local), offset),
                    Err(e) => Err(e.into()),
                }
            }
            Err(e) => {
                eprintln!("console: {e}");
                return ExitCode::from(78);
            }
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("console: {e}");
            ExitCode::from(2)
        }
    }
}
