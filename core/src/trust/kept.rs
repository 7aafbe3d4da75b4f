//! A run's findings kept whole beside the rows they are made of: the findings as the school's
//! store reads them, in their JSON, deflated. The trust's view reads one of these per run in a
//! school's picture instead of the run's every result and the subjects and texts they point at;
//! the rows stay what the findings are, and `caretaker trust verify` checks the two agree.

use std::io::{Read, Write};

use caretaker_model::finding::{Finding, FindingWithoutEvidence};

/// The most a run's findings may unpack to (a hostile or broken value is refused, not followed).
pub const UNPACKED_LIMIT: u64 = 512 * 1024 * 1024;

/// Findings packed to be kept: their JSON, deflated (zlib).
pub fn pack(findings: &[Finding]) -> Vec<u8> {
    let json = serde_json::to_vec(findings).unwrap_or_else(|_| b"[]".to_vec());
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(json.len() / 8),
        flate2::Compression::default(),
    );
    // Writing to a Vec does not fail.
    let _ = z.write_all(&json);
    z.finish().unwrap_or_default()
}

/// The findings of a kept value, or why it cannot be read.
pub fn unpack(packed: &[u8]) -> Result<Vec<Finding>, String> {
    unpack_within(packed, 0, UNPACKED_LIMIT)
}

/// [`unpack`] of a value said to hold `count` findings (room is made for them at once; a
/// value holding more or fewer is read all the same); with `evidence` false, each finding's
/// evidence is skipped unread and left empty.
pub fn unpack_counted(packed: &[u8], count: i64, evidence: bool) -> Result<Vec<Finding>, String> {
    let read = Findings {
        room: usize::try_from(count).unwrap_or(0),
        evidence,
    };
    unpack_as(packed, read, UNPACKED_LIMIT)
}

thread_local! {
    /// The JSON of the last value unpacked on this thread, its room kept for the next.
    static JSON: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn unpack_within(packed: &[u8], count: usize, limit: u64) -> Result<Vec<Finding>, String> {
    let read = Findings {
        room: count,
        evidence: true,
    };
    unpack_as(packed, read, limit)
}

fn unpack_as(packed: &[u8], read: Findings, limit: u64) -> Result<Vec<Finding>, String> {
    JSON.with_borrow_mut(|json| {
        json.clear();
        flate2::read::ZlibDecoder::new(packed)
            .take(limit + 1)
            .read_to_end(json)
            .map_err(|e| format!("not deflated findings: {e}"))?;
        if json.len() as u64 > limit {
            return Err(format!(
                "unpacks to more than {} bytes, the most findings of a run may",
                limit
            ));
        }
        // No more room than the value could fill (a finding is more than 16 bytes of JSON).
        let read = Findings {
            room: read.room.min(json.len() / 16),
            ..read
        };
        let mut de = serde_json::Deserializer::from_slice(json);
        let findings = serde::de::DeserializeSeed::deserialize(read, &mut de)
            .and_then(|f| de.end().map(|()| f))
            .map_err(|e| format!("not findings: {e}"))?;
        if json.capacity() > 64 * 1024 * 1024 {
            // Not kept: an unusually large value's room.
            *json = Vec::new();
        }
        Ok(findings)
    })
}

/// A list of findings read with room made for `room` of them at once, with or without their
/// evidence.
struct Findings {
    room: usize,
    evidence: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for Findings {
    type Value = Vec<Finding>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Findings {
    type Value = Vec<Finding>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of findings")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(self.room);
        if self.evidence {
            while let Some(f) = seq.next_element()? {
                out.push(f);
            }
        } else {
            while let Some(f) = seq.next_element::<FindingWithoutEvidence>()? {
                out.push(f.into());
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caretaker_model::finding::{Evidence, Severity, Status, Target, TargetKind};

    #[test]
    fn findings_come_back_as_they_went() {
        let f = Finding::new(
            "directory.password_policy",
            Target {
                kind: TargetKind::Policy,
                name: "school.example".into(),
                scope: String::new(),
            },
            Status::Fail,
            Severity::High,
            "Passwords can be 4 characters long.",
            Evidence::new("ldaps://dc1").with("minPwdLength", 4),
        )
        .fix("Set the minimum password length to 12.");
        let packed = pack(&[f.clone(), f.clone()]);
        assert_eq!(unpack(&packed).unwrap(), vec![f.clone(), f.clone()]);
        assert_eq!(unpack(&pack(&[])).unwrap(), Vec::<Finding>::new());
        // A count that is wrong (or hostile) changes nothing but the room made.
        let two = pack(&[f.clone(), f.clone()]);
        for count in [-1, 0, 2, 3, i64::MAX] {
            assert_eq!(
                unpack_counted(&two, count, true).unwrap(),
                vec![f.clone(), f.clone()]
            );
        }
        // Without evidence: everything else as it was.
        let mut bare = f.clone();
        bare.evidence = Evidence::default();
        assert_ne!(bare, f);
        assert_eq!(
            unpack_counted(&two, 2, false).unwrap(),
            vec![bare.clone(), bare]
        );
        // Something after the list is not findings.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"[] []").unwrap();
        assert!(unpack(&z.finish().unwrap()).is_err());
    }

    #[test]
    fn garbage_is_refused_in_words() {
        assert!(unpack(b"not deflated")
            .unwrap_err()
            .starts_with("not deflated"));
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"{\"not\": \"a list\"}").unwrap();
        assert!(unpack(&z.finish().unwrap())
            .unwrap_err()
            .starts_with("not findings"));
    }

    #[test]
    fn a_value_that_unpacks_past_the_limit_is_refused() {
        // Spaces deflate about a thousandfold: a valid empty list padded past the limit.
        let mut json = b"[".to_vec();
        json.resize(1024 * 1024 + 2, b' ');
        json.push(b']');
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&json).unwrap();
        let packed = z.finish().unwrap();
        assert!(packed.len() < 10 * 1024, "{} bytes", packed.len());
        assert!(unpack_within(&packed, 0, 1024 * 1024)
            .unwrap_err()
            .contains("more than 1048576 bytes"));
        assert_eq!(unpack_within(&packed, 0, 2 * 1024 * 1024).unwrap(), vec![]);
    }
}
