//! The trustees' report as a PDF, laid out as the school's report is (see `crate::pdf`): the
//! summary first, then each school on a new page.

use caretaker_model::trust_report::{SchoolPage, TrustReport};

use crate::pdf::{change_lists, clauses_table, fix_list, render, Layout, Meta, BODY, SMALL};

/// The report as PDF bytes (an error when the font is not installed).
pub fn pdf(r: &TrustReport) -> Result<Vec<u8>, String> {
    let mut l = Layout::new()?;
    let s = &r.summary;
    l.text_block(&r.trust, BODY, true, 0.0);
    l.text_block(&super::title(r), 20.0, true, 2.0);
    l.text_block(&super::made(r), SMALL, false, 6.0);
    l.heading(super::SUMMARY, 15.0);
    l.text_block(&s.headline, 12.0, true, 6.0);
    let mut headers: Vec<&str> = vec!["School"];
    headers.extend(s.columns.iter().map(|c| c.title.as_str()));
    headers.push("Not met");
    let mut widths = vec![2.4];
    widths.extend(s.columns.iter().map(|_| 2.6));
    widths.push(0.9);
    let rows: Vec<Vec<String>> = s
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.name.clone()];
            cells.extend(row.cells.iter().map(|c| {
                if c.detail == "not checked" {
                    c.words.clone()
                } else {
                    format!("{}\n{}", c.words, c.detail)
                }
            }));
            cells.push(if row.checked {
                row.red.to_string()
            } else {
                "–".to_string()
            });
            cells
        })
        .collect();
    if rows.is_empty() {
        l.text_block("There is no school to show.", BODY, false, 4.0);
    } else {
        l.text_block(super::MATRIX, BODY, true, 2.0);
        l.table(&headers, &widths, &rows);
    }
    l.heading(&super::changed_since(r), 12.0);
    l.text_block(&s.changes.sentence, BODY, false, 4.0);
    let rows: Vec<Vec<String>> = r.schools.iter().map(super::change_row).collect();
    if !rows.is_empty() {
        l.table(&super::CHANGE_HEADERS, &[3.0, 1.4, 1.2, 1.4, 2.0], &rows);
    }
    for p in &r.schools {
        school(&mut l, r, p);
    }
    render(
        Meta {
            title: format!("{} · {}", super::title(r), r.trust),
            running: format!(
                "{} · Trustees' online safety report · {}",
                r.trust, r.period.label
            ),
            keywords: Vec::new(),
        },
        l,
    )
}

fn school(l: &mut Layout, r: &TrustReport, p: &SchoolPage) {
    l.section(&p.name);
    l.text_block(&p.headline, 12.0, true, 4.0);
    if let Some(note) = &p.note {
        l.text_block(note, BODY, true, 4.0);
    }
    l.text_block(&super::last_audit(p), SMALL, false, 6.0);
    if !p.checked {
        return;
    }
    if !p.standards.is_empty() {
        l.heading("Against the DfE standards", 12.0);
        for sc in &p.standards {
            l.text_block(&super::standard_sentence(sc), SMALL, false, 2.0);
        }
        l.y += 4.0;
    }
    l.heading("The policy, clause by clause", 12.0);
    clauses_table(l, &p.clauses);
    l.heading("What to fix", 12.0);
    fix_list(l, &p.failing);
    l.heading(&super::changed_since(r), 12.0);
    l.text_block(&super::compared(r, p), BODY, false, 3.0);
    change_lists(l, &p.changes);
    if !p.recoloured.is_empty() {
        l.text_block("Clauses that changed state", BODY, true, 0.0);
        for c in &p.recoloured {
            l.text_block(
                &format!("- {}", super::recoloured_words(c)),
                SMALL,
                false,
                0.0,
            );
        }
    }
}
