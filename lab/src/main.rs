//! `caretaker-lab`: start, stop and inspect St. Example's Primary, the sample school on loopback.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use caretaker_lab::{
    recorded_servers, server_running, stop_dir, Extras, LabOptions, SampleSchool, School,
};
use clap::{Parser, Subcommand};

/// St. Example's Primary: a sample school of real directory servers (OpenLDAP, Samba Active
/// Directory) on loopback, for trying caretaker out and for its tests.
#[derive(Debug, Parser)]
#[command(name = "caretaker-lab", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Start the servers in the background and write DIR/caretaker.toml (its path is the last
    /// line printed). A lab already running in DIR is stopped first. Active Directory needs root.
    Up {
        /// The lab folder.
        #[arg(long, default_value = "lab-state")]
        dir: PathBuf,
        /// Leave out the Active Directory server (Samba).
        #[arg(long)]
        no_ad: bool,
        /// Leave out the OpenLDAP server.
        #[arg(long)]
        no_openldap: bool,
        /// Leave out the school's machines (one sshd each; Windows and macOS are simulated).
        #[arg(long)]
        no_hosts: bool,
        /// Leave out the web filter (squid, dnsmasq, nginx and three vantage machines in network
        /// namespaces; needs root).
        #[arg(long)]
        no_filter: bool,
        /// Leave out the mail server the daemon's alerts go to (aiosmtpd).
        #[arg(long)]
        no_mail: bool,
        /// Add this many extra individual pupils to the OpenLDAP directory (for benchmarks).
        #[arg(long, default_value_t = 0)]
        bulk_pupils: usize,
        /// Which sample school: `example` (St. Example's Primary) or `second` (Riverside Primary
        /// Academy, built unlike the first; OpenLDAP only).
        #[arg(long, default_value = "example", value_parser = ["example", "second"])]
        school: String,
    },
    /// Stop every server the lab in DIR started (exit 0 also when nothing was running).
    Down {
        /// The lab folder.
        #[arg(long, default_value = "lab-state")]
        dir: PathBuf,
    },
    /// Show whether the lab in DIR is running (exit 0: all its servers run; 1: not running).
    Status {
        /// The lab folder.
        #[arg(long, default_value = "lab-state")]
        dir: PathBuf,
    },
    /// A multi-academy trust: a PostgreSQL server (Debian's package, 127.0.0.1, TLS only) and
    /// SCHOOLS sample schools (OpenLDAP each: St. Example's Primary and Riverside Primary Academy
    /// in turn, each under a name and id of its own), every school added to the trust's database
    /// and its directory audited into it by caretaker (the `caretaker` beside this program, or
    /// $CARETAKER_BIN). Prints what the trust's reader sees, then keeps everything running until
    /// Ctrl-C (or, with --no-wait, stops at once). DIR holds owner.toml, reader.toml and the
    /// password files.
    Trust {
        /// The trust's folder.
        #[arg(long, default_value = "trust-state")]
        dir: PathBuf,
        /// How many schools (1 to 20).
        #[arg(long, default_value_t = 4)]
        schools: usize,
        /// Stop once every school has been audited.
        #[arg(long)]
        no_wait: bool,
    },
    /// Set St. Example's web filter as it was before the planted filter change (`before`: the
    /// CTIRU test page and Scratch blocked for pupils), or as it is after it (`after`, as `up`
    /// starts it). An audit before and one after see the change (the check `filter.changes`).
    FilterChange {
        /// The lab folder.
        #[arg(long, default_value = "lab-state")]
        dir: PathBuf,
        #[arg(value_parser = ["before", "after"])]
        when: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("caretaker-lab: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn nix_is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

fn absolute(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.is_absolute() {
        Ok(dir.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .context("reading the current folder")?
            .join(dir))
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Cmd::Up {
            dir,
            no_ad,
            no_openldap,
            no_hosts,
            no_filter,
            no_mail,
            bulk_pupils,
            school,
        } => {
            let dir = absolute(&dir)?;
            let school_kind = if school == "second" {
                School::Riverside
            } else {
                School::Example
            };
            let is_root = nix_is_root();
            if !no_hosts && !is_root {
                eprintln!(
                    "caretaker-lab: leaving out the school's machines: they need root (loopback \
                     addresses, sshd logging in as root); --no-hosts silences this"
                );
            }
            let school = SampleSchool::start_detachable_with(
                LabOptions {
                    openldap: !no_openldap,
                    active_directory: !no_ad && school_kind == School::Example,
                    dir: Some(dir),
                },
                Extras {
                    hosts: !no_hosts && is_root,
                    bulk_pupils,
                    filter: !no_filter && is_root,
                    school: school_kind,
                    mail: !no_mail,
                },
            )
            .context("starting the sample school")?;
            eprintln!(
                "{} is up in {:.1} s ({}):",
                school.school().name(),
                school.startup_time().as_secs_f64(),
                school.dir().display()
            );
            if let Some(l) = school.openldap() {
                eprintln!(
                    "  OpenLDAP          {}  (pid {}, base {})",
                    l.ldaps_url(),
                    l.pid(),
                    l.base_dn()
                );
            }
            if let Some(a) = school.ad() {
                eprintln!(
                    "  Active Directory  {}  (pid {}, realm {})",
                    a.ldaps_url(),
                    a.pid(),
                    a.realm()
                );
            }
            for h in school.hosts() {
                eprintln!(
                    "  host {:<13} {:<8} {}:{}  (pid {}{})",
                    h.name(),
                    h.os(),
                    h.address(),
                    h.port(),
                    h.pid(),
                    if h.simulated() { ", simulated" } else { "" }
                );
            }
            if let Some(m) = school.mail() {
                eprintln!(
                    "  mail              {}  (pid {}, STARTTLS; messages in {})",
                    m.address(),
                    m.pid(),
                    m.maildir().display()
                );
            }
            if let Some(f) = school.filter() {
                for v in f.vantages() {
                    eprintln!(
                        "  vantage {:<12} {:<6} {}  ({})",
                        v.name,
                        v.group,
                        v.address,
                        v.proxy
                            .as_deref()
                            .map(|p| format!("proxy {p}"))
                            .unwrap_or_else(|| "no proxy".into())
                    );
                }
                if let Some(office) = f.office_proxy() {
                    eprintln!("  office proxy      {office}");
                }
            }
            eprintln!(
                "  {} planted problems: see {}",
                school.planted_problems().len(),
                school.dir().join("README.txt").display()
            );
            eprintln!(
                "  next: caretaker audit --config {}",
                school.config_path().display()
            );
            eprintln!(
                "  stop: caretaker-lab down --dir {}",
                school.dir().display()
            );
            let config = school.config_path().to_path_buf();
            school.detach();
            println!("{}", config.display());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Down { dir } => {
            let dir = absolute(&dir)?;
            if !dir.exists() {
                eprintln!("no lab in {}: nothing to stop", dir.display());
                return Ok(ExitCode::SUCCESS);
            }
            let dir = std::fs::canonicalize(&dir).context("resolving the lab folder")?;
            let n = stop_dir(&dir).context("stopping the sample school")?;
            if n == 0 {
                eprintln!("nothing was running in {}", dir.display());
            } else {
                eprintln!("stopped {n} server(s) of {}", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Trust {
            dir,
            schools,
            no_wait,
        } => trust(&absolute(&dir)?, schools, no_wait),
        Cmd::FilterChange { dir, when } => {
            let dir = absolute(&dir)?;
            caretaker_lab::filter::change_detached(&dir, when == "before")
                .context("changing the sample school's web filter")?;
            eprintln!("St. Example's web filter is as it was {when} the change");
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Status { dir } => {
            let dir = absolute(&dir)?;
            let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
            let servers = recorded_servers(&dir)?;
            if servers.is_empty() {
                println!("not running: no lab in {}", dir.display());
                return Ok(ExitCode::FAILURE);
            }
            let mut all = true;
            for s in &servers {
                let running = server_running(&dir, s);
                all &= running;
                let addr = s.address.map(|a| format!(" on {a}")).unwrap_or_default();
                println!(
                    "{:<6} pid {:<8}{addr} {}",
                    s.name,
                    s.pid,
                    if running { "running" } else { "NOT running" }
                );
            }
            let config = dir.join("caretaker.toml");
            if config.exists() {
                println!("config: {}", config.display());
            }
            Ok(if all {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// `caretaker-lab trust`: the trust started, set up and audited by caretaker.
fn trust(dir: &Path, schools: usize, no_wait: bool) -> anyhow::Result<ExitCode> {
    let caretaker = match std::env::var_os("CARETAKER_BIN") {
        Some(p) => PathBuf::from(p),
        None => std::env::current_exe()
            .context("finding this program")?
            .with_file_name("caretaker"),
    };
    anyhow::ensure!(
        caretaker.is_file(),
        "caretaker is not at {} (build it with `cargo build`, or set CARETAKER_BIN)",
        caretaker.display()
    );
    // Ctrl-C and SIGTERM wait for the servers to be stopped (here, not by the signal).
    let signals = {
        use nix::sys::signal::{SigSet, Signal};
        let mut set = SigSet::empty();
        set.add(Signal::SIGINT);
        set.add(Signal::SIGTERM);
        set.thread_block()
            .context("blocking Ctrl-C until the servers are stopped")?;
        set
    };
    eprintln!(
        "starting the trust's database and {schools} schools in {}",
        dir.display()
    );
    let lab = caretaker_lab::TrustLab::start(dir, schools).context("starting the trust")?;
    let run = |config: &Path, args: &[String]| -> anyhow::Result<(i32, String)> {
        let out = std::process::Command::new(&caretaker)
            .arg("--config")
            .arg(config)
            .args(args)
            .output()
            .with_context(|| format!("running {}", caretaker.display()))?;
        let code = out.status.code().unwrap_or(-1);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok((code, text))
    };
    for args in lab.setup_commands() {
        let (code, text) = run(&lab.owner_config, &args)?;
        anyhow::ensure!(code == 0, "caretaker {}: {text}", args.join(" "));
    }
    for s in &lab.schools {
        let args = ["audit".to_string(), "--only".into(), "directory".into()];
        let (code, text) = run(s.lab.config_path(), &args)?;
        anyhow::ensure!(code <= 2, "{}'s audit: {text}", s.name);
        let forwarded = text
            .lines()
            .find(|l| l.contains("trust's database"))
            .unwrap_or("(nothing said of the trust)");
        eprintln!("{} ({}): audited, exit {code}; {forwarded}", s.name, s.id);
    }
    let (_, shown) = run(&lab.reader_config, &["trust".into(), "show".into()])?;
    println!("{shown}");
    println!(
        "the trust's reader: caretaker --config {} trust show (or report --trust, or the console: trust)",
        lab.reader_config.display()
    );
    for s in &lab.schools {
        println!(
            "{}: caretaker --config {} audit",
            s.name,
            s.lab.config_path().display()
        );
    }
    if !no_wait {
        eprintln!("running; Ctrl-C stops every server");
        let _ = signals.wait();
    }
    drop(lab);
    Ok(ExitCode::SUCCESS)
}
