//! Causeway's RISC-V guests against qemu-user and native code (issue 6), whole processes (spawn to
//! exit), criterion, in one run:
//!
//! 1. `riscv_peers/<program>/{native,causeway_jit,causeway_jit_metered,qemu}` — the 7 programs of
//!    `bench/programs/riscv/` ([`PROGRAMS`]): the x86-64 twin built with gcc -O2 (`native/NAME`, or
//!    a build into a temporary directory when that is missing or older than its source), `causeway
//!    run NAME.elf` (unmetered), `causeway run --fuel 10^15 NAME.elf` (metered) and `qemu-riscv64
//!    NAME.elf`, all on the committed rv64imac ELF. Targets: faster than qemu-user on the geomean and
//!    on most programs; geomean ≤ 1.6× native unmetered, ≤ 1.9× metered.
//! 2. The interpreter (`causeway run --interp --fuel 10^15`) is 24–140× slower than the JIT, too slow
//!    for criterion's samples: with `RISCV_BENCH_INTERP=1` (or a comma-separated list of programs) each
//!    program runs ONCE on it after the criterion groups, timed outside criterion; the time is kept in
//!    `target/criterion/riscv_interp/NAME.ns` for the table. Without it, the column shows the last
//!    recorded times, marked `*`.
//! 3. `riscv_startup/{big,tiny}/{causeway,qemu,native}` — the large start-up guest
//!    (`programs/riscv/startup/big.elf`, ~100 KB, `main` calls one function and exits) and
//!    `tests/riscv`'s `exit_0.elf` (1.8 KB): a whole `causeway run` is an upper bound of "process
//!    start to the first guest instruction" (target: under 5 ms).
//!
//! Every run's stdout and exit status must equal the program's `.expect` file, or the bench stops with
//! the difference. Before measuring, every process the criterion filter may select runs once (so a
//! broken one stops the bench before anything is measured). qemu-riscv64 or gcc missing: their runs
//! are skipped, with a message. The `causeway` binary is not built here: it is `$CAUSEWAY_BIN`, else
//! `target/release/causeway` (`cargo build --release -p causeway-runtime`).
//!
//! Each `riscv_peers` row is 1 warm-up run and 10 samples of one run each (criterion warns that it
//! cannot complete 10 samples in 1 s: expected, every sample is one whole run of 0.3–4 s); the whole
//! bench takes ~8 minutes on the 2-core machine, the interpreter adds ~11 more. After the run it prints
//! the tables `bench/RESULTS.md` records, from the medians criterion saved. This file owns which
//! processes run, the criterion filter of the check pass and the interpreter's single runs;
//! [`causeway_bench::process`] runs, checks and times them. It never builds the ELFs or the causeway
//! binary.
//!
//! `cargo bench -p causeway-bench --bench riscv_peers` (`-- riscv_startup`, `-- riscv_peers/sieve`, …
//! for a part).

use causeway_bench::process::{long_group, short_group, tool_version, Bench, Proc};
use causeway_bench::results::{fmt_time, median};
use causeway_bench::riscv::{
    elf, expected, interp_time, is_fresh, native, native_build, peer_table, record_interp, source,
    startup_big, startup_table, startup_tiny, Expected, Row, StartupGuest, StartupRow, FUEL, PROGRAMS, QEMU,
};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The environment variable that turns the interpreter runs on (`1`/`all`, or program names).
const INTERP_VAR: &str = "RISCV_BENCH_INTERP";

/// Everything the benchmarks run, checked and ready.
struct Setup {
    /// `riscv_peers/<program>/<runner>`.
    peers: Vec<Proc<Expected>>,
    /// The interpreter's run of each program (outside criterion).
    interp: Vec<(&'static str, Proc<Expected>)>,
    /// `riscv_startup/<guest>/<runner>`.
    startup: Vec<Proc<Expected>>,
    /// Keeps the native twins built here until the end of the run.
    _work: tempfile::TempDir,
}

/// The criterion filter among the bench's arguments, approximately: the first argument that is not
/// an option or an option's value. A process runs in the check pass when its id contains it (or when
/// it looks like a regular expression, which this does not evaluate).
fn filter(args: &[String]) -> Option<String> {
    const WITH_VALUE: [&str; 14] = [
        "--sample-size",
        "--warm-up-time",
        "--measurement-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--save-baseline",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--profile-time",
        "--color",
        "--output-format",
    ];
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if WITH_VALUE.contains(&a.as_str()) {
            it.next();
        } else if !a.starts_with('-') {
            return Some(a.clone());
        }
    }
    None
}

