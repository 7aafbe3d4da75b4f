//! The risk-assessment form: one field per line, edited in [`crate::update::update`], checked by
//! the core's [`AssessmentDraft::validate`] (the same rules as `caretaker assess add`).

use caretaker_config::ConsentFrom;
use caretaker_model::records::{
    self as assess, AssessmentDraft, Attestation, ChangeDraft, ConsentDraft, FieldError,
    RiskAssessment, RiskLevel, RisksDraft, SiteDraft, SiteLogEntry, Waiver,
};

/// A line of the form, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Action,
    Site,
    Category,
    Groups,
    RequestedBy,
    Reason,
    Content,
    Contact,
    Conduct,
    Mitigations,
    RiskLevel,
    Educational,
    Technical,
    ConsentBy,
    ConsentOn,
    Decision,
    AppliedOn,
    ReviewBy,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Field::Action,
        Field::Site,
        Field::Category,
        Field::Groups,
        Field::RequestedBy,
        Field::Reason,
        Field::Content,
        Field::Contact,
        Field::Conduct,
        Field::Mitigations,
        Field::RiskLevel,
        Field::Educational,
        Field::Technical,
        Field::ConsentBy,
        Field::ConsentOn,
        Field::Decision,
        Field::AppliedOn,
        Field::ReviewBy,
    ];

    pub fn index(self) -> usize {
        Field::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }

    /// The label on its line.
    pub fn label(self) -> &'static str {
        match self {
            Field::Action => "Change",
            Field::Site => "Site",
            Field::Category => "or category",
            Field::Groups => "For (groups)",
            Field::RequestedBy => "Requested by",
            Field::Reason => "Reason",
            Field::Content => "Risks: content",
            Field::Contact => "Risks: contact",
            Field::Conduct => "Risks: conduct",
            Field::Mitigations => "Mitigations",
            Field::RiskLevel => "Risk level",
            Field::Educational => "Educational assessor",
            Field::Technical => "Technical assessor",
            Field::ConsentBy => "Leadership consent",
            Field::ConsentOn => "Consent given on",
            Field::Decision => "Decision",
            Field::AppliedOn => "Applied on",
            Field::ReviewBy => "Review by",
        }
    }

    /// The words it cycles through, for a choice; empty for text.
    pub fn choices(self) -> &'static [&'static str] {
        match self {
            Field::Action => &["unblock", "block"],
            Field::RiskLevel => &["low", "medium", "high"],
            Field::Decision => &["approve", "reject", "defer"],
            _ => &[],
        }
    }

    pub fn is_choice(self) -> bool {
        !self.choices().is_empty()
    }

    /// What to type, shown while the field is empty.
    pub fn hint(self) -> &'static str {
        match self {
            Field::Action | Field::RiskLevel | Field::Decision => "←/→ or Space to choose",
            Field::Site => "www.example.org (or a category below)",
            Field::Category => "a filter category, instead of a site",
            Field::Groups => "pupil, staff, Year 5 (commas between)",
            Field::RequestedBy => "who asked for the change",
            Field::Reason => "the educational reason",
            Field::Content => "what could be seen, or none",
            Field::Contact => "who could get in touch, or none",
            Field::Conduct => "what users could do, or none",
            Field::Mitigations => "how the risks are reduced",
            Field::Educational | Field::Technical => "name (role)",
            Field::ConsentBy => "who on the Leadership Team",
            Field::ConsentOn | Field::AppliedOn | Field::ReviewBy => "YYYY-MM-DD",
        }
    }

    /// The line a problem reported by [`AssessmentDraft::validate`] for `key` belongs to.
    pub fn of_error(key: &str) -> Field {
        match key {
            "change.action" => Field::Action,
            "change.category" => Field::Category,
            "change.groups" => Field::Groups,
            "requested_by" => Field::RequestedBy,
            "reason" => Field::Reason,
            "risks.content" => Field::Content,
            "risks.contact" => Field::Contact,
            "risks.conduct" => Field::Conduct,
            "mitigations" => Field::Mitigations,
            "risk_level" => Field::RiskLevel,
            "educational_assessor" => Field::Educational,
            "technical_assessor" => Field::Technical,
            "consent" | "consent.by" => Field::ConsentBy,
            "consent.on" => Field::ConsentOn,
            "decision" => Field::Decision,
            "applied_on" => Field::AppliedOn,
            "review_by" => Field::ReviewBy,
            // change.site, from_site, supersedes and anything else: the change itself.
            _ => Field::Site,
        }
    }
}

/// The next (or previous) line of `n`, wrapping.
fn step_line(field: &mut usize, n: usize, forward: bool) {
    *field = if forward {
        (*field + 1) % n
    } else {
        (*field + n - 1) % n
    };
}

