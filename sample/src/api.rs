//! The sample school answers as the core's local API over its store does: every call is
//! [`Local`](caretaker_core::Local)'s, so the console over the sample follows the same rules
//! as over a school's own store.

use caretaker_api::{
    Api, ApiError, AuditHandle, AuditScope, Catalogue, ChangeLog, FilterLogSpan, HostKeyOffer,
    Inventory, KeyPrint, Overview, SettingProblem, Trigger,
};
use caretaker_checks::Finding;
use caretaker_core::assess::{
    Attestation, ChainReport, RiskAssessment, SiteLogEntry, StoredRecord, Verification, Waiver,
};
use caretaker_core::filterlog::{CellResult, FilterCheck};
use caretaker_core::store::{RunRecord, Sightings};

use crate::Sample;

impl Api for Sample {
    fn catalogue(&self) -> Catalogue {
        self.local.catalogue()
    }

    fn setting_problems(&self) -> Vec<SettingProblem> {
        self.local.setting_problems()
    }

    fn machines(&self) -> Result<Inventory, ApiError> {
        self.local.machines()
    }

    fn host_key(&self, machine: &str) -> Result<HostKeyOffer, ApiError> {
        self.local.host_key(machine)
    }

    fn trust_host_key(&self, machine: &str, fingerprint: &str) -> Result<Vec<KeyPrint>, ApiError> {
        self.local.trust_host_key(machine, fingerprint)
    }

    fn add_filter_action(&self, run: i64, vantage: &str, action: &str) -> Result<(), ApiError> {
        self.local.add_filter_action(run, vantage, action)
    }

    fn overview(&self) -> Result<Overview, ApiError> {
        self.local.overview()
    }

    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, ApiError> {
        self.local.runs(limit)
    }

    fn report(
        &self,
        period: caretaker_model::leadership::Period,
    ) -> Result<caretaker_model::leadership::LeadershipReport, ApiError> {
        self.local.report(period)
    }

    fn status(&self) -> Result<caretaker_api::Status, ApiError> {
        self.local.status()
    }

    fn timetable_runs(&self) -> Result<Vec<RunRecord>, ApiError> {
        self.local.timetable_runs()
    }

    fn run(&self, id: Option<i64>) -> Result<RunRecord, ApiError> {
        self.local.run(id)
    }

    fn findings(&self, run: i64) -> Result<Vec<Finding>, ApiError> {
        self.local.findings(run)
    }

    fn latest_finding(&self, fingerprint: &str) -> Result<Option<(i64, Finding)>, ApiError> {
        self.local.latest_finding(fingerprint)
    }

    fn seen(&self, finding: &Finding) -> Result<Option<Sightings>, ApiError> {
        self.local.seen(finding)
    }

    fn filter_log(&self, span: FilterLogSpan) -> Result<Vec<FilterCheck>, ApiError> {
        self.local.filter_log(span)
    }

    fn filter_history(
        &self,
        url: &str,
        vantage: &str,
        runs: usize,
    ) -> Result<Vec<CellResult>, ApiError> {
        self.local.filter_history(url, vantage, runs)
    }

    fn change_log(&self) -> Result<ChangeLog, ApiError> {
        self.local.change_log()
    }

    fn verify_records(
        &self,
        published: Option<&caretaker_api::PublishedHead>,
    ) -> Result<ChainReport, ApiError> {
        self.local.verify_records(published)
    }

    fn add_assessment(&self, a: &RiskAssessment) -> Result<StoredRecord, ApiError> {
        self.local.add_assessment(a)
    }

    fn add_site(&self, s: &SiteLogEntry) -> Result<StoredRecord, ApiError> {
        self.local.add_site(s)
    }

    fn add_waiver(&self, w: &Waiver) -> Result<StoredRecord, ApiError> {
        self.local.add_waiver(w)
    }

    fn add_attestation(&self, a: &Attestation) -> Result<StoredRecord, ApiError> {
        self.local.add_attestation(a)
    }

    fn withdraw(&self, id: i64, reason: &str) -> Result<StoredRecord, ApiError> {
        self.local.withdraw(id, reason)
    }

    fn add_verification(
        &self,
        assessment: i64,
        run: i64,
    ) -> Result<(StoredRecord, Verification), ApiError> {
        self.local.add_verification(assessment, run)
    }

    fn may_recheck(&self, assessment: i64) -> Result<(), ApiError> {
        self.local.may_recheck(assessment)
    }

    fn start_audit(&self, scope: AuditScope, trigger: Trigger) -> Result<AuditHandle, ApiError> {
        self.local.start_audit(scope, trigger)
    }

    fn alerts(&self) -> Result<Vec<caretaker_api::RunAlerts>, ApiError> {
        self.local.alerts()
    }
}
