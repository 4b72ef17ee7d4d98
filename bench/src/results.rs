//! Reading back what criterion saved, for the ratio and verdict tables the bench binaries print after
//! their run. Owns the location rule and the one field we read, what every table's cells look like
//! (times, ratios, verdicts, the `*` of results an earlier run measured), and the TEL-vs-LuaJIT-vs-C
//! table; it never measures anything.

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
    let fresh = written_since(&path, since);
    // `{"mean":{...},"median":{"confidence_interval":{...},"point_estimate":X,...},...}`
    let rest = &text[text.find("\"median\":")?..];
    let rest = &rest[rest.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = rest.find([',', '}'])?;
    Some(Median {
        ns: rest[..end].trim().parse().ok()?,
        fresh,
    })
}

/// Whether the file at `path` was written at or after `since`: a result this run measured, not one
/// left by an earlier run.
pub fn written_since(path: &Path, since: SystemTime) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= since)
}

/// A duration in the unit that reads best, up to milliseconds.
pub fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// A duration in seconds from one second up, else in the unit [`fmt_ns`] picks.
pub fn fmt_time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else {
        fmt_ns(ns)
    }
}

/// A table cell of a median: formatted by `fmt`, with `*` when an earlier run measured it, `—` when
/// nothing did.
pub fn cell(m: &Option<Median>, fmt: fn(f64) -> String) -> String {
    match m {
        Some(m) if m.fresh => fmt(m.ns),
        Some(m) => format!("{}*", fmt(m.ns)),
        None => "—".to_string(),
    }
}

/// `a / b`, when both were measured.
pub fn ratio(a: &Option<Median>, b: &Option<Median>) -> Option<f64> {
    Some(a.as_ref()?.ns / b.as_ref()?.ns)
}

/// A ratio's cell (`—`: not measured).
pub fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or("—".to_string(), |r| format!("{r:.2}"))
}

/// A ratio's cell in a geomean row: bold, since those are the numbers the targets are about.
pub fn fmt_geomean_ratio(r: Option<f64>) -> String {
    r.map_or("—".to_string(), |r| format!("**{r:.2}**"))
}

/// A target's verdict.
pub fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// Whether any of the medians was measured by an earlier run (its cell has a `*`).
pub fn any_stale(ms: &[&Option<Median>]) -> bool {
    ms.iter().any(|m| m.as_ref().is_some_and(|m| !m.fresh))
}

/// The footnote of a table with a `*` cell.
pub const STALE_NOTE: &str = "\n`*`: not measured in this run (an earlier run's result).\n";

/// The geometric mean of positive numbers (`None` for none).
pub fn geomean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    Some((xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp())
}

/// One program of the TEL-vs-LuaJIT-vs-C table: the whole-process medians of its three versions
/// (`None`: not measured, e.g. the peer is not installed).
pub struct PeerRow {
    pub program: String,
    pub tel: Option<Median>,
    pub luajit: Option<Median>,
    pub c: Option<Median>,
}

/// The "TEL vs LuaJIT vs C" markdown table: per program the three medians, TEL/LuaJIT and TEL/C, then
/// the geometric means over the programs measured on all three, and the verdict on the target
/// "geomean of TEL's times at most LuaJIT's". Medians not measured by this run are marked `*`.
pub fn peer_table(rows: &[PeerRow]) -> String {
    let mut out = String::from(
        "| program | TEL | LuaJIT | C (gcc -O2) | TEL / LuaJIT | TEL / C |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    let (mut tel, mut lua, mut c) = (Vec::new(), Vec::new(), Vec::new());
    let mut stale = false;
    for r in rows {
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                r.program,
                cell(&r.tel, fmt_ns),
                cell(&r.luajit, fmt_ns),
                cell(&r.c, fmt_ns),
                fmt_ratio(ratio(&r.tel, &r.luajit)),
                fmt_ratio(ratio(&r.tel, &r.c))
            ),
        );
        stale |= any_stale(&[&r.tel, &r.luajit, &r.c]);
        if let (Some(t), Some(l)) = (&r.tel, &r.luajit) {
            tel.push(t.ns);
            lua.push(l.ns);
            if let Some(x) = &r.c {
                c.push(x.ns);
            }
        }
    }
    let (gt, gl) = (geomean(&tel), geomean(&lua));
    // The C column's geomean only when C ran every program that the TEL/LuaJIT geomean covers.
    let gc = if c.len() == tel.len() { geomean(&c) } else { None };
    let f = |g: Option<f64>| g.map_or("—".to_string(), fmt_ns);
    let r = |a: Option<f64>, b: Option<f64>| fmt_geomean_ratio(a.zip(b).map(|(a, b)| a / b));
    let _ = std::fmt::Write::write_fmt(
        &mut out,
        format_args!(
            "| geomean ({} programs) | {} | {} | {} | {} | {} |\n",
            tel.len(),
            f(gt),
            f(gl),
            f(gc),
            r(gt, gl),
            r(gt, gc)
        ),
    );
    match (gt, gl) {
        (Some(t), Some(l)) => {
            let _ = std::fmt::Write::write_fmt(
                &mut out,
                format_args!(
                    "\nTarget: geomean of TEL's times ≤ LuaJIT's: TEL/LuaJIT = {:.2}: {}\n",
                    t / l,
                    verdict(t <= l)
                ),
            );
        }
        _ => out
            .push_str("\nTarget: geomean of TEL's times ≤ LuaJIT's: not measured (TEL or LuaJIT missing)\n"),
    }
    if stale {
        out.push_str(STALE_NOTE);
    }
    out
}

/// A median this run measured, for the tables' tests.
#[cfg(test)]
pub(crate) fn fresh_median(ns: f64) -> Option<Median> {
    Some(Median { ns, fresh: true })
}

#[cfg(test)]
mod tests {
    use super::fresh_median as m;
    use super::*;

    #[test]
    fn geomean_of_ratios_is_the_ratio_of_geomeans() {
        assert_eq!(geomean(&[]), None);
        assert!((geomean(&[2.0, 8.0]).unwrap() - 4.0).abs() < 1e-12);
        let (t, l) = ([1.0, 4.0, 9.0], [2.0, 2.0, 3.0]);
        let ratios: Vec<f64> = t.iter().zip(&l).map(|(a, b)| a / b).collect();
        let a = geomean(&ratios).unwrap();
        let b = geomean(&t).unwrap() / geomean(&l).unwrap();
        assert!((a - b).abs() < 1e-12);
    }

    #[test]
    fn peer_table_has_ratios_geomean_and_verdict() {
        let rows = [
            PeerRow {
                program: "a".into(),
                tel: m(2e6),
                luajit: m(1e6),
                c: m(5e5),
            },
            PeerRow {
                program: "b".into(),
                tel: m(1e6),
                luajit: m(4e6),
                c: None,
            },
        ];
        let t = peer_table(&rows);
        assert!(
            t.contains("| `a` | 2.00 ms | 1.00 ms | 500.00 µs | 2.00 | 4.00 |"),
            "{t}"
        );
        assert!(t.contains("| `b` | 1.00 ms | 4.00 ms | — | 0.25 | — |"), "{t}");
        assert!(
            t.contains("| geomean (2 programs) | 1.41 ms | 2.00 ms | — | **0.71** | — |"),
            "{t}"
        );
        assert!(t.contains("TEL/LuaJIT = 0.71: met"), "{t}");
    }
}
