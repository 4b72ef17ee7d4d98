//! The RISC-V guests of the RISC-V-vs-peers benchmarks (`benches/riscv_peers.rs`, issue 6): the program
//! list, where the sources, the committed ELFs and the native twins live (`programs/riscv/`), what each
//! run must print (`NAME.expect`), how a missing native twin is built (the flags of `build.sh`), the
//! guests of the start-up measurement, the `qemu-riscv64` binary, the interpreter times recorded outside
//! criterion, how a run is checked against its `.expect` file, and the tables the bench prints from the
//! medians.
//!
//! It never builds a RISC-V ELF (they are committed; `programs/riscv/build.sh` makes them) and never
//! times anything itself: it only prepares commands and reads back what the bench measured
//! ([`crate::process`] runs and times them).

use crate::process::Check;
use crate::repo_root;
use crate::results::{
    any_stale, cell, fmt_geomean_ratio, fmt_ns, fmt_ratio, fmt_time, geomean, ratio, verdict, written_since,
    Median, STALE_NOTE,
};
use std::fmt::Write;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::SystemTime;

/// The benchmark programs (`programs/riscv/NAME.c`), in table order.
pub const PROGRAMS: [&str; 7] = [
    "sieve",
    "sha256",
    "crc32",
    "nqueens",
    "quicksort",
    "matmul",
    "mark",
];

/// Fuel given to metered and interpreted runs (`--fuel`): far more guest instructions than any program
/// here executes, so a run measures the cost of counting, never of stopping.
pub const FUEL: &str = "1000000000000000";

/// The qemu-user binary of the comparison (runs the rv64imac ELFs).
pub const QEMU: &str = "qemu-riscv64";

/// The size the start-up benchmark's large ELF must have, in bytes (90–120 KB).
pub const BIG_ELF_SIZE: RangeInclusive<u64> = 90_000..=120_000;

/// Flags of the native (x86-64) twins, exactly those of `build.sh`'s `NATIVE_FLAGS`; the include
/// directory, the sources and `-lgcc` come from [`native_build`].
pub const NATIVE_FLAGS: [&str; 11] = [
    "-O2",
    "-Wall",
    "-Wextra",
    "-nostdlib",
    "-ffreestanding",
    "-static",
    "-fno-pie",
    "-no-pie",
    "-fno-stack-protector",
    "-fcf-protection=none",
    "-I",
];

/// `bench/programs/riscv/`.
pub fn programs_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/programs/riscv"))
}

/// The C source of benchmark `name`.
pub fn source(name: &str) -> PathBuf {
    programs_dir().join(format!("{name}.c"))
}

/// The committed rv64imac ELF of benchmark `name` (the one Causeway and qemu-riscv64 run).
pub fn elf(name: &str) -> PathBuf {
    programs_dir().join(format!("elf/rv64imac/{name}.elf"))
}

/// Where `build.sh` puts the native twin of `name` (not committed: it may be missing or stale).
pub fn native(name: &str) -> PathBuf {
    programs_dir().join("native").join(name)
}

/// The `NAME.expect` file of benchmark `name`.
pub fn expect_file(name: &str) -> PathBuf {
    programs_dir().join(format!("{name}.expect"))
}

/// A guest of the start-up measurement: its ELF, its expected output, its C source (for the native
/// twin) and where `build.sh` leaves that twin, if it builds one.
pub struct StartupGuest {
    pub name: &'static str,
    pub elf: PathBuf,
    pub expect: PathBuf,
    pub source: PathBuf,
    pub native: Option<PathBuf>,
}

/// The large guest (`programs/riscv/startup/big.c`: 600 functions, ~100 KB of ELF; `main` calls one of
/// them, prints a constant line and exits with a status computed from its result).
pub fn startup_big() -> StartupGuest {
    let dir = programs_dir().join("startup");
    StartupGuest {
        name: "big",
        elf: dir.join("big.elf"),
        expect: dir.join("big.expect"),
        source: dir.join("big.c"),
        native: Some(native("startup_big")),
    }
}

