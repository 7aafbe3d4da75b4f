//! The trust console's state: plain data, changed only by [`super::update::update`] and drawn by
//! [`super::view::draw`].

use time::{OffsetDateTime, UtcOffset};

use crate::state::{Loadable, Message, State};

use super::data::Trust;

/// The trust console's screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrustScreen {
    /// Every school, clause by clause (the first screen).
    Schools,
    /// Every school's filter tests, by user group.
    Filter,
    /// One school's own screens, read-only.
    School,
}

impl TrustScreen {
    pub const ALL: [TrustScreen; 3] = [
        TrustScreen::Schools,
        TrustScreen::Filter,
        TrustScreen::School,
    ];

    pub fn title(self) -> &'static str {
        match self {
            TrustScreen::Schools => "Schools",
            TrustScreen::Filter => "Filter across schools",
            TrustScreen::School => "a school's own screens",
        }
    }
}

/// One school opened from a list: its own console's state over its picture, shown read-only.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    /// The school's `[school] id`.
    pub id: String,
    pub name: String,
    /// The screen it was opened from (Esc goes back to it).
    pub from: TrustScreen,
    pub console: Box<State>,
}

/// Everything the trust console shows.
#[derive(Debug, Clone)]
pub struct TrustState {
    pub now: OffsetDateTime,
    /// The local time zone, for showing times.
    pub offset: UtcOffset,
    /// False under NO_COLOR: words only (they always carry the meaning).
    pub color: bool,
    pub size: (u16, u16),
    pub screen: TrustScreen,
    pub trust: Loadable<Box<Trust>>,
    /// The latest read asked for; older answers are dropped.
    pub request: u64,
    /// A read of the trust's database is under way.
    pub reading: bool,
    /// When what is shown was read.
    pub read_at: Option<OffsetDateTime>,
    /// The selected school (a row of the Schools and Filter screens).
    pub selected: usize,
    /// The selected clause column of the Schools screen.
    pub clause: usize,
    /// The selected group column of the Filter screen.
    pub group: usize,
    /// The school opened (the [`TrustScreen::School`] screen).
    pub opened: Option<Opened>,
    /// The help is open, scrolled by this many lines.
    pub help: Option<u16>,
    pub message: Option<Message>,
    pub quit: bool,
}

impl TrustState {
    pub fn new(now: OffsetDateTime, offset: UtcOffset, color: bool) -> TrustState {
        TrustState {
            now,
            offset,
            color,
            size: (80, 24),
            screen: TrustScreen::Schools,
            trust: Loadable::Idle,
            request: 0,
            reading: false,
            read_at: None,
            selected: 0,
            clause: 0,
            group: 0,
            opened: None,
            help: None,
            message: None,
            quit: false,
        }
    }

    pub fn trust(&self) -> Option<&Trust> {
        self.trust.ready().map(|b| b.as_ref())
    }

    /// How many schools the lists have.
    pub fn school_count(&self) -> usize {
        self.trust().map_or(0, |t| t.view.schools.len())
    }
}
