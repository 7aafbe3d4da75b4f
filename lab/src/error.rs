//! The one error type of the lab. Every message says what to do next where there is something to do.

use std::path::PathBuf;

/// Why the sample school could not be started, changed or stopped.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// A server or tool the lab needs is not installed.
    #[error("`{program}` was not found (needed for {purpose}); install it with: {install}")]
    MissingProgram {
        program: String,
        purpose: &'static str,
        install: &'static str,
    },

    /// The Samba domain controller must bind ports 389 and 636.
    #[error(
        "the Active Directory server (Samba) needs root: it must listen on ports 389 and 636 of its \
         own loopback address; run as root, or leave it out (--no-ad / LabOptions {{ active_directory: false, .. }})"
    )]
    NeedsRoot,

    /// A file-system step failed.
    #[error("{what} ({path}): {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A tool ran and failed.
    #[error("{command} failed ({status}): {output}")]
    Command {
        command: String,
        status: String,
        output: String,
    },

    /// Something did not happen within its deadline.
    #[error("timed out after {secs:.1} s waiting for {what}{detail}")]
    Timeout {
        what: String,
        secs: f64,
        detail: String,
    },

    /// A server process ended while it was being started.
    #[error("{server} exited while starting ({status}); last lines of {log}:\n{tail}")]
    ServerExited {
        server: &'static str,
        status: String,
        log: PathBuf,
        tail: String,
    },

    /// No loopback address or port could be found for a server.
    #[error("no free {what} found on loopback")]
    NoFreeAddress { what: &'static str },

    /// The lab came up but does not look the way it must (a verification failed).
    #[error("the sample school is not as expected: {0}")]
    Verify(String),

    /// A lab directory holds something the lab did not write.
    #[error("{0}")]
    State(String),
}

impl LabError {
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LabError::Io {
            what,
            path: path.into(),
            source,
        }
    }
}
