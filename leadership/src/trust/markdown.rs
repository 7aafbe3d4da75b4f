//! The trustees' report as Markdown, for a trust board's papers: the same parts as the HTML page
//! (the summary, then a section for each school), tables as pipe tables. Every text is escaped
//! ([`crate::markdown::inline`]), so a school's name reads as written.

use std::fmt::Write as _;

use caretaker_model::trust_report::{SchoolPage, TrustReport};

use crate::markdown::{
    change_lists, clause_rows, fix_list, inline, mark, table_with, CLAUSE_HEADERS,
};

/// The whole report.
pub fn markdown(r: &TrustReport) -> String {
    let mut o = String::new();
    let s = &r.summary;
    let _ = writeln!(
        o,
        "# {}\n\n**{}** · {}\n",
        inline(&super::title(r)),
        inline(&r.trust),
        inline(&super::made(r))
    );
    let _ = writeln!(o, "## {}\n\n**{}**\n", super::SUMMARY, inline(&s.headline));
    let mut headers: Vec<&str> = vec!["School"];
    headers.extend(s.columns.iter().map(|c| c.title.as_str()));
    headers.push("Clauses not met");
    let headers: Vec<String> = headers.into_iter().map(inline).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = s
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.name.clone()];
            cells.extend(
                row.cells
                    .iter()
                    .map(|c| format!("{} {}", mark(&c.status), super::cell_words(c))),
            );
            cells.push(if row.checked {
                row.red.to_string()
            } else {
                "–".to_string()
            });
            cells
        })
        .collect();
    if rows.is_empty() {
        o.push_str("There is no school to show.\n\n");
    } else {
        let _ = writeln!(o, "{}:\n", super::MATRIX);
        table_with(&mut o, &headers, &rows, inline);
    }
    let _ = writeln!(
        o,
        "### {}\n\n{}\n",
        inline(&super::changed_since(r)),
        inline(&s.changes.sentence)
    );
    let rows: Vec<Vec<String>> = r.schools.iter().map(super::change_row).collect();
    if !rows.is_empty() {
        table_with(&mut o, &super::CHANGE_HEADERS, &rows, inline);
    }
    for p in &r.schools {
        school(&mut o, r, p);
    }
    o
}

fn school(o: &mut String, r: &TrustReport, p: &SchoolPage) {
    let _ = writeln!(
        o,
        "---\n\n## {}\n\n**{}**\n",
        inline(&p.name),
        inline(&p.headline)
    );
    if let Some(note) = &p.note {
        let _ = writeln!(o, "**Note:** {}\n", inline(note));
    }
    let _ = writeln!(o, "{}\n", inline(&super::last_audit(p)));
    if !p.checked {
        return;
    }
    if !p.standards.is_empty() {
        o.push_str("Against the DfE standards:\n\n");
        for sc in &p.standards {
            let _ = writeln!(
                o,
                "- {} {}",
                mark(&sc.cell.status),
                inline(&super::standard_sentence(sc))
            );
        }
        o.push('\n');
    }
    table_with(o, &CLAUSE_HEADERS, &clause_rows(&p.clauses), inline);
    o.push_str("### What to fix\n\n");
    fix_list(o, &p.failing, inline);
    let _ = writeln!(
        o,
        "\n### {}\n\n{}\n",
        inline(&super::changed_since(r)),
        inline(&super::compared(r, p))
    );
    change_lists(o, &p.changes, inline);
    if !p.recoloured.is_empty() {
        o.push_str("Clauses that changed state:\n\n");
        for c in &p.recoloured {
            let _ = writeln!(o, "- {}", inline(&super::recoloured_words(c)));
        }
        o.push('\n');
    }
}
