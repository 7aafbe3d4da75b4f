//! The vocabulary every check speaks (findings, statuses, targets), from the model.

pub use caretaker_model::finding::*;
