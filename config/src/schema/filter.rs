//! `[filter]`: the web-filter tests, their connectivity control, block pages, test URLs and
//! vantage points.

use std::path::PathBuf;

use serde::Deserialize;

use super::yes;
use crate::secret::Secret;

/// `[filter]`: web-filter tests (policy 7.2: the IWF list and other must-block content is blocked,
/// safeguarding and teaching sites are not), from every `[[filter.vantage]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterSettings {
    /// Seconds allowed for each URL, from the first connection to the last byte kept.
    #[serde(default = "default_filter_timeout")]
    pub timeout_secs: u64,
    /// Seconds allowed to resolve a name and to connect.
    #[serde(default = "default_filter_connect_timeout")]
    pub connect_timeout_secs: u64,
    /// URLs fetched at once from each vantage point.
    #[serde(default = "default_filter_concurrency")]
    pub concurrency: usize,
    /// The most of each page read, in bytes (tokens and block pages are looked for in it).
    #[serde(default = "default_filter_body")]
    pub max_body_bytes: u64,
    /// Redirects followed before giving up.
    #[serde(default = "default_filter_redirects")]
    pub max_redirects: u32,
    /// Extra certificate authorities (PEM) trusted for HTTPS tests from this machine, such as the
    /// filter's own CA where it inspects HTTPS. The system's are trusted too.
    pub ca_file: Option<PathBuf>,
    /// Words in the issuer of the filter's inspection CA (`"Smoothwall"`): HTTPS answered by a
    /// certificate it issued is recorded as inspected by the filter.
    #[serde(default)]
    pub interception_issuers: Vec<String>,
    /// Addresses a filtering resolver answers blocked names with.
    #[serde(default = "default_sinkholes")]
    pub sinkhole_addresses: Vec<String>,
    /// Host names of block pages: a redirect there means blocked.
    #[serde(default)]
    pub block_hosts: Vec<String>,
    /// Include the built-in tests (the SWGfL/UK Safer Internet Centre test pages that must be
    /// blocked; safeguarding and teaching sites that must load).
    #[serde(default = "yes")]
    pub default_tests: bool,
    /// The groups whose vantage points must not reach encrypted-DNS services or VPN and web-proxy
    /// sites (staff and guests may).
    #[serde(default = "default_pupil_groups")]
    pub pupil_groups: Vec<String>,
    /// Include the built-in encrypted-DNS services and VPN and web-proxy sites.
    #[serde(default = "yes")]
    pub default_bypass_sites: bool,
    /// The school's own encrypted-DNS services and VPN and web-proxy sites, added to the built-in
    /// ones: they must not load for pupils.
    #[serde(default, rename = "bypass_site")]
    pub bypass_sites: Vec<BypassSite>,
    /// The page loaded first from each vantage point: if it does not load, nothing from there is
    /// judged ("no internet from here").
    #[serde(default)]
    pub control: FilterControl,
    /// Block pages, recognised by a piece of their text.
    #[serde(default, rename = "block_page")]
    pub block_pages: Vec<BlockPage>,
    /// The school's own tests, added to the built-in ones.
    #[serde(default, rename = "test")]
    pub tests: Vec<FilterTestConfig>,
    /// Where the tests run from.
    #[serde(default, rename = "vantage")]
    pub vantages: Vec<Vantage>,
}

impl Default for FilterSettings {
    fn default() -> Self {
        FilterSettings {
            timeout_secs: default_filter_timeout(),
            connect_timeout_secs: default_filter_connect_timeout(),
            concurrency: default_filter_concurrency(),
            max_body_bytes: default_filter_body(),
            max_redirects: default_filter_redirects(),
            ca_file: None,
            interception_issuers: Vec::new(),
            sinkhole_addresses: default_sinkholes(),
            block_hosts: Vec::new(),
            default_tests: true,
            pupil_groups: default_pupil_groups(),
            default_bypass_sites: true,
            bypass_sites: Vec::new(),
            control: FilterControl::default(),
            block_pages: Vec::new(),
            tests: Vec::new(),
            vantages: Vec::new(),
        }
    }
}

fn default_filter_timeout() -> u64 {
    15
}
fn default_filter_connect_timeout() -> u64 {
    5
}
fn default_filter_concurrency() -> usize {
    8
}
fn default_filter_body() -> u64 {
    256 * 1024
}
fn default_filter_redirects() -> u32 {
    5
}
fn default_sinkholes() -> Vec<String> {
    ["0.0.0.0", "127.0.0.1", "::", "::1"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn default_pupil_groups() -> Vec<String> {
    [
        "pupil", "pupils", "learner", "learners", "student", "students",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// `[[filter.bypass_site]]`: an encrypted-DNS service or a VPN or web-proxy site that must not
/// load for pupils.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BypassSite {
    pub url: String,
    /// `encrypted-dns`, `vpn` or `web-proxy`.
    pub category: String,
    /// Text (case-sensitive) only the real page contains.
    pub token: String,
}

/// `[filter.control]`: the connectivity control.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterControl {
    #[serde(default = "default_control_url")]
    pub url: String,
    #[serde(default = "default_control_token")]
    pub token: String,
}

impl Default for FilterControl {
    fn default() -> Self {
        FilterControl {
            url: default_control_url(),
            token: default_control_token(),
        }
    }
}

fn default_control_url() -> String {
    "http://detectportal.firefox.com/success.txt".to_string()
}
fn default_control_token() -> String {
    "success".to_string()
}

/// `[[filter.block_page]]`: a filtering product's block page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockPage {
    /// The product or page (`"IWF splash page"`, `"Smoothwall"`).
    pub name: String,
    /// Text only that page contains (case-sensitive).
    pub text: String,
}

/// What a test page must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilterExpect {
    Block,
    Load,
}

/// `[[filter.test]]`: one URL to test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterTestConfig {
    pub url: String,
    /// `iwf`, `ctiru`, `adult`, `offensive-language`, `safeguarding`, `teaching`, or your own.
    pub category: String,
    pub expect: FilterExpect,
    /// Text (case-sensitive) only the real page contains.
    pub token: String,
    /// The policy clause it serves. Default: by expectation and category.
    pub clause: Option<String>,
}

/// `[[filter.vantage]]`: a place the tests run from, and whose filtering it sees.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vantage {
    /// Short name used in findings (`pupil-wifi`).
    pub name: String,
    /// The user group whose filtering this sees: `pupil`, `staff`, `guest` (or your own).
    pub group: String,
    /// The site (for a school on several sites).
    pub site: Option<String>,
    /// A `[[host]]` the tests run on over SSH (curl there). Unset: this machine.
    pub host: Option<String>,
    /// An explicit proxy, `http://host:port`. Unset: direct.
    pub proxy: Option<String>,
    /// The proxy account, with `proxy_password_file` or `proxy_password_env`.
    pub proxy_user: Option<String>,
    pub proxy_password_file: Option<PathBuf>,
    pub proxy_password_env: Option<String>,
    /// This machine only: the DNS server asked (`10.0.0.1:53`). Unset: /etc/resolv.conf's.
    pub resolver: Option<String>,
    /// The proxy password, read at load time.
    #[serde(skip)]
    pub proxy_password: Option<Secret>,
}
