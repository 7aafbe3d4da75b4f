//! Who is behind an account: a person, or a class, a room, a test login; and whether a privileged
//! account is a person's separate admin account. Judged from what the entry says (givenName, sn,
//! displayName, description, employee number) as well as from its login name.
//!
//! The built-in rules are documented in caretaker.toml(5), section SHARED AND ADMIN ACCOUNTS
//! (`caretaker_config::docs`); a test keeps the two in step.

use super::parse::{Account, Identity};

/// Words that, as a whole word of a displayName, givenName or sn, say the entry is not a person
/// but a class, a room, a year group, a test or a machine. Surnames that are also ordinary words
/// (Hall, Guest, Temple, Cover) are deliberately absent.
pub const NOT_A_PERSON_WORDS: &[(&str, &str)] = &[
    ("class", "a class"),
    ("classroom", "a room"),
    ("form", "a class"),
    ("room", "a room"),
    ("staffroom", "a room"),
    ("suite", "a room"),
    ("library", "a room"),
    ("office", "a room"),
    ("year", "a year group"),
    ("yr", "a year group"),
    ("reception", "a year group"),
    ("eyfs", "a year group"),
    ("nursery", "a year group"),
    ("test", "a test login"),
    ("testing", "a test login"),
    ("temp", "a temporary login"),
    ("temporary", "a temporary login"),
    ("supply", "a supply login"),
    ("exam", "an exam login"),
    ("exams", "an exam login"),
    ("shared", "a shared login"),
    ("generic", "a shared login"),
    ("pupils", "a group of people"),
    ("students", "a group of people"),
    ("staff", "a group of people"),
    ("computer", "a computer"),
    ("laptop", "a computer"),
    ("ipad", "a computer"),
    ("kiosk", "a computer"),
];

/// Words and phrases of a `description` that say an account is shared, generic or for testing.
pub const SHARED_DESCRIPTIONS: &[&str] = &[
    "shared",
    "generic",
    "class login",
    "class account",
    "test account",
    "test login",
    "testing",
    "temporary",
    "supply login",
    "supply account",
    "exam login",
    "exam account",
];

/// Login names that look shared, generic or for testing (besides `shared_login_patterns`):
/// a year, class, form or room with a number, or a name containing one of these.
pub const SHARED_NAME_RULES: &[&str] = &[
    "year4, yr4, y4, y4b (a year group and a number)",
    "class2, form6, room12, rm12 (a class, form or room and a number)",
    "a name containing \"test\"",
    "a name starting with \"temp\", \"supply\", \"exam\", \"library\", \"visitor\" or \"guest\"",
];

/// Prefixes and suffixes that make a person's admin account from their everyday login (`adm.x`,
/// `x-admin`…): an admin account named so, whose everyday account `x` exists, is recognised.
pub const ADMIN_PREFIXES: &[&str] = &[
    "adm.", "adm-", "adm_", "admin.", "admin-", "admin_", "a-", "a.", "a_", "sa-", "da-",
];
pub const ADMIN_SUFFIXES: &[&str] = &[
    ".adm", "-adm", "_adm", ".admin", "-admin", "_admin", "-a", "_a", ".a", "-da", "_da", "-sa",
];

/// The words of a name, lowercased: split at anything not a letter or digit and between letters
/// and digits ("Room12" → room, 12).
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            let d = c.is_ascii_digit();
            if !cur.is_empty() && d != cur_digit {
                out.push(std::mem::take(&mut cur));
            }
            cur_digit = d;
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What a name says it is, if it is not a person: ("Room 12", "a room").
fn not_a_person(name: &str) -> Option<&'static str> {
    words(name).iter().find_map(|w| {
        NOT_A_PERSON_WORDS
            .iter()
            .find(|(word, _)| word == w)
            .map(|(_, what)| *what)
    })
}

/// Whether the entry names a person: a given name and a surname, neither of which (nor the
/// display name) is a class, room, year group, test or machine.
pub fn is_person(id: &Identity) -> bool {
    let (Some(g), Some(s)) = (id.given_name(), id.surname()) else {
        return false;
    };
    not_a_person(g).is_none()
        && not_a_person(s).is_none()
        && id
            .display_name()
            .is_none_or(|d| not_a_person(d).is_none() || display_names_them(id, d))
}

/// Whether a display name holds the entry's own given name or surname ("Jane Smith (Office)"):
/// then a role word in it does not make the entry a room or a class.
fn display_names_them(id: &Identity, display: &str) -> bool {
    let dw = words(display);
    [id.given_name(), id.surname()]
        .into_iter()
        .flatten()
        .flat_map(words)
        .any(|w| w.chars().count() > 1 && not_a_person(&w).is_none() && dw.contains(&w))
}