/// The tiny guest: `tests/riscv`'s `exit_0` (prints one line and exits; a 1.8 KB ELF).
pub fn startup_tiny() -> StartupGuest {
    let dir = repo_root().join("tests/riscv");
    StartupGuest {
        name: "tiny",
        elf: dir.join("elf/rv64imac/exit_0.elf"),
        expect: dir.join("guests/exit_0.expect"),
        source: dir.join("guests/exit_0.c"),
        native: None,
    }
}

/// What a run must produce: exactly this stdout, and this exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub stdout: String,
    pub exit: i32,
}

impl Expected {
    /// Parses the `.expect` format of `tests/riscv` and `build.sh`: the stdout, then a last line
    /// `exit: N`.
    pub fn parse(text: &str) -> Result<Expected, String> {
        let body = text.strip_suffix('\n').unwrap_or(text);
        let (stdout, last) = match body.rfind('\n') {
            Some(i) => (&body[..=i], &body[i + 1..]),
            None => ("", body),
        };
        let exit = last
            .strip_prefix("exit:")
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| format!("the last line is {last:?}, not `exit: N`"))?;
        Ok(Expected {
            stdout: stdout.to_string(),
            exit,
        })
    }

    /// Reads and parses an `.expect` file.
    pub fn read(path: &Path) -> Result<Expected, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Expected::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Checks a finished run: `Err` describes the first difference (`status`: the exit code, `None` when
    /// a signal killed the process).
    pub fn check(&self, stdout: &[u8], status: Option<i32>) -> Result<(), String> {
        let out = String::from_utf8_lossy(stdout);
        if out != self.stdout {
            let (mut want, mut got) = (self.stdout.lines(), out.lines());
            let mut line = 1;
            loop {
                match (want.next(), got.next()) {
                    (Some(w), Some(g)) if w == g => line += 1,
                    (w, g) => {
                        return Err(format!(
                            "stdout differs at line {line}: expected {:?}, got {:?} (full stdout: {out:?})",
                            w.unwrap_or("<end>"),
                            g.unwrap_or("<end>")
                        ))
                    }
                }
            }
        }
        match status {
            Some(s) if s == self.exit => Ok(()),
            Some(s) => Err(format!("exit status {s}, expected {}", self.exit)),
            None => Err(format!("killed by a signal, expected exit status {}", self.exit)),
        }
    }
}

impl Check for Expected {
    fn reads_stdout(&self) -> bool {
        true
    }
    fn check_output(&self, out: &Output) -> Result<(), String> {
        self.check(&out.stdout, out.status.code())
            .map_err(|e| format!("did not produce its .expect output: {e}"))
    }
}

/// The expected output of benchmark `name`.
pub fn expected(name: &str) -> Result<Expected, String> {
    Expected::read(&expect_file(name))
}

/// The `gcc` command that builds the native twin of `src` into `out` the way `build.sh` does:
/// `gcc NATIVE_FLAGS guest guest/crt0.S guest/rt.c SRC -lgcc -o OUT` (absolute paths, so it runs from
/// any directory).
pub fn native_build(src: &Path, out: &Path) -> Command {
    let guest = repo_root().join("guest");
    let mut cmd = Command::new("gcc");
    cmd.args(NATIVE_FLAGS)
        .arg(&guest)
        .arg(guest.join("crt0.S"))
        .arg(guest.join("rt.c"))
        .arg(src)
        .arg("-lgcc")
        .arg("-o")
        .arg(out)
        .stdin(Stdio::null());
    cmd
}

/// Whether `exe` exists and is at least as new as `src` (a twin older than its source is stale).
pub fn is_fresh(exe: &Path, src: &Path) -> bool {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (mtime(exe), mtime(src)) {
        (Some(e), Some(s)) => e >= s,
        _ => false,
    }
}

/// Where the interpreter's single-run time of `name` is kept (`CRITERION_DIR/riscv_interp/NAME.ns`, the
/// nanoseconds as text): it is measured outside criterion, but the summary reads it like a median.
pub fn interp_record(criterion_dir: &Path, name: &str) -> PathBuf {
    criterion_dir.join("riscv_interp").join(format!("{name}.ns"))
}

