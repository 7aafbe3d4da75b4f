//! The lab's "internet": the sites the web filter is tested against (caretaker's built-in test
//! list, exact, and the school's own tests), their pages, and the block page.

/// What the school's filter must do with a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// On a must-block list (IWF, CTIRU, adult, offensive language).
    MustBlock,
    /// A safeguarding or teaching site that must load (over-blocking).
    MustLoad,
    /// A way round the filter that pupils must not reach: a public DNS-over-HTTPS service, a VPN
    /// or a web-proxy site (staff may).
    Bypass,
    /// A search engine's locked safe-search host (forcesafesearch.google.com): the school's
    /// resolver answers the engine's own name with it.
    SafeSearch,
    /// The connectivity control (Firefox's captive-portal check).
    Control,
    /// The school filter's own block page.
    BlockPage,
    /// A site the school tests itself (`[[filter.test]]`): it must load.
    Own,
}

/// One site of the lab's internet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site {
    pub host: &'static str,
    /// The URL caretaker tests (any path on the host serves the same page).
    pub url: &'static str,
    /// Text (case-sensitive) that only this site's page contains (the tests look for it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub token: &'static str,
    pub kind: Kind,
    title: &'static str,
    text: &'static str,
}

/// The sentence of the filter's block page (squid's and the block host's).
pub(crate) const BLOCK_SENTENCE: &str =
    "This page has been blocked by the St. Example's web filter.";

/// The block host's name.
pub(crate) const BLOCK_HOST: &str = "block.stexample.lab";

/// The VPN site the BYOD network's DNS filter forgets (planted).
pub(crate) const VPN_LET_THROUGH: &str = "protonvpn.com";

/// What each DNS-over-HTTPS test asks (caretaker's, exactly): `?dns=` holds the query for
/// caretaker-doh-check.example, whose labels a real answer repeats.
pub(crate) const DOH_TOKEN: &str = "caretaker-doh-check";

/// A search engine: its own name, and the safe-search host a resolver that locks safe search on
/// answers it with.
pub(crate) const ENGINES: &[(&str, &str)] = &[
    ("www.google.com", "forcesafesearch.google.com"),
    ("www.bing.com", "strict.bing.com"),
    ("www.youtube.com", "restrict.youtube.com"),
    ("duckduckgo.com", "safe.duckduckgo.com"),
];

/// The names a resolver's canaries ask: Firefox's (DNS over HTTPS) and Apple's (Private Relay).
pub(crate) const DOH_CANARY: &str = "use-application-dns.net";
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const RELAY_CANARIES: &[&str] = &["mask.icloud.com", "mask-h2.icloud.com"];

/// The connectivity control's URL and body.
pub(crate) const CONTROL_URL: &str = "http://detectportal.firefox.com/success.txt";
pub(crate) const CONTROL_BODY: &str = "success\n";

const fn site(
    host: &'static str,
    url: &'static str,
    token: &'static str,
    kind: Kind,
    title: &'static str,
    text: &'static str,
) -> Site {
    Site {
        host,
        url,
        token,
        kind,
        title,
        text,
    }
}

