//! Text from the network or a machine made harmless before a terminal shows it: a program name,
//! a host name or a certificate's issuer may hold escape sequences that retitle the window, clear
//! the screen or draw fake lines. The data keeps them (JSON escapes them); what is printed does not.

/// `text` with every control character but newline and tab (C0, DEL, C1: the escape sequences'
/// introducers) and every bidirectional override replaced by U+FFFD, so nothing in it can act on
/// a terminal or reorder what is shown.
pub fn for_terminal(text: &str) -> String {
    if !text.chars().any(harmful) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if harmful(c) { '\u{FFFD}' } else { c })
        .collect()
}

/// Whether `c` can act on a terminal or reorder text.
fn harmful(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::for_terminal;

    #[test]
    fn escape_sequences_and_controls_are_defused() {
        let hostile = "steam\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\r\u{202E}exe.txt\u{8}";
        let shown = for_terminal(hostile);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert!(!shown.contains('\u{202E}'));
        assert!(shown.starts_with("steam\u{FFFD}]0;pwned"), "{shown:?}");
        assert_eq!(for_terminal("line one\nline\ttwo"), "line one\nline\ttwo");
        assert_eq!(for_terminal("plain"), "plain");
    }
}
