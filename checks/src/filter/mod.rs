//! The web-filter checks (policy 7.2: the filter blocks everything on the IWF list and other
//! must-block content, and does not over-block safeguarding and teaching sites).
//!
//! Each vantage point (this machine, directly or through a proxy; or a machine reached over SSH
//! that runs curl) fetches a connectivity control and then every test URL. [`model::Fetch`] holds
//! the raw facts of one fetch; [`classify`] judges them here, never on the machine.

pub mod bypass;
pub mod changes;
pub mod classify;
pub mod curl;
pub mod fetch;
pub mod model;

pub use classify::{Rules, VantagePoint, CHECK_IDS};
pub use model::{Expect, Fetch, FilterTest, Outcome};

use crate::registry::{Area, AreaId, CheckSpec};

/// The filter checks, in report order.
pub const SPECS: &[CheckSpec] = &[
    CONTROL,
    MUST_BLOCK,
    CATEGORIES,
    MUST_LOAD,
    bypass::SAFE_SEARCH,
    bypass::ENCRYPTED_DNS,
    bypass::PRIVATE_RELAY,
    bypass::VPN_PROXY,
    CHANGES,
];

/// The filter area: one unit of work per `[[filter.vantage]]`.
#[derive(Debug)]
pub struct FilterArea;

impl Area for FilterArea {
    type Unit = caretaker_config::Vantage;
    const ID: AreaId = AreaId::Filter;
    fn specs() -> &'static [CheckSpec] {
        SPECS
    }
    fn units(config: &caretaker_config::Config) -> Vec<caretaker_config::Vantage> {
        config.filter.vantages.clone()
    }
}

const fn spec(
    id: &'static str,
    title: &'static str,
    column: &'static str,
    clauses: &'static [&'static str],
    could_not: &'static str,
) -> CheckSpec {
    CheckSpec::new(AreaId::Filter, id, title, column, clauses, could_not)
}

pub const CONTROL: CheckSpec = spec(
    "filter.control",
    "The internet can be reached from here",
    "control",
    &["7.2/regular-checks"],
    "Could not test the web filter from here",
);
pub const MUST_BLOCK: CheckSpec = spec(
    "filter.must-block",
    "The IWF list is blocked",
    "must-block",
    &["7.2/iwf-blocked", "7.2/regular-checks"],
    "Could not test that the IWF list is blocked",
);
pub const CATEGORIES: CheckSpec = spec(
    "filter.categories",
    "Harmful categories are blocked",
    "categories",
    &["7.2/categories-blocked", "7.2/regular-checks"],
    "Could not test that harmful categories are blocked",
);
pub const MUST_LOAD: CheckSpec = spec(
    "filter.must-load",
    "Safeguarding and teaching sites load",
    "must-load",
    &["7.2/over-blocking", "7.2/regular-checks"],
    "Could not test that safeguarding and teaching sites load",
);

pub const CHANGES: CheckSpec = spec(
    "filter.changes",
    "Filter changes are risk assessed",
    "changes",
    &["7.2/changes-risk-assessed"],
    "Could not compare the filter with its earlier checks",
);

/// The clause a test serves by default.
pub fn default_clause(expect: Expect, category: &str) -> &'static str {
    match expect {
        Expect::Load => "7.2/over-blocking",
        Expect::Block if category.eq_ignore_ascii_case("iwf") => "7.2/iwf-blocked",
        Expect::Block => "7.2/categories-blocked",
    }
}

fn t(url: &str, category: &str, expect: Expect, token: &str) -> FilterTest {
    FilterTest {
        url: url.to_string(),
        category: category.to_string(),
        expect,
        token: token.to_string(),
        clause: default_clause(expect, category).to_string(),
    }
}

/// The built-in tests.
///
/// Must be blocked: the SWGfL / UK Safer Internet Centre Test Filtering pages, which the IWF and
/// CTIRU put on their lists for exactly this purpose (testfiltering.com). Must load: the
/// safeguarding and reporting sites pupils and staff are told to use, and teaching sites. Each
/// token is text its real page shows (case-sensitive; "TestFiltering" is the service's own name,
/// which a block page naming the URL in lower case does not contain). A school whose pages
/// differ sets `default_tests = false` and lists its own `[[filter.test]]`.
pub fn default_tests() -> Vec<FilterTest> {
    use Expect::{Block, Load};
    vec![
        t(
            "http://iwf.testfiltering.com/",
            "iwf",
            Block,
            "TestFiltering",
        ),
        t(
            "https://ctiru.testfiltering.com/",
            "ctiru",
            Block,
            "TestFiltering",
        ),
        t(
            "https://testfiltering.pornhub.com/",
            "adult",
            Block,
            "TestFiltering",
        ),
        t(
            "https://swearing.testfiltering.com/",
            "offensive-language",
            Block,
            "TestFiltering",
        ),
        t(
            "https://www.ceop.police.uk/ceop-reporting/",
            "safeguarding",
            Load,
            "CEOP",
        ),
        t(
            "https://www.childline.org.uk/",
            "safeguarding",
            Load,
            "Childline",
        ),
        t("https://www.nspcc.org.uk/", "safeguarding", Load, "NSPCC"),
        t(
            "https://report.iwf.org.uk/",
            "safeguarding",
            Load,
            "Internet Watch Foundation",
        ),
        t(
            "https://saferinternet.org.uk/",
            "safeguarding",
            Load,
            "UK Safer Internet Centre",
        ),
        t(
            "https://www.bbc.co.uk/bitesize",
            "teaching",
            Load,
            "Bitesize",
        ),
        t(
            "https://en.wikipedia.org/wiki/Main_Page",
            "teaching",
            Load,
            "Wikipedia",
        ),
        t("https://www.gov.uk/", "teaching", Load, "GOV.UK"),
    ]
}

/// The built-in tests as the man page lists them (caretaker.toml(5) is generated from this), then
/// the built-in bypass sites (must-block for pupils' groups only).
pub fn builtin_docs() -> Vec<caretaker_config::docs::BuiltinTest> {
    let bypass = bypass::default_bypass_sites()
        .into_iter()
        .map(|t| (t, true));
    default_tests()
        .into_iter()
        .map(|t| (t, false))
        .chain(bypass)
        .map(|(t, pupils)| caretaker_config::docs::BuiltinTest {
            expect: match (t.expect, pupils) {
                (Expect::Block, true) => "must-block for pupils".into(),
                (Expect::Block, false) => "must-block".into(),
                (Expect::Load, _) => "must-load".into(),
            },
            url: t.url,
            category: t.category,
            token: t.token,
            clause: t.clause,
        })
        .collect()
}

#[cfg(test)]
mod tests;
