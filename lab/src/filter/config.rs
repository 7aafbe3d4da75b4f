//! The servers' configuration files: dnsmasq (the lab resolver), nginx (the sites), squid (the
//! school's filtering proxy, with the planted problems) and each vantage machine's sshd.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::Path;

use super::net::{filtering, Filtering, Plan, GROUPS};
use super::sites::{self, Kind, SITES};
use crate::School;

/// squid's port names (`myportname` ACLs).
pub(crate) const PUPIL_PORT: &str = "pupil";
pub(crate) const STAFF_PORT: &str = "staff";
pub(crate) const OFFICE_PORT: &str = "office";
pub(crate) const PROXY_PORT: u16 = 3128;

/// squid's block page template name (in the lab's error directory).
pub(crate) const BLOCK_TEMPLATE: &str = "ERR_ST_EXAMPLE_BLOCKED";

/// The host over-blocked on the staff network (planted).
pub(crate) const CHILDLINE: &str = "www.childline.org.uk";
/// The host the pupil network forgets to block (planted).
pub(crate) const SWEARING: &str = "swearing.testfiltering.com";
/// The must-block host let through for pupils with no risk assessment (planted): a filter change
/// once an earlier run saw it blocked ([`super::FilterLab::before_the_change`]).
pub(crate) const UNASSESSED_UNBLOCK: &str = "ctiru.testfiltering.com";
/// The school's own test site unblocked for pupils after an approved risk assessment (the
/// look-alike of [`UNASSESSED_UNBLOCK`]).
pub(crate) const ASSESSED_UNBLOCK: &str = "scratch.mit.edu";
/// The squid line before which [`super::FilterLab::before_the_change`] puts back what pupils'
/// filter blocked before the change.
pub(crate) const PUPIL_UNBLOCKED_LINE: &str = "http_access allow pupil_port unblocked_for_pupils\n";

/// One of a school's mail domains, as the lab resolver publishes it: its SPF record and its
/// DMARC record (at `_dmarc.<domain>`), if any.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MailDomain {
    pub domain: &'static str,
    pub spf: &'static str,
    pub dmarc: Option<&'static str>,
}

/// St. Example's mail domains: the school's own, set up right (the look-alike), and the PTA's,
/// with SPF but no DMARC policy (planted: mail.dmarc).
pub(crate) const EXAMPLE_MAIL: &[MailDomain] = &[
    MailDomain {
        domain: "stexample.lab",
        spf: "v=spf1 include:spf.protection.outlook.com -all",
        dmarc: Some("v=DMARC1; p=reject; rua=mailto:dmarc-reports@stexample.lab"),
    },
    MailDomain {
        domain: "stexample-pta.lab",
        spf: "v=spf1 include:_spf.google.com ~all",
        dmarc: None,
    },
];

/// Riverside's mail domain: SPF right, and a DMARC policy that only reports (planted: p=none).
pub(crate) const RIVERSIDE_MAIL: &[MailDomain] = &[MailDomain {
    domain: "riverside.lab",
    spf: "v=spf1 mx include:spf.protection.outlook.com -all",
    dmarc: Some("v=DMARC1; p=none; rua=mailto:dmarc-reports@riverside.lab"),
}];

/// The mail domains of `school`.
pub(crate) fn mail_domains(school: School) -> &'static [MailDomain] {
    match school {
        School::Example => EXAMPLE_MAIL,
        School::Riverside => RIVERSIDE_MAIL,
    }
}

/// How a resolver answers the search engines' names: with their locked safe-search hosts (a
/// CNAME to forcesafesearch.google.com, as the engines document for schools), or, on a network
/// that does not lock safe search, with the engines' own address (10.R.9.90, where the lab
/// serves nothing: only the answer matters).
fn search_engines(plan: &Plan, locked: bool) -> String {
    let mut s = String::new();
    for (engine, safe) in sites::ENGINES {
        if locked {
            let _ = writeln!(s, "cname={engine},{safe}");
        } else {
            let _ = writeln!(s, "host-record={engine},{}", plan.search_engines());
        }
    }
    s
}

