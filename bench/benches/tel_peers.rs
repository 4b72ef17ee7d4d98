//! TEL against LuaJIT and C (issue 5), whole processes (spawn to exit), criterion, in one run:
//!
//! 1. `tel_peers/<program>/{tel,luajit,c}` — the programs of `bench/programs/tel-peers/` (recursive
//!    `fib35`, a 10^8-iteration `int_loop`, `closures` called in a loop, an `effect_loop` under a
//!    resuming handler), each as `causeway run NAME.tel --fuel <huge>`, `luajit NAME.lua` and the C
//!    version built with `gcc -O2` into a temporary directory. Target: the geomean of TEL's times at
//!    most LuaJIT's.
//! 2. `tel_startup/tiny/{tel,luajit,c}` — a program that only returns/prints 1. `causeway run` of it is
//!    an upper bound of "process start to the first TEL instruction" (target: under 5 ms).
//! 3. `tel_compile/{check,emit_ir,emit_asm,run}/{tiny,large_1000}` — `causeway check`, `causeway compile
//!    --emit ir`, `causeway compile --emit asm` and `causeway run` of the tiny program and of a
//!    generated 1 000-line program ([`causeway_bench::tel::large_program`], whose `main` runs in
//!    microseconds); large minus tiny is the compile time of 1 000 lines without the process start
//!    (target: under 10 ms, read from `run`, the whole compilation to native code).
//!
//! Before measuring, every program is run once and must print the value of its `-- expect:` header
//! (every timed run checks it again), so the three versions of each program agree. LuaJIT or gcc
//! missing: their peers are skipped, with a message. The `causeway` binary is not built here: it is
//! `$CAUSEWAY_BIN`, else `target/release/causeway` (`cargo build --release -p causeway-runtime`); when
//! it is missing or a TEL program fails, the bench stops with the reason before measuring anything.
//!
//! After the run it prints the tables `bench/RESULTS.md` records, from the medians criterion saved.
//! This file owns which processes run and the tables; [`causeway_bench::process`] runs, checks and
//! times them.
//!
//! `cargo bench -p causeway-bench --bench tel_peers` (a few minutes; add `-- tel_startup` etc. for one
//! group).

use causeway_bench::process::{long_group, short_group, tool_version, Bench, Proc};
use causeway_bench::results::{fmt_ns, median, peer_table, verdict, PeerRow};
use causeway_bench::tel::{
    expected_output, large_program, programs_dir, LastLine, LARGE_PROGRAM_LINES, PEER_PROGRAMS, TINY_C,
    TINY_LUA, TINY_TEL,
};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

/// Fuel given to `causeway run`: far more than any program here uses.
const FUEL: &str = "1000000000000000";

/// Name of the generated program's benchmarks.
const LARGE: &str = "large_1000";

/// Everything the benchmarks run: the processes, checked and ready.
struct Setup {
    /// `tel_peers/<program>/<peer>` for each available peer.
    peers: Vec<Proc<LastLine>>,
    /// `tel_startup/tiny/<peer>`.
    startup: Vec<Proc<LastLine>>,
    /// `tel_compile/<what>/<tiny|large_1000>`.
    compile: Vec<Proc<LastLine>>,
    /// Keeps the C binaries and the generated programs until the end of the run.
    _work: tempfile::TempDir,
}

/// Finds the peers, builds the C programs, writes the generated ones and, with `check`, runs every
/// process once, so that a broken one stops the bench before anything is measured.
fn setup(b: &Bench, check: bool) -> Setup {
    let causeway = b.causeway();
    let luajit = tool_version("luajit", "-v");
    match &luajit {
        Some(v) => println!("luajit: {v}"),
        None => println!("luajit: NOT FOUND — its benchmarks are skipped (Debian: `apt-get install luajit`)"),
    }
    let gcc = tool_version("gcc", "--version");
    match &gcc {
        Some(v) => println!("gcc: {v}"),
        None => println!("gcc: NOT FOUND — the C benchmarks are skipped"),
    }
    let work = b.work_dir("tel-peers-");
    let dir = programs_dir();
    let gcc_o2 = |src: &Path, name: &str| -> PathBuf {
        let exe = work.path().join(name);
        let mut cmd = Command::new("gcc");
        cmd.arg("-O2").arg("-o").arg(&exe).arg(src);
        b.build(cmd, &format!("gcc -O2 {}", src.display()));
        exe
    };
    let luajit_path = PathBuf::from("luajit");
    let fuel: [&dyn AsRef<OsStr>; 2] = [&"--fuel", &FUEL];
    let prints = |v: &str| LastLine(Some(v.to_string()));

    let mut peers = Vec::new();
    for name in PEER_PROGRAMS {
        let expected = expected_output(name).unwrap_or_else(|e| b.fail(&e));
        let id = |peer: &str| format!("tel_peers/{name}/{peer}");
        let tel = dir.join(format!("{name}.tel"));
        let args: [&dyn AsRef<OsStr>; 4] = [&"run", &tel, fuel[0], fuel[1]];
        peers.push(Proc::new(id("tel"), &causeway, &args, prints(&expected)));
        if luajit.is_some() {
            let lua = dir.join(format!("{name}.lua"));
            peers.push(Proc::new(id("luajit"), &luajit_path, &[&lua], prints(&expected)));
        }
        if gcc.is_some() {
            let exe = gcc_o2(&dir.join(format!("{name}.c")), name);
            peers.push(Proc::new(id("c"), &exe, &[], prints(&expected)));
        }
    }

    let tiny_tel = work.path().join("tiny.tel");
    let tiny_lua = work.path().join("tiny.lua");
    let large_tel = work.path().join(format!("{LARGE}.tel"));
    let write = |p: &Path, text: &str| {
        std::fs::write(p, text).unwrap_or_else(|e| b.fail(&format!("{}: {e}", p.display())))
    };
    write(&tiny_tel, TINY_TEL);
    write(&tiny_lua, TINY_LUA);
    write(&large_tel, &large_program(LARGE_PROGRAM_LINES));
    let id = |peer: &str| format!("tel_startup/tiny/{peer}");
    let mut startup = vec![Proc::new(id("tel"), &causeway, &[&"run", &tiny_tel], prints("1"))];
    if luajit.is_some() {
        startup.push(Proc::new(id("luajit"), &luajit_path, &[&tiny_lua], prints("1")));
    }
    if gcc.is_some() {
        let src = work.path().join("tiny.c");
        write(&src, TINY_C);
        startup.push(Proc::new(id("c"), &gcc_o2(&src, "tiny"), &[], prints("1")));
    }

    let mut compile = Vec::new();
    for (size, file) in [("tiny", &tiny_tel), (LARGE, &large_tel)] {
        let tool: [(&str, Vec<&dyn AsRef<OsStr>>); 4] = [
            ("check", vec![&"check", file]),
            ("emit_ir", vec![&"compile", file, &"--emit", &"ir"]),
            ("emit_asm", vec![&"compile", file, &"--emit", &"asm"]),
            ("run", vec![&"run", file, fuel[0], fuel[1]]),
        ];
        for (what, args) in tool {
            let id = format!("tel_compile/{what}/{size}");
            compile.push(Proc::new(id, &causeway, &args, LastLine(None)));
        }
    }

    if check {
        println!("\nchecking that every version prints the expected value:");
        for p in &peers {
            let t = b.run_or_stop(p);
            let (name, peer) = p.function_parameter();
            println!(
                "  {name:<12} {peer:<7} {} in {}",
                p.expect.0.as_deref().unwrap_or(""),
                fmt_ns(t.as_nanos() as f64)
            );
        }
        for p in startup.iter().chain(&compile) {
            b.run_or_stop(p);
        }
        println!("all agree\n");
    }
    Setup {
        peers,
        startup,
        compile,
        _work: work,
    }
}

