//! The sample school behind the core's API, as the console sees it: answers from the fixed
//! dataset, records kept in memory, audits that replay its newest run.

use super::*;

impl Api for Sample {
    fn catalogue(&self) -> Catalogue {
        catalogue()
    }

    fn setting_problems(&self) -> Vec<SettingProblem> {
        Vec::new()
    }

    /// The sample is data only: it has no machines to connect to.
    fn machines(&self) -> Result<Inventory, ApiError> {
        Ok(Inventory {
            machines: Vec::new(),
            problems: Vec::new(),
        })
    }

    fn host_key(&self, machine: &str) -> Result<HostKeyOffer, ApiError> {
        Err(ApiError::Unknown(format!(
            "the sample school has no machine {machine:?} to connect to"
        )))
    }

    fn trust_host_key(&self, machine: &str, _: &str) -> Result<Vec<KeyPrint>, ApiError> {
        Err(ApiError::Unknown(format!(
            "the sample school has no machine {machine:?} to connect to"
        )))
    }

    fn add_filter_action(&self, _: i64, _: &str, _: &str) -> Result<(), ApiError> {
        Err(ApiError::Refused(
            "the sample school keeps no filter actions".into(),
        ))
    }

    fn may_recheck(&self, assessment: i64) -> Result<(), ApiError> {
        let log = Log::from_records(self.records());
        let record = log.get(assessment).ok_or_else(|| {
            ApiError::Unknown(format!("there is no risk assessment #{assessment}"))
        })?;
        caretaker_daemon::assess::recheck(record, now().date(), VANTAGES.len())
            .map(|_| ())
            .map_err(ApiError::Recheck)
    }

    fn overview(&self) -> Result<Overview, ApiError> {
        let log = Log::from_records(self.records());
        Ok(Overview {
            school: SCHOOL.to_string(),
            map: self.map.clone(),
            latest: self.runs.first().cloned(),
            runs: picture_runs(&self.runs, |id| self.findings(id))?,
            attestations: log.attestations(),
            today: now().date(),
        })
    }

    fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, ApiError> {
        Ok(self.runs.iter().take(limit).cloned().collect())
    }

    fn run(&self, id: Option<i64>) -> Result<RunRecord, ApiError> {
        match id {
            None => self.runs.first().cloned().ok_or(ApiError::NoRuns),
            Some(id) => self
                .runs
                .iter()
                .find(|r| r.id == id)
                .cloned()
                .ok_or(ApiError::NoSuchRun(id)),
        }
    }

    fn findings(&self, run: i64) -> Result<Vec<Finding>, ApiError> {
        self.findings
            .get(&run)
            .cloned()
            .ok_or(ApiError::NoSuchRun(run))
    }

    fn latest_finding(&self, fp: &str) -> Result<Option<(i64, Finding)>, ApiError> {
        Ok(self.findings.iter().rev().find_map(|(id, fs)| {
            fs.iter()
                .find(|f| fingerprint(f) == fp)
                .map(|f| (*id, f.clone()))
        }))
    }

    fn verify_records(&self) -> Result<ChainReport, ApiError> {
        let records = self.records();
        Ok(caretaker_daemon::assess::check_chain(
            &records,
            records.last().map(|r| r.id),
            &[],
            &[],
        ))
    }

