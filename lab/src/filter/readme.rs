//! The web filter's section of the lab's README.txt.

use std::fmt::Write as _;

use super::config::PROXY_PORT;
use super::net::{filtering, Filtering};
use super::planted::{
    BYOD_CANARY_PROBLEM, BYOD_VPN_PROBLEM, GUEST_PROBLEM, GUEST_SAFE_SEARCH_PROBLEM, PUPIL_CHANGE,
    PUPIL_PROBLEM, PUPIL_UNBLOCKED, RIVERSIDE_GUEST_PROBLEM, RIVERSIDE_PUPIL_PROBLEM,
    RIVERSIDE_STAFF_PROBLEM, STAFF_PROBLEM,
};
use super::sites;
use super::FilterLab;
use crate::School;

impl FilterLab {
    /// A section for the lab's README.txt.
    pub fn readme(&self) -> String {
        let plan = self.network.plan;
        let mut s = format!(
            "The web filter\n--------------\n\
             The school's web filter runs on a lab network of its own, 10.{r}.0.0/16, inside this\n\
             machine: nothing it does leaves the machine. Four vantage machines, each a network\n\
             namespace with its own SSH server (root, with the lab's client key), stand for the\n\
             school's networks:\n\n",
            r = plan.r
        );
        for v in &self.vantages {
            let how = match (&v.proxy, filtering(self.school, v.group)) {
                (Some(p), _) => format!("its browsers use the proxy {p}"),
                (None, Filtering::BlockPageDns) => format!(
                    "no proxy: its resolver answers blocked names with the block server {}, \
                     which shows SafeSurf's block page with status 200",
                    plan.block_server()
                ),
                (None, Filtering::DnsSinkhole) => format!(
                    "no proxy: its resolver answers must-block names with the sinkhole {}",
                    plan.sinkhole()
                ),
                (None, _) => "no proxy: it goes straight to the internet".into(),
            };
            let _ = writeln!(
                s,
                "  {name:<13} {group} network, {addr} (namespace {ns}); {how}",
                name = v.name,
                group = v.group,
                addr = v.address,
                ns = v.netns,
            );
        }
        if self.school == School::Riverside {
            let _ = write!(
                s,
                "\nRiverside's filter is a DNS product (\"SafeSurf\"): each network's gateway runs its\n\
                 resolver (dnsmasq, with that network's list); there is no proxy. Blocked names on the\n\
                 pupil and staff networks resolve to the block server {block}, where nginx answers\n\
                 every request, HTTP or HTTPS (the lab CA's certificate for every test name, which the\n\
                 school's machines trust), with the block page and status 200:\n\
                 \"{sentence}\". On the guest and BYOD networks they resolve to the sinkhole {sinkhole},\n\
                 where nothing answers. \"The internet\" is one address, {web}.\n\n\
                 Planted problems:\n\
                 - {RIVERSIDE_PUPIL_PROBLEM}\n- {RIVERSIDE_STAFF_PROBLEM}\n- {RIVERSIDE_GUEST_PROBLEM}\n\
                 Not problems: the pupil network blocks the IWF, CTIRU and offensive-language pages\n\
                 with the block page (status 200); the staff network loads Childline and the other\n\
                 safeguarding sites; the BYOD network sinkholes all four test pages. Every network\n\
                 locks safe search on (www.google.com is a CNAME to forcesafesearch.google.com, and\n\
                 so on), answers neither Firefox's encrypted-DNS canary nor Apple's Private Relay\n\
                 canaries (NXDOMAIN), and blocks the encrypted-DNS, VPN and web-proxy sites.\n\n\
                 To look by hand (as root; KEY is the lab's client key):\n\
                 \x20 ssh -i KEY root@{pupil_addr} curl -sS -i --cacert {ca} https://iwf.testfiltering.com/\n\
                 Logs: {logs}.\n",
                block = plan.block_server(),
                sentence = sites::RIVERSIDE_BLOCK_SENTENCE,
                sinkhole = plan.sinkhole(),
                web = plan.web(),
                pupil_addr = plan.machine(1),
                ca = self.ca_pem.display(),
                logs = self.dir.join("logs").display(),
            );
            return s;
        }
        let _ = write!(
            s,
            "  this machine  the office: caretaker's own vantage point, proxy {office}\n\n\
             The proxy is squid; the lab resolver is dnsmasq ({resolver}, and port 53 of the pupil\n\
             and staff networks' gateways), which knows only the test sites (every other name is\n\
             NXDOMAIN) and answers the search engines with a CNAME to their safe-search hosts\n\
             (www.google.com to forcesafesearch.google.com, and so on). The guest and BYOD networks\n\
             have resolvers of their own on their gateways.\n\
             \"The internet\" is one address, {web}, where nginx serves every test site over HTTP and\n\
             HTTPS with a certificate from the lab CA ({ca}).\n\n\
             Planted problems:\n\
             - {PUPIL_PROBLEM}\n- {PUPIL_UNBLOCKED}\n- {STAFF_PROBLEM}\n- {GUEST_PROBLEM}\n\
             - {GUEST_SAFE_SEARCH_PROBLEM}\n- {BYOD_CANARY_PROBLEM}\n- {BYOD_VPN_PROBLEM}\n\
             - {PUPIL_CHANGE}\n\
             \x20 ./scripts/sample-school does that: it audits the filter as it was, records the\n\
             \x20 approved risk assessment for scratch.mit.edu, then makes the change and audits.\n\
             The office proxy filters correctly (the four test sites blocked, nothing else), and so\n\
             does the BYOD network's DNS filtering (a sinkhole for the four test sites). Their\n\
             look-alikes: every other network locks safe search on (and squid sends a search\n\
             engine asked for over HTTP to its safe-search host); every other resolver answers\n\
             Firefox's canary use-application-dns.net with NXDOMAIN, and all of them Apple's Private\n\
             Relay canaries; squid blocks every encrypted-DNS, VPN and web-proxy site on the pupil\n\
             port, protonvpn.com among them (staff may reach them). caretaker.toml counts the BYOD\n\
             network as pupils' (filter.pupil_groups).\n\n\
             To look by hand (as root; KEY is the lab's client key):\n\
             \x20 ip netns exec {pupil_ns} curl -sS --cacert {ca} -x {pupil_proxy} https://swearing.testfiltering.com/\n\
             \x20 curl -sS -x {office} http://iwf.testfiltering.com/\n\
             \x20 ssh -i KEY root@{guest_addr} curl -sS --cacert {ca} https://testfiltering.pornhub.com/\n\
             A command run over SSH on a vantage machine resolves names with the lab resolver (the\n\
             machine has its own /etc/resolv.conf); `ip netns exec` alone keeps this machine's, so\n\
             without a proxy add --resolve NAME:443:{web}. The lab CA is installed nowhere: pass\n\
             --cacert. Logs: {logs}.\n",
            office = self.office_proxy().unwrap_or_default(),
            resolver = self.resolver(),
            web = plan.web(),
            ca = self.ca_pem.display(),
            pupil_ns = plan.netns("pupil"),
            pupil_proxy = format_args!("http://{}:{PROXY_PORT}", plan.gateway(1)),
            guest_addr = plan.machine(3),
            logs = self.dir.join("logs").display(),
        );
        s
    }
}
