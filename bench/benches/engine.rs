//! Wall-clock benchmarks of the Causeway engine (criterion), all groups side by side in one run:
//!
//! 1. `compile` — IR instructions per second compiling a large generated module, `OptLevel::Speed` and
//!    `OptLevel::None`.
//! 2. `jit_vs_interp` — the same programs, same sizes, on the JIT and on the reference interpreter
//!    (both unmetered).
//! 3. `host_call` — a loop making one guest → host → guest call per iteration vs the same loop without
//!    the call; the difference divided by the iteration count is the round trip.
//! 4. `fuel` — metered JIT code with a (never exhausted) fuel budget vs unmetered code, on the integer
//!    loop, on the tightest possible loop (`count_loop`, the worst case) and on the loop nest.
//! 5. `debuggable` — debuggable code (a spill and a nop-ed patchable site at every `mark #LOC`) vs
//!    normal code, on the same programs with one mark per statement.
//!
//! After the run it prints the ratio table that `bench/RESULTS.md` records, computed from the medians
//! criterion saved (`target/criterion/<group>/<program>/<variant>/new/estimates.json`).
//!
//! `cargo bench -p causeway-bench --bench engine` (add a filter such as `-- fuel` to run one group).

use causeway_bench::*;
use causeway_engine::jit::{CompiledModule, OptLevel};
use criterion::measurement::WallTime;
use criterion::{black_box, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Iterations of the integer loops (both tiers).
const INT_LOOP_ITERS: u64 = 100_000;
/// Host calls per run of the host-call loop.
const HOST_CALLS: u64 = 100_000;
/// Matrix size of the loop nest (`n³` inner iterations).
const NEST_N: u32 = 64;
/// Size of the module compiled by the compile-throughput benchmark.
const LARGE_INSTS: usize = 15_000;

fn nest_inner_iterations() -> u64 {
    (NEST_N as u64).pow(3)
}

/// Short runs: 10 samples, 1 s warm-up, 3 s of measurement per benchmark.
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g
}

/// Benchmarks `@main()` of `code` (instantiated once; every iteration is one complete call).
fn bench_run(
    g: &mut BenchmarkGroup<'_, WallTime>,
    program: &str,
    variant: &str,
    code: &Code,
    fuel: Option<u64>,
) {
    let mut inst = instantiate(code, fuel);
    g.bench_function(BenchmarkId::new(program, variant), |b| {
        b.iter(|| black_box(run_main(&mut inst)))
    });
}

fn compile_throughput(c: &mut Criterion) {
    let module = parse(&large_module(LARGE_INSTS));
    let mut g = group(c, "compile");
    g.measurement_time(Duration::from_secs(5));
    g.throughput(Throughput::Elements(inst_count(&module)));
    for (variant, opt) in [("speed", OptLevel::Speed), ("none", OptLevel::None)] {
        let opts = options(opt, true, false);
        g.bench_function(BenchmarkId::new("large_module", variant), |b| {
            b.iter_with_large_drop(|| CompiledModule::compile(module.clone(), opts).expect("compile"))
        });
    }
    g.finish();
}

fn jit_vs_interp(c: &mut Criterion) {
    let mut g = group(c, "jit_vs_interp");
    let programs = [
        ("int_loop", int_loop_module(INT_LOOP_ITERS, false), INT_LOOP_ITERS),
        ("count_loop", count_loop_module(INT_LOOP_ITERS), INT_LOOP_ITERS),
        ("loop_nest", loop_nest(NEST_N, false), nest_inner_iterations()),
    ];
    for (program, text, iterations) in programs {
        let m = parse(&text);
        g.throughput(Throughput::Elements(iterations));
        bench_run(&mut g, program, "interp", &Code::interp(&m), None);
        bench_run(
            &mut g,
            program,
            "jit",
            &Code::jit(&m, options(OptLevel::Speed, false, false)),
            None,
        );
    }
    g.finish();
}

fn host_call(c: &mut Criterion) {
    let mut g = group(c, "host_call");
    g.throughput(Throughput::Elements(HOST_CALLS));
    for (program, call) in [("call", true), ("no_call", false)] {
        let m = parse(&host_call_loop(HOST_CALLS, call));
        bench_run(
            &mut g,
            program,
            "jit",
            &Code::jit(&m, options(OptLevel::Speed, false, false)),
            None,
        );
        bench_run(&mut g, program, "interp", &Code::interp(&m), None);
    }
    g.finish();
}

fn fuel(c: &mut Criterion) {
    let mut g = group(c, "fuel");
    let programs = [
        ("int_loop", int_loop_module(INT_LOOP_ITERS, false), INT_LOOP_ITERS),
        ("count_loop", count_loop_module(INT_LOOP_ITERS), INT_LOOP_ITERS),
        ("loop_nest", loop_nest(NEST_N, false), nest_inner_iterations()),
    ];
    for (program, text, iterations) in programs {
        let m = parse(&text);
        g.throughput(Throughput::Elements(iterations));
        let unmetered = Code::jit(&m, options(OptLevel::Speed, false, false));
        let metered = Code::jit(&m, options(OptLevel::Speed, true, false));
        bench_run(&mut g, program, "unmetered", &unmetered, None);
        bench_run(&mut g, program, "metered", &metered, Some(HUGE_FUEL));
    }
    g.finish();
}

