//! caretaker's console. Not built yet: `caretaker console` says so and points at the CLI.

/// What the console says until it exists.
pub const NOT_YET: &str = "the console is not available in this version; use `caretaker audit`, \
`caretaker runs` and `caretaker show`";