/// The next (or previous) of `choices` after `now` (the first, or last, when `now` is none of
/// them).
fn next_choice<'a>(choices: &[&'a str], now: &str, forward: bool) -> &'a str {
    let n = choices.len();
    let at = choices.iter().position(|c| *c == now);
    let next = match (at, forward) {
        (None, true) => 0,
        (None, false) => n.saturating_sub(1),
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
    };
    choices.get(next).copied().unwrap_or_default()
}

/// A risk assessment being typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AssessForm {
    /// The line being edited (index into [`Field::ALL`]).
    pub field: usize,
    /// What each line holds, by [`Field::index`] (a choice holds its word, or nothing yet).
    pub values: [String; 18],
    /// The site-log entry it was started from.
    pub from_site: Option<i64>,
    /// The assessment it corrects (saved as a new record that supersedes it).
    pub supersedes: Option<i64>,
    /// The problems found by the last Ctrl-S (nothing was saved).
    pub errors: Vec<FieldError>,
    /// Saved, waiting for the store's answer.
    pub saving: bool,
}

impl AssessForm {
    pub fn new() -> AssessForm {
        AssessForm::default()
    }

    /// A form with the change taken from a site-log entry (its address and recommendation).
    pub fn from_site(id: i64, entry: &SiteLogEntry) -> AssessForm {
        let mut draft = AssessmentDraft::default();
        draft.prefill_from_site(id, entry);
        let mut form = AssessForm::new();
        form.set(Field::Action, draft.change.action.unwrap_or_default());
        form.set(Field::Site, draft.change.site.unwrap_or_default());
        form.from_site = draft.from_site;
        // The change is filled in: start at who it is for.
        form.field = Field::Groups.index();
        form
    }

    /// A correction of assessment `id`: every line as it was recorded, saved as a new record
    /// that supersedes it (the date applied, say, once the change is made in the filter).
    pub fn correcting(id: i64, a: &RiskAssessment) -> AssessForm {
        let mut form = AssessForm::new();
        let c = &a.change;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let day = |v: Option<time::Date>| v.map(|d| d.to_string()).unwrap_or_default();
        for (f, v) in [
            (Field::Action, c.action.as_str().to_string()),
            (Field::Site, text(&c.site)),
            (Field::Category, text(&c.category)),
            (Field::Groups, c.groups.join(", ")),
            (Field::RequestedBy, a.requested_by.clone()),
            (Field::Reason, a.reason.clone()),
            (Field::Content, a.risks.content.clone()),
            (Field::Contact, a.risks.contact.clone()),
            (Field::Conduct, a.risks.conduct.clone()),
            (Field::Mitigations, a.mitigations.clone()),
            (Field::RiskLevel, a.risk_level.as_str().to_string()),
            (Field::Educational, a.educational_assessor.clone()),
            (Field::Technical, a.technical_assessor.clone()),
            (
                Field::ConsentBy,
                a.consent.as_ref().map(|k| k.by.clone()).unwrap_or_default(),
            ),
            (Field::ConsentOn, day(a.consent.as_ref().map(|k| k.on))),
            (Field::Decision, a.decision.as_str().to_string()),
            (Field::AppliedOn, day(a.applied_on)),
            (Field::ReviewBy, day(a.review_by)),
        ] {
            form.set(f, v);
        }
        form.from_site = a.from_site;
        form.supersedes = Some(id);
        form
    }

    pub fn current(&self) -> Field {
        Field::ALL[self.field.min(Field::ALL.len() - 1)]
    }

    pub fn value(&self, f: Field) -> &str {
        &self.values[f.index()]
    }

    pub fn set(&mut self, f: Field, v: impl Into<String>) {
        self.values[f.index()] = v.into();
    }

    /// Moves to the next (or previous) line, wrapping.
    pub fn step(&mut self, forward: bool) {
        step_line(&mut self.field, Field::ALL.len(), forward);
    }

    /// The next (or previous) word of a choice; nothing on a text line.
    pub fn cycle(&mut self, forward: bool) {
        let f = self.current();
        if f.is_choice() {
            let next = next_choice(f.choices(), self.value(f), forward);
            self.set(f, next);
        }
    }

    /// A key typed: added to a text line; Space cycles a choice.
    pub fn input(&mut self, c: char) {
        let f = self.current();
        if f.is_choice() {
            if c == ' ' {
                self.cycle(true);
            }
            return;
        }
        if !c.is_control() {
            self.values[f.index()].push(c);
        }
    }

