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
//!
//! `cargo bench -p causeway-bench --bench tel_peers` (a few minutes; add `-- tel_startup` etc. for one
//! group).

use causeway_bench::results::{criterion_dir, fmt_ns, median, peer_table, PeerRow};
use causeway_bench::tel::{
    expected_output, large_program, programs_dir, LARGE_PROGRAM_LINES, PEER_PROGRAMS, TINY_C, TINY_LUA,
    TINY_TEL,
};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Fuel given to `causeway run`: far more than any program here uses.
const FUEL: &str = "1000000000000000";

/// Name of the generated program's benchmarks.
const LARGE: &str = "large_1000";

/// Stops the bench with a message (not a panic: the reason is the whole point).
fn fail(msg: &str) -> ! {
    eprintln!("\ntel_peers: {msg}");
    std::process::exit(1)
}

/// A process to time: a program with its arguments, and the last line it must print (`None`: only
/// a successful exit is checked; its output is discarded).
struct Proc {
    what: String,
    program: PathBuf,
    args: Vec<OsString>,
    expected: Option<String>,
}

impl Proc {
    fn new(program: &Path, args: &[&dyn AsRef<std::ffi::OsStr>], expected: Option<&str>) -> Proc {
        let args: Vec<OsString> = args.iter().map(|a| a.as_ref().to_owned()).collect();
        let what = std::iter::once(program.display().to_string())
            .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(" ");
        Proc {
            what,
            program: program.to_owned(),
            args,
            expected: expected.map(str::to_owned),
        }
    }

    /// Runs the process once: its wall time from spawn to exit, or what went wrong.
    fn run(&self) -> Result<Duration, String> {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args).stdin(Stdio::null()).stderr(Stdio::piped());
        cmd.stdout(if self.expected.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let start = Instant::now();
        let out = cmd.output();
        let time = start.elapsed();
        let out = out.map_err(|e| format!("`{}` could not start: {e}", self.what))?;
        if !out.status.success() {
            return Err(format!(
                "`{}` failed ({}):\n{}",
                self.what,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim_end()
            ));
        }
        if let Some(expected) = &self.expected {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let last = stdout
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim();
            if last != expected {
                return Err(format!(
                    "`{}` printed {last:?} where {expected:?} was expected (full output: {stdout:?})",
                    self.what
                ));
            }
        }
        Ok(time)
    }
}

/// The `causeway` binary: `$CAUSEWAY_BIN`, else `causeway` in the profile directory this bench was
/// built into (`target/release/deps/tel_peers-*` → `target/release/causeway`), else
/// `target/release/causeway` of the workspace.
fn causeway_bin() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("CAUSEWAY_BIN") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("CAUSEWAY_BIN={} is not a file", p.display()))
        };
    }
    let mut candidates = Vec::new();
    if let Some(profile_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent().map(Path::to_path_buf))
    {
        candidates.push(profile_dir.join("causeway"));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/causeway"));
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
        format!(
            "the causeway binary is missing (looked for {}). Build it first with \
             `cargo build --release -p causeway-runtime`, or point CAUSEWAY_BIN at it.",
            looked.join(" and ")
        )
    })
}

/// The first line `program arg` prints, if it runs at all.
fn version(program: &str, arg: &str) -> Option<String> {
    let out = Command::new(program)
        .arg(arg)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    Some(
        String::from_utf8_lossy(&text)
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
    )
}

/// Everything the benchmarks run: the processes, checked and ready.
struct Setup {
    /// `tel_peers`: per program, `(peer, process)` for each available peer.
    peers: Vec<(&'static str, Vec<(&'static str, Proc)>)>,
    /// `tel_startup/tiny/*`.
    startup: Vec<(&'static str, Proc)>,
    /// `tel_compile/<what>/<tiny|large_1000>`.
    compile: Vec<(&'static str, &'static str, Proc)>,
    /// Keeps the C binaries and the generated programs until the end of the run.
    _work: tempfile::TempDir,
}

