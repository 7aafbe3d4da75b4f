//! A minimal DNS client (one A query over UDP), to know when the lab resolver answers and what.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::util::random_bytes;

/// The resolver's answer to an A query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    /// The response code: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED.
    pub rcode: u8,
    pub addresses: Vec<Ipv4Addr>,
}

#[cfg(test)]
pub(crate) const NXDOMAIN: u8 = 3;

/// Asks `server` for the A records of `name`, waiting at most `timeout`.
pub(crate) fn query_a(server: SocketAddr, name: &str, timeout: Duration) -> io::Result<Answer> {
    let id = random_bytes(2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .unwrap_or(0x4c41);
    let packet = build_query(id, name)?;
    let local: SocketAddr = if server.ip().is_loopback() {
        (Ipv4Addr::LOCALHOST, 0).into()
    } else {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(local)?;
    sock.connect(server)?;
    sock.send(&packet)?;
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 1500];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "no DNS answer"));
        }
        sock.set_read_timeout(Some(left))?;
        let n = match sock.recv(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no DNS answer"))
            }
            Err(e) => return Err(e),
        };
        if let Some(answer) = parse_response(id, &buf[..n]) {
            return Ok(answer);
        }
    }
}

fn build_query(id: u16, name: &str) -> io::Result<Vec<u8>> {
    let mut p = Vec::with_capacity(32 + name.len());
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.trim_end_matches('.').split('.') {
        let len = u8::try_from(label.len())
            .ok()
            .filter(|l| (1..64).contains(l))
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "bad DNS name"))?;
        p.push(len);
        p.extend_from_slice(label.as_bytes());
    }
    p.extend_from_slice(&[0, 0, 1, 0, 1]);
    Ok(p)
}

/// Skips a (possibly compressed) name at `i`; the index after it.
fn skip_name(p: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let len = *p.get(i)?;
        match len {
            0 => return Some(i + 1),
            l if l & 0xc0 == 0xc0 => return Some(i + 2),
            l => i += 1 + usize::from(l),
        }
    }
}

fn u16_at(p: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*p.get(i)?, *p.get(i + 1)?]))
}

/// The answer in `p` if it is the response to query `id`.
fn parse_response(id: u16, p: &[u8]) -> Option<Answer> {
    if u16_at(p, 0)? != id || p.get(2)? & 0x80 == 0 {
        return None;
    }
    let rcode = p.get(3)? & 0x0f;
    let qd = u16_at(p, 4)?;
    let an = u16_at(p, 6)?;
    let mut i = 12;
    for _ in 0..qd {
        i = skip_name(p, i)? + 4;
    }
    let mut addresses = Vec::new();
    for _ in 0..an {
        i = skip_name(p, i)?;
        let rtype = u16_at(p, i)?;
        let rdlen = usize::from(u16_at(p, i + 8)?);
        let data = p.get(i + 10..i + 10 + rdlen)?;
        if rtype == 1 && rdlen == 4 {
            addresses.push(Ipv4Addr::new(data[0], data[1], data[2], data[3]));
        }
        i += 10 + rdlen;
    }
    Some(Answer { rcode, addresses })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_answer_with_a_compressed_name() {
        let q = build_query(0x1234, "www.gov.uk").unwrap();
        let mut r = q.clone();
        r[2] = 0x81;
        r[3] = 0x80;
        r[7] = 1;
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 10, 200, 9, 80]);
        let a = parse_response(0x1234, &r).unwrap();
        assert_eq!(a.rcode, 0);
        assert_eq!(a.addresses, vec![Ipv4Addr::new(10, 200, 9, 80)]);
        assert!(parse_response(0x1235, &r).is_none());
        // The query itself is not a response.
        assert!(parse_response(0x1234, &q).is_none());
        let mut nx = q.clone();
        nx[2] = 0x81;
        nx[3] = 0x83;
        assert_eq!(parse_response(0x1234, &nx).unwrap().rcode, NXDOMAIN);
        assert!(build_query(1, "a..b").is_err());
    }
}
