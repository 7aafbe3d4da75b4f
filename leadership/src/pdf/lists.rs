//! The parts of a report the school's and the trust's PDFs share: a clause table, what fails and
//! who would fix it, what changed.

use caretaker_model::leadership::{Changes, ClauseSummary, FixFirst};

use super::{Layout, BODY, SMALL};

/// Each clause's line: title and id, state, why.
pub(crate) fn clauses_table(l: &mut Layout, clauses: &[ClauseSummary]) {
    let rows: Vec<Vec<String>> = clauses
        .iter()
        .map(|c| {
            vec![
                format!("{} ({})", c.title, c.id),
                format!("{} ({})", c.words, c.status.to_uppercase()),
                c.reason.clone(),
            ]
        })
        .collect();
    l.table(&["Clause", "State", "Why"], &[3.0, 2.0, 5.0], &rows);
}

/// What fails, check by check: what is wrong, then the clause, who would fix it and how.
pub(crate) fn fix_list(l: &mut Layout, items: &[FixFirst]) {
    if items.is_empty() {
        l.text_block("Nothing is failing.", BODY, false, 4.0);
    }
    for (i, f) in items.iter().enumerate() {
        l.text_block(&format!("{}. {}", i + 1, f.what), BODY, true, 0.0);
        l.text_block(
            &format!(
                "Clause: {}. Who would fix it: {}.{}",
                f.clause,
                f.who,
                f.how
                    .as_ref()
                    .map(|h| format!(" How: {h}"))
                    .unwrap_or_default()
            ),
            SMALL,
            false,
            4.0,
        );
    }
}

/// The problems newly failing, fixed and still open, a list each (none when empty).
pub(crate) fn change_lists(l: &mut Layout, c: &Changes) {
    for (title, lines) in [
        ("Newly failing", &c.newly_failing),
        ("Fixed", &c.fixed),
        ("Still open", &c.still_open),
    ] {
        if lines.is_empty() {
            continue;
        }
        l.text_block(title, BODY, true, 0.0);
        for x in lines {
            l.text_block(&format!("- {}", x.summary), SMALL, false, 0.0);
        }
        l.y += 4.0;
    }
}
