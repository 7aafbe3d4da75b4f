//! `[alert]`: who is told at once when a scheduled check finds a new critical failure (an IWF or
//! CTIRU test page reachable, a machine's SSH key changed), and how.

use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;

/// `[alert]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    /// Who gets the email (the DSL, the network manager); none: no email.
    #[serde(default)]
    pub email_to: Vec<String>,
    /// The sender; default `caretaker@` this machine's name.
    pub email_from: Option<String>,
    /// `host` or `host:port` (default port 587), spoken to with STARTTLS.
    pub smtp_server: Option<String>,
    /// The account to log in as, with `smtp_password_file` or `smtp_password_env`.
    pub smtp_user: Option<String>,
    pub smtp_password_file: Option<PathBuf>,
    pub smtp_password_env: Option<String>,
    /// The CA that signed the mail server's certificate; default the system's.
    pub smtp_ca_file: Option<PathBuf>,
    /// Send without STARTTLS (only where the network cannot be overheard: a lab).
    #[serde(default)]
    pub smtp_allow_insecure: bool,
    /// A command to run for each alert, with the alert as JSON on its standard input (for a
    /// Teams or Slack webhook); none: no command.
    #[serde(default)]
    pub command: Vec<String>,
    /// While a problem lasts, a reminder after this many hours.
    #[serde(default = "default_remind")]
    pub remind_after_hours: u64,
    /// Loaded from `smtp_password_file` or `smtp_password_env`.
    #[serde(skip)]
    pub smtp_password: Option<Secret>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            email_to: Vec::new(),
            email_from: None,
            smtp_server: None,
            smtp_user: None,
            smtp_password_file: None,
            smtp_password_env: None,
            smtp_ca_file: None,
            smtp_allow_insecure: false,
            command: Vec::new(),
            remind_after_hours: default_remind(),
            smtp_password: None,
        }
    }
}

fn default_remind() -> u64 {
    24
}
