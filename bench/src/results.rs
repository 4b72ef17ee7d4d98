//! Reading back what criterion saved, for the ratio and verdict tables the bench binaries print after
//! their run. Owns the location rule and the one field we read; it never measures anything.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Where criterion keeps its results: the rule criterion uses, made explicit so that a summary reads
/// what this run wrote.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("criterion")
}

/// A benchmark's median in nanoseconds, and whether this run (started at `since`) measured it.
pub struct Median {
    pub ns: f64,
    pub fresh: bool,
}

/// The median criterion saved for benchmark `id` (`group/function/parameter`).
pub fn median(dir: &Path, id: &str, since: SystemTime) -> Option<Median> {
    let path = dir.join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since);
    // `{"mean":{...},"median":{"confidence_interval":{...},"point_estimate":X,...},...}`
    let rest = &text[text.find("\"median\":")?..];
    let rest = &rest[rest.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = rest.find([',', '}'])?;
    Some(Median {
        ns: rest[..end].trim().parse().ok()?,
        fresh,
    })
}

/// A duration in the unit that reads best.
pub fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}