/// The lab resolver: on its loopback address, and on the gateways of `school`'s networks behind
/// the proxy. Safe search is locked on; the canaries are NXDOMAIN (it knows no other names).
pub(crate) fn dnsmasq(plan: &Plan, school: School) -> String {
    let mut s = String::from(
        "# caretaker-lab web filter: the lab resolver. It knows the lab's sites and nothing else\n\
         # (NXDOMAIN for every other name) and has no upstream servers.\n\
         no-resolv\nno-hosts\nno-poll\nbind-interfaces\nport=53\ncache-size=0\npid-file=\n\
         user=nobody\ngroup=nogroup\nlog-facility=-\nlog-queries\nlocal=/#/\n",
    );
    let _ = writeln!(s, "listen-address={}", plan.resolver());
    for (group, octet, _) in GROUPS {
        if filtering(school, group) == Filtering::Proxy {
            let _ = writeln!(s, "listen-address={}", plan.gateway(octet));
        }
    }
    for host in sites::hosts() {
        let _ = writeln!(s, "host-record={host},{}", plan.web());
    }
    s.push_str(&search_engines(plan, true));
    for m in mail_domains(school) {
        let _ = writeln!(s, "txt-record={},\"{}\"", m.domain, m.spf);
        if let Some(d) = m.dmarc {
            let _ = writeln!(s, "txt-record=_dmarc.{},\"{d}\"", m.domain);
        }
    }
    s
}

/// The resolver of St. Example's unfiltered networks (the guest network's gateway): every site
/// as it is, and the search engines as themselves (planted: safe search is not locked on).
pub(crate) fn dnsmasq_unfiltered(plan: &Plan) -> String {
    let mut s = String::from(
        "# caretaker-lab web filter: the unfiltered networks' resolver. It knows the lab's sites\n\
         # and the search engines (answered as themselves: safe search is not locked on).\n\
         no-resolv\nno-hosts\nno-poll\nbind-interfaces\nport=53\ncache-size=0\npid-file=\n\
         user=nobody\ngroup=nogroup\nlog-facility=-\nlog-queries\nlocal=/#/\n",
    );
    for (group, octet, _) in GROUPS {
        if filtering(School::Example, group) == Filtering::Nothing {
            let _ = writeln!(s, "listen-address={}", plan.gateway(octet));
        }
    }
    for host in sites::hosts() {
        let _ = writeln!(s, "host-record={host},{}", plan.web());
    }
    s.push_str(&search_engines(plan, false));
    s
}

/// The DNS-filtering resolver of the networks filtered by a sinkhole (on their gateways): the
/// must-block test sites and the bypass sites resolve to the sinkhole address (all but one VPN
/// site, planted), the other sites as everywhere, safe search locked on, and Firefox's canary
/// answered (planted); NXDOMAIN for every other name; no upstream servers.
pub(crate) fn dnsmasq_sinkhole(plan: &Plan) -> String {
    let mut s = String::from(
        "# caretaker-lab web filter: the DNS-filtering resolver. Must-block names are answered\n\
         # with the sinkhole address; it knows the lab's other sites and nothing else.\n\
         no-resolv\nno-hosts\nno-poll\nbind-interfaces\nport=53\ncache-size=0\npid-file=\n\
         user=nobody\ngroup=nogroup\nlog-facility=-\nlog-queries\nlocal=/#/\n",
    );
    for (group, octet, _) in GROUPS {
        if filtering(School::Example, group) == Filtering::DnsSinkhole {
            let _ = writeln!(s, "listen-address={}", plan.gateway(octet));
        }
    }
    for site in SITES {
        let blocked = site.kind == Kind::MustBlock
            || (site.kind == Kind::Bypass && site.host != sites::VPN_LET_THROUGH);
        let to = if blocked { plan.sinkhole() } else { plan.web() };
        let _ = writeln!(s, "host-record={},{to}", site.host);
    }
    s.push_str(&search_engines(plan, true));
    // Planted: the DNS filter answers Firefox's canary, so Firefox turns encrypted DNS on.
    let _ = writeln!(s, "host-record={},{}", sites::DOH_CANARY, plan.web());
    s
}

