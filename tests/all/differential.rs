//! Differential testing: the interpreter and the JIT (optimized, unoptimized, debuggable) agree on
//! thousands of random programs: stop reason, results, trap location, host calls, globals, memory
//! and remaining fuel. A failure prints the seed and the program.

use causeway_engine::ir::verify::verify_module;
use causeway_tests::gen::{random_module, random_module_with};
use causeway_tests::{run, Tier};
use std::sync::Arc;

fn check_seed(seed: u64, tiers: &[Tier]) {
    check_module(seed, random_module(seed), tiers);
}

fn check_module(seed: u64, module: causeway_engine::ir::Module, tiers: &[Tier]) {
    let module = Arc::new(module);
    if let Err(e) = verify_module(&module) {
        panic!("seed {seed}: the generator made invalid IR: {e}\n{module}");
    }
    let fuel = if seed.is_multiple_of(3) {
        None
    } else {
        Some(50 + seed % 400)
    };
    let refuel = (seed % 3 == 1).then_some(37);
    let reference = run(&module, Tier::Interp, "f0", &[], fuel, refuel);
    for &tier in tiers {
        let out = run(&module, tier, "f0", &[], fuel, refuel);
        assert_eq!(
            out, reference,
            "seed {seed}: {tier:?} disagrees with the interpreter\n{module}"
        );
    }
}

#[test]
fn interpreter_and_jit_agree_on_random_programs() {
    let count: u64 = std::env::var("CAUSEWAY_DIFF_COUNT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    for seed in 0..count {
        check_seed(seed, &[Tier::Jit]);
    }
}

/// Modules of twenty functions and more than the engine's threshold of IR instructions compile
/// as a pipeline on worker threads (`jit::compile_all`): the code must be the same as compiled alone.
#[test]
fn modules_compiled_on_worker_threads_agree_too() {
    let mut parallel = 0;
    for seed in 30_000..30_150 {
        let module = random_module_with(seed, 20);
        let large = module.inst_count() >= causeway_engine::jit::PARALLEL_COMPILE_MIN_IR_INSTS;
        parallel += usize::from(large);
        check_module(seed, module, &[Tier::Jit, Tier::JitNoOpt]);
    }
    assert!(
        parallel >= 100,
        "only {parallel} of 150 modules were large enough to compile in parallel"
    );
}

#[test]
fn unoptimized_and_debuggable_jit_agree_too() {
    for seed in 10_000..10_400 {
        check_seed(seed, &[Tier::JitNoOpt, Tier::JitDebuggable]);
    }
}

#[test]
fn the_generator_reaches_every_kind_of_stop() {
    use causeway_engine::stop::Stop;
    use std::collections::BTreeMap;
    let mut kinds: BTreeMap<String, u32> = BTreeMap::new();
    for seed in 0..600 {
        let module = Arc::new(random_module(seed));
        let fuel = if seed.is_multiple_of(3) {
            None
        } else {
            Some(50 + seed % 400)
        };
        let out = run(&module, Tier::Interp, "f0", &[], fuel, None);
        let kind = match out.stop {
            Stop::Finished(_) => "finished".to_string(),
            Stop::Trap(t) => t.code.name(),
            other => format!("{other:?}")
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string(),
        };
        *kinds.entry(kind).or_default() += 1;
    }
    eprintln!("{kinds:?}");
    assert!(kinds.get("finished").copied().unwrap_or(0) >= 300, "{kinds:?}");
    for k in [
        "OutOfFuel",
        "memory_access",
        "division_by_zero",
        "integer_overflow",
        "bad_indirect_target",
    ] {
        assert!(kinds.contains_key(k), "no {k} in {kinds:?}");
    }
}
