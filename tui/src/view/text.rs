//! Small text helpers for drawing: padding and cutting to a width, times in words, the theme.

use caretaker_model::compliance::ClauseStatus;
use caretaker_model::Status;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// `s` cut to `w` characters (ending in `…` when cut) and padded with spaces to exactly `w`.
pub fn fit(s: &str, w: usize) -> String {
    let s = s.replace('\n', " ");
    let n = s.chars().count();
    if n <= w {
        let mut out = s;
        out.extend(std::iter::repeat_n(' ', w - n));
        out
    } else if w == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(w - 1).collect();
        out.push('…');
        out
    }
}

/// `s` cut to at most `w` characters (ending in `…` when cut), not padded.
pub fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.replace('\n', " ")
    } else {
        fit(s, w)
    }
}

/// Words wrapped to lines of at most `w` characters (a word longer than a line is cut).
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let len = line.chars().count();
            let wl = word.chars().count();
            if len > 0 && len + 1 + wl > w {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            if wl > w {
                line.push_str(&cut(word, w));
            } else {
                line.push_str(word);
            }
        }
        lines.push(line);
    }
    lines
}

/// The first row to show so that `selected` is visible, kept near the middle.
pub fn scroll_start(selected: usize, len: usize, height: usize) -> usize {
    if len <= height || height == 0 {
        return 0;
    }
    selected
        .saturating_sub(height / 2)
        .min(len.saturating_sub(height))
}

pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// [`when`] of a time kept as text (a finding's `observed_at`): the text itself when it is not
/// RFC 3339.
pub fn when_text(s: &str, now: OffsetDateTime, offset: UtcOffset) -> String {
    parse_time(s).map_or_else(|| s.to_string(), |t| when(t, now, offset))
}

/// [`date`] of a time kept as text (a record's `entered_at`, as the ledger holds it): the text
/// itself when it is not RFC 3339.
pub fn date_text(s: &str, now: OffsetDateTime, offset: UtcOffset) -> String {
    parse_time(s).map_or_else(|| s.to_string(), |t| date(t, now, offset))
}

fn month(t: OffsetDateTime) -> &'static str {
    use time::Month::*;
    match t.month() {
        January => "Jan",
        February => "Feb",
        March => "Mar",
        April => "Apr",
        May => "May",
        June => "Jun",
        July => "Jul",
        August => "Aug",
        September => "Sep",
        October => "Oct",
        November => "Nov",
        December => "Dec",
    }
}

/// "today 02:00", "yesterday 02:00", "20 Nov 02:00", "20 Nov 2025" (local time).
pub fn when(t: OffsetDateTime, now: OffsetDateTime, offset: UtcOffset) -> String {
    let (t, now) = (t.to_offset(offset), now.to_offset(offset));
    let hm = format!("{:02}:{:02}", t.hour(), t.minute());
    let days = (now.date() - t.date()).whole_days();
    if days == 0 {
        format!("today {hm}")
    } else if days == 1 {
        format!("yesterday {hm}")
    } else if t.year() == now.year() {
        format!("{} {} {hm}", t.day(), month(t))
    } else {
        format!("{} {} {}", t.day(), month(t), t.year())
    }
}

/// "20 Nov 02:00" always with the date (local time); "20 Nov 2025" in another year.
pub fn date(t: OffsetDateTime, now: OffsetDateTime, offset: UtcOffset) -> String {
    let (t, now) = (t.to_offset(offset), now.to_offset(offset));
    if t.year() == now.year() {
        format!(
            "{:>2} {} {:02}:{:02}",
            t.day(),
            month(t),
            t.hour(),
            t.minute()
        )
    } else {
        format!("{:>2} {} {}", t.day(), month(t), t.year())
    }
}

/// How long ago: "just now", "12 min ago", "5 h ago", "3 days ago".
pub fn ago(t: OffsetDateTime, now: OffsetDateTime) -> String {
    let d = now - t;
    let mins = d.whole_minutes();
    if mins < 1 {
        "just now".into()
    } else if mins < 60 {
        format!("{mins} min ago")
    } else if d.whole_hours() < 48 {
        format!("{} h ago", d.whole_hours())
    } else {
        format!("{} days ago", d.whole_days())
    }
}

/// "42 s", "3 min 5 s".
pub fn elapsed(d: time::Duration) -> String {
    let s = d.whole_seconds().max(0);
    if s < 60 {
        format!("{s} s")
    } else {
        format!("{} min {} s", s / 60, s % 60)
    }
}

/// Colours and emphasis. Without colour (NO_COLOR) only modifiers remain: the words carry the
/// meaning either way.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn status(&self, s: Status) -> Style {
        match s {
            Status::Fail => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Status::Error => self.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Status::Warn => self.fg(Color::Yellow),
            Status::Waived => self.fg(Color::Cyan),
            Status::Pass => self.fg(Color::Green),
        }
    }

    pub fn clause(&self, s: ClauseStatus) -> Style {
        match s {
            ClauseStatus::Red => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            ClauseStatus::Amber => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ClauseStatus::Green => self.fg(Color::Green),
            ClauseStatus::Grey => self.fg(Color::DarkGray),
        }
    }

    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn heading(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}

/// A list row: its spans, highlighted when selected.
pub fn row(spans: Vec<Span<'static>>, selected: bool, theme: &Theme) -> Line<'static> {
    let line = Line::from(spans);
    if selected {
        line.style(theme.selected())
    } else {
        line
    }
}

/// What an empty list says: nothing there yet (`nothing`), or nothing matching the search.
pub fn empty_list(
    nothing: bool,
    none_yet: &'static str,
    no_match: &'static str,
    theme: &Theme,
) -> Line<'static> {
    Line::styled(if nothing { none_yet } else { no_match }, theme.dim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_and_pads() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("ab", 4), "ab");
    }

    #[test]
    fn wraps_words() {
        assert_eq!(
            wrap("one two three four", 9),
            vec!["one two", "three", "four"]
        );
    }

    #[test]
    fn times_in_words() {
        let now = time::macros::datetime!(2026-11-23 07:30 UTC);
        let utc = UtcOffset::UTC;
        assert_eq!(
            when(parse_time("2026-11-23T02:00:05Z").unwrap(), now, utc),
            "today 02:00"
        );
        assert_eq!(
            when(parse_time("2026-11-22T02:00:05Z").unwrap(), now, utc),
            "yesterday 02:00"
        );
        assert_eq!(
            when(parse_time("2026-11-16T02:00:05Z").unwrap(), now, utc),
            "16 Nov 02:00"
        );
        assert_eq!(
            when(parse_time("2025-11-16T02:00:05Z").unwrap(), now, utc),
            "16 Nov 2025"
        );
        assert_eq!(
            ago(parse_time("2026-11-23T02:00:05Z").unwrap(), now),
            "5 h ago"
        );
        assert_eq!(
            ago(parse_time("2026-11-20T02:00:05Z").unwrap(), now),
            "3 days ago"
        );
        assert_eq!(scroll_start(0, 100, 10), 0);
        assert_eq!(scroll_start(50, 100, 10), 45);
        assert_eq!(scroll_start(99, 100, 10), 90);
    }
}
