//! Dynamic slots (`call_dyn`): functions produced by a resolver while the module runs, as the RISC-V
//! front end translates lazily. Every tier must resolve the same slots in the same order, number
//! them alike, meter them alike and report resolution failures alike.

use causeway_engine::ir::{parse::parse_module, Function, Module, SourceLoc, TrapCode};
use causeway_engine::stop::{Stop, Trap};
use causeway_tests::{run_resolving, Outcome, TestResolver, Tier, ALL_TIERS};
use std::sync::{Arc, Mutex};

const HEADER: &str = "memory a32\nmetering per_inst\nregion 0x1000 0x1000 rw\n\
                      import effect @print(i64) -> ()\ndynamic 8 (i64) -> (i64)\n";

/// The resolver's functions: slot k is `@dk`.
const LIBRARY: &str = r#"
; d0: the sum of 0..x, in a loop (a check point inside dynamic code)
func @d0(v0: i64) -> (i64) {
    vars v1: i64, v2: i64, v3: i64
block0:
    jump block1
block1:
    v3 = icmp lt_s v1, v0
    brif v3, block2, block3
block2:
    v2 = add v2, v1
    v1 = add v1, 1
    jump block1
block3:
    return v2
}

; d1 and d2 recurse through each other's slots
func @d1(v0: i64) -> (i64) {
    vars v1: i64, v2: i64
block0:
    v1 = icmp gt_s v0, 100
    brif v1, block1, block2
block1:
    v2 = sub v0, 100
    v2 = call_dyn 2(v2)
    return v2
block2:
    return v0
}

func @d2(v0: i64) -> (i64) {
    vars v1: i64
block0:
    hostcall @print(v0)
    v1 = call_dyn 1(v0)
    v1 = add v1, 1
    return v1
}

; d3 traps on an unmapped address, with a guest location
func @d3(v0: i64) -> (i64) {
    vars v1: i64
block0:
    v1 = load.64 [v0 + 0x9000] #0x333
    return v1
}

; d4 calls a slot beyond the declared ones
func @d4(v0: i64) -> (i64) {
    vars v1: i64
block0:
    v1 = call_dyn 9(v0) #0x444
    return v1
}

; d5 never exists (the resolver fails); d6 has the wrong signature
func @d5(v0: i64) -> (i64) {
block0:
    return v0
}

func @d6(v0: i32) -> (i64) {
block0:
    return 0
}

; d7 stores through its argument and loads it back
func @d7(v0: i64) -> (i64) {
    vars v1: i64
block0:
    store.64 [v0], 77
    v1 = load.64 [v0]
    return v1
}
"#;

fn library() -> Arc<Module> {
    Arc::new(parse_module(&format!("{HEADER}{LIBRARY}")).expect("library parses"))
}

/// A resolver over the library that records the order of resolutions.
fn resolver(log: Arc<Mutex<Vec<u64>>>) -> TestResolver {
    let lib = library();
    Arc::new(move |slot| {
        log.lock().unwrap().push(slot);
        if slot == 5 {
            return Err("slot 5 has no code".into());
        }
        let f: &Function = &lib.funcs[slot as usize];
        Ok(f.clone())
    })
}

fn main_module(body: &str) -> Arc<Module> {
    let text = format!("{HEADER}\nfunc @main(v0: i64) -> (i64) {{\n    vars v1: i64\nblock0:\n{body}\n}}\n");
    Arc::new(parse_module(&text).expect("main parses"))
}

/// Runs `body` on every tier (with fuel stops every `refuel` units) and checks they agree.
fn run_all(body: &str, arg: i64, refuel: u64) -> (Outcome, Vec<u64>) {
    let module = main_module(body);
    let mut first: Option<(Outcome, Vec<u64>)> = None;
    for tier in ALL_TIERS {
        let log = Arc::new(Mutex::new(Vec::new()));
        let out = run_resolving(
            &module,
            tier,
            "main",
            &[arg],
            Some(refuel),
            Some(refuel),
            Some(resolver(log.clone())),
        );
        let order = log.lock().unwrap().clone();
        match &first {
            None => first = Some((out, order)),
            Some((o, ord)) => {
                assert_eq!(&out, o, "{tier:?} differs from the interpreter");
                assert_eq!(&order, ord, "{tier:?} resolves in another order");
            }
        }
    }
    first.expect("at least one tier")
}

