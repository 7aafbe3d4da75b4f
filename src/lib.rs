//! The `caretaker` command: argument definitions and output rendering, shared by the binary and
//! by the tests that keep the man pages in sync.

pub mod cli;
pub mod render;
pub mod render_assess;
pub mod render_standards;
