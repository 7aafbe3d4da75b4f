//! caretaker-lab: "St. Example's Primary", a sample school of real directory servers on loopback.
//!
//! [`SampleSchool::start`] brings up an OpenLDAP server (slapd with ppolicy) on two free ports of
//! 127.0.0.1 and a Samba Active Directory domain controller on its own loopback address
//! 127.0.X.Y, fills both with the school's staff and pupils (with a few problems planted on
//! purpose, see [`SampleSchool::planted_problems`]), and writes a `caretaker.toml` that audits
//! them. The README's first command and the integration tests use it; so does the
//! `caretaker-lab` binary (`up`, `down`, `status`).
//!
//! Traffic stays on 127.0.0.0/8. Every wait has a deadline. A missing server is an error that
//! names the Debian packages to install. Secrets are files of mode 0600 in folders of mode 0700.

mod error;
pub mod filter;
mod hosts;
mod ldif;
mod mail;
mod openldap;
mod postgres;
mod process;
mod riverside;
mod samba;
mod school;
mod tls;
mod trust;
mod util;

use std::fmt::Write as _;
use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

pub use error::LabError;
pub use hosts::LabHost;
pub use ldif::{parse_ldif, LdapEntry};
pub use openldap::{OpenLdap, LDAP_BASE_DN, LDAP_CARETAKER_DN};
pub use postgres::{TrustDb, POSTGRES_INSTALL, TRUST_DATABASE, TRUST_OWNER};
pub use process::{group_members, pid_alive};
pub use riverside::{RIVERSIDE_BASE_DN, RIVERSIDE_CARETAKER_DN};
pub use samba::{SambaAd, AD_BASE_DN, AD_CARETAKER_DN, AD_DOMAIN, AD_REALM};
pub use school::Planted;
pub use trust::{TrustLab, TrustMember, TRUST_READER};
pub use util::{free_port, write_secret};

/// What to start.
#[derive(Debug, Clone)]
pub struct LabOptions {
    /// Start the OpenLDAP server.
    pub openldap: bool,
    /// Start the Samba AD domain controller (needs root).
    pub active_directory: bool,
    /// Where the lab keeps its state. `None`: a fresh temporary folder, removed by `stop`.
    pub dir: Option<PathBuf>,
}

impl Default for LabOptions {
    fn default() -> Self {
        LabOptions {
            openldap: true,
            active_directory: true,
            dir: None,
        }
    }
}

/// Which sample school to start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum School {
    /// St. Example's Primary: OpenLDAP and Active Directory with OUs per year group (`Year1`…),
    /// `-admin` admin accounts, GNOME desktops with ClamAV, squid answering blocked pages with 403.
    #[default]
    Example,
    /// Riverside Primary Academy, built unlike the first: OpenLDAP only, pupils under intake-year
    /// OUs, `adm.` admin accounts in an OU of their own, a default password policy that governs
    /// some staff, LightDM/KDE machines with other anti-virus products, and a filter that answers
    /// blocked pages with its own page and HTTP 200, and a DNS sinkhole for another group.
    Riverside,
}

impl School {
    /// The school's name.
    pub fn name(self) -> &'static str {
        match self {
            School::Example => "St. Example's Primary",
            School::Riverside => "Riverside Primary Academy",
        }
    }
}

/// What to start besides the directories of [`LabOptions`] (kept apart from it so that code that
/// builds `LabOptions` with a struct literal keeps compiling).
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Start the school's machines: one private sshd per machine on its own loopback address
    /// (needs root). Linux machines run caretaker's real probe against a file tree of their own;
    /// Windows and macOS machines are simulated (recorded probe output).
    pub hosts: bool,
    /// Extra individual pupils in the OpenLDAP directory (for benchmarks).
    pub bulk_pupils: usize,
    /// Start the school's web filter (needs root): squid with a block page, dnsmasq as the
    /// resolver, nginx as "the internet" (the test sites, no traffic leaves the machine), and
    /// pupil, staff and guest machines in network namespaces of their own.
    pub filter: bool,
    /// Which school.
    pub school: School,
    /// Start the school's mail server (aiosmtpd, STARTTLS required) and send the daemon's alerts
    /// to it (`[alert]`): the DSL's and the network manager's mailboxes are its maildir.
    pub mail: bool,
}