    pub fn backspace(&mut self) {
        let f = self.current();
        if f.is_choice() {
            self.set(f, "");
        } else {
            self.values[f.index()].pop();
        }
    }

    fn text(&self, f: Field) -> Option<String> {
        let v = self.value(f).trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    /// The form as a draft, for [`AssessmentDraft::validate`].
    pub fn draft(&self) -> AssessmentDraft {
        let groups = self.text(Field::Groups).map(|g| {
            g.split(',')
                .map(|s| s.trim().to_string())
                .collect::<Vec<_>>()
        });
        let by = self.text(Field::ConsentBy);
        let on = self.text(Field::ConsentOn);
        AssessmentDraft {
            change: ChangeDraft {
                action: self.text(Field::Action),
                site: self.text(Field::Site),
                category: self.text(Field::Category),
                groups,
            },
            requested_by: self.text(Field::RequestedBy),
            reason: self.text(Field::Reason),
            risks: RisksDraft {
                content: self.text(Field::Content),
                contact: self.text(Field::Contact),
                conduct: self.text(Field::Conduct),
            },
            mitigations: self.text(Field::Mitigations),
            risk_level: self.text(Field::RiskLevel),
            educational_assessor: self.text(Field::Educational),
            technical_assessor: self.text(Field::Technical),
            consent: (by.is_some() || on.is_some()).then_some(ConsentDraft { by, on }),
            decision: self.text(Field::Decision),
            applied_on: self.text(Field::AppliedOn),
            review_by: self.text(Field::ReviewBy),
            from_site: self.from_site,
            supersedes: self.supersedes,
        }
    }

    /// The problems of line `f`.
    pub fn errors_of(&self, f: Field) -> Vec<&FieldError> {
        self.errors
            .iter()
            .filter(|e| Field::of_error(&e.field) == f)
            .collect()
    }

    /// Whether consent is required for the level chosen (`None` until a level is chosen).
    pub fn consent_required(&self, rule: ConsentFrom) -> Option<bool> {
        RiskLevel::parse(self.value(Field::RiskLevel)).map(|l| l.needs_consent(rule))
    }
}

/// What the consent line says about the rule: "required for a high-risk change", "not required
/// below \"medium\"".
pub fn consent_note(form: &AssessForm, rule: ConsentFrom) -> (String, bool) {
    match (form.consent_required(rule), rule) {
        (_, ConsentFrom::Never) => ("not required (consent_from \"never\")".to_string(), false),
        (_, ConsentFrom::Low) => ("REQUIRED for every change".to_string(), true),
        (Some(true), _) => (
            format!("REQUIRED at {} risk", form.value(Field::RiskLevel)),
            true,
        ),
        (Some(false), r) => (format!("not required below \"{}\"", r.as_str()), false),
        (None, r) => (format!("required from \"{}\" risk", r.as_str()), false),
    }
}

/// What a [`RecordForm`] records: a waiver of one finding, or an attestation of one clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordTarget {
    /// The finding as it was when waived (see [`caretaker_model::records::Waiver`]).
    Waiver {
        fingerprint: String,
        check: String,
        target: String,
        summary: String,
    },
    /// A clause the policy map marks `attestation = true`.
    Attestation { clause: String, title: String },
    /// The withdrawal of waiver or attestation `id` (`what`: its summary): one line, the reason.
    Withdrawal { id: i64, what: String },
}

/// A waiver or an attestation being typed: three text lines (the words, who, until when),
/// checked by the core's rules ([`assess::validate_text`], [`assess::validate_until`]: the
/// same as `caretaker waive` and `caretaker attest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordForm {
    pub target: RecordTarget,
    /// The line being edited (0, 1, 2).
    pub field: usize,
    /// What each line holds.
    pub values: [String; 3],
    /// The problems found by the last Ctrl-S, by line (nothing was saved).
    pub errors: Vec<(usize, String)>,
    /// Saved, waiting for the store's answer.
    pub saving: bool,
}

/// The line of a [`RecordForm`] that holds the date.
pub const UNTIL: usize = 2;

impl RecordForm {
    pub fn new(target: RecordTarget) -> RecordForm {
        RecordForm {
            target,
            field: 0,
            values: Default::default(),
            errors: Vec::new(),
            saving: false,
        }
    }

    pub fn is_waiver(&self) -> bool {
        matches!(self.target, RecordTarget::Waiver { .. })
    }

