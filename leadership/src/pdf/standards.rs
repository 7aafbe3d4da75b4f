//! The PDF's section on the DfE standards (as the HTML page's, see `crate::standards`).

use caretaker_model::standards::StandardsSection;

use super::{Layout, BODY, SMALL};

/// Each document's standards in a table, then what needs a person to confirm.
pub(super) fn standards(l: &mut Layout, sections: &[StandardsSection]) {
    if sections.is_empty() {
        return;
    }
    l.section("Against the DfE standards");
    l.text_block(crate::standards::INTRO, BODY, false, 4.0);
    for s in sections {
        l.text_block(&s.title, BODY, true, 2.0);
        let rows: Vec<Vec<String>> = s
            .standards
            .iter()
            .map(|x| vec![x.text.clone(), x.words.clone(), x.reason.clone()])
            .collect();
        l.table(
            &["Standard", "Where we are", "Why"],
            &[3.0, 1.6, 3.0],
            &rows,
        );
        let people = crate::standards::unconfirmed(s);
        if !people.is_empty() {
            l.text_block(
                &format!("Needs a person to confirm: {}.", people.join("; ")),
                SMALL,
                false,
                4.0,
            );
        }
    }
}