/// The running sample school. Dropping it stops every server it started.
#[derive(Debug)]
pub struct SampleSchool {
    school: School,
    openldap: Option<OpenLdap>,
    ad: Option<SambaAd>,
    hosts: Vec<LabHost>,
    filter: Option<filter::FilterLab>,
    mail: Option<mail::MailServer>,
    dir: PathBuf,
    config_path: PathBuf,
    user_password: String,
    startup: Duration,
    detached: bool,
    stopped: bool,
    /// Declared last: removed after the servers have stopped.
    tempdir: Option<tempfile::TempDir>,
}

/// The files of a lab folder that the lab writes (and removes before starting again).
const LAB_FILES: &[&str] = &[
    "caretaker.toml",
    "README.txt",
    "pids",
    "known_hosts",
    "mail_server.py",
    "filter-change-assessment.toml",
];
const LAB_DIRS: &[&str] = &[
    "ldap", "ad", "tls", "secrets", "logs", "hosts", "filter", "mail", "mis",
];

impl SampleSchool {
    /// Starts the sample school. With `opts.dir` set, a lab already running there is stopped
    /// first and its servers' state replaced (other files, e.g. caretaker's store, are kept).
    /// The servers stay in the caller's process group (Ctrl-C stops them too) and stop when the
    /// value is dropped.
    pub fn start(opts: LabOptions) -> Result<SampleSchool, LabError> {
        Self::start_inner(opts, false, &Extras::default())
    }

    /// Like [`SampleSchool::start`], with [`Extras`] (e.g. the school's machines).
    pub fn start_with(opts: LabOptions, extras: Extras) -> Result<SampleSchool, LabError> {
        Self::start_inner(opts, false, &extras)
    }

    /// Like [`SampleSchool::start_detachable`], with [`Extras`] (`caretaker-lab up`).
    pub fn start_detachable_with(
        opts: LabOptions,
        extras: Extras,
    ) -> Result<SampleSchool, LabError> {
        Self::start_inner(opts, true, &extras)
    }

    /// Like [`SampleSchool::start_detachable`], with `bulk_pupils` extra individual pupils in the
    /// OpenLDAP directory (`bulk000000`, …, spread over Year 1 to Year 6), for benchmarks.
    pub fn start_detachable_with_bulk(
        opts: LabOptions,
        bulk_pupils: usize,
    ) -> Result<SampleSchool, LabError> {
        Self::start_inner(
            opts,
            true,
            &Extras {
                hosts: false,
                bulk_pupils,
                filter: false,
                school: School::Example,
                mail: false,
            },
        )
    }

    /// Like [`SampleSchool::start`], but the servers get process groups of their own, so that
    /// after [`SampleSchool::detach`] they outlive this process and its terminal
    /// (`caretaker-lab up`).
    pub fn start_detachable(opts: LabOptions) -> Result<SampleSchool, LabError> {
        Self::start_inner(opts, true, &Extras::default())
    }

