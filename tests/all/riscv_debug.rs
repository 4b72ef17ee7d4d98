//! Debugging RISC-V guests (`GuestDebugger`): breakpoints at guest pcs, steps of one instruction,
//! registers and memory, on debuggable JIT code and on the interpreter, which must agree step by
//! step; and the errors of a debugger asking for what cannot be.

use causeway_engine::jit::OptLevel;
use causeway_runtime::error::DebugError;
use causeway_runtime::riscv::{DebugEvent, Guest, GuestDebugger, GuestEnd, GuestIo, GuestOptions};
use std::path::Path;

const TARGETS: [&str; 4] = ["rv32im", "rv32imac", "rv64im", "rv64imac"];

fn elf(target: &str, name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("riscv/elf")
            .join(target)
            .join(name),
    )
    .unwrap()
}

fn symbol(bytes: &[u8], name: &str) -> (u64, u64) {
    let elf = causeway_riscv::elf::load(bytes, &Default::default()).unwrap();
    let s = elf.symbols.iter().find(|s| s.name == name).unwrap();
    (s.addr, s.size)
}

fn guest(bytes: &[u8], interpreter: bool) -> Guest {
    let options = GuestOptions {
        interpreter,
        debuggable: true,
        ..Default::default()
    };
    Guest::load(bytes, options).unwrap()
}

/// A stop: the pc and the registers there.
type Step = (u64, [u64; 32]);

/// Every stop of single-stepping the whole run, how it ended, and what it printed.
fn trace(bytes: &[u8], interpreter: bool) -> (Vec<Step>, GuestEnd, Vec<u8>) {
    let (io, out, _) = GuestIo::capture();
    let mut dbg = GuestDebugger::new(&guest(bytes, interpreter), io).unwrap();
    let mut stops = vec![(dbg.pc(), dbg.registers())];
    loop {
        match dbg.step().unwrap() {
            DebugEvent::Stopped { pc, .. } => stops.push((pc, dbg.registers())),
            DebugEvent::Ended(end) => return (stops, end, out.bytes()),
        }
        assert!(stops.len() < 100_000, "stepping never ends");
    }
}

#[test]
fn single_steps_agree_between_debuggable_jit_code_and_the_interpreter() {
    for target in TARGETS {
        let bytes = elf(target, "exit_return.elf");
        let jit = trace(&bytes, false);
        let interp = trace(&bytes, true);
        assert_eq!(jit.1, GuestEnd::Exited(7), "{target}");
        assert_eq!(jit.2, b"returning 7 from main\n", "{target}");
        assert_eq!(jit.0.len(), interp.0.len(), "{target}: step counts");
        for (i, (j, k)) in jit.0.iter().zip(&interp.0).enumerate() {
            assert_eq!(j, k, "{target}: step {i}");
        }
        assert_eq!((jit.1, jit.2), (interp.1, interp.2), "{target}");
        // Each step is one instruction: consecutive pcs are 2 or 4 apart except at control flow.
        let (main, _) = symbol(&bytes, "main");
        assert!(
            jit.0.iter().any(|&(pc, _)| pc == main),
            "{target}: main was never reached"
        );
    }
}

