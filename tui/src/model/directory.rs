//! The console's view of the data: directory.

use super::*;

/// One check of one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirCheck {
    pub check: String,
    /// The console's label for it (its declaration's `column`).
    pub column: &'static str,
    /// The worst status, `None` when the check said nothing about this directory.
    pub status: Option<Status>,
    pub counts: StatusCounts,
    /// The accounts, groups and policies behind the findings that are not passes.
    pub who: Vec<String>,
    /// The worst finding's summary.
    pub summary: String,
}

/// One directory and its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirBlock {
    pub name: String,
    /// Where it was read (the evidence's source of its connect check).
    pub source: String,
    pub checks: Vec<DirCheck>,
}

/// Per directory (in the order first seen), every directory check with its status and the
/// accounts behind its problems.
pub fn directory_blocks(catalogue: &Catalogue, findings: &[Finding]) -> Vec<DirBlock> {
    let mut order: Vec<String> = Vec::new();
    for f in findings {
        if f.check.family() == "directory" && !order.iter().any(|d| d == directory_of(f)) {
            order.push(directory_of(f).to_string());
        }
    }
    order
        .into_iter()
        .map(|dir| {
            let mine: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.check.family() == "directory" && directory_of(f) == dir)
                .collect();
            let source = mine
                .iter()
                .find(|f| !f.evidence.source.is_empty())
                .map(|f| f.evidence.source.clone())
                .unwrap_or_default();
            let checks = catalogue
                .area(AreaId::Directory)
                .map(|spec| {
                    let id = &spec.id;
                    let of: Vec<&&Finding> =
                        mine.iter().filter(|f| f.check.as_str() == *id).collect();
                    let mut counts = StatusCounts::default();
                    let mut status = None;
                    let mut who = Vec::new();
                    for f in &of {
                        counts.add(f.status, 1);
                        status = Some(worse(status, f.status));
                        if f.status != Status::Pass && f.target.kind != TargetKind::Directory {
                            who.push(f.target.name.clone());
                        }
                    }
                    let summary = of
                        .iter()
                        .min_by_key(|f| (f.status.rank(), std::cmp::Reverse(f.severity)))
                        .map(|f| f.summary.clone())
                        .unwrap_or_default();
                    DirCheck {
                        check: id.to_string(),
                        column: spec.column,
                        status,
                        counts,
                        who,
                        summary,
                    }
                })
                .collect();
            DirBlock {
                name: dir,
                source,
                checks,
            }
        })
        .collect()
}
