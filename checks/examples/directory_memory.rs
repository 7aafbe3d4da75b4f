//! Where the directory audit's heap goes: reads the first `[[directory]]` of a configuration the
//! way `caretaker audit` does and prints the live and peak heap after each phase (a counting
//! allocator), for finding what to make smaller.
//!
//!     cargo run -q --release -p caretaker-checks --example directory_memory -- CONFIG
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new > l.size() {
                let now = LIVE.fetch_add(new - l.size(), Relaxed) + new - l.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static A: Counting = Counting;

fn report(phase: &str) {
    let mb = |b: usize| b as f64 / 1_048_576.0;
    let hwm = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("")
        .to_string();
    eprintln!(
        "{phase:<28} live {:7.2} MiB  peak since last {:7.2} MiB  {hwm}",
        mb(LIVE.load(Relaxed)),
        mb(PEAK.swap(LIVE.load(Relaxed), Relaxed))
    );
}

#[tokio::main]
async fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let loaded = match caretaker_config::load(std::path::Path::new(&path)) {
        Ok(l) => l,
        Err(e) => return eprintln!("{e:?}"),
    };
    let Some(dir) = loaded.config.directories.first().cloned() else {
        return eprintln!("no [[directory]]");
    };
    report("start");
    let mut c = caretaker_checks::directory::Collector::new(dir.kind);
    let raw = match caretaker_checks::directory::probe_with(&dir, &mut |e| {
        let group = e.has_class("groupOfNames");
        if group {
            report(&format!(
                "before group {}",
                e.attrs.get("member").map_or(0, Vec::len)
            ));
        }
        c.add(e);
        if group {
            report("after group");
        }
    })
    .await
    {
        Ok(r) => r,
        Err(e) => return eprintln!("{e:?}"),
    };
    report("read (collector full)");
    let facts = c.finish(&raw);
    report("facts");
    let findings =
        caretaker_checks::directory::judge(&facts, &dir, time::OffsetDateTime::now_utc());
    report("judged");
    drop(facts);
    report("facts dropped");
    println!("{} findings", findings.len());
}
