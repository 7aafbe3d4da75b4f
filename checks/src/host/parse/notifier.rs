//! update-notifier's summary of the updates waiting (`/var/lib/update-notifier/updates-available`
//! on Ubuntu), as `apt-check --human-readable` writes it:
//!
//! ```text
//! 47 updates can be applied immediately.
//! 2 of these updates are standard security updates.
//! To see these additional updates run: apt list --upgradable
//!
//! 3 additional security updates can be applied with ESM Apps.
//! ```
//!
//! The sentences are translated into the machine's language, so only their numbers are read:
//! the first paragraph with a number holds the count (its first numbered line) and the security
//! updates among them (the numbered lines after it, one per kind of security update; older
//! releases say "N packages can be updated. / M updates are security updates."). Later
//! paragraphs (updates that need an ESM subscription, the list's age) are not updates that can
//! be installed.

/// The first whole number in a line.
fn first_number(line: &str) -> Option<u64> {
    let digits: String = line
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .take(12)
        .collect();
    digits.parse().ok()
}

/// (updates waiting, of which security updates) from the summary's lines, or `None` when no
/// line holds a number.
pub fn parse_updates_available(lines: &[String]) -> Option<(u64, u64)> {
    let mut total: Option<u64> = None;
    let mut security = 0u64;
    for line in lines.iter().take(64) {
        if line.trim().is_empty() {
            if total.is_some() {
                break;
            }
            continue;
        }
        match (total, first_number(line)) {
            (None, Some(n)) => total = Some(n),
            (Some(_), Some(n)) => security = security.saturating_add(n),
            _ => {}
        }
    }
    total.map(|t| (t, security.min(t)))
}
