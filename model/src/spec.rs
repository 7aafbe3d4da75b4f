//! A check's declaration: its id, title, area, console column, clauses, what "could not check"
//! says and its settings. Each area declares its checks once; everything that lists checks reads
//! the declarations.

use caretaker_config::docs::FieldDoc;

/// The part of the school a check looks at. Its word is the family of its check ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AreaId {
    Directory,
    Hosts,
    Filter,
    /// The school's mail domains, as the world's DNS describes them.
    Mail,
}

impl AreaId {
    /// Every area, in report order.
    pub const ALL: [AreaId; 4] = [
        AreaId::Directory,
        AreaId::Hosts,
        AreaId::Filter,
        AreaId::Mail,
    ];

    /// The family word of the area's check ids (`directory`, `host`, `filter`, `mail`).
    pub fn family(self) -> &'static str {
        match self {
            AreaId::Directory => "directory",
            AreaId::Hosts => "host",
            AreaId::Filter => "filter",
            AreaId::Mail => "mail",
        }
    }
}

/// One check, declared once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckSpec {
    /// The stable dotted id (`directory.privileged`); its first part is the area's family.
    pub id: &'static str,
    /// What it checks, in a few plain words ("Who has admin rights").
    pub title: &'static str,
    pub area: AreaId,
    /// The heading of its column in the console (Hosts: `VIRUS`; Directory: `privileged`).
    pub column: &'static str,
    /// The ids of the built-in clause map's clauses its findings are evidence for.
    pub clauses: &'static [&'static str],
    /// What an `error` finding says when the check could not run, as the start of a sentence
    /// ("Could not check who has admin rights").
    pub could_not: &'static str,
    /// The configuration keys only this check reads, as caretaker.toml(5) lists them (with `[]`
    /// for array tables: `directory[].max_admins`).
    pub settings: &'static [FieldDoc],
}

impl CheckSpec {
    /// A check of `area` with no settings of its own.
    pub const fn new(
        area: AreaId,
        id: &'static str,
        title: &'static str,
        column: &'static str,
        clauses: &'static [&'static str],
        could_not: &'static str,
    ) -> CheckSpec {
        CheckSpec {
            id,
            title,
            area,
            column,
            clauses,
            could_not,
            settings: &[],
        }
    }
}

/// The ids of `specs`, in their order: an area's `CHECK_IDS`, made at compile time
/// (`ids_of::<{ SPECS.len() }>(SPECS)`).
pub const fn ids_of<const N: usize>(specs: &[CheckSpec]) -> [&'static str; N] {
    let mut ids = [""; N];
    let mut i = 0;
    while i < N && i < specs.len() {
        ids[i] = specs[i].id;
        i += 1;
    }
    ids
}
