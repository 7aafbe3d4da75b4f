//! The trust's console: every school a multi-academy trust looks after, as forwarded to its
//! database, read-only. The same shape as the school's console:
//! - [`state::TrustState`]: plain data; [`update::TrustAction`]: everything that can happen;
//! - [`update::update`]: state and action to new state and [`update::TrustEffect`]s (no I/O);
//! - [`view::draw`]: drawing only; an opened school is drawn by the school console's own screens;
//! - [`keys::TRUST_KEYS`]: every key, once, for the key handler, the footer and the help;
//! - [`app`]: the event loop, reading the database off the UI task.
//!
//! The screens: Schools (one row per school, one column per clause), Filter (one row per school,
//! one column per user group), and a school's own Compliance, Findings and Filter screens.

pub mod app;
pub mod data;
pub mod keys;
pub mod state;
pub mod update;
pub mod view;

pub use data::Trust;
pub use state::{TrustScreen, TrustState};
pub use update::{update, TrustAction, TrustEffect};