pub(crate) const SITES: &[Site] = &[
    site(
        "iwf.testfiltering.com",
        "http://iwf.testfiltering.com/",
        "TestFiltering",
        Kind::MustBlock,
        "TestFiltering: IWF list test page",
        "This is a TestFiltering test page in the IWF list category. A school web filter must \
         block it: if you can read this, the filter on this network let it through.",
    ),
    site(
        "ctiru.testfiltering.com",
        "https://ctiru.testfiltering.com/",
        "TestFiltering",
        Kind::MustBlock,
        "TestFiltering: CTIRU list test page",
        "This is a TestFiltering test page in the CTIRU (unlawful terrorist content) category. A \
         school web filter must block it: if you can read this, the filter on this network let \
         it through.",
    ),
    site(
        "testfiltering.pornhub.com",
        "https://testfiltering.pornhub.com/",
        "TestFiltering",
        Kind::MustBlock,
        "TestFiltering: adult content test page",
        "This is a TestFiltering test page in the adult content category. A school web filter \
         must block it: if you can read this, the filter on this network let it through.",
    ),
    site(
        "swearing.testfiltering.com",
        "https://swearing.testfiltering.com/",
        "TestFiltering",
        Kind::MustBlock,
        "TestFiltering: offensive language test page",
        "This is a TestFiltering test page in the offensive language category. A school web \
         filter must block it: if you can read this, the filter on this network let it through.",
    ),
    site(
        "www.ceop.police.uk",
        "https://www.ceop.police.uk/ceop-reporting/",
        "CEOP",
        Kind::MustLoad,
        "CEOP Safety Centre: make a report",
        "Are you worried about online sexual abuse or the way someone has been communicating \
         with you online? Make a report to one of CEOP's Child Protection Advisors.",
    ),
    site(
        "www.childline.org.uk",
        "https://www.childline.org.uk/",
        "Childline",
        Kind::MustLoad,
        "Childline: get help and advice",
        "Childline is here to help anyone under 19 in the UK with any issue they're going \
         through. You can talk about anything: call 0800 1111.",
    ),
    site(
        "www.nspcc.org.uk",
        "https://www.nspcc.org.uk/",
        "NSPCC",
        Kind::MustLoad,
        "NSPCC: the UK children's charity",
        "The NSPCC works to prevent child abuse and neglect. If you're worried about a child, \
         contact the NSPCC helpline.",
    ),
    site(
        "report.iwf.org.uk",
        "https://report.iwf.org.uk/",
        "Internet Watch Foundation",
        Kind::MustLoad,
        "Internet Watch Foundation: report child sexual abuse imagery",
        "Report images and videos of child sexual abuse to the Internet Watch Foundation. You \
         can report anonymously and confidentially.",
    ),
    site(
        "saferinternet.org.uk",
        "https://saferinternet.org.uk/",
        "UK Safer Internet Centre",
        Kind::MustLoad,
        "UK Safer Internet Centre",
        "Online safety tips, advice and resources to help children and young people stay safe \
         online, from the UK Safer Internet Centre.",
    ),
    site(
        "www.bbc.co.uk",
        "https://www.bbc.co.uk/bitesize",
        "Bitesize",
        Kind::MustLoad,
        "Bitesize: free homework help",
        "Bitesize: free online learning resources for all ages, from primary school to GCSE.",
    ),
    site(
        "en.wikipedia.org",
        "https://en.wikipedia.org/wiki/Main_Page",
        "Wikipedia",
        Kind::MustLoad,
        "Wikipedia, the free encyclopedia",
        "Welcome to Wikipedia, the free encyclopedia that anyone can edit.",
    ),
    site(
        "www.gov.uk",
        "https://www.gov.uk/",
        "GOV.UK",
        Kind::MustLoad,
        "Welcome to GOV.UK",
        "GOV.UK: the best place to find government services and information.",
    ),
    site(
        "dns.google",
        "https://dns.google/dns-query?dns=AAABAAABAAAAAAAAE2NhcmV0YWtlci1kb2gtY2hlY2sHZXhhbXBsZQAAAQAB",
        DOH_TOKEN,
        Kind::Bypass,
        "Google Public DNS: DNS over HTTPS",
        "A stand-in for Google Public DNS's answer to caretaker-doh-check.example: a browser \
         that can read this can look names up past the school's resolver.",
    ),
    site(
        "cloudflare-dns.com",
        "https://cloudflare-dns.com/dns-query?dns=AAABAAABAAAAAAAAE2NhcmV0YWtlci1kb2gtY2hlY2sHZXhhbXBsZQAAAQAB",
        DOH_TOKEN,
        Kind::Bypass,
        "Cloudflare 1.1.1.1: DNS over HTTPS",
        "A stand-in for Cloudflare's answer to caretaker-doh-check.example: a browser that can \
         read this can look names up past the school's resolver.",
    ),
    site(
        "dns.quad9.net",
        "https://dns.quad9.net/dns-query?dns=AAABAAABAAAAAAAAE2NhcmV0YWtlci1kb2gtY2hlY2sHZXhhbXBsZQAAAQAB",
        DOH_TOKEN,
        Kind::Bypass,
        "Quad9: DNS over HTTPS",
        "A stand-in for Quad9's answer to caretaker-doh-check.example: a browser that can read \
         this can look names up past the school's resolver.",
    ),
    site(
        "doh.opendns.com",
        "https://doh.opendns.com/dns-query?dns=AAABAAABAAAAAAAAE2NhcmV0YWtlci1kb2gtY2hlY2sHZXhhbXBsZQAAAQAB",
        DOH_TOKEN,
        Kind::Bypass,
        "OpenDNS: DNS over HTTPS",
        "A stand-in for OpenDNS's answer to caretaker-doh-check.example: a browser that can read \
         this can look names up past the school's resolver.",
    ),
    site(
        VPN_LET_THROUGH,
        "https://protonvpn.com/",
        "Proton VPN",
        Kind::Bypass,
        "Proton VPN: fast and secure",
        "Proton VPN hides your browsing from your network. Download the app and connect.",
    ),
    site(
        "nordvpn.com",
        "https://nordvpn.com/",
        "NordVPN",
        Kind::Bypass,
        "NordVPN: online security",
        "NordVPN encrypts your traffic so that your network cannot see it.",
    ),
    site(
        "www.expressvpn.com",
        "https://www.expressvpn.com/",
        "ExpressVPN",
        Kind::Bypass,
        "ExpressVPN: a VPN for every device",
        "ExpressVPN keeps your browsing private on any network.",
    ),
    site(
        "www.croxyproxy.com",
        "https://www.croxyproxy.com/",
        "CroxyProxy",
        Kind::Bypass,
        "CroxyProxy: a free web proxy",
        "CroxyProxy opens any site through our servers: type its address below.",
    ),
    site(
        "www.proxysite.com",
        "https://www.proxysite.com/",
        "ProxySite",
        Kind::Bypass,
        "ProxySite: free web proxy",
        "ProxySite lets you visit any site anonymously through our web proxy.",
    ),
    site(
        "forcesafesearch.google.com",
        "http://forcesafesearch.google.com/",
        "SafeSearch on",
        Kind::SafeSearch,
        "Google (SafeSearch on)",
        "Google Search with SafeSearch on: explicit results are filtered out.",
    ),
    site(
        "strict.bing.com",
        "http://strict.bing.com/",
        "Strict SafeSearch",
        Kind::SafeSearch,
        "Bing (Strict SafeSearch)",
        "Microsoft Bing with Strict SafeSearch: adult text, images and videos are filtered out.",
    ),
    site(
        "restrict.youtube.com",
        "http://restrict.youtube.com/",
        "Restricted Mode",
        Kind::SafeSearch,
        "YouTube (Restricted Mode)",
        "YouTube in strict Restricted Mode: potentially mature videos are hidden.",
    ),
    site(
        "safe.duckduckgo.com",
        "http://safe.duckduckgo.com/",
        "Safe search: strict",
        Kind::SafeSearch,
        "DuckDuckGo (safe search strict)",
        "DuckDuckGo with Safe search: strict. Adult content is filtered out.",
    ),
    site(
        "detectportal.firefox.com",
        CONTROL_URL,
        "success",
        Kind::Control,
        "",
        "",
    ),
    site(
        BLOCK_HOST,
        "http://block.stexample.lab/",
        BLOCK_SENTENCE,
        Kind::BlockPage,
        "Page blocked",
        BLOCK_SENTENCE,
    ),
    site(
        "scratch.mit.edu",
        "https://scratch.mit.edu/",
        "Scratch",
        Kind::Own,
        "Scratch - Imagine, Program, Share",
        "Scratch: create stories, games and animations; unblocked for pupils after a risk assessment.",
    ),
];

