//! The report's section on the DfE standards: each standard of each document met, not met,
//! needing a person to confirm it (no machine can check it), or not covered by caretaker; then
//! what of the standards checked by machine the checks do not look at. The HTML page and the
//! Markdown both print it from the report's `standards`.

use std::fmt::Write as _;

use caretaker_model::standards::StandardsSection;

use crate::html::{esc, rag, table};

pub(crate) const INTRO: &str =
    "The same checks, read against the Department for Education's standards \
for schools and colleges. Some standards no machine can check (training, tested backups, \
who is responsible, reporting attacks): a member of staff confirms those, and until they do \
they are listed as needing a person.";

/// The standards a person is to confirm and has not, by title.
pub(crate) fn unconfirmed(s: &StandardsSection) -> Vec<&str> {
    s.standards
        .iter()
        .filter(|x| x.coverage == "attestation" && x.status == "grey")
        .map(|x| x.title.as_str())
        .collect()
}

/// The section as HTML (nothing when the report has no standards).
pub fn html(o: &mut String, sections: &[StandardsSection]) {
    if sections.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<section id=\"standards\" aria-labelledby=\"h-standards\">\n\
         <h2 id=\"h-standards\">Against the DfE standards</h2>\n<p>{}</p>",
        esc(INTRO)
    );
    for s in sections {
        let rows: Vec<Vec<String>> = s
            .standards
            .iter()
            .map(|x| vec![esc(&x.text), rag(&x.status, &x.words), esc(&x.reason)])
            .collect();
        table(
            o,
            &s.title,
            &[("Standard", 40), ("Where we are", 20), ("Why", 40)],
            &rows,
        );
        let people = unconfirmed(s);
        if !people.is_empty() {
            let _ = writeln!(
                o,
                "<p><strong>Needs a person to confirm:</strong> {}.</p>",
                esc(&people.join("; "))
            );
        }
        let partial: Vec<String> = s
            .standards
            .iter()
            .filter(|x| !x.not_checked.is_empty())
            .map(|x| format!("{}: {}", x.title, x.not_checked))
            .collect();
        if !partial.is_empty() {
            let _ = writeln!(
                o,
                "<p class=\"muted\">Not looked at by the checks, to be seen to by hand: {}.</p>",
                esc(&partial.join("; "))
            );
        }
    }
    o.push_str("</section>\n");
}

/// The section as Markdown (nothing when the report has no standards).
pub fn markdown(o: &mut String, sections: &[StandardsSection]) {
    if sections.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Against the DfE standards\n\n{INTRO}\n");
    for s in sections {
        let _ = writeln!(o, "### {}\n", s.title);
        let _ = writeln!(o, "| Standard | Where we are | Why |\n|---|---|---|");
        for x in &s.standards {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                cell(&x.text),
                cell(&x.words),
                cell(&x.reason)
            );
        }
        o.push('\n');
        let people = unconfirmed(s);
        if !people.is_empty() {
            let _ = writeln!(o, "Needs a person to confirm: {}.\n", people.join("; "));
        }
    }
}

/// A Markdown table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretaker_model::standards::StandardSummary;

    fn sections() -> Vec<StandardsSection> {
        let x = |id: &str, status: &str, words: &str, coverage: &str| StandardSummary {
            id: id.into(),
            title: format!("{id} title"),
            text: format!("{id} | words."),
            status: status.into(),
            words: words.into(),
            reason: "why".into(),
            coverage: coverage.into(),
            not_checked: String::new(),
        };
        vec![StandardsSection {
            view: "dfe-cyber".into(),
            title: "DfE cyber security standards".into(),
            standards: vec![
                x("a", "red", "Not met", "machine"),
                x("b", "grey", "Needs a person to confirm", "attestation"),
                x("c", "green", "Confirmed by a person", "attestation"),
            ],
        }]
    }

    #[test]
    fn each_standard_is_a_row_and_what_needs_a_person_is_named() {
        let r = sections();
        let mut md = String::new();
        markdown(&mut md, &r);
        assert!(md.contains("## Against the DfE standards"), "{md}");
        assert!(md.contains("### DfE cyber security standards"), "{md}");
        assert!(md.contains("| a \\| words. | Not met | why |"), "{md}");
        assert!(md.contains("Needs a person to confirm: b title.\n"), "{md}");
        let mut h = String::new();
        html(&mut h, &r);
        assert!(
            h.contains("<h2 id=\"h-standards\">Against the DfE standards</h2>"),
            "{h}"
        );
        assert!(
            h.contains("<strong>Needs a person to confirm:</strong> b title."),
            "{h}"
        );
        assert!(!h.contains("c title."), "confirmed is not listed: {h}");
        // No standards, no section.
        let mut empty = String::new();
        markdown(&mut empty, &[]);
        html(&mut empty, &[]);
        assert!(empty.is_empty());
    }
}
