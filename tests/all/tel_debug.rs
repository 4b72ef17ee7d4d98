//! Source-level debugging of TEL programs: single-stepping every conformance program statement by
//! statement agrees between debuggable JIT code and the interpreter (positions and locals) and
//! ends as a normal run does; breakpoints on lines; the errors of asking for what cannot be; and
//! the TEL side of the seed's `DebugInterface`.

use causeway_runtime::capability::CapabilityManager;
use causeway_runtime::embed::Runtime;
use causeway_runtime::error::{DebugError, VmError};
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::tel::{TelLimits, TelProgram};
use causeway_runtime::tel_debug::{TelDebugger, TelEvent, TelPosition, TelRunEnv};
use causeway_runtime::tel_host::{run_tel_source, RunTelOptions};
use causeway_runtime::types::{DomainId, ExecutionContext, OwnerId};
use causeway_tel::value::Value;
use std::sync::Arc;

fn runtime(interpreter: bool) -> (Runtime, ExecutionContext) {
    let caps = Arc::new(CapabilityManager::new());
    let mut rt = Runtime::new(Arc::new(MemoryStore::new()), caps.clone());
    rt.set_interpreter(interpreter);
    let mut ctx = caps.full_context(OwnerId::from_public_key(b"dev"), DomainId::new("local"));
    ctx.fuel = Some(50_000_000);
    (rt, ctx)
}

/// Runs `dbg` one step (or continue) in a transaction of `rt`'s store.
fn go(rt: &Runtime, ctx: &ExecutionContext, dbg: &mut TelDebugger, step: bool) -> TelEvent {
    let store = rt.resources().store().clone();
    let mut event = None;
    store
        .transact(&mut |txn| {
            let env = TelRunEnv {
                runtime: rt,
                txn,
                ctx,
            };
            event = Some(if step { dbg.step(env) } else { dbg.cont(env) }.unwrap());
            Ok(())
        })
        .unwrap();
    event.unwrap()
}

/// One stop of single-stepping: where, and the locals there.
type Stop = (TelPosition, Vec<(String, String)>);

/// Every stop of single-stepping `source` (at most `limit`, then continuing to the end), and how
/// it ended: the value, or the error's kind.
fn trace(source: &str, interpreter: bool, limit: usize) -> (Vec<Stop>, String) {
    let (rt, ctx) = runtime(interpreter);
    let program = TelProgram::new("t.tel", source);
    let mut dbg = TelDebugger::new(&rt, &program, &[], TelLimits::default(), ctx.fuel).unwrap();
    let mut stops = Vec::new();
    loop {
        let step = stops.len() < limit;
        match go(&rt, &ctx, &mut dbg, step) {
            TelEvent::Stopped { position, .. } => {
                let locals = dbg.locals().unwrap();
                stops.push((position, locals));
            }
            TelEvent::Finished(v) => return (stops, v.to_string()),
            TelEvent::Failed(VmError::TelError(t)) => return (stops, format!("{:?}", t.kind())),
            TelEvent::Failed(e) => return (stops, format!("{e}")),
        }
    }
}

#[test]
fn stepping_every_program_agrees_between_the_jit_and_the_interpreter_and_ends_as_a_run_does() {
    let mut stepped = 0;
    for path in crate::tel::programs() {
        let source = std::fs::read_to_string(&path).unwrap();
        let program = TelProgram::new("t.tel", source.as_str());
        let Ok((compiled, _)) = causeway_runtime::tel::compile_tel_debuggable(&program, TelLimits::default())
        else {
            continue; // compile errors are the conformance suite's business
        };
        if !compiled.main_params.is_empty() || !compiled.unhandled.is_empty() {
            continue;
        }
        let name = path.display();
        let jit = trace(&source, false, 3_000);
        let interp = trace(&source, true, 3_000);
        assert_eq!(jit, interp, "{name}");
        let opts = RunTelOptions {
            fuel: 50_000_000,
            ..Default::default()
        };
        let normal = match run_tel_source("t.tel", &source, &opts).unwrap() {
            Ok(r) => r.value.to_string(),
            Err(VmError::TelError(t)) => format!("{:?}", t.kind()),
            Err(e) => format!("{e}"),
        };
        // Debuggable code uses more fuel (nothing is inlined): only a fuel error may differ.
        if !jit.1.contains("OutOfFuel") && !normal.contains("OutOfFuel") {
            assert_eq!(jit.1, normal, "{name}");
        }
        assert!(
            jit.0.iter().all(|(p, _)| p.line > 0 && !p.flow.is_empty()),
            "{name}"
        );
        stepped += 1;
    }
    assert!(stepped > 40, "only {stepped} programs stepped");
}

