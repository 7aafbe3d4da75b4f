//! Secrets by reference: read from a file (mode 0600 or stricter) or from the environment, never
//! written inline in the config, never printed.

use std::fmt;
use std::path::Path;

/// A secret value. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// Why a secret could not be read; the text says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretProblem(pub String);

/// Reads a secret file, refusing one that others could read. Trailing newlines are trimmed.
pub fn read_secret_file(path: &Path) -> Result<Secret, SecretProblem> {
    check_private_file(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| SecretProblem(format!("cannot read secret file {}: {e}", path.display())))?;
    let value = text.trim_end_matches(['\n', '\r']).to_string();
    if value.is_empty() {
        return Err(SecretProblem(format!(
            "secret file {} is empty",
            path.display()
        )));
    }
    Ok(Secret(value))
}

/// Refuses a file holding a secret (a password, a private key) that others could read.
pub fn check_private_file(path: &Path) -> Result<(), SecretProblem> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)
        .map_err(|e| SecretProblem(format!("cannot read secret file {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(SecretProblem(format!(
            "secret file {} is not a regular file",
            path.display()
        )));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SecretProblem(format!(
            "secret file {} has mode {:04o}, so {} can read it; run `chmod 600 {}` (and make sure it \
             is owned by the user caretaker runs as, uid {})",
            path.display(),
            mode,
            if mode & 0o007 != 0 { "every user on this machine" } else { "its group" },
            path.display(),
            meta.uid()
        )));
    }
    Ok(())
}

/// Reads a secret from an environment variable.
pub fn read_secret_env(name: &str) -> Result<Secret, SecretProblem> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(Secret(v)),
        Ok(_) => Err(SecretProblem(format!(
            "environment variable {name} is empty"
        ))),
        Err(_) => Err(SecretProblem(format!(
            "environment variable {name} is not set"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("hunter2hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2hunter2");
    }

    #[test]
    fn group_readable_file_is_refused_with_a_fix() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "secret\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let err = read_secret_file(&p).err().map(|e| e.0).unwrap_or_default();
        assert!(err.contains("chmod 600"), "{err}");
        assert!(err.contains("its group"), "{err}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            read_secret_file(&p).map(|s| s.expose().to_string()),
            Ok("secret".to_string())
        );
    }
}