    fn start_inner(
        opts: LabOptions,
        detachable: bool,
        extras: &Extras,
    ) -> Result<SampleSchool, LabError> {
        let started = Instant::now();
        let bulk_pupils = extras.bulk_pupils;
        if (opts.active_directory || extras.hosts || extras.filter)
            && !nix::unistd::geteuid().is_root()
        {
            return Err(LabError::NeedsRoot);
        }
        let (tempdir, dir) = match &opts.dir {
            Some(d) => {
                util::private_dir(d)?;
                let d = fs::canonicalize(d).map_err(|e| LabError::io("resolving", d, e))?;
                stop_dir(&d)?;
                for f in LAB_FILES {
                    let p = d.join(f);
                    if p.exists() {
                        fs::remove_file(&p).map_err(|e| LabError::io("removing", &p, e))?;
                    }
                }
                for sub in LAB_DIRS {
                    let p = d.join(sub);
                    if p.exists() {
                        fs::remove_dir_all(&p).map_err(|e| LabError::io("removing", &p, e))?;
                    }
                }
                (None, d)
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("caretaker-lab-")
                    .tempdir()
                    .map_err(|e| {
                        LabError::io("creating a temporary folder", std::env::temp_dir(), e)
                    })?;
                let d = fs::canonicalize(t.path())
                    .map_err(|e| LabError::io("resolving", t.path(), e))?;
                (Some(t), d)
            }
        };
        util::private_dir(&dir.join("secrets"))?;
        util::private_dir(&dir.join("logs"))?;
        let ca = tls::LabCa::create(&dir.join("tls"))?;
        let user_password = util::random_password()?;
        write_secret(&dir.join("secrets").join("users.pass"), &user_password)?;
        let now = OffsetDateTime::now_utc();

        // The servers start at once (Samba's part is the slow one).
        let (ldap, ad, hosts) = std::thread::scope(|s| {
            let ldap = s.spawn(|| {
                opts.openldap
                    .then(|| {
                        OpenLdap::start(
                            &dir,
                            &ca,
                            &user_password,
                            now,
                            detachable,
                            bulk_pupils,
                            extras.school,
                        )
                    })
                    .transpose()
            });
            let ad = s.spawn(|| {
                // Riverside Primary Academy has no Active Directory.
                (opts.active_directory && extras.school == School::Example)
                    .then(|| SambaAd::start(&dir, &ca, &user_password, now, detachable))
                    .transpose()
            });
            let hosts = s.spawn(|| {
                if extras.hosts {
                    hosts::start(&dir, now, detachable, extras.school)
                } else {
                    Ok(Vec::new())
                }
            });
            (join(ldap), join(ad), join(hosts))
        });
        // On an error, whatever did start is stopped when it is dropped here.
        let (ldap, ad, hosts) = (ldap?, ad?, hosts?);
        let filter = if extras.filter {
            let client_pub = hosts::ensure_client_key(&dir)?;
            Some(filter::FilterLab::start(
                &dir,
                &ca,
                &client_pub,
                detachable,
                extras.school,
            )?)
        } else {
            None
        };

        let mail = if extras.mail {
            Some(mail::MailServer::start(&dir, &ca, detachable)?)
        } else {
            None
        };
        let mut school = SampleSchool {
            school: extras.school,
            openldap: ldap,
            ad,
            hosts,
            filter,
            mail,
            config_path: dir.join("caretaker.toml"),
            dir,
            user_password,
            startup: Duration::ZERO,
            detached: false,
            stopped: false,
            tempdir,
        };
        school.write_pids()?;
        if let Some(f) = &school.filter {
            // The vantage machines' host keys are trusted like the other machines'.
            let path = school.known_hosts();
            let mut known = fs::read_to_string(&path).unwrap_or_default();
            for line in f.known_hosts_lines() {
                known.push_str(&line);
                known.push('\n');
            }
            util::write_file(&path, &known)?;
        }
        if let Some(ad) = &school.ad {
            // The Windows machines are computer objects in AD too, for `[[hosts.discover]]`; their
            // dNSHostName is the lab address they answer on (port 22), so nothing is looked up.
            let windows: Vec<(String, String, &str)> = school
                .hosts
                .iter()
                .filter(|h| h.os() == "windows" && h.port() == 22)
                .map(|h| {
                    (
                        h.name().to_string(),
                        h.address().to_string(),
                        "Windows 11 Education",
                    )
                })
                .collect();
            ad.add_computers(&windows)?;
        }
        if school.ad.is_some() && school.school == School::Example {
            // The management information system's staff export: personal data, so 0600.
            let roster = school.dir.join(school::AD_ROSTER);
            if let Some(folder) = roster.parent() {
                fs::create_dir_all(folder).map_err(|e| LabError::io("creating", folder, e))?;
            }
            write_secret(
                &roster,
                &school::ad_staff_roster(OffsetDateTime::now_utc().date()),
            )?;
        }
        util::write_file(&school.config_path, &school.config_toml())?;
        util::write_file(&school.dir.join("README.txt"), &school.readme())?;
        if let Some(toml) = school
            .filter
            .as_ref()
            .and_then(|f| f.change_assessment_toml())
        {
            util::write_file(&school.dir.join("filter-change-assessment.toml"), &toml)?;
        }
        school.startup = started.elapsed();
        Ok(school)
    }