#[test]
fn a_breakpoint_stops_before_its_instruction_and_register_writes_reach_the_guest() {
    for target in TARGETS {
        let bytes = elf(target, "exit_return.elf");
        let (main, size) = symbol(&bytes, "main");
        // The last instruction main runs (its return), from a first stepped run.
        let (stops, _, _) = trace(&bytes, true);
        let last = stops
            .iter()
            .map(|&(pc, _)| pc)
            .rfind(|&pc| pc >= main && pc < main + size)
            .unwrap();
        for interpreter in [false, true] {
            let what = format!("{target}, interpreter {interpreter}");
            let (io, out, _) = GuestIo::capture();
            let mut dbg = GuestDebugger::new(&guest(&bytes, interpreter), io).unwrap();
            let at_main = dbg.set_breakpoint(main).unwrap();
            let at_ret = dbg.set_breakpoint(last).unwrap();
            assert_eq!(
                dbg.cont().unwrap(),
                DebugEvent::Stopped {
                    pc: main,
                    breakpoints: vec![at_main]
                },
                "{what}"
            );
            let regs = dbg.registers();
            // The return address is in _start, which called main; sp is 16-byte aligned.
            let (start, start_size) = symbol(&bytes, "_start");
            assert!(
                regs[1] >= start && regs[1] < start + start_size,
                "{what}: ra {:#x}",
                regs[1]
            );
            assert_eq!(regs[2] % 16, 0, "{what}: sp {:#x}", regs[2]);
            assert_eq!(regs[0], 0);
            // A step runs exactly main's first instruction.
            match dbg.step().unwrap() {
                DebugEvent::Stopped { pc, breakpoints } => {
                    assert!(pc == main + 2 || pc == main + 4, "{what}: {pc:#x}");
                    assert!(breakpoints.is_empty());
                }
                other => panic!("{what}: {other:?}"),
            }
            // Memory at sp reads; code cannot be written.
            assert_eq!(dbg.read_memory(dbg.registers()[2], 8).unwrap().len(), 8);
            assert!(matches!(
                dbg.write_memory(main, &[0; 4]),
                Err(DebugError::Memory(_))
            ));
            assert_eq!(
                dbg.cont().unwrap(),
                DebugEvent::Stopped {
                    pc: last,
                    breakpoints: vec![at_ret]
                },
                "{what}"
            );
            assert_eq!(dbg.registers()[10], 7, "{what}: a0 holds main's result");
            dbg.set_register(10, 99).unwrap_or_else(|e| panic!("{what}: {e}"));
            dbg.set_register(0, 5).unwrap();
            assert_eq!(dbg.registers()[0], 0);
            dbg.remove_breakpoint(at_main).unwrap();
            assert_eq!(
                dbg.cont().unwrap(),
                DebugEvent::Ended(GuestEnd::Exited(99)),
                "{what}"
            );
            assert_eq!(out.bytes(), b"returning 7 from main\n");
            assert!(matches!(dbg.step(), Err(DebugError::Ended(_))));
            assert!(matches!(dbg.set_register(10, 1), Err(DebugError::Ended(_))));
        }
    }
}

