//! Where caretaker's own DNS lookups go: a configured server (`10.0.0.1` or `10.0.0.1:53`), or the
//! servers /etc/resolv.conf names. The mail checks and the filter's lookups from this machine
//! both start here.

use std::net::{IpAddr, SocketAddr};

use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};

/// The servers to ask, as configured.
pub(crate) enum Servers {
    /// The configured server (plain DNS over UDP, then TCP).
    Given(SocketAddr),
    /// /etc/resolv.conf's servers, with its options (`ndots` and the like).
    System(ResolverOpts),
}

/// The resolver configuration for `server` (`address:port`, or an address meaning port 53), or
/// the system's when `None`; an error names what could not be read.
pub(crate) fn config_for(server: Option<&str>) -> Result<(ResolverConfig, Servers), String> {
    match server {
        Some(r) => {
            let addr: SocketAddr = r
                .parse()
                .or_else(|_| r.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| format!("the resolver {r:?} is not an address"))?;
            let config = ResolverConfig::from_parts(
                None,
                vec![],
                NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true),
            );
            Ok((config, Servers::Given(addr)))
        }
        None => {
            let (config, opts) = hickory_resolver::system_conf::read_system_conf().map_err(|e| {
                format!("the system's resolver configuration (/etc/resolv.conf) cannot be read: {e}")
            })?;
            Ok((config, Servers::System(opts)))
        }
    }
}