    /// "waiver", "attestation" or "withdrawal".
    pub fn noun(&self) -> &'static str {
        match self.target {
            RecordTarget::Waiver { .. } => "waiver",
            RecordTarget::Attestation { .. } => "attestation",
            RecordTarget::Withdrawal { .. } => "withdrawal",
        }
    }

    /// How many lines it has: three (the words, who, until when), or one (a withdrawal's reason).
    pub fn lines(&self) -> usize {
        self.labels().len()
    }

    /// The labels of its lines.
    pub fn labels(&self) -> &'static [&'static str] {
        match self.target {
            RecordTarget::Waiver { .. } => &["Justification", "Approved by", "Until"],
            RecordTarget::Attestation { .. } => &["Statement", "Attested by", "Until"],
            RecordTarget::Withdrawal { .. } => &["Reason"],
        }
    }

    /// What to type, shown while a line is empty (also what an empty line is told it lacks).
    pub fn hints(&self) -> &'static [&'static str] {
        const UNTIL_HINT: &str = "YYYY-MM-DD, the last day it holds (at most a year ahead)";
        match self.target {
            RecordTarget::Waiver { .. } => &[
                "why the finding is accepted for now",
                "the name of who approved the waiver",
                UNTIL_HINT,
            ],
            RecordTarget::Attestation { .. } => &[
                "what was done and seen, in a sentence",
                "the name of who attests",
                UNTIL_HINT,
            ],
            RecordTarget::Withdrawal { .. } => &["why it is withdrawn"],
        }
    }

    pub fn step(&mut self, forward: bool) {
        let n = self.lines();
        step_line(&mut self.field, n, forward);
    }

    pub fn input(&mut self, c: char) {
        if !c.is_control() {
            if let Some(v) = self.values.get_mut(self.field) {
                v.push(c);
            }
        }
    }

    pub fn backspace(&mut self) {
        if let Some(v) = self.values.get_mut(self.field) {
            v.pop();
        }
    }

    /// The problems of line `i`.
    pub fn errors_of(&self, i: usize) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|(f, _)| *f == i)
            .map(|(_, e)| e.as_str())
            .collect()
    }

    /// Checks every line on `today` (UTC, as the core judges): the record, or every problem
    /// with its line.
    pub fn validate(&self, today: time::Date) -> Result<FormRecord, Vec<(usize, String)>> {
        let labels = self.labels();
        let hints = self.hints();
        if let RecordTarget::Withdrawal { id, .. } = self.target {
            return assess::validate_text(labels[0], &self.values[0], hints[0])
                .map(|reason| FormRecord::Withdrawal { id, reason })
                .map_err(|e| vec![(0, e)]);
        }
        let mut errors = Vec::new();
        let mut texts = Vec::new();
        for i in 0..2 {
            match assess::validate_text(labels[i], &self.values[i], hints[i]) {
                Ok(t) => texts.push(t),
                Err(e) => errors.push((i, e)),
            }
        }
        let until = assess::validate_until(labels[UNTIL], &self.values[UNTIL], today)
            .map_err(|e| errors.push((UNTIL, e)));
        let (Ok(until), true, [words, who]) = (until, errors.is_empty(), texts.as_slice()) else {
            return Err(errors);
        };
        Ok(match &self.target {
            RecordTarget::Waiver {
                fingerprint,
                check,
                target,
                summary,
            } => FormRecord::Waiver(Box::new(Waiver {
                fingerprint: fingerprint.clone(),
                check: check.clone(),
                target: target.clone(),
                summary: summary.clone(),
                justification: words.clone(),
                approved_by: who.clone(),
                until,
                withdrawn: false,
                withdrawn_reason: None,
                supersedes: None,
            })),
            RecordTarget::Attestation { clause, title } => {
                FormRecord::Attestation(Box::new(Attestation {
                    clause: clause.clone(),
                    clause_title: title.clone(),
                    statement: words.clone(),
                    attested_by: who.clone(),
                    until,
                    withdrawn: false,
                    withdrawn_reason: None,
                    supersedes: None,
                    review: None,
                }))
            }
            RecordTarget::Withdrawal { id, .. } => FormRecord::Withdrawal {
                id: *id,
                reason: words.clone(),
            },
        })
    }
}

/// What a valid [`RecordForm`] records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormRecord {
    Waiver(Box<Waiver>),
    Attestation(Box<Attestation>),
    /// Withdraw waiver or attestation `id`.
    Withdrawal {
        id: i64,
        reason: String,
    },
}