/// Finds the peers, builds the C programs, writes the generated ones and, with `check`, runs every
/// process once, so that a broken one stops the bench before anything is measured.
fn setup(check: bool) -> Setup {
    let causeway = causeway_bin().unwrap_or_else(|e| fail(&e));
    let age = std::fs::metadata(&causeway)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map_or(String::new(), |d| format!(", built {} min ago", d.as_secs() / 60));
    println!("causeway: {}{age}", causeway.display());
    let luajit = version("luajit", "-v");
    match &luajit {
        Some(v) => println!("luajit: {v}"),
        None => println!("luajit: NOT FOUND — its benchmarks are skipped (Debian: `apt-get install luajit`)"),
    }
    let gcc = version("gcc", "--version");
    match &gcc {
        Some(v) => println!("gcc: {v}"),
        None => println!("gcc: NOT FOUND — the C benchmarks are skipped"),
    }
    let work = tempfile::Builder::new()
        .prefix("tel-peers-")
        .tempdir()
        .unwrap_or_else(|e| fail(&format!("cannot create a temporary directory: {e}")));
    let dir = programs_dir();
    let gcc_o2 = |src: &Path, name: &str| -> PathBuf {
        let exe = work.path().join(name);
        let out = Command::new("gcc")
            .arg("-O2")
            .arg("-o")
            .arg(&exe)
            .arg(src)
            .output()
            .unwrap_or_else(|e| fail(&format!("gcc could not start: {e}")));
        if !out.status.success() {
            fail(&format!(
                "gcc -O2 {} failed:\n{}",
                src.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        exe
    };
    let luajit_path = PathBuf::from("luajit");
    let fuel: [&dyn AsRef<std::ffi::OsStr>; 2] = [&"--fuel", &FUEL];

    let mut peers = Vec::new();
    for name in PEER_PROGRAMS {
        let expected = expected_output(name).unwrap_or_else(|e| fail(&e));
        let tel = dir.join(format!("{name}.tel"));
        let mut procs = vec![(
            "tel",
            Proc::new(&causeway, &[&"run", &tel, fuel[0], fuel[1]], Some(&expected)),
        )];
        if luajit.is_some() {
            let lua = dir.join(format!("{name}.lua"));
            procs.push(("luajit", Proc::new(&luajit_path, &[&lua], Some(&expected))));
        }
        if gcc.is_some() {
            let exe = gcc_o2(&dir.join(format!("{name}.c")), name);
            procs.push(("c", Proc::new(&exe, &[], Some(&expected))));
        }
        peers.push((name, procs));
    }

    let tiny_tel = work.path().join("tiny.tel");
    let tiny_lua = work.path().join("tiny.lua");
    let large_tel = work.path().join(format!("{LARGE}.tel"));
    let write = |p: &Path, text: &str| {
        std::fs::write(p, text).unwrap_or_else(|e| fail(&format!("{}: {e}", p.display())))
    };
    write(&tiny_tel, TINY_TEL);
    write(&tiny_lua, TINY_LUA);
    write(&large_tel, &large_program(LARGE_PROGRAM_LINES));
    let mut startup = vec![("tel", Proc::new(&causeway, &[&"run", &tiny_tel], Some("1")))];
    if luajit.is_some() {
        startup.push(("luajit", Proc::new(&luajit_path, &[&tiny_lua], Some("1"))));
    }
    if gcc.is_some() {
        let src = work.path().join("tiny.c");
        write(&src, TINY_C);
        startup.push(("c", Proc::new(&gcc_o2(&src, "tiny"), &[], Some("1"))));
    }

    let mut compile = Vec::new();
    for (size, file) in [("tiny", &tiny_tel), (LARGE, &large_tel)] {
        let tool: [(&str, Vec<&dyn AsRef<std::ffi::OsStr>>); 4] = [
            ("check", vec![&"check", file]),
            ("emit_ir", vec![&"compile", file, &"--emit", &"ir"]),
            ("emit_asm", vec![&"compile", file, &"--emit", &"asm"]),
            ("run", vec![&"run", file, fuel[0], fuel[1]]),
        ];
        for (what, args) in tool {
            compile.push((what, size, Proc::new(&causeway, &args, None)));
        }
    }

    if !check {
        return Setup {
            peers,
            startup,
            compile,
            _work: work,
        };
    }
    println!("\nchecking that every version prints the expected value:");
    for (name, procs) in &peers {
        for (peer, p) in procs {
            let t = p.run().unwrap_or_else(|e| fail(&format!("{name}/{peer}: {e}")));
            println!(
                "  {name:<12} {peer:<7} {} in {}",
                p.expected.as_deref().unwrap_or(""),
                fmt_ns(t.as_nanos() as f64)
            );
        }
    }
    for (peer, p) in &startup {
        p.run().unwrap_or_else(|e| fail(&format!("tiny/{peer}: {e}")));
    }
    for (what, size, p) in &compile {
        p.run().unwrap_or_else(|e| fail(&format!("{what}/{size}: {e}")));
    }
    println!("all agree\n");
    Setup {
        peers,
        startup,
        compile,
        _work: work,
    }
}

/// Benchmarks one process; every run checks its output again.
fn bench_proc(g: &mut BenchmarkGroup<'_, WallTime>, function: &str, parameter: &str, p: &Proc) {
    g.bench_function(BenchmarkId::new(function, parameter), |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| p.run().unwrap_or_else(|e| fail(&e)))
                .sum::<Duration>()
        })
    });
}

fn peers(c: &mut Criterion, s: &Setup) {
    let mut g = c.benchmark_group("tel_peers");
    // Runs of 0.01–1 s: the same number of runs per sample, one warm-up run, at least 10 runs and 5 s.
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(5));
    for (name, procs) in &s.peers {
        for (peer, p) in procs {
            bench_proc(&mut g, name, peer, p);
        }
    }
    g.finish();
}

/// Millisecond processes: 20 samples, 2 s each.
fn short_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g
}

fn startup(c: &mut Criterion, s: &Setup) {
    let mut g = short_group(c, "tel_startup");
    for (peer, p) in &s.startup {
        bench_proc(&mut g, "tiny", peer, p);
    }
    g.finish();
}

fn compile(c: &mut Criterion, s: &Setup) {
    let mut g = short_group(c, "tel_compile");
    for (what, size, p) in &s.compile {
        bench_proc(&mut g, what, size, p);
    }
    g.finish();
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
                ("< 5 ms", if m.ns < 5e6 { "met" } else { "MISSED" })
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
            ("< 10 ms", if ns < 1e7 { "met" } else { "MISSED" })
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
    let args: Vec<String> = std::env::args().collect();
    let benching = args.iter().any(|a| a == "--bench");
    if !benching {
        // `cargo test --benches` runs each benchmark once, without `--bench`: there a missing causeway
        // binary skips the bench instead of failing the tests.
        if let Err(e) = causeway_bin() {
            println!("tel_peers: skipped: {e}");
            return;
        }
    }
    let since = SystemTime::now();
    let dir = criterion_dir();
    let mut c = Criterion::default().output_directory(&dir).configure_from_args();
    // `--list` only prints the ids: no need to run every program first.
    let s = setup(!args.iter().any(|a| a == "--list"));
    peers(&mut c, &s);
    startup(&mut c, &s);
    compile(&mut c, &s);
    c.final_summary();
    if benching {
        summary(&dir, since);
    }
}
