//! The programs the web filter lab runs, each with the Debian package that provides it, found
//! once.

use std::path::PathBuf;

use super::net::IP;
use crate::process::{find, Tool};
use crate::LabError;

const UNSHARE: Tool = Tool {
    name: "unshare",
    purpose: "the web filter lab's vantage machines (a mount namespace each)",
    install: "apt-get install util-linux",
};
const MOUNT: Tool = Tool {
    name: "mount",
    purpose: "the web filter lab's vantage machines (their own /etc/resolv.conf)",
    install: "apt-get install mount",
};
const SH: Tool = Tool {
    name: "sh",
    purpose: "starting the web filter lab's servers",
    install: "apt-get install dash",
};
const SSHD: Tool = Tool {
    name: "sshd",
    purpose: "the web filter lab's vantage machines (one private SSH server each)",
    install: "apt-get install openssh-server",
};
const SSH_KEYGEN: Tool = Tool {
    name: "ssh-keygen",
    purpose: "the vantage machines' host keys",
    install: "apt-get install openssh-client",
};
const DNSMASQ: Tool = Tool {
    name: "dnsmasq",
    purpose: "the web filter lab's resolver",
    install: "apt-get install dnsmasq-base",
};
const NGINX: Tool = Tool {
    name: "nginx",
    purpose: "the web filter lab's web sites",
    install: "apt-get install nginx",
};
const SQUID: Tool = Tool {
    name: "squid",
    purpose: "the web filter lab's filtering proxy",
    install: "apt-get install squid",
};

/// The programs the lab runs, found once.
#[derive(Debug, Clone)]
pub(super) struct Tools {
    pub(super) ip: PathBuf,
    pub(super) unshare: PathBuf,
    pub(super) mount: PathBuf,
    pub(super) sh: PathBuf,
    pub(super) sshd: PathBuf,
    pub(super) keygen: PathBuf,
    pub(super) dnsmasq: PathBuf,
    pub(super) nginx: PathBuf,
    pub(super) squid: PathBuf,
}

impl Tools {
    pub(super) fn find() -> Result<Tools, LabError> {
        Ok(Tools {
            ip: find(IP)?,
            unshare: find(UNSHARE)?,
            mount: find(MOUNT)?,
            sh: find(SH)?,
            sshd: find(SSHD)?,
            keygen: find(SSH_KEYGEN)?,
            dnsmasq: find(DNSMASQ)?,
            nginx: find(NGINX)?,
            squid: find(SQUID)?,
        })
    }
}