/// St. Example's own `[[filter.test]]` sites (beside the built-in list).
pub(crate) fn own_tests() -> impl Iterator<Item = &'static Site> {
    SITES.iter().filter(|s| s.kind == Kind::Own)
}

/// The HTML of the filter's block page (the block host serves it; squid's deny page is the same).
pub(crate) fn block_page() -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Page blocked</title></head>\n\
         <body>\n<h1>Page blocked</h1>\n<p>{BLOCK_SENTENCE}</p>\n\
         <p>If you think this page should not be blocked, tell your teacher or the school office.</p>\n\
         </body>\n</html>\n"
    )
}

/// The sentence of Riverside's filter product's block page (its block server answers every
/// blocked name with it, status 200).
pub(crate) const RIVERSIDE_BLOCK_SENTENCE: &str =
    "Riverside SafeSurf has stopped this page from opening.";

/// Riverside's block page: sent with status 200 in place of the page that was asked for.
pub(crate) fn riverside_block_page() -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>SafeSurf</title></head>\n\
         <body>\n<h1>SafeSurf</h1>\n<p>{RIVERSIDE_BLOCK_SENTENCE}</p>\n\
         <p>Reference: category policy 4. Ask your class teacher if you need this page for your work.</p>\n\
         </body>\n</html>\n"
    )
}

