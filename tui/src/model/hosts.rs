//! The console's view of the data: hosts.

use super::*;

/// One machine and the status of each host check on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostRow {
    pub name: String,
    pub address: String,
    /// Per host check (the catalogue's order): the worst status, if the check reported on this machine.
    pub statuses: Vec<Option<Status>>,
    pub worst: Status,
    /// The machine's findings (indices into the picture's findings), worst first.
    pub findings: Vec<usize>,
}

/// One row per machine, machines with problems first, then by name.
pub fn host_rows(catalogue: &Catalogue, findings: &[Finding]) -> Vec<HostRow> {
    let host_checks: Vec<_> = catalogue.area(AreaId::Hosts).collect();
    let mut by_host: BTreeMap<&str, HostRow> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.target.kind != TargetKind::Host {
            continue;
        }
        let row = by_host.entry(&f.target.name).or_insert_with(|| HostRow {
            name: f.target.name.clone(),
            address: f.target.scope.clone(),
            statuses: vec![None; host_checks.len()],
            worst: Status::Pass,
            findings: Vec::new(),
        });
        if let Some(col) = host_checks
            .iter()
            .position(|spec| spec.id == f.check.as_str())
        {
            row.statuses[col] = Some(worse(row.statuses[col], f.status));
        }
        row.worst = worse(Some(row.worst), f.status);
        row.findings.push(i);
    }
    let mut rows: Vec<HostRow> = by_host.into_values().collect();
    for r in &mut rows {
        r.findings.sort_by_key(|i| (findings[*i].status.rank(), *i));
    }
    // Worst first: by the worst status, then by how many problems, then by name.
    let problems = |r: &HostRow| {
        r.findings
            .iter()
            .filter(|i| findings[**i].status != Status::Pass)
            .count()
    };
    rows.sort_by(|a, b| {
        (a.worst.rank(), std::cmp::Reverse(problems(a)), &a.name).cmp(&(
            b.worst.rank(),
            std::cmp::Reverse(problems(b)),
            &b.name,
        ))
    });
    rows
}
