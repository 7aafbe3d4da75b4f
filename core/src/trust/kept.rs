//! A run's findings kept whole beside the rows they are made of: the findings as the school's
//! store reads them, in their JSON, deflated. The trust's view reads one of these per run in a
//! school's picture instead of the run's every result and the subjects and texts they point at;
//! the rows stay what the findings are, and `caretaker trust verify` checks the two agree.

use std::io::{Read, Write};

use caretaker_model::finding::Finding;

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
    unpack_within(packed, UNPACKED_LIMIT)
}

fn unpack_within(packed: &[u8], limit: u64) -> Result<Vec<Finding>, String> {
    let mut json = Vec::with_capacity(packed.len().saturating_mul(16));
    flate2::read::ZlibDecoder::new(packed)
        .take(limit + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("not deflated findings: {e}"))?;
    if json.len() as u64 > limit {
        return Err(format!(
            "unpacks to more than {} bytes, the most findings of a run may",
            limit
        ));
    }
    serde_json::from_slice(&json).map_err(|e| format!("not findings: {e}"))
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
        assert_eq!(unpack(&packed).unwrap(), vec![f.clone(), f]);
        assert_eq!(unpack(&pack(&[])).unwrap(), Vec::<Finding>::new());
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
        assert!(unpack_within(&packed, 1024 * 1024)
            .unwrap_err()
            .contains("more than 1048576 bytes"));
        assert_eq!(unpack_within(&packed, 2 * 1024 * 1024).unwrap(), vec![]);
    }
}