/// Whether a login name looks shared, generic or for testing by the built-in rules.
pub fn shared_name(name: &str) -> bool {
    let n = name.to_lowercase();
    // A year, class, form or room and a number: year4, y4b, class-2, room12.
    let letters: String = n.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let rest = n.get(letters.len()..).unwrap_or_default();
    let rest = rest.trim_start_matches(['-', '_', '.']);
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let tail = rest.get(digits.len()..).unwrap_or_default();
    let numbered = !digits.is_empty()
        && digits.len() <= 3
        && tail.chars().count() <= 1
        && tail.chars().all(|c| c.is_ascii_alphabetic());
    if numbered && ["y", "yr", "year", "class", "form", "room", "rm"].contains(&letters.as_str()) {
        return true;
    }
    n.contains("test")
        || ["temp", "supply", "exam", "library", "visitor", "guest"]
            .iter()
            .any(|p| n.starts_with(p))
}

/// Why an account looks shared, generic or for testing, or `None` if it looks like one person's.
/// `configured`: its name matches `shared_login_patterns`.
pub fn shared_reason(a: &Account, configured: bool) -> Option<String> {
    let id = &a.identity();
    let person = is_person(id);
    if let Some(d) = id.description() {
        let lower = d.to_lowercase();
        let strong = words(&lower)
            .iter()
            .any(|w| w == "shared" || w == "generic");
        if strong || (!person && SHARED_DESCRIPTIONS.iter().any(|p| lower.contains(p))) {
            return Some(format!("its description says \"{d}\""));
        }
    }
    for (attr, v) in [
        ("displayName", id.display_name()),
        ("givenName", id.given_name()),
        ("sn", id.surname()),
    ] {
        if let Some(v) = v {
            if attr == "displayName" && display_names_them(id, v) {
                continue;
            }
            if let Some(what) = not_a_person(v) {
                return Some(format!("its {attr} \"{v}\" is {what}, not a person"));
            }
        }
    }
    if person {
        // A person whose login happens to contain "test" or "temp" (j.testa, temple.e).
        return None;
    }
    let why = match (configured, shared_name(a.name())) {
        (true, _) => "matches shared_login_patterns",
        (false, true) => "looks like a shared or test login",
        (false, false) => return None,
    };
    Some(format!(
        "its name {why} and the entry names no person (no givenName and sn)"
    ))
}

/// The everyday login an admin account is named after, by the conventions above: `adm.j.smith`
/// → (`j.smith`, `adm.`). The caller checks that such an account exists.
pub fn admin_convention(name: &str) -> Vec<(String, &'static str)> {
    let lower = name.to_lowercase();
    let mut out = Vec::new();
    for p in ADMIN_PREFIXES {
        if let Some(base) = lower.strip_prefix(p) {
            if !base.is_empty() {
                out.push((base.to_string(), *p));
            }
        }
    }
    for s in ADMIN_SUFFIXES {
        if let Some(base) = lower.strip_suffix(s) {
            if !base.is_empty() {
                out.push((base.to_string(), *s));
            }
        }
    }
    out
}

