//! The probe: TXT records asked of one DNS server (the configured one, else the system's), each
//! query under a time limit. A name with no records is an answer; a server that does not answer,
//! or answers SERVFAIL or REFUSED, is a failure to look, never "no records".

use std::time::Duration;

use hickory_resolver::config::ResolverOpts;
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::TokioResolver;

/// What one TXT query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Txt {
    /// The name's TXT records, each record's strings joined (RFC 7208 3.3).
    Found(Vec<String>),
    /// The name does not exist (NXDOMAIN), or has no TXT records.
    NoRecords { nxdomain: bool },
    /// The server could not be asked or did not answer usefully; why, in words.
    Failed(String),
}

/// A resolver asking one configured server, or the system's.
pub struct TxtResolver {
    resolver: TokioResolver,
    /// The server(s) asked, for evidence: `127.0.0.1:5353`.
    pub shown: String,
    timeout: Duration,
}

impl std::fmt::Debug for TxtResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxtResolver")
            .field("shown", &self.shown)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl TxtResolver {
    /// `server`: `address:port` or an address (port 53); `None`: /etc/resolv.conf's servers.
    pub fn new(server: Option<&str>, timeout: Duration) -> Result<TxtResolver, String> {
        let mut opts = ResolverOpts::default();
        opts.timeout = timeout;
        opts.attempts = 1;
        opts.cache_size = 0;
        opts.ndots = 0;
        let (config, servers) = crate::resolver::config_for(server)?;
        let shown = match servers {
            crate::resolver::Servers::Given(addr) => addr.to_string(),
            crate::resolver::Servers::System(_) => {
                let mut servers: Vec<String> = config
                    .name_servers()
                    .iter()
                    .map(|n| n.socket_addr.to_string())
                    .collect();
                servers.dedup();
                format!("the system's resolver ({})", servers.join(", "))
            }
        };
        let resolver =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default())
                .with_options(opts)
                .build();
        Ok(TxtResolver {
            resolver,
            shown,
            timeout,
        })
    }

    /// The TXT records of `name`, within the time limit.
    pub async fn txt(&self, name: &str) -> Txt {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        let asked = tokio::time::timeout(self.timeout, self.resolver.txt_lookup(fqdn)).await;
        let secs = self.timeout.as_secs_f64();
        match asked {
            Err(_) => Txt::Failed(format!(
                "{} did not answer within {secs} seconds",
                self.shown
            )),
            Ok(Ok(lookup)) => Txt::Found(
                lookup
                    .iter()
                    .map(|txt| {
                        txt.txt_data()
                            .iter()
                            .map(|part| String::from_utf8_lossy(part).into_owned())
                            .collect::<String>()
                    })
                    .collect(),
            ),
            Ok(Err(e)) => {
                let code = e.proto().and_then(|p| match p.kind() {
                    ProtoErrorKind::NoRecordsFound { response_code, .. } => Some(*response_code),
                    _ => None,
                });
                match code {
                    Some(ResponseCode::NXDomain) => Txt::NoRecords { nxdomain: true },
                    Some(ResponseCode::NoError) => Txt::NoRecords { nxdomain: false },
                    Some(code) => {
                        let word = match code {
                            ResponseCode::ServFail => "SERVFAIL (the server failed)".to_string(),
                            ResponseCode::Refused => "REFUSED (it will not answer)".to_string(),
                            c => c.to_string(),
                        };
                        Txt::Failed(format!("{} answered {word} for {name}", self.shown))
                    }
                    None => {
                        let text = e.to_string();
                        if text.to_ascii_lowercase().contains("timed out")
                            || text.to_ascii_lowercase().contains("timeout")
                        {
                            Txt::Failed(format!(
                                "{} did not answer within {secs} seconds",
                                self.shown
                            ))
                        } else {
                            Txt::Failed(format!("{} could not be asked: {text}", self.shown))
                        }
                    }
                }
            }
        }
    }
}
