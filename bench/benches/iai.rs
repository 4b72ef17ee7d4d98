//! Instruction-count benchmarks (iai-callgrind): a few of the criterion programs at small sizes, counted
//! exactly under Callgrind, so that regressions show up without wall-clock noise.
//!
//! Each benchmark gets a ready instance from its setup (parsing, compiling and one warm-up call are not
//! counted) and counts one complete `@main()` call. The instance is handed back so that dropping it is
//! not counted either.
//!
//! Running needs valgrind and the runner: `cargo install iai-callgrind-runner --version 0.16.1 --locked`,
//! then `cargo bench -p causeway-bench --bench iai`. Building (`cargo bench --no-run`) needs neither.

use causeway_bench::*;
use causeway_engine::instance::Instance;
use causeway_engine::jit::OptLevel;
use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use std::hint::black_box;

/// An instance of `text` on the JIT (optimized, unmetered) or the interpreter, after one warm-up call.
fn ready(text: &str, jit: bool) -> Instance {
    let m = parse(text);
    let code = if jit {
        Code::jit(&m, options(OptLevel::Speed, false, false))
    } else {
        Code::interp(&m)
    };
    let mut inst = instantiate(&code, None);
    run_main(&mut inst);
    inst
}

fn int_loop_jit(iterations: u64) -> Instance {
    ready(&int_loop_module(iterations, false), true)
}

fn int_loop_interp(iterations: u64) -> Instance {
    ready(&int_loop_module(iterations, false), false)
}

fn host_calls_jit(n: u64) -> Instance {
    ready(&host_call_loop(n, true), true)
}

fn no_host_calls_jit(n: u64) -> Instance {
    ready(&host_call_loop(n, false), true)
}

fn loop_nest_jit(n: u32) -> Instance {
    ready(&loop_nest(n, false), true)
}

fn loop_nest_interp(n: u32) -> Instance {
    ready(&loop_nest(n, false), false)
}

/// One `@main()` call; returns its result and the instance (dropped outside the counted region).
fn call_main(mut inst: Instance) -> (i64, Instance) {
    let r = run_main(&mut inst);
    (black_box(r), inst)
}

#[library_benchmark]
#[bench::iters_1000(args = (1000), setup = int_loop_jit)]
fn jit_int_loop(inst: Instance) -> (i64, Instance) {
    call_main(inst)
}

#[library_benchmark]
#[bench::iters_1000(args = (1000), setup = int_loop_interp)]
fn interp_int_loop(inst: Instance) -> (i64, Instance) {
    call_main(inst)
}

#[library_benchmark]
#[bench::calls_1000(args = (1000), setup = host_calls_jit)]
fn jit_host_call_loop(inst: Instance) -> (i64, Instance) {
    call_main(inst)
}

#[library_benchmark]
#[bench::iters_1000(args = (1000), setup = no_host_calls_jit)]
fn jit_loop_without_host_calls(inst: Instance) -> (i64, Instance) {
    call_main(inst)
}

#[library_benchmark]
#[bench::n_16(args = (16), setup = loop_nest_jit)]
fn jit_loop_nest(inst: Instance) -> (i64, Instance) {
    call_main(inst)
}

#[library_benchmark]
#[bench::n_16(args = (16), setup = loop_nest_interp)]
fn interp_loop_nest(inst: Instance) -> (i64, Instance) {
    call_main(inst)
}

library_benchmark_group!(
    name = execution;
    benchmarks =
        jit_int_loop,
        interp_int_loop,
        jit_host_call_loop,
        jit_loop_without_host_calls,
        jit_loop_nest,
        interp_loop_nest
);

main!(library_benchmark_groups = execution);