/// The test site Riverside's pupil network forgets to block (planted).
pub(crate) const RIVERSIDE_PUPIL_MISSES: &str = "testfiltering.pornhub.com";
/// The test site Riverside's guest network forgets to sinkhole (planted).
pub(crate) const RIVERSIDE_GUEST_MISSES: &str = "ctiru.testfiltering.com";
/// The site Riverside's staff network blocks although it must load (planted over-blocking).
pub(crate) const RIVERSIDE_STAFF_OVERBLOCKS: &str = "www.bbc.co.uk";

/// Where Riverside's resolver on `group`'s network sends `host`: the block server, the sinkhole,
/// or the site itself. The planted problems are here.
pub(crate) fn riverside_answer(plan: &Plan, group: &str, host: &str, kind: Kind) -> Ipv4Addr {
    let blocked_to = match filtering(School::Riverside, group) {
        Filtering::DnsSinkhole => plan.sinkhole(),
        _ => plan.block_server(),
    };
    let blocked = match group {
        _ if kind == Kind::Bypass => true,
        "pupil" => kind == Kind::MustBlock && host != RIVERSIDE_PUPIL_MISSES,
        "staff" => kind == Kind::MustBlock || host == RIVERSIDE_STAFF_OVERBLOCKS,
        "guest" => kind == Kind::MustBlock && host != RIVERSIDE_GUEST_MISSES,
        _ => kind == Kind::MustBlock,
    };
    if blocked {
        blocked_to
    } else {
        plan.web()
    }
}

/// Riverside's filtering resolver of one network (on its gateway): the filter product's DNS,
/// which answers blocked names (the bypass sites too, for everyone) with its block server (pupil
/// and staff networks) or with the sinkhole (guest and BYOD networks); the lab's other sites as
/// everywhere; safe search locked on; NXDOMAIN for every other name (the canaries too); no
/// upstream servers.
pub(crate) fn riverside_resolver(plan: &Plan, group: &str, octet: u8) -> String {
    let mut s = format!(
        "# caretaker-lab web filter: Riverside's filtering resolver for the {group} network.\n\
         no-resolv\nno-hosts\nno-poll\nbind-interfaces\nport=53\ncache-size=0\npid-file=\n\
         user=nobody\ngroup=nogroup\nlog-facility=-\nlog-queries\nlocal=/#/\n\
         listen-address={}\n",
        plan.gateway(octet)
    );
    for site in SITES {
        let to = riverside_answer(plan, group, site.host, site.kind);
        let _ = writeln!(s, "host-record={},{to}", site.host);
    }
    s.push_str(&search_engines(plan, true));
    s
}

/// nginx's server for Riverside's block server: the block page, status 200, whatever was asked
/// (over HTTPS with the lab's certificate for every test name, which the school's machines
/// trust, as schools deploy their filter's certificate).
pub(crate) fn nginx_block_server(plan: &Plan, root: &Path) -> String {
    format!(
        "    server {{\n        listen {a}:80 default_server;\n        listen {a}:443 ssl default_server;\n\
         \x20       server_name _;\n        root {r};\n        default_type text/html;\n\
         \x20       location / {{\n            try_files /index.html =404;\n        }}\n    }}\n",
        a = plan.block_server(),
        r = root.display(),
    )
}

