//! The picture read against another standard: the school's policy, or one of the built-in
//! standards (the DfE's, Cyber Essentials). The findings' clauses become the standard's, so
//! every screen (the Compliance list, the Findings screen's `clause:` search, attesting) speaks
//! of the standard shown.

use caretaker_model::standards::{retag, standard_lines, SCHOOL};

use super::{clause_rows, Picture};

impl Picture {
    /// The views the console cycles through: the school's policy first, then the built-in
    /// standards, by name.
    pub fn view_names(&self) -> Vec<String> {
        std::iter::once(SCHOOL.to_string())
            .chain(self.catalogue.views.iter().map(|v| v.name.clone()))
            .collect()
    }

    /// The view after this one, back to the school's policy after the last.
    pub fn next_view(&self) -> String {
        let names = self.view_names();
        let at = names.iter().position(|n| *n == self.view).unwrap_or(0);
        names[(at + 1) % names.len()].clone()
    }

    /// The picture read against the view called `name` (the school's policy for a name this
    /// version does not have): its map, the findings' clauses and every clause's line.
    pub fn in_view(&self, name: &str) -> Picture {
        let standard = self.catalogue.views.iter().find(|v| v.name == name);
        let (view, map) = match standard {
            Some(v) => (v.name.clone(), v.map.clone()),
            None => (SCHOOL.to_string(), self.school_map.clone()),
        };
        let findings = retag(&map, &self.findings);
        let today = self.today.unwrap_or_else(caretaker_model::records::today);
        let lines = if standard.is_some() {
            standard_lines(&map, &findings, &self.attestations, today)
                .into_iter()
                .map(|l| l.line)
                .collect()
        } else {
            caretaker_model::compliance::clause_lines_attested(
                &map,
                &findings,
                &self.attestations,
                today,
            )
        };
        let clauses = clause_rows(&map, &findings, &self.from_run, &self.runs, lines);
        Picture {
            map,
            findings,
            clauses,
            view,
            ..self.clone()
        }
    }
}
