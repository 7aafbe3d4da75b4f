//! Pure functions from directory entries to facts. Nothing here touches the network, and nothing
//! panics on any input: a value that cannot be read becomes a [`BadValue`], which the judge reports
//! as an `error` finding for the checks that needed it (never as a pass).

mod accounts;
mod ad;
mod collector;
mod facts;
mod fields;
mod members;
mod openldap;
mod packed;
mod sid;
#[cfg(test)]
mod tests;
mod values;

pub use accounts::Accounts;
pub use ad::{ad_account, ad_domain_policy, ad_group, ad_pso};
pub use caretaker_transports::ldap::Entry;
pub use collector::Collector;
pub use facts::{
    Account, AccountParts, Facts, Group, Groups, IdField, Identity, NoPassword, Policy,
    PolicySource, Raw, RawKey,
};
pub use openldap::{openldap_account, ppolicy, PERMANENTLY_LOCKED};
pub use packed::Packed;
pub use sid::{parse_sid, Sid};
pub use values::{
    human_duration, parse_ad_interval, parse_bool, parse_filetime, parse_generalized_time,
    parse_i64, parse_u32, parse_uac, BadParts, BadValue, Interval, Val,
};

/// Interprets what the probe read (the entries of `raw.entries` are copied; the probe itself
/// streams them through a [`Collector`] instead).
pub fn facts(raw: &Raw) -> Facts {
    let mut c = Collector::new(raw.kind);
    for e in &raw.entries {
        c.add(e.clone());
    }
    c.finish(raw)
}
