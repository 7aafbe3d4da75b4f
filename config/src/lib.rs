//! `caretaker.toml`: the schema, loading, validation with file:line:column errors, and secret
//! references (files of mode 0600, or environment variables; never inline). No network.

pub mod docs;
pub mod load;
pub mod schedule;
pub mod schema;
pub mod secret;
pub mod strict;

pub use load::{
    default_socket_path, default_store_path, find_and_load, is_school_id, load, parse_trust_url,
    read_bounded, search_path, ConfigError, Loaded, TrustUrl, MAX_FILE, SYSTEM_SOCKET,
};
pub use schema::*;
pub use secret::Secret;