/// The tables for `bench/RESULTS.md`, from the medians criterion saved.
fn summary(dir: &Path, since: SystemTime) {
    let get = |id: &str| median(dir, id, since);
    let rows: Vec<PeerRow> = PEER_PROGRAMS
        .iter()
        .map(|p| PeerRow {
            program: p.to_string(),
            tel: get(&format!("tel_peers/{p}/tel")),
            luajit: get(&format!("tel_peers/{p}/luajit")),
            c: get(&format!("tel_peers/{p}/c")),
        })
        .collect();
    println!(
        "\n## TEL vs LuaJIT vs C (whole process, medians; {})\n",
        dir.display()
    );
    print!("{}", peer_table(&rows));

    let mut lines = Vec::new();
    let mark = |fresh: bool| if fresh { "" } else { " (not measured in this run)" };
    for (peer, label) in [
        ("tel", "`causeway run` of a tiny program"),
        ("luajit", "`luajit` of the same"),
        ("c", "the same in C"),
    ] {
        if let Some(m) = get(&format!("tel_startup/tiny/{peer}")) {
            let (target, verdict) = if peer == "tel" {
                ("< 5 ms", verdict(m.ns < 5e6))
            } else {
                ("—", "—")
            };
            lines.push(format!(
                "| {label}, whole process{} | {} | {target} | {verdict} |",
                mark(m.fresh),
                fmt_ns(m.ns)
            ));
        }
    }
    let per_k = 1000.0 / LARGE_PROGRAM_LINES as f64;
    for (what, label) in [
        ("run", "compile (front end + JIT), through `causeway run`"),
        ("check", "parse + type check, `causeway check`"),
        (
            "emit_ir",
            "front end + lowering + IR text, `causeway compile --emit ir`",
        ),
        (
            "emit_asm",
            "front end + JIT + disassembly, `causeway compile --emit asm`",
        ),
    ] {
        let (Some(tiny), Some(large)) = (
            get(&format!("tel_compile/{what}/tiny")),
            get(&format!("tel_compile/{what}/{LARGE}")),
        ) else {
            continue;
        };
        let ns = (large.ns - tiny.ns) * per_k;
        let (target, verdict) = if what == "run" {
            ("< 10 ms", verdict(ns < 1e7))
        } else {
            ("—", "—")
        };
        lines.push(format!(
            "| {label}, per 1 000 lines (large − tiny: {} − {}){} | {} | {target} | {verdict} |",
            fmt_ns(large.ns),
            fmt_ns(tiny.ns),
            mark(tiny.fresh && large.fresh),
            fmt_ns(ns)
        ));
    }
    if !lines.is_empty() {
        println!("\n## TEL start-up and compile time (medians)\n");
        println!("| measure | result | target | verdict |\n| --- | --- | --- | --- |");
        for l in lines {
            println!("{l}");
        }
    }
}

fn main() {
    let Some((b, mut c)) = Bench::start("tel_peers") else {
        return;
    };
    // `--list` only prints the ids: no need to run every program first.
    let s = setup(&b, !b.listing);
    // Runs of 0.01–1 s: at least 10 runs and 5 s.
    b.bench_all(long_group(&mut c, "tel_peers", Duration::from_secs(5)), &s.peers);
    b.bench_all(short_group(&mut c, "tel_startup"), &s.startup);
    b.bench_all(short_group(&mut c, "tel_compile"), &s.compile);
    c.final_summary();
    if b.benching {
        summary(&b.dir, b.since);
    }
}