#[test]
fn a_debugger_gets_precise_errors() {
    let bytes = elf("rv64imac", "exit_return.elf");
    let (main, size) = symbol(&bytes, "main");
    let (io, _, _) = GuestIo::capture();
    let mut dbg = GuestDebugger::new(&guest(&bytes, false), io).unwrap();
    // Odd, inside a 4-byte instruction, outside code, in data.
    let (stops, _, _) = trace(&bytes, true);
    let four_byte = stops
        .windows(2)
        .map(|w| w[0].0)
        .find(|&pc| pc >= main && pc < main + size && stops.iter().any(|s| s.0 == pc + 4))
        .unwrap();
    for pc in [main + 1, four_byte + 2, 0, 0x7fff_0000] {
        if pc == four_byte + 2 && stops.iter().any(|s| s.0 == pc) {
            continue;
        }
        assert!(
            matches!(dbg.set_breakpoint(pc), Err(DebugError::NoInstruction(p)) if p == pc),
            "{pc:#x}"
        );
    }
    assert!(matches!(
        dbg.remove_breakpoint(42),
        Err(DebugError::UnknownBreakpoint(42))
    ));
    assert!(matches!(dbg.set_register(32, 0), Err(DebugError::NoRegister(32))));
    // Normal code has no sites: a debugger refuses it.
    let normal = Guest::load(
        &bytes,
        GuestOptions {
            opt_level: OptLevel::Speed,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(matches!(
        GuestDebugger::new(&normal, GuestIo::capture().0),
        Err(DebugError::NotDebuggable)
    ));
}

#[test]
fn the_debug_interface_drives_a_guest_through_an_adapter() {
    use causeway_runtime::capability::Rights;
    use causeway_runtime::error::{Right, VmError};
    use causeway_runtime::interfaces::*;
    use causeway_runtime::types::DomainId;

    let (factory, caps, ctx) = causeway_tests::adapter_setup();
    let adapter = factory.create_adapter(VmType::RiscV).unwrap();
    let bytes = elf("rv64imac", "exit_return.elf");
    let (main, _) = symbol(&bytes, "main");
    let debuggee = guest(&bytes, false);
    let (io, out, _) = GuestIo::capture();
    let id = factory.runtime().debug_guest(&debuggee, io, &ctx).unwrap();
    let entry = debuggee.layout().entry;
    assert_eq!(
        adapter.get_state(&id, &ctx).unwrap(),
        VmState::Paused { pc: entry }
    );

    let bp = adapter.set_breakpoint(&id, main, &ctx).unwrap();
    let at_main = adapter.continue_execution(&id, &ctx).unwrap();
    assert_eq!(at_main.reason, StopReason::Breakpoint(vec![bp]));
    assert_eq!(at_main.state, VmState::Paused { pc: main });
    let regs = adapter.get_registers(&id, &ctx).unwrap();
    assert_eq!((regs.pc, regs.registers.len()), (main, 32));
    assert_eq!(regs.registers[2].0, "x2");
    assert_eq!(regs.registers[0], ("x0".to_string(), 0));
    let stepped = adapter.step(&id, &ctx).unwrap();
    assert_eq!(stepped.reason, StopReason::Step);
    assert!(matches!(stepped.state, VmState::Paused { pc } if pc > main));

    // Precise errors: unknown breakpoint and instance, no instruction, no `debug` right.
    adapter.remove_breakpoint(&id, bp, &ctx).unwrap();
    let debug_error = |r: Result<(), VmError>| match r {
        Err(VmError::DebugError(e)) => e,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        debug_error(adapter.remove_breakpoint(&id, bp, &ctx)),
        DebugError::UnknownBreakpoint(b) if b == bp
    ));
    assert!(matches!(
        debug_error(adapter.set_breakpoint(&id, main + 1, &ctx).map(|_| ())),
        DebugError::NoInstruction(_)
    ));
    assert!(matches!(
        debug_error(adapter.step(&999, &ctx).map(|_| ())),
        DebugError::UnknownInstance(999)
    ));
    let rights: Vec<Right> = Right::ALL.into_iter().filter(|&r| r != Right::Debug).collect();
    let no_debug = caps.context(ctx.caller, ctx.domain.clone(), Rights::of(&rights));
    assert!(matches!(
        adapter.get_registers(&id, &no_debug),
        Err(VmError::CapabilityError(_))
    ));
    assert!(matches!(
        factory
            .runtime()
            .debug_guest(&debuggee, GuestIo::capture().0, &no_debug),
        Err(VmError::CapabilityError(_))
    ));

    // A session belongs to the domain that made it: `Debug` over another domain does not reach it.
    let elsewhere = DomainId::new("elsewhere");
    let mut foreign = caps.context(ctx.caller, elsewhere.clone(), Rights::NONE);
    foreign.capabilities.push(caps.mint(
        causeway_runtime::capability::CapabilityTarget::Domain(elsewhere),
        Rights::of(&[Right::Debug]),
    ));
    assert!(matches!(
        adapter.step(&id, &foreign),
        Err(VmError::CapabilityError(_))
    ));

    let end = adapter.continue_execution(&id, &ctx).unwrap();
    assert_eq!((end.reason, end.state), (StopReason::Exited(7), VmState::Ended));
    assert_eq!(out.bytes(), b"returning 7 from main\n");
    factory.runtime().debug_sessions().close(id).unwrap();
    assert!(adapter.get_state(&id, &ctx).is_err());
}