fn selected(filter: &Option<String>, id: &str) -> bool {
    match filter {
        None => true,
        Some(f) if f.contains(['^', '$', '*', '+', '?', '(', '[', '|', '\\', '.']) => true,
        Some(f) => id.contains(f.as_str()),
    }
}

/// Which programs the interpreter runs (from [`INTERP_VAR`]).
fn interp_programs(b: &Bench) -> Vec<&'static str> {
    let Ok(v) = std::env::var(INTERP_VAR) else {
        return Vec::new();
    };
    let v = v.trim();
    if v.is_empty() || v == "0" {
        return Vec::new();
    }
    if v == "1" || v == "all" {
        return PROGRAMS.to_vec();
    }
    let wanted: Vec<&str> = v.split(',').map(str::trim).collect();
    for w in &wanted {
        if !PROGRAMS.contains(w) {
            b.fail(&format!(
                "{INTERP_VAR}: unknown program {w:?} (the programs: {PROGRAMS:?})"
            ));
        }
    }
    PROGRAMS.into_iter().filter(|p| wanted.contains(p)).collect()
}

/// Finds the runners, builds the missing native twins and, with `check`, runs every selected process
/// once, so that a broken one stops the bench before anything is measured.
fn setup(b: &Bench, check: bool, filter: &Option<String>) -> Setup {
    let causeway = b.causeway();
    let qemu = tool_version(QEMU, "--version");
    match &qemu {
        Some(v) => println!("qemu: {v}"),
        None => println!(
            "qemu: {QEMU} NOT FOUND — its benchmarks are skipped (Debian: `apt-get install qemu-user`)"
        ),
    }
    let gcc = tool_version("gcc", "--version");
    match &gcc {
        Some(v) => println!("gcc: {v}"),
        None => println!("gcc: NOT FOUND — native twins missing from native/ are skipped"),
    }
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average: {}", load.trim());
    }
    let work = b.work_dir("riscv-peers-");

    // The native twin: build.sh's, unless it is missing or older than its source; then one built here.
    let native_twin = |built: Option<PathBuf>, src: &Path, name: &str| -> Option<PathBuf> {
        if let Some(exe) = built.filter(|exe| is_fresh(exe, src)) {
            return Some(exe);
        }
        gcc.as_ref()?;
        let exe = work.path().join(name);
        println!(
            "building the native twin of {} (gcc -O2, as build.sh does)",
            src.display()
        );
        b.build(
            native_build(src, &exe),
            &format!("building the native twin of {}", src.display()),
        );
        Some(exe)
    };
    let fuel: [&dyn AsRef<OsStr>; 2] = [&"--fuel", &FUEL];
    let qemu_path = PathBuf::from(QEMU);

    let mut peers = Vec::new();
    let mut interp = Vec::new();
    let interp_wanted = interp_programs(b);
    for name in PROGRAMS {
        let exp = expected(name).unwrap_or_else(|e| b.fail(&e));
        let elf = elf(name);
        if !elf.is_file() {
            b.fail(&format!(
                "{} is missing (bench/programs/riscv/build.sh builds it)",
                elf.display()
            ));
        }
        let id = |runner: &str| format!("riscv_peers/{name}/{runner}");
        if selected(filter, &id("native")) {
            if let Some(exe) = native_twin(Some(native(name)), &source(name), name) {
                peers.push(Proc::new(id("native"), &exe, &[], exp.clone()));
            }
        }
        peers.push(Proc::new(
            id("causeway_jit"),
            &causeway,
            &[&"run", &elf],
            exp.clone(),
        ));
        peers.push(Proc::new(
            id("causeway_jit_metered"),
            &causeway,
            &[&"run", fuel[0], fuel[1], &elf],
            exp.clone(),
        ));
        if qemu.is_some() {
            peers.push(Proc::new(id("qemu"), &qemu_path, &[&elf], exp.clone()));
        }
        if interp_wanted.contains(&name) {
            let args: [&dyn AsRef<OsStr>; 5] = [&"run", &"--interp", fuel[0], fuel[1], &elf];
            interp.push((name, Proc::new(id("interpreter"), &causeway, &args, exp.clone())));
        }
    }

    let mut startup = Vec::new();
    for g in [startup_big(), startup_tiny()] {
        let StartupGuest {
            name,
            elf,
            expect,
            source,
            native,
        } = g;
        let exp = Expected::read(&expect).unwrap_or_else(|e| b.fail(&e));
        let id = |runner: &str| format!("riscv_startup/{name}/{runner}");
        startup.push(Proc::new(id("causeway"), &causeway, &[&"run", &elf], exp.clone()));
        if qemu.is_some() {
            startup.push(Proc::new(id("qemu"), &qemu_path, &[&elf], exp.clone()));
        }
        if selected(filter, &id("native")) {
            if let Some(exe) = native_twin(native, &source, &format!("startup_{name}")) {
                startup.push(Proc::new(id("native"), &exe, &[], exp.clone()));
            }
        }
    }

    if check {
        println!("\nchecking that every run prints its .expect output:");
        for p in peers.iter().chain(&startup) {
            if selected(filter, &p.id) {
                let t = b.run_or_stop(p);
                println!("  {:<45} ok in {}", p.id, fmt_time(t.as_nanos() as f64));
            }
        }
        println!("all agree\n");
    }
    Setup {
        peers,
        interp,
        startup,
        _work: work,
    }
}