pub(crate) fn nginx(plan: &Plan, web: &Path, logs: &Path, cert: &Path, key: &Path) -> String {
    let w = web.display();
    let l = logs.display();
    let mut s = format!(
        "# caretaker-lab web filter: the lab's internet, every site on {a}, chosen by Host / SNI.\n\
         daemon off;\nmaster_process on;\nworker_processes 1;\nuser root root;\n\
         pid {w}/nginx.pid;\nlock_file {w}/nginx.lock;\nerror_log {l}/nginx-error.log warn;\n\
         events {{\n    worker_connections 512;\n}}\n\
         http {{\n\
         \x20   access_log {l}/nginx-access.log;\n\
         \x20   client_body_temp_path {w}/tmp/body;\n\
         \x20   proxy_temp_path {w}/tmp/proxy;\n\
         \x20   fastcgi_temp_path {w}/tmp/fastcgi;\n\
         \x20   uwsgi_temp_path {w}/tmp/uwsgi;\n\
         \x20   scgi_temp_path {w}/tmp/scgi;\n\
         \x20   types {{\n        text/html html;\n        text/plain txt;\n    }}\n\
         \x20   default_type text/plain;\n\
         \x20   server_tokens off;\n\
         \x20   ssl_certificate {cert};\n\
         \x20   ssl_certificate_key {key};\n\
         \x20   ssl_protocols TLSv1.2 TLSv1.3;\n\
         \x20   server {{\n\
         \x20       listen {a}:80 default_server;\n\
         \x20       listen {a}:443 ssl default_server;\n\
         \x20       server_name _;\n\
         \x20       return 404 \"No such site on the lab's internet.\\n\";\n\
         \x20   }}\n",
        a = plan.web(),
        cert = cert.display(),
        key = key.display(),
    );
    for site in SITES {
        let (file, _) = site.page();
        let _ = write!(
            s,
            "    server {{\n        listen {a}:80;\n        listen {a}:443 ssl;\n\
             \x20       server_name {host};\n        root {w}/sites/{host};\n\
             \x20       location / {{\n            try_files /{file} =404;\n        }}\n    }}\n",
            a = plan.web(),
            host = site.host,
        );
    }
    s.push_str("}\n");
    s
}

/// squid: the pupil and staff ports on their gateways, the office port on loopback. `errors` is
/// the error directory as squid sees it (an inherited descriptor: squid reads it after it has
/// become the `proxy` user, who cannot enter the lab folder).
pub(crate) fn squid(
    plan: &Plan,
    office_port: u16,
    squid_dir: &Path,
    errors: &str,
    user: &str,
) -> String {
    let gw = |group: &str| {
        GROUPS
            .iter()
            .find(|(g, _, _)| *g == group)
            .map(|(_, o, _)| plan.gateway(*o))
            .unwrap_or(Ipv4Addr::UNSPECIFIED)
    };
    let blocked: Vec<&str> = sites::must_block_hosts()
        .filter(|h| *h != SWEARING)
        .collect();
    let bypass: Vec<&str> = sites::bypass_hosts().collect();
    let mut engines = String::new();
    let mut rewrites = String::new();
    for (i, (engine, safe)) in sites::ENGINES.iter().enumerate() {
        let _ = writeln!(engines, "acl search_engine_{i} dstdomain -n {engine}");
        let _ = writeln!(rewrites, "http_access deny !CONNECT search_engine_{i}");
        let _ = writeln!(rewrites, "deny_info 302:http://{safe}/ search_engine_{i}");
    }
    let mut s = format!(
        "# caretaker-lab web filter: St. Example's filtering proxy.\n\
         # Planted problems: the pupil port lets {SWEARING} through, and {UNASSESSED_UNBLOCK}\n\
         # since a change no risk assessment covers; the staff port also blocks {CHILDLINE}.\n\
         # The office port filters correctly.\n\
         http_port {pupil}:{PROXY_PORT} name={PUPIL_PORT}\n\
         http_port {staff}:{PROXY_PORT} name={STAFF_PORT}\n\
         http_port 127.0.0.1:{office_port} name={OFFICE_PORT}\n\
         visible_hostname proxy.stexample.lab\n\
         cache_effective_user {user}\n\
         pid_filename {dir}/squid.pid\n\
         cache_log /dev/stderr\n\
         access_log stdio:/dev/stdout\n\
         logfile_rotate 0\n\
         coredump_dir none\n\
         netdb_filename none\n\
         pinger_enable off\n\
         cache deny all\n\
         cache_mem 8 MB\n\
         server_persistent_connections off\n\
         shutdown_lifetime 0 seconds\n\
         connect_timeout 10 seconds\n\
         read_timeout 60 seconds\n\
         dns_nameservers {resolver}\n\
         hosts_file none\n\
         error_directory {errors}\n\
         \n\
         acl {PUPIL_PORT}_port myportname {PUPIL_PORT}\n\
         acl {STAFF_PORT}_port myportname {STAFF_PORT}\n\
         acl {OFFICE_PORT}_port myportname {OFFICE_PORT}\n\
         acl must_block dstdomain -n {blocked}\n\
         acl offensive_language dstdomain -n {SWEARING}\n\
         acl childline dstdomain -n {CHILDLINE}\n\
         acl unblocked_for_pupils dstdomain -n {UNASSESSED_UNBLOCK}\n\
         acl bypass_sites dstdomain -n {bypass}\n\
         {engines}\
         acl SSL_ports port 443\n\
         acl Safe_ports port 80 443\n\
         acl CONNECT method CONNECT\n\
         # Only the lab's internet: an address typed in (not a name, which only the lab resolver\n\
         # answers) must be one of its own.\n\
         acl address_typed dstdom_regex -n ^[0-9.]+$ ^\\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*\\]?$\n\
         acl lab_internet dst {internet}\n\
         \n\
         http_access deny !Safe_ports\n\
         http_access deny CONNECT !SSL_ports\n\
         http_access deny address_typed !lab_internet\n\
         # Safe search on every port: a search engine asked for over HTTP is sent to its\n\
         # safe-search host (over HTTPS the resolver's CNAME does it).\n\
         {rewrites}\
         # Pupils may not reach encrypted-DNS services, VPNs or web proxies (staff may).\n\
         http_access deny {PUPIL_PORT}_port bypass_sites\n\
         # Pupils: the offensive-language test site is missing from the list (planted), and\n\
         # {UNASSESSED_UNBLOCK} was let through with no risk assessment (planted);\n\
         # {ASSESSED_UNBLOCK} is not blocked, after an approved one.\n\
         {PUPIL_UNBLOCKED_LINE}\
         http_access deny {PUPIL_PORT}_port must_block\n\
         # Staff: the whole list, and Childline too (planted over-blocking).\n\
         http_access deny {STAFF_PORT}_port must_block\n\
         http_access deny {STAFF_PORT}_port offensive_language\n\
         http_access deny {STAFF_PORT}_port childline\n\
         # The office (caretaker's own vantage point on this machine): the list, nothing else.\n\
         http_access deny {OFFICE_PORT}_port must_block\n\
         http_access deny {OFFICE_PORT}_port offensive_language\n\
         http_access allow all\n\
         deny_info {BLOCK_TEMPLATE} must_block\n\
         deny_info {BLOCK_TEMPLATE} offensive_language\n\
         deny_info {BLOCK_TEMPLATE} childline\n\
         deny_info {BLOCK_TEMPLATE} bypass_sites\n",
        pupil = gw("pupil"),
        staff = gw("staff"),
        dir = squid_dir.display(),
        resolver = plan.resolver(),
        blocked = blocked.join(" "),
        bypass = bypass.join(" "),
        internet = plan.internet_prefix(),
    );
    debug_assert!(SITES
        .iter()
        .any(|s| s.host == SWEARING && s.kind == Kind::MustBlock));
    debug_assert!(PUPIL_UNBLOCKED_LINE.starts_with(&format!("http_access allow {PUPIL_PORT}_port")));
    s.push('\n');
    s
}