    fn write_pids(&self) -> Result<(), LabError> {
        let mut s = String::new();
        if let Some(l) = &self.openldap {
            let _ = writeln!(s, "slapd {}", l.pid());
        }
        if let Some(a) = &self.ad {
            let _ = writeln!(s, "samba {} {}", a.pid(), a.address());
        }
        for h in &self.hosts {
            let _ = writeln!(s, "sshd {} {} {}", h.pid(), h.address(), h.name());
        }
        if let Some(m) = &self.mail {
            let _ = writeln!(s, "mail {}", m.pid());
        }
        util::write_file(&self.dir.join("pids"), &s)
    }

    /// Which school this is.
    pub fn school(&self) -> School {
        self.school
    }

    /// The lab folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// DIR/caretaker.toml.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The OpenLDAP server, if it was started.
    pub fn openldap(&self) -> Option<&OpenLdap> {
        self.openldap.as_ref()
    }

    /// The Active Directory server, if it was started.
    pub fn ad(&self) -> Option<&SambaAd> {
        self.ad.as_ref()
    }

    /// The school's machines that were started (empty without [`Extras::hosts`]).
    pub fn hosts(&self) -> &[LabHost] {
        &self.hosts
    }

    /// The web filter, if it was started.
    pub fn filter(&self) -> Option<&filter::FilterLab> {
        self.filter.as_ref()
    }

    /// The mail server the alerts go to, if it was started.
    pub fn mail(&self) -> Option<&mail::MailServer> {
        self.mail.as_ref()
    }

    /// DIR/known_hosts: the machines' host keys (pre-trusted).
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// DIR/secrets/host_key: the private key every machine authorises for root.
    pub fn host_key(&self) -> PathBuf {
        self.dir.join("secrets").join("host_key")
    }

    /// The password of every ordinary account in both directories (also in
    /// DIR/secrets/users.pass), for tests that log in as a pupil or a teacher.
    pub fn user_password(&self) -> &str {
        &self.user_password
    }

    /// How long `start` took.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// The problems planted on purpose in the directories and machines that were started: what
    /// caretaker must find (and nothing else).
    pub fn planted_problems(&self) -> Vec<Planted> {
        let mut v = match self.school {
            School::Example => school::planted(self.openldap.is_some(), self.ad.is_some()),
            // Riverside has no Active Directory.
            School::Riverside if self.openldap.is_some() => riverside::planted(),
            School::Riverside => Vec::new(),
        };
        if !self.hosts.is_empty() {
            v.extend(hosts::planted(self.school));
        }
        if let Some(f) = &self.filter {
            v.extend(f.planted());
            v.extend(f.planted_mail());
        }
        v
    }