fn debuggable(c: &mut Criterion) {
    let mut g = group(c, "debuggable");
    let programs = [
        ("int_loop", int_loop_module(INT_LOOP_ITERS, true), INT_LOOP_ITERS),
        ("loop_nest", loop_nest(NEST_N, true), nest_inner_iterations()),
    ];
    for (program, text, iterations) in programs {
        let m = parse(&text);
        g.throughput(Throughput::Elements(iterations));
        let normal = Code::jit(&m, options(OptLevel::Speed, false, false));
        let debug = Code::jit(&m, options(OptLevel::Speed, false, true));
        bench_run(&mut g, program, "normal", &normal, None);
        bench_run(&mut g, program, "debuggable", &debug, None);
    }
    g.finish();
}

/// The ratio table, from the medians criterion saved.
mod summary {
    use super::*;
    use causeway_bench::results::{fmt_ns, median};

    fn verdict(met: bool) -> &'static str {
        if met {
            "met"
        } else {
            "MISSED"
        }
    }

    pub fn print(dir: &Path, since: SystemTime) {
        let get = |id: &str| median(dir, id, since);
        let mut rows: Vec<String> = Vec::new();
        let mut stale = false;
        let mut pair = |a: &str, b: &str, row: &dyn Fn(f64, f64) -> String| {
            if let (Some(x), Some(y)) = (get(a), get(b)) {
                let mark = if x.fresh && y.fresh {
                    ""
                } else {
                    " (not measured in this run)"
                };
                stale |= !(x.fresh && y.fresh);
                rows.push(format!(
                    "| {} | {} | `{a}` = {}, `{b}` = {} |",
                    row(x.ns, y.ns),
                    mark,
                    fmt_ns(x.ns),
                    fmt_ns(y.ns)
                ));
            }
        };
        let insts = inst_count(&parse(&large_module(LARGE_INSTS))) as f64;
        pair(
            "compile/large_module/speed",
            "compile/large_module/none",
            &|s, n| {
                format!(
                    "compile throughput, {insts} insts: Speed {:.2} M insts/s, None {:.2} M insts/s",
                    insts / s * 1e3,
                    insts / n * 1e3
                )
            },
        );
        for program in ["int_loop", "count_loop", "loop_nest"] {
            let target = program != "loop_nest";
            pair(
                &format!("jit_vs_interp/{program}/interp"),
                &format!("jit_vs_interp/{program}/jit"),
                &|i, j| {
                    let r = i / j;
                    if target {
                        format!(
                            "JIT/interp speedup, {program}: {r:.1}x (target ≥ 20x): {}",
                            verdict(r >= 20.0)
                        )
                    } else {
                        format!("JIT/interp speedup, {program}: {r:.1}x (no target)")
                    }
                },
            );
        }
        let n = HOST_CALLS as f64;
        pair("host_call/call/jit", "host_call/no_call/jit", &|c, b| {
            let per = (c - b) / n;
            format!(
                "host call round trip, JIT: {per:.1} ns/call (target ≤ 20 ns): {}",
                verdict(per <= 20.0)
            )
        });
        pair("host_call/call/interp", "host_call/no_call/interp", &|c, b| {
            format!(
                "host call round trip, interpreter: {:.1} ns/call (no target)",
                (c - b) / n
            )
        });
        for program in ["int_loop", "count_loop", "loop_nest"] {
            pair(
                &format!("fuel/{program}/metered"),
                &format!("fuel/{program}/unmetered"),
                &|m, u| {
                    let pct = (m / u - 1.0) * 100.0;
                    format!(
                        "fuel metering cost, {program}: {pct:+.1}% (target ≤ +25%): {}",
                        verdict(pct <= 25.0)
                    )
                },
            );
        }
        for program in ["int_loop", "loop_nest"] {
            pair(
                &format!("debuggable/{program}/debuggable"),
                &format!("debuggable/{program}/normal"),
                &|d, n| {
                    format!(
                        "debuggable code cost, {program}: {:+.1}% (no target)",
                        (d / n - 1.0) * 100.0
                    )
                },
            );
        }
        if rows.is_empty() {
            return;
        }
        println!("\n## Causeway benchmark summary (medians; {})\n", dir.display());
        println!("| comparison | | raw medians |\n| --- | --- | --- |");
        for r in &rows {
            println!("{r}");
        }
        if stale {
            println!("\nRows marked \"not measured in this run\" use results of an earlier run.");
        }
    }
}

fn main() {
    let since = SystemTime::now();
    let dir = causeway_bench::results::criterion_dir();
    let mut c = Criterion::default().output_directory(&dir).configure_from_args();
    compile_throughput(&mut c);
    jit_vs_interp(&mut c);
    host_call(&mut c);
    fuel(&mut c);
    debuggable(&mut c);
    c.final_summary();
    summary::print(&dir, since);
}