/// The lines of a [`SiteForm`], in order: (label, the key [`SiteDraft::validate`] reports a
/// problem under, what to type while the line is empty).
pub const SITE_LINES: [(&str, &str, &str); 7] = [
    (
        "Reported by",
        "reported_by",
        "who reported the site (name, role)",
    ),
    ("Date", "date", "YYYY-MM-DD, when the site was seen"),
    ("Time", "time", "HH:MM (24-hour clock)"),
    (
        "Workstation",
        "workstation",
        "the computer or device it was seen on",
    ),
    (
        "URL",
        "url",
        "www.example.org or https://www.example.org/page",
    ),
    ("Recommendation", "recommendation", "←/→ or Space to choose"),
    (
        "Resolution",
        "resolution",
        "what was done about it (may be left empty)",
    ),
];

/// The line of a [`SiteForm`] that is a choice (block / unblock).
pub const SITE_RECOMMENDATION: usize = 5;

/// The choices of the recommendation line.
pub const SITE_CHOICES: [&str; 2] = ["block", "unblock"];

/// A line of the paper Internet Site Log Sheet being typed, checked by the core's
/// [`SiteDraft::validate`] (the same rules as `caretaker sites add`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SiteForm {
    /// The line being edited (index into [`SITE_LINES`]).
    pub field: usize,
    /// What each line holds (the recommendation holds its word, or nothing yet).
    pub values: [String; 7],
    /// The entry it corrects (saved as a new entry that supersedes it).
    pub supersedes: Option<i64>,
    /// The problems found by the last Ctrl-S (nothing was saved).
    pub errors: Vec<FieldError>,
    /// Saved, waiting for the store's answer.
    pub saving: bool,
}

impl SiteForm {
    /// An empty entry, dated `at` (the date and time, local, as on the paper sheet).
    pub fn new(at: time::OffsetDateTime) -> SiteForm {
        let mut form = SiteForm::default();
        form.values[1] = format!("{}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day());
        form.values[2] = format!("{:02}:{:02}", at.hour(), at.minute());
        form
    }

    /// A correction of entry `id` (its resolution, say, once the site is dealt with): every
    /// line as it was recorded, saved as a new entry that supersedes it.
    pub fn correcting(id: i64, e: &SiteLogEntry) -> SiteForm {
        let mut form = SiteForm {
            values: [
                e.reported_by.clone(),
                e.date.to_string(),
                e.time.clone(),
                e.workstation.clone(),
                e.url.clone(),
                e.recommendation.as_str().to_string(),
                e.resolution.clone(),
            ],
            supersedes: Some(id),
            ..SiteForm::default()
        };
        // Most often what changes: the resolution.
        form.field = SITE_LINES.len() - 1;
        form
    }

    pub fn is_choice(&self) -> bool {
        self.field == SITE_RECOMMENDATION
    }

    pub fn value(&self, i: usize) -> &str {
        self.values.get(i).map(String::as_str).unwrap_or_default()
    }

    pub fn step(&mut self, forward: bool) {
        step_line(&mut self.field, SITE_LINES.len(), forward);
    }

    /// The next (or previous) recommendation; nothing on a text line.
    pub fn cycle(&mut self, forward: bool) {
        if self.is_choice() {
            let next = next_choice(&SITE_CHOICES, &self.values[SITE_RECOMMENDATION], forward);
            self.values[SITE_RECOMMENDATION] = next.to_string();
        }
    }

    /// A key typed: added to a text line; Space cycles the recommendation.
    pub fn input(&mut self, c: char) {
        if self.is_choice() {
            if c == ' ' {
                self.cycle(true);
            }
            return;
        }
        if !c.is_control() {
            if let Some(v) = self.values.get_mut(self.field) {
                v.push(c);
            }
        }
    }

    pub fn backspace(&mut self) {
        let choice = self.is_choice();
        if let Some(v) = self.values.get_mut(self.field) {
            if choice {
                v.clear();
            } else {
                v.pop();
            }
        }
    }

    fn text(&self, i: usize) -> Option<String> {
        let v = self.value(i).trim();
        (!v.is_empty()).then(|| v.to_string())
    }

    /// The form as a draft, for [`SiteDraft::validate`].
    pub fn draft(&self) -> SiteDraft {
        SiteDraft {
            reported_by: self.text(0),
            date: self.text(1),
            time: self.text(2),
            workstation: self.text(3),
            url: self.text(4),
            recommendation: self.text(5),
            resolution: self.text(6),
            supersedes: self.supersedes,
        }
    }

    /// The line a problem reported for `key` belongs to (the URL for anything unknown).
    pub fn line_of(key: &str) -> usize {
        SITE_LINES
            .iter()
            .position(|(_, k, _)| *k == key)
            .unwrap_or(4)
    }

    /// The problems of line `i`.
    pub fn errors_of(&self, i: usize) -> Vec<&FieldError> {
        self.errors
            .iter()
            .filter(|e| SiteForm::line_of(&e.field) == i)
            .collect()
    }
}