    fn seen(&self, finding: &Finding) -> Result<Option<Sightings>, ApiError> {
        let fp = fingerprint(finding);
        let ids: Vec<i64> = self
            .findings
            .iter()
            .filter(|(_, fs)| {
                fs.iter()
                    .any(|f| f.status == finding.status && fingerprint(f) == fp)
            })
            .map(|(id, _)| *id)
            .collect();
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
            return Ok(None);
        };
        Ok(Some(Sightings {
            first_run: *first,
            first_started_at: started(*first),
            last_run: *last,
            last_started_at: started(*last),
            runs: ids.len() as u64,
        }))
    }

    fn filter_log(&self, span: FilterLogSpan) -> Result<Vec<FilterCheck>, ApiError> {
        let runs = match span {
            FilterLogSpan::Runs(n) => n,
            FilterLogSpan::Since(_) | FilterLogSpan::All => self.runs.len(),
        };
        let mut out = Vec::new();
        for run in self.runs.iter().take(runs).rev() {
            let fs = &self.findings[&run.id];
            for (vantage, group, from) in VANTAGES {
                let mine: Vec<&Finding> = fs
                    .iter()
                    .filter(|f| f.check.family() == "filter" && f.target.scope == *vantage)
                    .collect();
                out.push(FilterCheck {
                    run: run.id,
                    started_at: run.started_at.clone(),
                    ended_at: run.ended_at.clone(),
                    trigger: run.trigger,
                    who: run.who.clone(),
                    vantage: vantage.to_string(),
                    group: group.to_string(),
                    from: from.to_string(),
                    control: "pass".into(),
                    results: mine
                        .iter()
                        .filter(|f| f.check.as_str() != filter::CONTROL.id)
                        .map(|f| UrlResult {
                            url: f.target.name.clone(),
                            category: f.evidence.get("category").unwrap_or_default().into(),
                            expect: f.evidence.get("expect").unwrap_or_default().into(),
                            status: f.status.as_str().into(),
                            summary: f.summary.clone(),
                            evidence: f.evidence.values.iter().cloned().collect(),
                        })
                        .collect(),
                    action: (run.id == 6 && *vantage == "guest-wifi").then(|| {
                        caretaker_daemon::filterlog::Action {
                            action: "Reported to the filtering provider".into(),
                            who: "r.singh".into(),
                            at: "2026-11-21T09:14:00Z".into(),
                        }
                    }),
                });
            }
        }
        Ok(out)
    }

    fn change_log(&self) -> Result<ChangeLog, ApiError> {
        Ok(ChangeLog {
            records: self.records(),
            consent_from: ConsentFrom::Medium,
            user: USER.into(),
            today: now().date(),
        })
    }

    fn add_assessment(&self, a: &RiskAssessment) -> Result<StoredRecord, ApiError> {
        let body = record_body(a).map_err(|e| ApiError::Store(e.to_string()))?;
        self.append(RecordKind::Assessment, body, a.supersedes)
    }

    fn add_waiver(&self, w: &Waiver) -> Result<StoredRecord, ApiError> {
        let body = record_body(w).map_err(|e| ApiError::Store(e.to_string()))?;
        self.append(RecordKind::Waiver, body, w.supersedes)
    }

    fn add_attestation(&self, a: &Attestation) -> Result<StoredRecord, ApiError> {
        let body = record_body(a).map_err(|e| ApiError::Store(e.to_string()))?;
        self.append(RecordKind::Attestation, body, a.supersedes)
    }

    fn add_site(&self, s: &SiteLogEntry) -> Result<StoredRecord, ApiError> {
        let body = record_body(s).map_err(|e| ApiError::Store(e.to_string()))?;
        self.append(RecordKind::Site, body, s.supersedes)
    }

    /// The sample's audits replay its newest run, so a run it has not stored is judged by that
    /// run's findings.
    fn add_verification(
        &self,
        assessment: i64,
        run: i64,
    ) -> Result<(StoredRecord, Verification), ApiError> {
        let newest = self.runs.first().ok_or(ApiError::NoRuns)?;
        let mut record = newest.clone();
        record.id = run;
        let v = Verification::from_run(
            assessment,
            &record,
            &self.findings(newest.id)?,
            MUST_BLOCK_CHECKS,
        );
        let body = record_body(&v).map_err(|e| ApiError::Store(e.to_string()))?;
        let stored = self.append(RecordKind::Verification, body, None)?;
        Ok((stored, v))
    }

    fn withdraw(&self, id: i64, reason: &str) -> Result<StoredRecord, ApiError> {
        let log = Log::from_records(self.records());
        let why =
            |e: NotWithdrawable| ApiError::Refused(e.explain(id, "a waiver or an attestation"));
        let reason = reason.to_string();
        match log.get(id).and_then(StoredRecord::record_kind) {
            Some(RecordKind::Attestation) => {
                let a = withdrawal_of::<Attestation>(&log, id, reason).map_err(why)?;
                let body = record_body(&a).map_err(|e| ApiError::Store(e.to_string()))?;
                self.append(RecordKind::Attestation, body, a.supersedes)
            }
            _ => {
                let w = withdrawal_of::<Waiver>(&log, id, reason).map_err(why)?;
                let body = record_body(&w).map_err(|e| ApiError::Store(e.to_string()))?;
                self.append(RecordKind::Waiver, body, w.supersedes)
            }
        }
    }

    fn start_audit(&self, scope: AuditScope, _: Trigger) -> Result<AuditHandle, ApiError> {
        let (tx, events) = mpsc::unbounded_channel();
        let (cancel, _cancelled) = oneshot::channel();
        let units: Vec<(&str, usize, usize)> = if scope.host.is_some() {
            vec![("hosts", 6, 1)]
        } else {
            vec![
                ("directory:ad", 19, 7),
                ("directory:ldap", 6, 4),
                ("hosts", 36, 7),
                ("filter:pupil-wifi", 9, 1),
                ("filter:staff-lan", 9, 1),
                ("filter:guest-wifi", 9, 1),
            ]
        };
        let _ = tx.send(AuditEvent::Started {
            run_id: RUNS + 1,
            units: units.len(),
        });
        let mut counts = StatusCounts::default();
        for (unit, findings, failing) in units {
            counts.add(Status::Fail, failing as u64);
            counts.add(Status::Pass, (findings - failing) as u64);
            let _ = tx.send(AuditEvent::UnitDone {
                unit: unit.into(),
                findings,
                failing,
            });
        }
        let _ = tx.send(AuditEvent::Finished {
            run_id: RUNS + 1,
            state: RunState::Complete,
            verdict: Verdict::NonCompliant,
            counts,
            findings: Vec::new(),
        });
        Ok(AuditHandle { events, cancel })
    }
}