const FACTORIAL: &str = "flow fact(n: Int) -> Int {
    if n <= 1 { return 1; }
    let m = n - 1;
    return n * fact(m);
}

flow main() -> Int {
    var acc = 0;
    for i in 0..3 { acc = acc + i; }
    return fact(5) + acc;
}
";

#[test]
fn breakpoints_on_lines_stop_each_time_and_show_the_locals_of_that_call() {
    for interpreter in [false, true] {
        let (rt, ctx) = runtime(interpreter);
        let program = TelProgram::new("fact.tel", FACTORIAL);
        let mut dbg = TelDebugger::new(&rt, &program, &[], TelLimits::default(), ctx.fuel).unwrap();
        assert_eq!(dbg.line_addresses(4).len(), 1);
        assert!(dbg.line_addresses(6).is_empty());
        let bp = dbg.set_line_breakpoint(4).unwrap();
        let mut seen = Vec::new();
        loop {
            match go(&rt, &ctx, &mut dbg, false) {
                TelEvent::Stopped {
                    position,
                    breakpoints,
                } => {
                    assert_eq!(
                        (position.flow.as_str(), position.line, position.column),
                        ("fact", 4, 5)
                    );
                    assert_eq!(breakpoints, vec![bp]);
                    seen.push((dbg.print("n").unwrap(), dbg.print("m").unwrap()));
                    if seen.len() == 2 {
                        dbg.remove_breakpoint(bp).unwrap();
                    }
                }
                TelEvent::Finished(v) => {
                    assert_eq!(v, Value::Int(123));
                    break;
                }
                TelEvent::Failed(e) => panic!("{e}"),
            }
        }
        assert_eq!(seen, [("5".into(), "4".into()), ("4".into(), "3".into())]);

        // Locals by scope: the loop's `i` only inside the loop, the `var` with its current value.
        let mut dbg = TelDebugger::new(&rt, &program, &[], TelLimits::default(), ctx.fuel).unwrap();
        dbg.set_line_breakpoint(9).unwrap();
        let mut at_loop = Vec::new();
        while let TelEvent::Stopped { position, .. } = go(&rt, &ctx, &mut dbg, false) {
            assert_eq!(position.line, 9);
            at_loop.push(dbg.locals().unwrap());
        }
        let l = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
        };
        assert_eq!(
            at_loop,
            [
                l(&[("acc", "0")]),
                l(&[("acc", "0"), ("i", "0")]),
                l(&[("acc", "0"), ("i", "1")]),
                l(&[("acc", "1"), ("i", "2")]),
            ]
        );
    }
}