    /// Stops every server and removes the loopback address; removes the folder if the lab made
    /// it. Idempotent; `Drop` calls it.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if let Some(l) = &self.openldap {
            l.stop();
        }
        if let Some(a) = &self.ad {
            a.stop();
        }
        for h in &self.hosts {
            h.stop();
        }
        if let Some(f) = &self.filter {
            f.stop();
        }
        if let Some(m) = &self.mail {
            m.stop();
        }
        let _ = fs::remove_file(self.dir.join("pids"));
        if let Some(t) = self.tempdir.take() {
            let _ = t.close();
        }
    }

    /// Leaves the servers running after this value is gone (`caretaker-lab up`); they are
    /// stopped later with [`stop_dir`]. Returns the lab folder (kept even if it was temporary).
    /// Use it on a lab from [`SampleSchool::start_detachable`].
    pub fn detach(mut self) -> PathBuf {
        self.detached = true;
        if let Some(l) = &self.openldap {
            l.detach();
        }
        if let Some(a) = &self.ad {
            a.detach();
        }
        for h in &self.hosts {
            h.detach();
        }
        if let Some(f) = &self.filter {
            f.detach();
        }
        if let Some(m) = &self.mail {
            m.detach();
        }
        if let Some(t) = self.tempdir.take() {
            let _ = t.keep();
        }
        self.dir.clone()
    }

    fn config_toml(&self) -> String {
        let mut s = format!(
            "# {name}: a sample school of caretaker-lab. Written by `caretaker-lab`;\n\
             # the servers run on loopback only. See README.txt for what is wrong on purpose.\n\
             version = 1\n\n[school]\nname = \"{name}\"\n\n[store]\npath = \"caretaker.db\"\n\n\
             [audit]\ntimeout_secs = 120\nconcurrency = 8\n",
            name = self.school.name()
        );
        if let Some(f) = &self.filter {
            // The school's mail domains, looked up through the lab resolver (nothing leaves the
            // machine): [school] is the table just written.
            let domains: Vec<String> = f
                .mail_domains()
                .iter()
                .map(|d| format!("\"{d}\""))
                .collect();
            s = s.replacen(
                "\n\n[store]",
                &format!("\nmail_domains = [{}]\n\n[store]", domains.join(", ")),
                1,
            );
            let _ = write!(
                s,
                "\n# The mail domains' SPF and DMARC records: asked of the lab resolver.\n\
                 [mail]\nresolver = \"{}\"\ntimeout_secs = 3\n",
                f.resolver()
            );
        }
        if let (Some(l), School::Riverside) = (&self.openldap, self.school) {
            s.push_str(&riverside::directory_toml(l.ldaps_url()));
        } else if let Some(l) = &self.openldap {
            let base = LDAP_BASE_DN;
            let _ = write!(
                s,
                "\n[[directory]]\nname = \"ldap\"\nkind = \"openldap\"\nurl = \"{url}\"\n\
                 ca_file = \"tls/ca.pem\"\nbind_dn = \"{LDAP_CARETAKER_DN}\"\n\
                 bind_password_file = \"secrets/ldap.pass\"\nbase_dn = \"{base}\"\n\
                 timeout_secs = 10\npage_size = 500\nstale_after_days = 180\n\n\
                 [directory.populations.staff]\nous = [\"ou=Staff,ou=People,{base}\"]\n\
                 [directory.populations.pupils]\nous = [\"ou=Pupils,ou=People,{base}\"]\n\
                 [directory.populations.admins]\ngroups = [\"cn=admins,ou=Groups,{base}\"]\n",
                url = l.ldaps_url(),
            );
            year_groups(&mut s, &format!("ou=Pupils,ou=People,{base}"), "ou");
        }
        if let Some(a) = &self.ad {
            let base = AD_BASE_DN;
            let _ = write!(
                s,
                "\n[[directory]]\nname = \"ad\"\nkind = \"active-directory\"\nurl = \"{url}\"\n\
                 ca_file = \"tls/ca.pem\"\nbind_dn = \"{AD_CARETAKER_DN}\"\n\
                 bind_password_file = \"secrets/ad.pass\"\nbase_dn = \"{base}\"\n\
                 timeout_secs = 10\npage_size = 500\nstale_after_days = 180\n\n\
                 [directory.populations.staff]\nous = [\"OU=Staff,{base}\"]\n\
                 [directory.populations.pupils]\nous = [\"OU=Pupils,{base}\"]\n\
                 [directory.populations.admins]\ngroups = [\"CN=Domain Admins,CN=Users,{base}\"]\n",
                url = a.ldaps_url(),
            );
            year_groups(&mut s, &format!("OU=Pupils,{base}"), "OU");
            if self.school == School::Example {
                let _ = write!(
                    s,
                    "\n# The school's SIMS staff export (who is here, and leaving dates).\n\
                     [[directory.roster]]\npath = \"{}\"\nformat = \"sims\"\n\
                     covers = [\"staff\"]\nmax_age_days = 7\n",
                    school::AD_ROSTER
                );
            }
        }
        if !self.hosts.is_empty() || self.filter.is_some() {
            s.push_str(
                "\n[hosts]\nknown_hosts = \"known_hosts\"\nuser = \"root\"\n\
                 key_file = \"secrets/host_key\"\nconnect_timeout_secs = 5\n\
                 command_timeout_secs = 20\n",
            );
        }
        if !self.hosts.is_empty() {
            s.push_str(&hosts::config_toml(&self.hosts, self.school));
            if self.ad.is_some() {
                let _ = write!(
                    s,
                    "\n# The Windows machines are computer objects in AD too: those found there and\n\
                     # not listed above would be checked as well.\n\
                     [[hosts.discover]]\ndirectory = \"ad\"\nbase_dn = \"{}\"\n",
                    samba::COMPUTERS_OU
                );
            }
        }
        if let Some(m) = &self.mail {
            let domain = match self.school {
                School::Example => "stexample.lab",
                School::Riverside => "riverside.lab",
            };
            let _ = write!(
                s,
                "\n# The daemon's alerts (an IWF or CTIRU page reachable, a machine's SSH key changed):\n\
                 # the lab's mail server, STARTTLS with the lab's certificate; see README.txt.\n\
                 [alert]\nemail_to = [\"dsl@{domain}\", \"network.manager@{domain}\"]\n\
                 email_from = \"caretaker@{domain}\"\nsmtp_server = \"{addr}\"\n\
                 smtp_ca_file = \"tls/ca.pem\"\nsmtp_user = \"{user}\"\n\
                 smtp_password_file = \"secrets/smtp.pass\"\n",
                addr = m.address(),
                user = mail::SMTP_USER,
            );
        }
        if let Some(f) = &self.filter {
            match f.office_proxy() {
                Some(office) => {
                    let _ = write!(
                        s,
                        "\n# The web filter (see README.txt): this machine through the office proxy, and the\n\
                         # pupil, staff, guest and BYOD machines over SSH, where curl runs the tests.\n\
                         [filter]\ntimeout_secs = 10\nconnect_timeout_secs = 3\nconcurrency = 8\n\
                         ca_file = \"tls/ca.pem\"\nblock_hosts = [\"block.stexample.lab\"]\n\
                         # The BYOD network's resolver answers must-block names with this address.\n\
                         sinkhole_addresses = [\"{sinkhole}\"]\n\
                         # The BYOD network is for pupils' own devices: encrypted-DNS, VPN and\n\
                         # web-proxy sites must be blocked there too.\n\
                         pupil_groups = [\"pupil\", \"byod\"]\n\n\
                         [[filter.block_page]]\nname = \"St. Example's web filter\"\n\
                         text = \"{sentence}\"\n\n\
                         # The office's machines look names up with the lab resolver.\n\
                         [[filter.vantage]]\nname = \"admin-office\"\ngroup = \"staff\"\nsite = \"office\"\n\
                         proxy = \"{office}\"\nresolver = \"{resolver}\"\n",
                        sinkhole = f.sinkhole_address(),
                        sentence = f.block_sentence(),
                        resolver = f.resolver(),
                    );
                    s.push_str(&f.own_tests_toml());
                }
                None => {
                    // What a network manager knows about their own filter: its block page's
                    // words, and the address its DNS filtering answers with on the networks that
                    // have no block page.
                    let _ = write!(
                        s,
                        "\n# The web filter (see README.txt): the pupil, staff, guest and BYOD machines over\n\
                         # SSH, where curl runs the tests. SafeSurf answers blocked pages with its own page.\n\
                         [filter]\ntimeout_secs = 10\nconnect_timeout_secs = 3\nconcurrency = 8\n\
                         ca_file = \"tls/ca.pem\"\n\
                         # The guest and BYOD networks' DNS filtering answers blocked names with this address.\n\
                         sinkhole_addresses = [\"{sinkhole}\"]\n\n\
                         [[filter.block_page]]\nname = \"SafeSurf\"\ntext = \"{sentence}\"\n",
                        sinkhole = f.sinkhole_address(),
                        sentence = f.block_sentence(),
                    );
                }
            }
            for v in f.vantages() {
                let _ = write!(
                    s,
                    "\n[[filter.vantage]]\nname = \"{n}\"\ngroup = \"{g}\"\nsite = \"main\"\nhost = \"{n}\"\n",
                    n = v.name,
                    g = v.group
                );
                if let Some(p) = &v.proxy {
                    let _ = writeln!(s, "proxy = \"{p}\"");
                }
            }
            for v in f.vantages() {
                let _ = write!(
                    s,
                    "\n[[host]]\nname = \"{}\"\naddress = \"{}\"\nport = {}\nos = \"linux\"\n\
                     roles = [\"filter-vantage\"]\n# Only a vantage point for the filter tests.\naudit = false\n",
                    v.name, v.address, v.port
                );
            }
        }
        s
    }

    fn readme(&self) -> String {
        let title = format!("{}: a sample school of caretaker-lab", self.school.name());
        let mut s = format!(
            "{title}\n{rule}\n\n\
             Real directory servers on loopback, filled with the school's staff and pupils.\n\
             caretaker.toml audits them: `caretaker audit --config caretaker.toml`.\n\
             Stop them with `caretaker-lab down --dir <this folder>`.\n\n",
            rule = "=".repeat(title.chars().count()),
        );
        if let Some(l) = &self.openldap {
            let _ = writeln!(
                s,
                "OpenLDAP:         {} (StartTLS on {}), base {}",
                l.ldaps_url(),
                l.ldap_url(),
                l.base_dn()
            );
        }
        if let Some(a) = &self.ad {
            let _ = writeln!(
                s,
                "Active Directory: {} (Samba, realm {}), base {}",
                a.ldaps_url(),
                AD_REALM,
                AD_BASE_DN
            );
        }
        if !self.hosts.is_empty() {
            s.push_str(
                "\nMachines (SSH as root with secrets/host_key; their host keys are in known_hosts):\n",
            );
            for h in &self.hosts {
                let _ = writeln!(
                    s,
                    "  {:<13} {:<8} {}:{:<5} {}",
                    h.name(),
                    h.os(),
                    h.address(),
                    h.port(),
                    if h.simulated() {
                        "SIMULATED: answers every command with hosts/<name>/probe-output.json"
                    } else {
                        "real probe, reading the files under hosts/<name>/root (CARETAKER_ROOT)"
                    }
                );
            }
            s.push_str(hosts::readme(self.school));
        }
        s.push_str(
            "Trust tls/ca.pem. Passwords: secrets/ (ldap.pass, ad.pass: caretaker's read-only\n\
             accounts; ldap-root.pass, ad-admin.pass: the servers' admins; users.pass: every\n\
             ordinary account).\n\n\
             Planted problems (scope check target: what), one per line; the scope is the\n\
             directory (ldap, ad), \"hosts\" for a machine, \"filter\" for a vantage point,\n\
             or \"mail\" for a mail domain:\n",
        );
        for p in self.planted_problems() {
            let _ = writeln!(s, "{} {} {}: {}", p.directory, p.check, p.target, p.what);
        }
        s.push('\n');
        s.push_str(match self.school {
            School::Example => {
                "Not problems: EYFS and Reception use class logins (eyfs.class, reception.class) and\n\
                 are exempt; old.leaver (AD) is disabled (also with PASSWD_NOTREQD); r.singh-admin and\n\
                 adm.b.okafor (Ben Okafor's, paired with b.okafor by name) are separate admin accounts;\n\
                 j.testa is a person; g.leaver (400+ days, no password) and techtest (a test login)\n\
                 (OpenLDAP) are locked for good; the pupils' and the default ppolicy entries are\n\
                 judged as policies of their own.\n"
            }
            School::Riverside => riverside::not_problems(),
        });
        if let Some(f) = &self.filter {
            s.push('\n');
            s.push_str(&f.readme());
        }
        if let Some(m) = &self.mail {
            let _ = write!(
                s,
                "\nMail: {addr} (aiosmtpd; STARTTLS, then a login as {user} with\n\
                 secrets/smtp.pass). `caretaker daemon --config caretaker.toml` emails its alerts\n\
                 ([alert]) here; every message lands in {maildir}/new.\n",
                addr = m.address(),
                user = mail::SMTP_USER,
                maildir = m.maildir().display(),
            );
        }
        s
    }
}