#[test]
fn resolved_functions_run_and_are_metered_like_module_code() {
    let (out, order) = run_all("    v1 = call_dyn 0(v0)\n    return v1", 1000, 97);
    assert_eq!(out.stop, Stop::Finished(vec![499_500]));
    assert!(out.fuel_stops > 10, "the loop in dynamic code stopped for fuel");
    assert_eq!(order, vec![0], "a slot resolves once");
}

#[test]
fn dynamic_functions_call_each_other_through_slots() {
    let (out, order) = run_all("    v1 = call_dyn 1(v0)\n    return v1", 350, 1_000_000);
    // 350 -> d2(250) -> d1(250) -> d2(150) -> d1(150) -> d2(50) -> d1(50) = 50, plus 1 per d2.
    assert_eq!(out.stop, Stop::Finished(vec![53]));
    assert_eq!(out.output, vec![250, 150, 50]);
    assert_eq!(order, vec![1, 2]);
}

#[test]
fn traps_in_dynamic_code_report_their_location_and_function() {
    let (out, _) = run_all("    v1 = call_dyn 3(v0)\n    return v1", 0, 1_000);
    assert_eq!(
        out.stop,
        Stop::Trap(Trap {
            code: TrapCode::MemoryAccess,
            loc: Some(SourceLoc(0x333)),
            func: Some(causeway_engine::ir::FuncId(1)),
        })
    );
}

#[test]
fn slots_beyond_the_declared_count_trap() {
    let (out, _) = run_all("    v1 = call_dyn 4(v0)\n    return v1", 0, 1_000);
    let Stop::Trap(t) = out.stop else {
        panic!("expected a trap, got {:?}", out.stop)
    };
    assert_eq!(
        (t.code, t.loc),
        (TrapCode::BadIndirectTarget, Some(SourceLoc(0x444)))
    );
    let (out, _) = run_all("    v1 = call_dyn -1(v0)\n    return v1", 0, 1_000);
    assert!(matches!(
        out.stop,
        Stop::Trap(Trap {
            code: TrapCode::BadIndirectTarget,
            ..
        })
    ));
}

#[test]
fn resolver_failures_and_invalid_functions_stop_with_resolve_errors() {
    let (out, _) = run_all("    v1 = call_dyn 5(v0) #0x55\n    return v1", 0, 1_000);
    let Stop::ResolveError { slot, message, loc } = out.stop else {
        panic!("expected a resolve error, got {:?}", out.stop)
    };
    assert_eq!((slot, loc), (5, Some(SourceLoc(0x55))));
    assert!(message.contains("slot 5 has no code"), "{message}");
    let (out, _) = run_all("    v1 = call_dyn 6(v0)\n    return v1", 0, 1_000);
    let Stop::ResolveError { slot: 6, message, .. } = out.stop else {
        panic!("expected a resolve error, got {:?}", out.stop)
    };
    assert!(message.contains("signature"), "{message}");
}

#[test]
fn dynamic_code_shares_memory_and_keeps_resolved_slots_across_calls() {
    let (out, order) = run_all(
        "    v1 = call_dyn 7(0x1000)\n    v1 = call_dyn 7(0x1008)\n    v1 = call_dyn 0(v1)\n    return v1",
        0,
        1_000_000,
    );
    assert_eq!(out.stop, Stop::Finished(vec![(0..77).sum()]));
    assert_eq!(order, vec![7, 0]);
}

#[test]
fn a_resolver_that_panics_is_a_resolve_error_and_the_host_survives() {
    let module = main_module("    v1 = call_dyn 0(v0)\n    return v1");
    for tier in [Tier::Interp, Tier::Jit] {
        let out = run_resolving(
            &module,
            tier,
            "main",
            &[1],
            None,
            None,
            Some(Arc::new(|_| panic!("resolver bug"))),
        );
        let Stop::ResolveError { message, .. } = out.stop else {
            panic!("{tier:?}: expected a resolve error, got {:?}", out.stop)
        };
        assert!(message.contains("resolver bug"), "{message}");
    }
}

#[test]
fn a_module_without_a_resolver_stops_at_its_first_dynamic_call() {
    let module = main_module("    v1 = call_dyn 0(v0)\n    return v1");
    for tier in [Tier::Interp, Tier::Jit] {
        let out = run_resolving(&module, tier, "main", &[1], None, None, None);
        assert!(
            matches!(out.stop, Stop::ResolveError { slot: 0, .. }),
            "{tier:?}: {:?}",
            out.stop
        );
    }
}
