//! [`Clock`]: where "now" comes from. The system's clock in use; a clock that is set by hand
//! for the sample school and for tests, so that what they store is stamped with the times they
//! describe.

use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

/// The time source of a store and of the API over it. Cloning shares it: setting a manual clock
/// moves every clone.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<Mutex<OffsetDateTime>>>);

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that shows `at` until it is [`set`](Clock::set) to another time.
    pub fn manual(at: OffsetDateTime) -> Clock {
        Clock(Some(Arc::new(Mutex::new(at))))
    }

    /// Moves a manual clock to `at` (the system's clock is not moved).
    pub fn set(&self, at: OffsetDateTime) {
        if let Some(t) = &self.0 {
            match t.lock() {
                Ok(mut g) => *g = at,
                Err(p) => *p.into_inner() = at,
            }
        }
    }

    /// Now, in UTC.
    pub fn now(&self) -> OffsetDateTime {
        match &self.0 {
            None => OffsetDateTime::now_utc(),
            Some(t) => match t.lock() {
                Ok(g) => *g,
                Err(p) => *p.into_inner(),
            },
        }
    }

    /// Now, as the store writes times (RFC 3339, UTC, whole seconds).
    pub fn now_rfc3339(&self) -> String {
        crate::finding::format_rfc3339(self.now())
    }

    /// Today's date (UTC).
    pub fn today(&self) -> time::Date {
        self.now().date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_every_clone() {
        let c = Clock::manual(time::macros::datetime!(2026-11-23 07:30 UTC));
        let d = c.clone();
        c.set(time::macros::datetime!(2026-11-24 08:00 UTC));
        assert_eq!(d.now_rfc3339(), "2026-11-24T08:00:00Z");
        assert_eq!(d.today(), time::macros::date!(2026 - 11 - 24));
    }

    #[test]
    fn the_system_clock_is_not_set_by_hand() {
        let c = Clock::system();
        c.set(time::macros::datetime!(2000-01-01 00:00 UTC));
        assert!(c.now().year() >= 2026);
    }
}