/// Records the interpreter's time of `name`.
pub fn record_interp(criterion_dir: &Path, name: &str, ns: f64) -> std::io::Result<()> {
    let path = interp_record(criterion_dir, name);
    std::fs::create_dir_all(path.parent().expect("a file in a directory"))?;
    std::fs::write(path, format!("{ns:.0}\n"))
}

/// The interpreter's recorded time of `name`, and whether it was recorded since `since`.
pub fn interp_time(criterion_dir: &Path, name: &str, since: SystemTime) -> Option<Median> {
    let path = interp_record(criterion_dir, name);
    let ns = std::fs::read_to_string(&path).ok()?.trim().parse().ok()?;
    let fresh = written_since(&path, since);
    Some(Median { ns, fresh })
}

/// One program of the RISC-V table: the whole-process medians of each runner (`None`: not measured).
pub struct Row {
    pub program: String,
    pub native: Option<Median>,
    pub jit: Option<Median>,
    pub metered: Option<Median>,
    pub qemu: Option<Median>,
    /// One run, outside criterion (see [`interp_time`]).
    pub interp: Option<Median>,
}

/// The bound on the geomean of the unmetered JIT's times over native.
pub const TARGET_JIT_NATIVE: f64 = 1.6;
/// The bound on the geomean of the metered JIT's times over native.
pub const TARGET_METERED_NATIVE: f64 = 1.9;

/// The "Causeway vs qemu-user vs native" markdown table: per program the medians of every runner and
/// the ratios JIT/native, metered/native, qemu/native and JIT/qemu; the geometric means (times over the
/// programs measured by native, JIT, metered and qemu; each ratio over the programs that have it, which
/// is the ratio of the geomeans when every program has it); then the targets with verdicts.
/// Medians not measured by this run are marked `*`.
pub fn peer_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| program | native (gcc -O2) | Causeway JIT | JIT metered | qemu-riscv64 | interpreter | \
         JIT / native | metered / native | qemu / native | JIT / qemu |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let mut stale = false;
    // Per column: the times of the programs every core runner measured; per ratio: every ratio.
    let mut times: [Vec<f64>; 5] = Default::default();
    let mut ratios: [Vec<f64>; 4] = Default::default();
    let (mut jit_wins, mut metered_wins, mut vs_qemu, mut metered_vs_qemu) = (0, 0, 0, 0);
    let mut interp_all = true;
    for r in rows {
        let rs = [
            ratio(&r.jit, &r.native),
            ratio(&r.metered, &r.native),
            ratio(&r.qemu, &r.native),
            ratio(&r.jit, &r.qemu),
        ];
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.program,
            cell(&r.native, fmt_time),
            cell(&r.jit, fmt_time),
            cell(&r.metered, fmt_time),
            cell(&r.qemu, fmt_time),
            cell(&r.interp, fmt_time),
            fmt_ratio(rs[0]),
            fmt_ratio(rs[1]),
            fmt_ratio(rs[2]),
            fmt_ratio(rs[3])
        );
        let all = [&r.native, &r.jit, &r.metered, &r.qemu, &r.interp];
        stale |= any_stale(&all);
        if all[..4].iter().all(|m| m.is_some()) {
            for (t, m) in times.iter_mut().zip(all) {
                if let Some(m) = m {
                    t.push(m.ns);
                }
            }
            interp_all &= r.interp.is_some();
        }
        for (v, x) in ratios.iter_mut().zip(rs) {
            v.extend(x);
        }
        if let Some(x) = rs[3] {
            vs_qemu += 1;
            jit_wins += usize::from(x < 1.0);
        }
        if let Some(x) = ratio(&r.metered, &r.qemu) {
            metered_vs_qemu += 1;
            metered_wins += usize::from(x < 1.0);
        }
    }
    let common = times[0].len();
    let g = |v: &Vec<f64>| geomean(v).map_or("—".to_string(), fmt_time);
    let interp_g = if interp_all && common > 0 {
        g(&times[4])
    } else {
        "—".to_string()
    };
    let gr: Vec<Option<f64>> = ratios.iter().map(|v| geomean(v)).collect();
    let _ = writeln!(
        out,
        "| geomean ({common} programs) | {} | {} | {} | {} | {interp_g} | {} | {} | {} | {} |",
        g(&times[0]),
        g(&times[1]),
        g(&times[2]),
        g(&times[3]),
        fmt_geomean_ratio(gr[0]),
        fmt_geomean_ratio(gr[1]),
        fmt_geomean_ratio(gr[2]),
        fmt_geomean_ratio(gr[3])
    );
    out.push_str("\n| target | result | verdict |\n| --- | --- | --- |\n");
    match gr[3] {
        Some(x) => {
            let _ = writeln!(
                out,
                "| faster than qemu-user on the geomean and on most programs (unmetered JIT) | JIT / qemu \
                 = {x:.2}, faster on {jit_wins} of {vs_qemu} | {} |",
                verdict(x < 1.0 && 2 * jit_wins > vs_qemu)
            );
        }
        None => {
            out.push_str("| faster than qemu-user on the geomean and on most programs | not measured | — |\n")
        }
    }
    if let Some(x) = geomean(&ratios_of(rows, |r| ratio(&r.metered, &r.qemu))) {
        let _ = writeln!(
            out,
            "| the same, metered (for information) | metered / qemu = {x:.2}, faster on {metered_wins} of \
             {metered_vs_qemu} | {} |",
            verdict(x < 1.0 && 2 * metered_wins > metered_vs_qemu)
        );
    }
    for (r, bound, what) in [
        (gr[0], TARGET_JIT_NATIVE, "unmetered"),
        (gr[1], TARGET_METERED_NATIVE, "metered (`--fuel`)"),
    ] {
        let (result, v) = match r {
            Some(x) => (format!("{x:.2}×"), verdict(x <= bound)),
            None => ("not measured".to_string(), "—"),
        };
        let _ = writeln!(out, "| geomean ≤ {bound}× native, {what} | {result} | {v} |");
    }
    if stale {
        out.push_str(STALE_NOTE);
    }
    out
}