/// A vantage machine's sshd.
pub(crate) fn sshd(address: Ipv4Addr, host_key: &Path, authorized_keys: &Path) -> String {
    format!(
        "# caretaker-lab web filter: a vantage machine's SSH server.\n\
         ListenAddress {address}:22\nAddressFamily inet\nHostKey {key}\nPidFile none\n\
         AuthorizedKeysFile {auth}\nPubkeyAuthentication yes\nPasswordAuthentication no\n\
         KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
         PermitRootLogin prohibit-password\nAllowUsers root\nPrintMotd no\nPrintLastLog no\n\
         LogLevel VERBOSE\n",
        key = host_key.display(),
        auth = authorized_keys.display(),
    )
}

/// A vantage machine's /etc/hosts.
pub(crate) fn etc_hosts(address: Ipv4Addr, name: &str) -> String {
    format!("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{address}\t{name}\n")
}

/// The host's nsswitch.conf with host names looked up in files and DNS only (not, say,
/// systemd-resolved, which lives outside the machine's namespace).
pub(crate) fn nsswitch(host: &str) -> String {
    let mut out = String::new();
    let mut seen = false;
    for line in host.lines() {
        if line.trim_start().starts_with("hosts:") {
            if !seen {
                out.push_str("hosts:          files dns\n");
            }
            seen = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !seen {
        out.push_str("hosts:          files dns\n");
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn squid_plants_exactly_two_problems() {
        let plan = Plan { r: 231 };
        let s = squid(
            &plan,
            40000,
            Path::new("/x/filter/squid"),
            "/dev/fd/3",
            "proxy",
        );
        assert!(s.contains("http_port 10.231.1.1:3128 name=pupil"), "{s}");
        assert!(s.contains("http_port 10.231.2.1:3128 name=staff"), "{s}");
        assert!(s.contains("http_port 127.0.0.1:40000 name=office"), "{s}");
        assert!(s.contains(
            "acl must_block dstdomain -n iwf.testfiltering.com ctiru.testfiltering.com testfiltering.pornhub.com\n"
        ));
        assert!(!s.contains("deny pupil_port offensive_language"));
        assert!(!s.contains("deny office_port childline"));
        assert!(s.contains("deny staff_port childline"));
        assert!(s.contains("dns_nameservers 127.231.0.53\n"));
        let d = dnsmasq(&plan, School::Example);
        assert!(d.contains("host-record=www.gov.uk,10.231.9.80\n"), "{d}");
        // Pupils and staff behind the proxy; the guest network has a resolver of its own.
        assert!(d.contains("listen-address=10.231.1.1\n"));
        assert!(!d.contains("listen-address=10.231.3.1\n"));
        // Safe search locked on; the canaries unknown (NXDOMAIN).
        assert!(
            d.contains("cname=www.google.com,forcesafesearch.google.com\n"),
            "{d}"
        );
        assert!(
            d.contains("cname=duckduckgo.com,safe.duckduckgo.com\n"),
            "{d}"
        );
        assert!(d.contains("host-record=forcesafesearch.google.com,10.231.9.80\n"));
        assert!(
            !d.contains("use-application-dns.net") && !d.contains("icloud"),
            "{d}"
        );
        // Planted: the guest network's resolver answers the search engines as themselves.
        let g = dnsmasq_unfiltered(&plan);
        assert!(g.contains("listen-address=10.231.3.1\n"), "{g}");
        assert!(!g.contains("listen-address=10.231.1.1\n"), "{g}");
        assert!(
            g.contains("host-record=www.google.com,10.231.9.90\n"),
            "{g}"
        );
        assert!(!g.contains("cname="), "{g}");
        assert!(!g.contains("use-application-dns.net"), "{g}");
        // Squid: pupils may not reach the bypass sites, staff and the office may; every port
        // sends a search engine asked for over HTTP to its safe-search host.
        assert!(
            s.contains("http_access deny pupil_port bypass_sites\n"),
            "{s}"
        );
        assert!(!s.contains("deny staff_port bypass_sites"));
        assert!(!s.contains("deny office_port bypass_sites"));
        assert!(
            s.contains("acl bypass_sites dstdomain -n dns.google cloudflare-dns.com"),
            "{s}"
        );
        assert!(s.contains("protonvpn.com"), "{s}");
        assert!(
            s.contains("acl search_engine_0 dstdomain -n www.google.com\n"),
            "{s}"
        );
        assert!(
            s.contains("http_access deny !CONNECT search_engine_0\n"),
            "{s}"
        );
        assert!(s.contains("deny_info 302:http://forcesafesearch.google.com/ search_engine_0\n"));
        assert!(d.contains("local=/#/\n"));
        // No pid file: /var/run/dnsmasq.pid left by another dnsmasq must not stop this one.
        assert!(d.contains("pid-file=\n"), "{d}");
        // The school's mail domains: the PTA's has no DMARC record.
        assert!(d.contains(
            "txt-record=_dmarc.stexample.lab,\"v=DMARC1; p=reject; rua=mailto:dmarc-reports@stexample.lab\"\n"
        ), "{d}");
        assert!(
            d.contains("txt-record=stexample-pta.lab,\"v=spf1 include:_spf.google.com ~all\"\n"),
            "{d}"
        );
        assert!(!d.contains("_dmarc.stexample-pta.lab"), "{d}");
        let r = dnsmasq(&plan, School::Riverside);
        assert!(
            r.contains("txt-record=_dmarc.riverside.lab,\"v=DMARC1; p=none;"),
            "{r}"
        );
        assert!(!r.contains("txt-record=stexample"), "{r}");
        // The BYOD network has a resolver of its own: the must-block names go to the sinkhole.
        assert!(!d.contains("listen-address=10.231.4.1\n"), "{d}");
        let k = dnsmasq_sinkhole(&plan);
        assert!(k.contains("listen-address=10.231.4.1\n"), "{k}");
        assert!(!k.contains("listen-address=10.231.1.1\n"), "{k}");
        assert!(
            k.contains("host-record=iwf.testfiltering.com,10.231.8.1\n"),
            "{k}"
        );
        assert!(k.contains("host-record=www.gov.uk,10.231.9.80\n"), "{k}");
        assert!(k.contains("local=/#/\n"));
        // The BYOD DNS filter sinkholes the bypass sites but one VPN site, locks safe search on,
        // and answers Firefox's canary (both planted), not Apple's.
        assert!(k.contains("host-record=nordvpn.com,10.231.8.1\n"), "{k}");
        assert!(k.contains("host-record=dns.google,10.231.8.1\n"), "{k}");
        assert!(k.contains("host-record=protonvpn.com,10.231.9.80\n"), "{k}");
        assert!(k.contains("cname=www.bing.com,strict.bing.com\n"), "{k}");
        assert!(
            k.contains("host-record=use-application-dns.net,10.231.9.80\n"),
            "{k}"
        );
        assert!(!k.contains("icloud"), "{k}");
    }

    #[test]
    fn riverside_resolvers_plant_exactly_three_problems() {
        let plan = Plan { r: 231 };
        let block = "10.231.7.81";
        let sink = "10.231.8.1";
        let web = "10.231.9.80";
        let pupil = riverside_resolver(&plan, "pupil", 1);
        assert!(pupil.contains("listen-address=10.231.1.1\n"), "{pupil}");
        assert!(pupil.contains(&format!("host-record=iwf.testfiltering.com,{block}\n")));
        assert!(pupil.contains(&format!("host-record=swearing.testfiltering.com,{block}\n")));
        assert!(pupil.contains(&format!("host-record=testfiltering.pornhub.com,{web}\n")));
        assert!(pupil.contains(&format!("host-record=www.bbc.co.uk,{web}\n")));
        let staff = riverside_resolver(&plan, "staff", 2);
        assert!(staff.contains(&format!("host-record=www.bbc.co.uk,{block}\n")));
        assert!(staff.contains(&format!("host-record=www.childline.org.uk,{web}\n")));
        assert!(staff.contains(&format!("host-record=testfiltering.pornhub.com,{block}\n")));
        let guest = riverside_resolver(&plan, "guest", 3);
        assert!(guest.contains(&format!("host-record=ctiru.testfiltering.com,{web}\n")));
        assert!(guest.contains(&format!("host-record=iwf.testfiltering.com,{sink}\n")));
        let byod = riverside_resolver(&plan, "byod", 4);
        for site in SITES.iter().filter(|s| s.kind == Kind::MustBlock) {
            assert!(byod.contains(&format!("host-record={},{sink}\n", site.host)));
        }
        // Every Riverside network blocks the bypass sites and locks safe search on.
        for r in [&pupil, &staff, &guest, &byod] {
            assert!(
                r.contains("cname=www.youtube.com,restrict.youtube.com\n"),
                "{r}"
            );
            assert!(!r.contains("use-application-dns.net"), "{r}");
        }
        assert!(pupil.contains(&format!("host-record=protonvpn.com,{block}\n")));
        assert!(staff.contains(&format!("host-record=dns.google,{block}\n")));
        assert!(byod.contains(&format!("host-record=protonvpn.com,{sink}\n")));
        // The lab resolver serves none of Riverside's networks.
        let d = dnsmasq(&plan, School::Riverside);
        assert!(!d.contains("listen-address=10.231."), "{d}");
    }

    #[test]
    fn nsswitch_keeps_all_but_hosts() {
        let n = nsswitch("passwd: files systemd\nhosts: files resolve [!UNAVAIL=return] dns\n");
        assert_eq!(n, "passwd: files systemd\nhosts:          files dns\n");
        assert!(nsswitch("").contains("hosts:"));
    }
}