/// A display name without an "(admin)"-like part, lowercased: "Raj Singh (admin)" → "raj singh".
fn display_key(s: &str) -> String {
    words(s)
        .into_iter()
        .filter(|w| !["admin", "adm", "administrator", "da", "sa"].contains(&w.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether two entries say they are the same person, and how: the same employee number, the same
/// given name and surname, or the same display name (without "admin").
pub fn same_person(a: &Identity, b: &Identity) -> Option<String> {
    if let (Some(x), Some(y)) = (a.employee_id(), b.employee_id()) {
        if x.trim().eq_ignore_ascii_case(y.trim()) {
            return Some(format!("the same employee number ({})", x.trim()));
        }
    }
    if let (Some(g1), Some(s1), Some(g2), Some(s2)) =
        (a.given_name(), a.surname(), b.given_name(), b.surname())
    {
        if g1.trim().eq_ignore_ascii_case(g2.trim())
            && display_key(s1) == display_key(s2)
            && !display_key(s1).is_empty()
        {
            return Some(format!(
                "the same given name and surname ({} {})",
                g1.trim(),
                s1.trim()
            ));
        }
    }
    if let (Some(d1), Some(d2)) = (a.display_name(), b.display_name()) {
        let (k1, k2) = (display_key(d1), display_key(d2));
        if !k1.is_empty() && k1 == k2 && k1.contains(' ') {
            return Some(format!("the same display name ({})", d2.trim()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::parse::IdField;

    fn id(given: Option<&str>, sn: Option<&str>, display: Option<&str>) -> Identity<'static> {
        Identity::new(
            [
                (IdField::GivenName, given),
                (IdField::Surname, sn),
                (IdField::DisplayName, display),
            ]
            .into_iter()
            .filter_map(|(f, v)| v.map(|v| (f, v))),
        )
    }

    #[test]
    fn words_split_letters_and_digits() {
        assert_eq!(words("Room12"), vec!["room", "12"]);
        assert_eq!(words("mrs.okoro.class"), vec!["mrs", "okoro", "class"]);
        assert_eq!(words(" Année  3B "), vec!["année", "3", "b"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn people_and_not_people() {
        assert!(is_person(&id(
            Some("Emma"),
            Some("Temple"),
            Some("Emma Temple")
        )));
        assert!(is_person(&id(Some("Luca"), Some("Testa"), None)));
        assert!(is_person(&id(
            Some("George"),
            Some("Hall"),
            Some("George Hall")
        )));
        assert!(!is_person(&id(None, None, Some("Room 12"))));
        assert!(!is_person(&id(Some("Staffroom"), Some("Computer"), None)));
        assert!(!is_person(&id(Some("Class"), Some("3"), None)));
        assert!(!is_person(&id(Some("Emma"), None, None)));
        assert!(!is_person(&id(Some("IT"), Some("Test"), None)));
        // A role word beside the person's own name does not make them a room.
        assert!(is_person(&id(
            Some("Jane"),
            Some("Smith"),
            Some("Jane Smith (Office)")
        )));
        assert!(!is_person(&id(
            Some("Front"),
            Some("Desk"),
            Some("Office PC")
        )));
    }

    #[test]
    fn shared_names() {
        for n in [
            "year4",
            "Y4",
            "y4b",
            "yr6",
            "class2",
            "class-2",
            "room12",
            "rm12",
            "form6",
            "ittest",
            "test.user",
            "temp1",
            "supply2",
            "exam01",
            "library",
            "visitor",
            "guest",
        ] {
            assert!(shared_name(n), "{n}");
        }
        for n in [
            "y1.amelia",
            "19jbloggs",
            "emma.temple",
            "a.patel",
            "yasmin",
            "roomer",
            "class",
            "year",
            "formby.j",
            "y12345",
        ] {
            assert!(!shared_name(n), "{n}");
        }
    }

    #[test]
    fn admin_conventions() {
        let bases =
            |n: &str| -> Vec<String> { admin_convention(n).into_iter().map(|(b, _)| b).collect() };
        assert!(bases("adm.sarah.khan").contains(&"sarah.khan".to_string()));
        assert!(bases("sarah.khan.adm").contains(&"sarah.khan".to_string()));
        assert!(bases("R.Singh-Admin").contains(&"r.singh".to_string()));
        assert!(bases("a-jsmith").contains(&"jsmith".to_string()));
        assert!(bases("jsmith_a").contains(&"jsmith".to_string()));
        assert!(bases("adm.").is_empty());
        assert!(bases("daniel.harris").is_empty());
    }

    #[test]
    fn same_person_rules() {
        let mut a = id(Some("Sarah"), Some("Khan"), Some("Sarah Khan"));
        let mut b = id(Some("Sarah"), Some("Khan"), Some("Sarah Khan (admin)"));
        assert!(same_person(&a, &b)
            .unwrap()
            .contains("given name and surname"));
        a = a.with(IdField::EmployeeId, "1042");
        b = b.with(IdField::EmployeeId, "1042");
        assert!(same_person(&a, &b)
            .unwrap()
            .contains("employee number (1042)"));
        let c = id(Some("Sarah"), Some("Kahn"), Some("Sarah Kahn"));
        assert_eq!(
            same_person(&id(Some("Sarah"), Some("Khan"), None), &c),
            None
        );
        let d = id(None, None, Some("Raj Singh (admin)"));
        let e = id(None, None, Some("Raj Singh"));
        assert!(same_person(&d, &e).unwrap().contains("display name"));
        // One word is not enough to call two entries the same person.
        assert_eq!(
            same_person(
                &id(None, None, Some("Office")),
                &id(None, None, Some("Office"))
            ),
            None
        );
    }
}

#[cfg(test)]
mod man_page {
    use super::*;

    /// caretaker.toml(5) lists every built-in word, phrase and affix of this module.
    #[test]
    fn the_man_page_lists_the_built_in_rules() {
        let doc = caretaker_config::docs::SHARED_AND_ADMIN_ACCOUNTS.join(" ");
        let words: Vec<&str> = doc
            .split(|c: char| {
                c.is_whitespace() || c == ',' || c == ':' || c == ';' || c == '(' || c == ')'
            })
            .collect();
        for (w, _) in NOT_A_PERSON_WORDS {
            assert!(words.contains(w), "{w} is not in the man page");
        }
        for d in SHARED_DESCRIPTIONS {
            assert!(doc.contains(d), "{d} is not in the man page");
        }
        for a in ADMIN_PREFIXES.iter().chain(ADMIN_SUFFIXES) {
            assert!(words.contains(a), "{a} is not in the man page");
        }
        for n in ["year4", "y4b", "class2", "room12", "rm12", "form6"] {
            assert!(shared_name(n), "{n}");
            assert!(doc.contains(n), "{n}");
        }
    }
}
