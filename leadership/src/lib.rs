//! The report leadership reads ([`caretaker_model::leadership::LeadershipReport`]), rendered:
//! [`html::html`] (one self-contained page, charts as inline SVG), [`pdf::pdf`] (A4, laid out
//! here and drawn by krilla, no browser) and [`markdown::markdown`].
//! The CLI writes them; the daemon will write them on a schedule. The trustees' report of a
//! multi-academy trust ([`caretaker_model::trust_report::TrustReport`]) is rendered by [`trust`].

pub mod html;
pub mod markdown;
pub mod pdf;
pub mod standards;
pub mod svg;
pub mod trust;

pub use html::html;
pub use markdown::markdown;
pub use pdf::pdf;