fn ratios_of(rows: &[Row], f: impl Fn(&Row) -> Option<f64>) -> Vec<f64> {
    rows.iter().filter_map(f).collect()
}

/// One guest of the start-up table: the whole-process medians of each runner.
pub struct StartupRow {
    pub guest: String,
    /// ELF size in bytes.
    pub size: u64,
    pub causeway: Option<Median>,
    pub qemu: Option<Median>,
    pub native: Option<Median>,
}

/// The start-up target: a whole `causeway run` of the guest (an upper bound of process start to its
/// first instruction) under 5 ms.
pub const TARGET_STARTUP_NS: f64 = 5e6;

/// The start-up markdown table: per guest its size and each runner's median, the verdict on the
/// target for `causeway`, and the cost of the large guest's size (big − tiny) per runner.
pub fn startup_table(rows: &[StartupRow]) -> String {
    let mut out = String::from(
        "| guest | ELF size | `causeway run` | qemu-riscv64 | native | target (causeway) | verdict |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let mut stale = false;
    for r in rows {
        let v = r
            .causeway
            .as_ref()
            .map_or("—", |m| verdict(m.ns < TARGET_STARTUP_NS));
        let _ = writeln!(
            out,
            "| `{}` | {:.1} KB | {} | {} | {} | < 5 ms | {v} |",
            r.guest,
            r.size as f64 / 1000.0,
            cell(&r.causeway, fmt_time),
            cell(&r.qemu, fmt_time),
            cell(&r.native, fmt_time)
        );
        stale |= any_stale(&[&r.causeway, &r.qemu, &r.native]);
    }
    if let (Some(big), Some(tiny)) = (
        rows.iter().find(|r| r.guest == "big"),
        rows.iter().find(|r| r.guest == "tiny"),
    ) {
        let d = |a: &Option<Median>, b: &Option<Median>| match (a, b) {
            (Some(a), Some(b)) => {
                let ns = a.ns - b.ns;
                if ns < 0.0 {
                    format!("−{}", fmt_ns(-ns))
                } else {
                    fmt_ns(ns)
                }
            }
            _ => "—".to_string(),
        };
        let _ = writeln!(
            out,
            "| big − tiny | {:.1} KB | {} | {} | {} | — | — |",
            (big.size as f64 - tiny.size as f64) / 1000.0,
            d(&big.causeway, &tiny.causeway),
            d(&big.qemu, &tiny.qemu),
            d(&big.native, &tiny.native)
        );
    }
    if stale {
        out.push_str(STALE_NOTE);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fresh_median as m;

    #[test]
    fn expect_files_parse() {
        let e = Expected::parse("a\nb = 1\nexit: 3\n").unwrap();
        assert_eq!(e.stdout, "a\nb = 1\n");
        assert_eq!(e.exit, 3);
        let e = Expected::parse("exit: 0\n").unwrap();
        assert_eq!((e.stdout.as_str(), e.exit), ("", 0));
        // No newline at the end of the stdout (the guest printed none): the exit line still follows.
        assert!(Expected::parse("a\nb\n").is_err());
        assert!(Expected::parse("").is_err());
    }

    #[test]
    fn check_reports_the_first_difference() {
        let e = Expected::parse("one\ntwo\nexit: 0\n").unwrap();
        assert_eq!(e.check(b"one\ntwo\n", Some(0)), Ok(()));
        let err = e.check(b"one\nthree\n", Some(0)).unwrap_err();
        assert!(err.contains("line 2") && err.contains("\"three\""), "{err}");
        let err = e.check(b"one\n", Some(0)).unwrap_err();
        assert!(err.contains("line 2") && err.contains("<end>"), "{err}");
        assert!(
            e.check(b"one\ntwo", Some(0)).is_err(),
            "a missing final newline is a difference"
        );
        assert!(e
            .check(b"one\ntwo\n", Some(1))
            .unwrap_err()
            .contains("exit status 1"));
        assert!(e.check(b"one\ntwo\n", None).unwrap_err().contains("signal"));
    }

    #[test]
    fn every_program_has_a_source_an_elf_and_an_expectation() {
        for name in PROGRAMS {
            assert!(source(name).is_file(), "{name}.c");
            assert!(elf(name).is_file(), "{name}.elf");
            let e = expected(name).unwrap();
            assert_eq!(e.exit, 0, "{name}");
            assert!(e.stdout.starts_with(name), "{name}: {:?}", e.stdout);
        }
        // And no benchmark source is missing from the list.
        let mut found: Vec<String> = std::fs::read_dir(programs_dir())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|f| f.strip_suffix(".c").map(str::to_string))
            .collect();
        found.sort();
        let mut listed = PROGRAMS.map(str::to_string).to_vec();
        listed.sort();
        assert_eq!(found, listed);
    }

    #[test]
    fn startup_guests_exist_and_the_big_one_has_its_size() {
        for g in [startup_big(), startup_tiny()] {
            assert!(g.elf.is_file(), "{}", g.elf.display());
            assert!(g.source.is_file(), "{}", g.source.display());
            Expected::read(&g.expect).unwrap();
        }
        let size = std::fs::metadata(startup_big().elf).unwrap().len();
        assert!(BIG_ELF_SIZE.contains(&size), "{size} bytes");
        assert!(std::fs::metadata(startup_tiny().elf).unwrap().len() < 4096);
    }

    #[test]
    fn native_flags_are_those_of_build_sh() {
        let script = std::fs::read_to_string(programs_dir().join("build.sh")).unwrap();
        let line = script
            .lines()
            .skip_while(|l| !l.starts_with("NATIVE_FLAGS=("))
            .take_while(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let words: Vec<&str> = line
            .trim_start_matches("NATIVE_FLAGS=(")
            .split([' ', ')'])
            .filter(|w| !w.is_empty())
            .collect();
        let mut ours = NATIVE_FLAGS.to_vec();
        ours.push("guest"); // `-I guest`: `native_build` gives the directory as an absolute path
        assert_eq!(words, ours);
        let cmd = native_build(Path::new("x.c"), Path::new("x"));
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert!(
            args.ends_with(&["x.c".into(), "-lgcc".into(), "-o".into(), "x".into()]),
            "{args:?}"
        );
    }

    #[test]
    fn interpreter_times_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let before = SystemTime::now() - std::time::Duration::from_secs(5);
        assert!(interp_time(dir.path(), "sieve", before).is_none());
        record_interp(dir.path(), "sieve", 12_345_678_901.0).unwrap();
        let t = interp_time(dir.path(), "sieve", before).unwrap();
        assert_eq!(t.ns, 12_345_678_901.0);
        assert!(t.fresh);
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert!(!interp_time(dir.path(), "sieve", later).unwrap().fresh);
    }

    #[test]
    fn peer_table_has_ratios_geomeans_and_verdicts() {
        let row = |p: &str, n, j, me, q| Row {
            program: p.into(),
            native: m(n),
            jit: m(j),
            metered: m(me),
            qemu: m(q),
            interp: None,
        };
        let rows = [
            row("a", 1e9, 1.2e9, 1.5e9, 2e9),
            row("b", 1e9, 2e9, 2.5e9, 1.6e9),
            row("c", 5e8, 6e8, 6e8, 1e9),
        ];
        let t = peer_table(&rows);
        assert!(
            t.contains("| `a` | 1.000 s | 1.200 s | 1.500 s | 2.000 s | — | 1.20 | 1.50 | 2.00 | 0.60 |"),
            "{t}"
        );
        assert!(t.contains("| `c` | 500.00 ms | 600.00 ms |"), "{t}");
        // JIT/native: (1.2 * 2 * 1.2)^(1/3) = 1.423; JIT/qemu: (0.6 * 1.25 * 0.6)^(1/3) = 0.766.
        assert!(t.contains("| geomean (3 programs) | 793.70 ms |"), "{t}");
        assert!(t.contains("| **1.42** | **1.65** | **1.86** | **0.77** |"), "{t}");
        assert!(t.contains("JIT / qemu = 0.77, faster on 2 of 3 | met |"), "{t}");
        assert!(
            t.contains("| geomean ≤ 1.6× native, unmetered | 1.42× | met |"),
            "{t}"
        );
        // metered/native: (1.5 * 2.5 * 1.2)^(1/3) = 1.651.
        assert!(
            t.contains("| geomean ≤ 1.9× native, metered (`--fuel`) | 1.65× | met |"),
            "{t}"
        );
        assert!(!t.contains("not measured in this run"), "{t}");

        let slow = [row("a", 1e9, 2e9, 2e9, 1.5e9), row("b", 1e9, 0.9e9, 2e9, 1e9)];
        let t = peer_table(&slow);
        assert!(t.contains("faster on 1 of 2 | MISSED |"), "{t}");
        assert!(
            t.contains("| geomean ≤ 1.9× native, metered (`--fuel`) | 2.00× | MISSED |"),
            "{t}"
        );

        let partial = [Row {
            program: "x".into(),
            native: m(1e9),
            jit: Some(Median {
                ns: 1e9,
                fresh: false,
            }),
            metered: None,
            qemu: None,
            interp: m(3e10),
        }];
        let t = peer_table(&partial);
        assert!(
            t.contains("| `x` | 1.000 s | 1.000 s* | — | — | 30.000 s | 1.00 | — | — | — |"),
            "{t}"
        );
        assert!(t.contains("| geomean (0 programs) |"), "{t}");
        assert!(t.contains("| not measured | — |"), "{t}");
        assert!(t.contains("`*`: not measured in this run"), "{t}");
    }

    #[test]
    fn startup_table_has_verdicts_and_the_size_cost() {
        let rows = [
            StartupRow {
                guest: "big".into(),
                size: 101_976,
                causeway: m(4.5e6),
                qemu: m(3e6),
                native: m(0.5e6),
            },
            StartupRow {
                guest: "tiny".into(),
                size: 1800,
                causeway: m(2e6),
                qemu: m(3.2e6),
                native: None,
            },
        ];
        let t = startup_table(&rows);
        assert!(
            t.contains("| `big` | 102.0 KB | 4.50 ms | 3.00 ms | 500.00 µs | < 5 ms | met |"),
            "{t}"
        );
        assert!(
            t.contains("| `tiny` | 1.8 KB | 2.00 ms | 3.20 ms | — | < 5 ms | met |"),
            "{t}"
        );
        assert!(
            t.contains("| big − tiny | 100.2 KB | 2.50 ms | −200.00 µs | — | — | — |"),
            "{t}"
        );
    }
}