#[test]
fn a_debugger_asking_for_what_cannot_be_gets_a_precise_error() {
    let (rt, ctx) = runtime(false);
    let program = TelProgram::new("fact.tel", FACTORIAL);
    let mut dbg = TelDebugger::new(&rt, &program, &[], TelLimits::default(), ctx.fuel).unwrap();
    assert!(matches!(
        dbg.set_line_breakpoint(6),
        Err(DebugError::NoStatement(6))
    ));
    assert!(matches!(
        dbg.set_line_breakpoint(99),
        Err(DebugError::NoStatement(99))
    ));
    assert!(matches!(
        dbg.set_breakpoint(12),
        Err(DebugError::NoInstruction(12))
    ));
    assert!(matches!(
        dbg.remove_breakpoint(7),
        Err(DebugError::UnknownBreakpoint(7))
    ));
    assert!(matches!(dbg.locals(), Err(DebugError::NotPaused(_))));
    assert!(matches!(go(&rt, &ctx, &mut dbg, true), TelEvent::Stopped { .. }));
    assert!(matches!(dbg.print("nope"), Err(DebugError::NoLocal(n)) if n == "nope"));
    assert!(matches!(
        go(&rt, &ctx, &mut dbg, false),
        TelEvent::Finished(Value::Int(123))
    ));
    assert!(matches!(dbg.locals(), Err(DebugError::Ended(_))));
    let store = rt.resources().store().clone();
    store
        .transact(&mut |txn| {
            let env = TelRunEnv {
                runtime: &rt,
                txn,
                ctx: &ctx,
            };
            assert!(matches!(dbg.step(env), Err(DebugError::Ended(_))));
            Ok(())
        })
        .unwrap();

    // A run that fails stops the debugger with its TEL error.
    let program = TelProgram::new(
        "div.tel",
        "flow main() -> Int {\n    let z = 0;\n    return 1 / z;\n}\n",
    );
    let mut dbg = TelDebugger::new(&rt, &program, &[], TelLimits::default(), ctx.fuel).unwrap();
    match go(&rt, &ctx, &mut dbg, false) {
        TelEvent::Failed(VmError::TelError(t)) => {
            assert_eq!(t.diagnostic().and_then(|d| d.position), Some((3, 12)))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_debug_interface_drives_a_tel_program_through_an_adapter() {
    use causeway_runtime::capability::Rights;
    use causeway_runtime::error::Right;
    use causeway_runtime::interfaces::*;

    let (factory, caps, ctx) = causeway_tests::adapter_setup();
    let adapter = factory.create_adapter(VmType::Tel).unwrap();
    let rt = factory.runtime();
    let program = TelProgram::new(
        "mint.tel",
        "flow main() -> Int {\n    let r = perform create_resource(\"gold\", 10, \"bar\");\n    perform log(\"minted\");\n    return perform quantity(r);\n}\n",
    );
    let id = rt.debug_tel(&program, &[], &ctx).unwrap();
    assert_eq!(adapter.get_state(&id, &ctx).unwrap(), VmState::NotStarted);
    let addresses = rt.debug_line_addresses(id, 4, &ctx).unwrap();
    assert_eq!(addresses.len(), 1);
    let bp = adapter.set_breakpoint(&id, addresses[0], &ctx).unwrap();
    let at = adapter.continue_execution(&id, &ctx).unwrap();
    assert_eq!(at.reason, StopReason::Breakpoint(vec![bp]));
    assert_eq!(
        at.state,
        VmState::AtStatement {
            address: addresses[0],
            flow: "main".into(),
            line: 4,
            column: 5
        }
    );
    let regs = adapter.get_registers(&id, &ctx).unwrap();
    assert_eq!(regs.pc, addresses[0]);
    assert_eq!(regs.locals.len(), 1);
    assert_eq!(regs.locals[0].0, "r");
    assert!(regs.locals[0].1.starts_with("resource("), "{:?}", regs.locals);

    // Precise errors: a line without statements, an address that is none, no `debug` right.
    assert!(matches!(
        rt.debug_line_addresses(id, 9, &ctx),
        Err(VmError::DebugError(DebugError::NoStatement(9)))
    ));
    assert!(matches!(
        adapter.set_breakpoint(&id, 4, &ctx),
        Err(VmError::DebugError(DebugError::NoInstruction(4)))
    ));
    let rights: Vec<Right> = Right::ALL.into_iter().filter(|&r| r != Right::Debug).collect();
    let no_debug = caps.context(ctx.caller, ctx.domain.clone(), Rights::of(&rights));
    assert!(matches!(
        adapter.step(&id, &no_debug),
        Err(VmError::CapabilityError(_))
    ));
    assert!(matches!(
        rt.debug_tel(&program, &[], &no_debug),
        Err(VmError::CapabilityError(_))
    ));

    let end = adapter.continue_execution(&id, &ctx).unwrap();
    assert_eq!(
        (end.reason, end.state),
        (StopReason::Finished("10".into()), VmState::Ended)
    );
    // The session's effects went to its own store, not the runtime's.
    assert!(rt.resources().list(None, &ctx).unwrap().is_empty());
}
