//! Debugging costs on RISC-V guests (issue 7), in-process: every program of
//! `programs/riscv/elf/rv64imac/` run to its end on normal and on debuggable code (no breakpoint
//! set: the cost of the sites and of keeping registers in their globals); setting and clearing a
//! breakpoint in a paused instance of `mark` (its whole main compiled); single steps. After the run,
//! a table of ratios against the targets: debuggable at most 3x slower, set + clear under 10 µs.
//! And the time to switch a running guest (`mark` on normal code, interrupted mid-run) to
//! debuggable code: moving its state into a debuggable instance and stopping at its next
//! instruction.

use causeway_bench::results::{cell, criterion_dir, fmt_ns, fmt_ratio, geomean, median, ratio, verdict};
use causeway_bench::riscv::PROGRAMS;
use causeway_runtime::riscv::{
    DebugEvent, Guest, GuestDebugger, GuestEnd, GuestIo, GuestOptions, LiveEvent, LiveGuest,
};
use criterion::Criterion;
use std::time::{Duration, SystemTime};

const SLOWDOWN_TARGET: f64 = 3.0;
const BREAKPOINT_TARGET_NS: f64 = 10_000.0;
const STEPS: usize = 1000;

fn elf(name: &str) -> Vec<u8> {
    let path = causeway_bench::riscv::elf(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(bytes: &[u8], debuggable: bool) -> Guest {
    let options = GuestOptions {
        debuggable,
        ..Default::default()
    };
    Guest::load(bytes, options).expect("the guest loads")
}

fn run_to_end(guest: &Guest) {
    let (io, _, _) = GuestIo::capture();
    assert_eq!(guest.run(io).expect("runs"), GuestEnd::Exited(0));
}

fn symbol(bytes: &[u8], name: &str) -> u64 {
    let elf = causeway_riscv::elf::load(bytes, &Default::default()).expect("an ELF");
    elf.symbols
        .iter()
        .find(|s| s.name == name)
        .expect("the symbol")
        .addr
}

/// `mark` under a debugger, stopped at the breakpoint on `list_sort` (main's code compiled by then).
fn paused_mark() -> (GuestDebugger, u64) {
    let bytes = elf("mark");
    let guest = load(&bytes, true);
    let mut dbg = GuestDebugger::new(&guest, GuestIo::capture().0).expect("a debugger");
    let at = symbol(&bytes, "list_sort");
    dbg.set_breakpoint(at).expect("a breakpoint");
    assert!(matches!(dbg.cont().expect("runs"), DebugEvent::Stopped { .. }));
    (dbg, symbol(&bytes, "main"))
}

fn bench(c: &mut Criterion) {
    let mut runs = c.benchmark_group("debug_riscv");
    runs.sample_size(10).measurement_time(Duration::from_secs(2));
    for name in PROGRAMS {
        let bytes = elf(name);
        for (mode, debuggable) in [("normal", false), ("debuggable", true)] {
            let guest = load(&bytes, debuggable);
            runs.bench_function(format!("{name}/{mode}"), |b| b.iter(|| run_to_end(&guest)));
        }
    }
    runs.finish();

    let mut paused = c.benchmark_group("debug_paused");
    paused.sample_size(10);
    let (mut dbg, main) = paused_mark();
    paused.bench_function("set_and_clear_breakpoint", |b| {
        b.iter(|| {
            let id = dbg.set_breakpoint(main).expect("set");
            dbg.remove_breakpoint(id).expect("clear");
        })
    });
    paused.bench_function(format!("{STEPS}_steps"), |b| {
        b.iter_batched(
            paused_mark,
            |(mut dbg, _)| {
                for _ in 0..STEPS {
                    assert!(matches!(dbg.step().expect("steps"), DebugEvent::Stopped { .. }));
                }
            },
            criterion::BatchSize::PerIteration,
        )
    });
    paused.finish();

    let mut switch = c.benchmark_group("debug_switch");
    switch.sample_size(20);
    let bytes = elf("mark");
    let (normal, debuggable) = (load(&bytes, false), load(&bytes, true));
    switch.bench_function("running_to_debuggable", |b| {
        b.iter_batched(
            || interrupted_mid_run(&normal),
            |live| {
                let mut dbg = live.into_debugger(&debuggable).expect("switches");
                assert!(matches!(dbg.step().expect("steps"), DebugEvent::Stopped { .. }));
            },
            criterion::BatchSize::PerIteration,
        )
    });
    switch.finish();
}

/// `guest` running on normal code, interrupted from another thread after a millisecond.
fn interrupted_mid_run(guest: &Guest) -> LiveGuest {
    let mut live = guest.start(GuestIo::capture().0).expect("starts");
    let handle = live.interrupt_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1));
        handle.interrupt();
    });
    assert_eq!(
        live.run().expect("runs"),
        LiveEvent::Interrupted,
        "`mark` runs longer than 1 ms"
    );
    t.join().expect("the interrupting thread");
    live
}

fn summary(since: SystemTime) {
    let dir = criterion_dir();
    println!("\n| program | normal | debuggable | debuggable / normal | ≤ {SLOWDOWN_TARGET}x |");
    println!("| --- | ---: | ---: | ---: | --- |");
    let mut ratios = Vec::new();
    for name in PROGRAMS {
        let normal = median(&dir, &format!("debug_riscv/{name}_normal"), since);
        let debuggable = median(&dir, &format!("debug_riscv/{name}_debuggable"), since);
        let r = ratio(&debuggable, &normal);
        ratios.extend(r);
        println!(
            "| {name} | {} | {} | {} | {} |",
            cell(&normal, fmt_ns),
            cell(&debuggable, fmt_ns),
            fmt_ratio(r),
            r.map_or("—", |r| verdict(r <= SLOWDOWN_TARGET))
        );
    }
    let g = geomean(&ratios);
    println!(
        "| **geomean** | | | {} | {} |",
        fmt_ratio(g),
        g.map_or("—", |g| verdict(g <= SLOWDOWN_TARGET))
    );
    let set_clear = median(&dir, "debug_paused/set_and_clear_breakpoint", since);
    let steps = median(&dir, &format!("debug_paused/{STEPS}_steps"), since);
    println!(
        "\nset + clear a breakpoint (paused `mark`): {} ({} against < 10 µs)",
        cell(&set_clear, fmt_ns),
        set_clear
            .as_ref()
            .map_or("—", |m| verdict(m.ns < BREAKPOINT_TARGET_NS))
    );
    let switch = median(&dir, "debug_switch/running_to_debuggable", since);
    println!(
        "switch a running guest (`mark`, interrupted mid-run) to debuggable code: {}",
        cell(&switch, fmt_ns)
    );
    if let Some(s) = &steps {
        println!(
            "single steps: {} per step, {:.0} steps/s (batches of {STEPS}, including a fresh paused instance each)",
            fmt_ns(s.ns / STEPS as f64),
            STEPS as f64 / (s.ns / 1e9)
        );
    }
}

fn main() {
    let since = SystemTime::now();
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    bench(&mut c);
    c.final_summary();
    summary(since);
}