impl Site {
    /// The file the web server sends for any path on this host, and its name.
    pub fn page(&self) -> (&'static str, String) {
        match self.kind {
            Kind::Control => ("success.txt", CONTROL_BODY.to_string()),
            Kind::BlockPage => ("index.html", block_page()),
            Kind::MustBlock | Kind::MustLoad | Kind::Own | Kind::Bypass | Kind::SafeSearch => (
                "index.html",
                format!(
                    "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{t}</title></head>\n\
                     <body>\n<h1>{t}</h1>\n<p>{x}</p>\n\
                     <p><small>A stand-in page on the lab network of caretaker's sample school, not the real site.</small></p>\n\
                     </body>\n</html>\n",
                    t = self.title,
                    x = self.text
                ),
            ),
        }
    }
}

/// The test URL of `host` (empty for a host that is not in the list).
pub(crate) fn url_of(host: &str) -> &'static str {
    SITES.iter().find(|s| s.host == host).map_or("", |s| s.url)
}

/// Every host name of the lab's internet.
pub(crate) fn hosts() -> impl Iterator<Item = &'static str> {
    SITES.iter().map(|s| s.host)
}

/// The bypass sites (must not load for pupils).
pub(crate) fn bypass_hosts() -> impl Iterator<Item = &'static str> {
    SITES
        .iter()
        .filter(|s| s.kind == Kind::Bypass)
        .map(|s| s.host)
}

/// The test hosts on the must-block list.
pub(crate) fn must_block_hosts() -> impl Iterator<Item = &'static str> {
    SITES
        .iter()
        .filter(|s| s.kind == Kind::MustBlock)
        .map(|s| s.host)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TOKENS: &[&str] = &[
        "TestFiltering",
        "CEOP",
        "Childline",
        "NSPCC",
        "Internet Watch Foundation",
        "UK Safer Internet Centre",
        "Bitesize",
        "Wikipedia",
        "GOV.UK",
        "Scratch",
        "caretaker-doh-check",
        "Proton VPN",
        "NordVPN",
        "ExpressVPN",
        "CroxyProxy",
        "ProxySite",
        "SafeSearch on",
        "Strict SafeSearch",
        "Restricted Mode",
        "Safe search: strict",
    ];

    #[test]
    fn every_page_holds_its_own_token_and_no_other() {
        for s in SITES {
            let (_, body) = s.page();
            assert!(body.contains(s.token), "{}: {body}", s.host);
            for t in TOKENS.iter().filter(|t| **t != s.token) {
                assert!(!body.contains(t), "{} holds {t}: {body}", s.host);
            }
            assert!(s.url.contains(&format!("://{}/", s.host)), "{}", s.url);
            if s.kind != Kind::BlockPage {
                assert!(!body.contains("blocked by"), "{}", s.host);
            }
        }
        let control = SITES.iter().find(|s| s.kind == Kind::Control).unwrap();
        assert_eq!(control.page().1, "success\n");
        assert_eq!(bypass_hosts().count(), 9);
        assert_eq!(
            SITES.iter().filter(|s| s.kind == Kind::SafeSearch).count(),
            4
        );
        for (_, safe) in ENGINES {
            assert!(SITES
                .iter()
                .any(|s| s.host == *safe && s.kind == Kind::SafeSearch));
        }
        assert_eq!(must_block_hosts().count(), 4);
        assert_eq!(SITES.iter().filter(|s| s.kind == Kind::MustLoad).count(), 8);
        for t in TOKENS {
            assert!(!block_page().contains(t), "{t}");
        }
    }
}
