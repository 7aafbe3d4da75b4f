//! Reading a roster: the CSV export of the school's management information system (SIMS, Arbor,
//! Bromcom, or any other with its columns named in the configuration), handed over as bytes.
//!
//! Only three things are taken from each row: the login name, the email address and the leaving
//! date, and only to match accounts; names, dates of birth and every other column are skipped as
//! the file is read and never kept.
//!
//! The built-in column names. No vendor publishes the column headers of a staff export as a
//! specification (each system's reports let the school choose and rename columns), so the names
//! below follow the field names each system shows for a member of staff as best known: SIMS'
//! staff fields "Work Email Address" (as third parties syncing from SIMS describe them) and
//! "Leaving Date"; Arbor's "Email Address" and "End Date"; Bromcom's "Work Email" and the
//! post's "End Date" (as HR systems syncing with Bromcom describe it). Several spellings are
//! accepted for each (case and spaces do not matter), and `login_column`, `email_column` and
//! `leaving_column` name any other.

use caretaker_config::RosterFormat;
use time::{Date, Month};

/// One row of a roster, as far as caretaker keeps it: lowercased login and email, and the leaving
/// date (`Ok(None)` when the row has none; `Err` with the text when it could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    pub login: Option<String>,
    pub email: Option<String>,
    pub leaving: Result<Option<Date>, String>,
}

/// A roster as read: its rows and the headers of the columns that were used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub rows: Vec<RosterRow>,
    /// The headers used, as written in the file: login, email, leaving date.
    pub login_column: Option<String>,
    pub email_column: Option<String>,
    pub leaving_column: Option<String>,
}

/// Which headers a format's columns may have, lowercased, for login, email and leaving date.
pub fn built_in_columns(
    format: RosterFormat,
) -> (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
) {
    match format {
        RosterFormat::Sims => (
            &[
                "login",
                "network login",
                "username",
                "user name",
                "logon name",
            ],
            &["work email address", "work email", "email address", "email"],
            &[
                "leaving date",
                "date of leaving",
                "employment end date",
                "end date",
            ],
        ),
        RosterFormat::Arbor => (
            &["username", "login", "user name"],
            &["email address", "work email", "work email address", "email"],
            &[
                "end date",
                "employment end date",
                "leaving date",
                "date of leaving",
            ],
        ),
        RosterFormat::Bromcom => (
            &["username", "login", "network login", "user name"],
            &["work email", "work email address", "email address", "email"],
            &[
                "end date",
                "post end date",
                "leaving date",
                "date of leaving",
            ],
        ),
        RosterFormat::Custom => (&[], &[], &[]),
    }
}

/// The columns asked for: the configured header if set, else the format's built-in names.
#[derive(Debug, Clone, Default)]
pub struct Columns<'a> {
    pub format: Option<RosterFormat>,
    pub login: Option<&'a str>,
    pub email: Option<&'a str>,
    pub leaving: Option<&'a str>,
}

/// Reads a roster from the file's bytes. Never panics; what cannot be read is said in words.
pub fn parse_roster(bytes: &[u8], cols: &Columns<'_>) -> Result<Roster, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "it is not UTF-8 text (bad byte at offset {}); save the export as \"CSV UTF-8\"",
            e.valid_up_to()
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Records::new(text);
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(e),
        None => return Err("it is empty: there is no header row".into()),
    };
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let headers: Vec<String> = header.iter().map(|h| norm(h)).collect();
    let (b_login, b_email, b_leaving) =
        cols.format.map(built_in_columns).unwrap_or((&[], &[], &[]));
    let find = |configured: Option<&str>, builtin: &[&str]| -> Option<usize> {
        match configured {
            Some(c) => {
                let c = norm(c);
                headers.iter().position(|h| *h == c)
            }
            None => builtin
                .iter()
                .find_map(|b| headers.iter().position(|h| h == b)),
        }
    };
    let login = find(cols.login, b_login);
    let email = find(cols.email, b_email);
    let leaving = find(cols.leaving, b_leaving);
    let shown = |h: &[String]| {
        h.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(c) = cols.login.filter(|_| login.is_none()) {
        return Err(format!(
            "it has no column \"{c}\" (login_column); its columns are {}",
            shown(&header)
        ));
    }
    if let Some(c) = cols.email.filter(|_| email.is_none()) {
        return Err(format!(
            "it has no column \"{c}\" (email_column); its columns are {}",
            shown(&header)
        ));
    }
    if let Some(c) = cols.leaving.filter(|_| leaving.is_none()) {
        return Err(format!(
            "it has no column \"{c}\" (leaving_column); its columns are {}",
            shown(&header)
        ));
    }
    if login.is_none() && email.is_none() {
        return Err(format!(
            "no column says whose row it is (a login name or an email address); its columns are {}; name one with login_column or email_column",
            shown(&header)
        ));
    }
    let mut rows = Vec::new();
    for (n, rec) in records.enumerate() {
        let rec = rec.map_err(|e| format!("row {}: {e}", n + 2))?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |i: Option<usize>| {
            i.and_then(|i| rec.get(i))
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty())
        };
        let login_v = get(login);
        let email_v = get(email);
        if login_v.is_none() && email_v.is_none() {
            continue;
        }
        let leaving_v = match leaving.and_then(|i| rec.get(i)).map(|v| v.trim()) {
            None | Some("") => Ok(None),
            Some(v) => parse_date(v).map(Some).ok_or_else(|| {
                // The text of a date that could not be read, at most 20 characters.
                v.chars().take(20).collect::<String>()
            }),
        };
        rows.push(RosterRow {
            login: login_v,
            email: email_v,
            leaving: leaving_v,
        });
    }
    Ok(Roster {
        rows,
        login_column: login.and_then(|i| header.get(i).cloned()),
        email_column: email.and_then(|i| header.get(i).cloned()),
        leaving_column: leaving.and_then(|i| header.get(i).cloned()),
    })
}