/// The interpreter: one run per program, outside criterion.
fn interpreter(b: &Bench, s: &Setup) {
    if s.interp.is_empty() {
        println!("\ninterpreter: not run (set {INTERP_VAR}=1, or to a list of programs, to run it once per program)");
        return;
    }
    println!("\ninterpreter (`causeway run --interp`), one run per program:");
    for (name, p) in &s.interp {
        let ns = b.run_or_stop(p).as_nanos() as f64;
        println!("  {name:<10} {}", fmt_time(ns));
        if let Err(e) = record_interp(&b.dir, name, ns) {
            eprintln!("riscv_peers: could not record the interpreter's time of {name}: {e}");
        }
    }
}

/// The tables for `bench/RESULTS.md`, from the medians criterion saved.
fn summary(dir: &Path, since: SystemTime) {
    let get = |id: String| median(dir, &id, since);
    let rows: Vec<Row> = PROGRAMS
        .iter()
        .map(|p| Row {
            program: p.to_string(),
            native: get(format!("riscv_peers/{p}/native")),
            jit: get(format!("riscv_peers/{p}/causeway_jit")),
            metered: get(format!("riscv_peers/{p}/causeway_jit_metered")),
            qemu: get(format!("riscv_peers/{p}/qemu")),
            interp: interp_time(dir, p, since),
        })
        .collect();
    println!(
        "\n## RISC-V: Causeway vs qemu-user vs native (whole process, medians; {})\n",
        dir.display()
    );
    print!("{}", peer_table(&rows));

    let rows: Vec<StartupRow> = [startup_big(), startup_tiny()]
        .into_iter()
        .map(|g| StartupRow {
            guest: g.name.to_string(),
            size: std::fs::metadata(&g.elf).map_or(0, |m| m.len()),
            causeway: get(format!("riscv_startup/{}/causeway", g.name)),
            qemu: get(format!("riscv_startup/{}/qemu", g.name)),
            native: get(format!("riscv_startup/{}/native", g.name)),
        })
        .collect();
    println!("\n## RISC-V start-up (whole process, medians)\n");
    print!("{}", startup_table(&rows));
}

fn main() {
    let Some((b, mut c)) = Bench::start("riscv_peers") else {
        return;
    };
    // `--list` only prints the ids; outside `--bench` criterion runs (and so checks) each one once.
    let check = b.benching && !b.listing;
    let s = setup(&b, check, &filter(&b.args));
    // Runs of 0.3–4 s: one warm-up run, then 10 samples of one run each.
    b.bench_all(
        long_group(&mut c, "riscv_peers", Duration::from_secs(1)),
        &s.peers,
    );
    b.bench_all(short_group(&mut c, "riscv_startup"), &s.startup);
    c.final_summary();
    if check {
        interpreter(&b, &s);
        summary(&b.dir, b.since);
    }
}