fn year_groups(s: &mut String, pupils_dn: &str, ou_kw: &str) {
    for y in school::YEARS {
        let _ = write!(
            s,
            "\n[[directory.year_groups]]\nname = \"{name}\"\nou = \"{ou_kw}={name},{pupils_dn}\"\n\
             exempt = {exempt}\n",
            name = y.ou,
            exempt = y.exempt,
        );
        if !y.exempt {
            // The roll is the number of individual pupil accounts (a shared class login is not one).
            let _ = writeln!(s, "roll = {}", y.pupils.len());
        }
    }
}

fn join<T>(h: std::thread::ScopedJoinHandle<'_, Result<T, LabError>>) -> Result<T, LabError> {
    h.join()
        .unwrap_or_else(|_| Err(LabError::State("a start-up thread panicked".into())))
}

impl Drop for SampleSchool {
    fn drop(&mut self) {
        if !self.detached {
            self.stop();
        }
    }
}

/// A server recorded in DIR/pids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedServer {
    /// `slapd`, `samba` or `sshd`.
    pub name: String,
    pub pid: u32,
    /// Samba's or a machine's loopback address.
    pub address: Option<Ipv4Addr>,
}

/// The servers DIR/pids lists (empty if there is no such file).
pub fn recorded_servers(dir: &Path) -> Result<Vec<RecordedServer>, LabError> {
    let path = dir.join("pids");
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(LabError::io("reading", &path, e)),
    };
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut it = line.split_whitespace();
        let name = it.next().unwrap_or_default().to_string();
        let pid = it.next().and_then(|p| p.parse().ok());
        let address = it.next().and_then(|a| a.parse().ok());
        match (name.as_str(), pid) {
            ("slapd" | "samba" | "sshd" | "mail", Some(pid)) => {
                out.push(RecordedServer { name, pid, address })
            }
            _ => {
                return Err(LabError::State(format!(
                    "{}: unexpected line {line:?}",
                    path.display()
                )))
            }
        }
    }
    Ok(out)
}

/// Whether a recorded server is still running (and is really this lab's).
pub fn server_running(dir: &Path, s: &RecordedServer) -> bool {
    process::pid_alive(s.pid) && process::belongs_to(s.pid, dir)
}

/// Stops the servers a lab in `dir` left running (`caretaker-lab down`): their whole process
/// groups, then Samba's loopback address. Returns how many were running. No-op without DIR/pids.
pub fn stop_dir(dir: &Path) -> Result<usize, LabError> {
    let servers = recorded_servers(dir)?;
    let mut stopped = 0;
    for s in &servers {
        if process::stop_detached(s.pid, dir, Duration::from_secs(10)) {
            stopped += 1;
        }
        if let Some(addr) = s.address {
            samba::remove_alias(addr)?;
        }
    }
    stopped += filter::stop_dir(dir)?;
    let pids = dir.join("pids");
    if pids.exists() {
        fs::remove_file(&pids).map_err(|e| LabError::io("removing", &pids, e))?;
    }
    Ok(stopped)
}