/// A date as UK systems export it: `31/08/2026`, `31-08-2026`, `31.08.2026` (day first), or ISO
/// `2026-08-31`; a time after it (`31/08/2026 00:00:00`, `2026-08-31T00:00:00`) is ignored.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let s = s.split(['T', ' ']).next().unwrap_or(s);
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |p: &str| -> Option<u32> {
        if p.is_empty() || p.len() > 4 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let (y, m, d) = if a.len() == 4 {
        (num(a)?, num(b)?, num(c)?)
    } else if c.len() == 4 {
        (num(c)?, num(b)?, num(a)?)
    } else {
        return None;
    };
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?).ok()
}

/// CSV records (RFC 4180: quoted fields with `""` inside, line breaks inside quotes, CRLF or LF).
struct Records<'a> {
    rest: &'a str,
    line: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str) -> Self {
        Records {
            rest: text,
            line: 1,
        }
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Vec<String>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut chars = self.rest.char_indices().peekable();
        let mut in_quotes = false;
        let mut was_quoted = false;
        let start_line = self.line;
        while let Some((i, c)) = chars.next() {
            if in_quotes {
                if c == '"' {
                    if chars.peek().map(|(_, c)| *c) == Some('"') {
                        field.push('"');
                        chars.next();
                    } else {
                        in_quotes = false;
                    }
                } else {
                    if c == '\n' {
                        self.line += 1;
                    }
                    field.push(c);
                }
                continue;
            }
            match c {
                '"' if field.trim().is_empty() && !was_quoted => {
                    field.clear();
                    in_quotes = true;
                    was_quoted = true;
                }
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    was_quoted = false;
                }
                '\r' if chars.peek().map(|(_, c)| *c) == Some('\n') => {}
                '\n' => {
                    self.line += 1;
                    fields.push(std::mem::take(&mut field));
                    self.rest = self.rest.get(i + 1..).unwrap_or("");
                    return Some(Ok(fields));
                }
                _ => field.push(c),
            }
        }
        self.rest = "";
        if in_quotes {
            return Some(Err(format!(
                "a quoted field opened on line {start_line} is never closed"
            )));
        }
        fields.push(field);
        Some(Ok(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cols(format: RosterFormat) -> Columns<'static> {
        Columns {
            format: Some(format),
            ..Columns::default()
        }
    }

    #[test]
    fn a_sims_export_with_a_bom_crlf_and_quoted_fields() {
        let csv = "\u{feff}Legal Surname,Forename,Work Email Address,Leaving Date\r\n\"Hall, Jnr\",Gemma,G.Hall@StExample.sch.uk,31/08/2026\r\nPatel,Ravi,r.patel@stexample.sch.uk,\r\n\"O\"\"Neill\",Sean,\"s.oneill@stexample.sch.uk\",2027-07-31\r\n";
        let r = parse_roster(csv.as_bytes(), &cols(RosterFormat::Sims)).unwrap();
        assert_eq!(r.email_column.as_deref(), Some("Work Email Address"));
        assert_eq!(r.login_column, None);
        assert_eq!(r.rows.len(), 3);
        assert_eq!(r.rows[0].email.as_deref(), Some("g.hall@stexample.sch.uk"));
        assert_eq!(r.rows[0].leaving, Ok(Some(date!(2026 - 08 - 31))));
        assert_eq!(r.rows[1].leaving, Ok(None));
        assert_eq!(r.rows[2].leaving, Ok(Some(date!(2027 - 07 - 31))));
        // Names are not kept: the row holds only what matching needs.
        assert!(!format!("{r:?}").contains("Gemma") && !format!("{r:?}").contains("Neill"));
    }

    #[test]
    fn arbor_and_bromcom_columns_are_built_in() {
        let arbor = "First Name,Last Name,Username,Email Address,End Date\nAmy,Lee,a.lee,a.lee@x.uk,01/09/2025\n";
        let r = parse_roster(arbor.as_bytes(), &cols(RosterFormat::Arbor)).unwrap();
        assert_eq!(r.login_column.as_deref(), Some("Username"));
        assert_eq!(r.leaving_column.as_deref(), Some("End Date"));
        assert_eq!(r.rows[0].login.as_deref(), Some("a.lee"));
        assert_eq!(r.rows[0].leaving, Ok(Some(date!(2025 - 09 - 01))));
        let bromcom = "Staff Code,Work Email,End  date\nALE,A.Lee@x.uk,2025-09-01T00:00:00\n";
        let r = parse_roster(bromcom.as_bytes(), &cols(RosterFormat::Bromcom)).unwrap();
        assert_eq!(r.email_column.as_deref(), Some("Work Email"));
        assert_eq!(r.rows[0].email.as_deref(), Some("a.lee@x.uk"));
        assert_eq!(r.rows[0].leaving, Ok(Some(date!(2025 - 09 - 01))));
    }

    #[test]
    fn configured_columns_win_and_a_missing_one_is_named() {
        let csv = "Account,Left\nj.smith,31.12.2025\n";
        let c = Columns {
            format: Some(RosterFormat::Custom),
            login: Some("account"),
            leaving: Some("Left"),
            ..Columns::default()
        };
        let r = parse_roster(csv.as_bytes(), &c).unwrap();
        assert_eq!(r.rows[0].login.as_deref(), Some("j.smith"));
        assert_eq!(r.rows[0].leaving, Ok(Some(date!(2025 - 12 - 31))));
        let c = Columns {
            format: Some(RosterFormat::Custom),
            login: Some("Login"),
            ..Columns::default()
        };
        let e = parse_roster(csv.as_bytes(), &c).unwrap_err();
        assert!(
            e.contains("no column \"Login\" (login_column)") && e.contains("\"Account\", \"Left\""),
            "{e}"
        );
        let e = parse_roster(csv.as_bytes(), &cols(RosterFormat::Sims)).unwrap_err();
        assert!(e.contains("no column says whose row it is"), "{e}");
    }

    #[test]
    fn bad_dates_and_garbage_are_reported_not_panicked_on() {
        let csv = "Login,Leaving Date\nj.smith,31/02/2026\nk.jones,next summer\n";
        let r = parse_roster(csv.as_bytes(), &cols(RosterFormat::Sims)).unwrap();
        assert_eq!(r.rows[0].leaving, Err("31/02/2026".into()));
        assert_eq!(r.rows[1].leaving, Err("next summer".into()));
        assert!(parse_roster(b"", &cols(RosterFormat::Sims))
            .unwrap_err()
            .contains("empty"));
        assert!(parse_roster(b"\xff\xfe", &cols(RosterFormat::Sims))
            .unwrap_err()
            .contains("UTF-8"));
        let e = parse_roster(b"Login\n\"j.smith\nk", &cols(RosterFormat::Sims)).unwrap_err();
        assert!(e.contains("never closed"), "{e}");
        for d in [
            "",
            "1/1",
            "99999/1/1",
            "2026-13-01",
            "00/00/0000",
            "1/1/-200",
        ] {
            assert_eq!(parse_date(d), None, "{d}");
        }
        assert_eq!(parse_date("1/9/2026"), Some(date!(2026 - 09 - 01)));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_or_refused_without_panicking(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = parse_roster(&bytes, &cols(RosterFormat::Bromcom));
        }
        #[test]
        fn any_text_is_read_or_refused_without_panicking(text in "(Login|Email|End Date|[,\"\r\n a-z0-9/.-]){0,60}") {
            let _ = parse_roster(text.as_bytes(), &cols(RosterFormat::Arbor));
        }
    }
}
