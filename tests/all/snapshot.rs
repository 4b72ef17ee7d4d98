//! Snapshots of RISC-V guests: a guest paused after some fuel (or at a breakpoint) is saved,
//! decoded and resumed on normal code, and the two halves of its output and its end are those of
//! an uninterrupted run; fuel counts exactly across the pause; and every damaged or foreign file is
//! a precise error.

use causeway_runtime::riscv::{
    DebugEvent, Guest, GuestDebugger, GuestEnd, GuestIo, GuestOptions, Snapshot, SnapshotError,
};
use std::path::Path;

const TARGETS: [&str; 4] = ["rv32im", "rv32imac", "rv64im", "rv64imac"];
/// Programs that use the heap (`brk`), deep recursion, atomics' reservations, memory and output.
const PROGRAMS: [&str; 6] = [
    "brk.elf",
    "recursion.elf",
    "lrsc.elf",
    "sort.elf",
    "strings.elf",
    "setjmp.elf",
];

fn elf(target: &str, name: &str) -> Option<Vec<u8>> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("riscv/elf")
            .join(target)
            .join(name),
    )
    .ok()
}

/// `bytes` loaded unmetered, on normal or debuggable code.
fn load_unmetered(bytes: &[u8], debuggable: bool) -> Guest {
    let options = GuestOptions {
        debuggable,
        ..Default::default()
    };
    Guest::load(bytes, options).unwrap()
}

/// The uninterrupted run: its end and its stdout.
fn uninterrupted(bytes: &[u8], fuel: Option<u64>) -> (GuestEnd, Vec<u8>) {
    let options = GuestOptions {
        fuel,
        ..Default::default()
    };
    let (io, out, _) = GuestIo::capture();
    let end = Guest::load(bytes, options).unwrap().run(io).unwrap();
    (end, out.bytes())
}

/// Runs `bytes` until `at` fuel is spent and snapshots it (through the byte format): the output
/// so far and the snapshot, or how the guest ended first.
fn pause(
    bytes: &[u8],
    at: u64,
    budget: Option<u64>,
    interpreter: bool,
) -> Result<(Vec<u8>, Snapshot), GuestEnd> {
    let options = GuestOptions {
        fuel: Some(at),
        interpreter,
        debuggable: true,
        ..Default::default()
    };
    let limits = options.limits;
    let guest = Guest::load(bytes, options).unwrap();
    let (io, out, _) = GuestIo::capture();
    let mut dbg = GuestDebugger::with_counter_budget(&guest, io, budget.map(|_| at)).unwrap();
    match dbg.run_until_fuel_spent().unwrap() {
        DebugEvent::Stopped { .. } => {}
        DebugEvent::Ended(end) => return Err(end),
    }
    let snapshot = Snapshot::take(&dbg, bytes, limits, budget).unwrap();
    let decoded = Snapshot::from_bytes(&snapshot.to_bytes()).unwrap();
    assert_eq!(decoded, snapshot);
    Ok((out.bytes(), decoded))
}

fn resume(snapshot: &Snapshot, interpreter: bool) -> (GuestEnd, Vec<u8>) {
    let (io, out, _) = GuestIo::capture();
    let level = causeway_engine::jit::OptLevel::Speed;
    let end = snapshot.resume(io, interpreter, level).unwrap();
    (end, out.bytes())
}

#[test]
fn a_resumed_guest_finishes_its_run_as_if_never_paused() {
    for target in TARGETS {
        for name in PROGRAMS {
            let Some(bytes) = elf(target, name) else { continue };
            let (end, full) = uninterrupted(&bytes, None);
            for at in [1, 57, 1_000, 20_000] {
                let Ok((first, snapshot)) = pause(&bytes, at, None, false) else {
                    continue;
                };
                assert!(snapshot.fuel.is_none(), "an unmetered run resumes unmetered");
                let (resumed_end, rest) = resume(&snapshot, false);
                assert_eq!(resumed_end, end, "{target} {name} at {at}");
                assert_eq!([first, rest].concat(), full, "{target} {name} at {at}");
            }
        }
    }
}

#[test]
fn the_interpreter_takes_and_resumes_snapshots_like_the_jit() {
    let bytes = elf("rv64imac", "sort.elf").unwrap();
    let (end, full) = uninterrupted(&bytes, None);
    for (take_on_interp, resume_on_interp) in [(true, false), (false, true), (true, true)] {
        let (first, snapshot) = pause(&bytes, 2_000, None, take_on_interp).unwrap();
        let (jit_snapshot_first, jit_snapshot) = pause(&bytes, 2_000, None, false).unwrap();
        assert_eq!(
            (&first, &snapshot),
            (&jit_snapshot_first, &jit_snapshot),
            "both tiers pause alike"
        );
        let (resumed_end, rest) = resume(&snapshot, resume_on_interp);
        assert_eq!(resumed_end, end);
        assert_eq!([first, rest].concat(), full);
    }
}

#[test]
fn fuel_counts_every_instruction_exactly_across_a_pause() {
    // Stepping k instructions spends exactly k fuel, whatever the blocks charged ahead.
    for interpreter in [false, true] {
        let bytes = elf("rv32imac", "sort.elf").unwrap();
        let options = GuestOptions {
            fuel: Some(1_000_000),
            interpreter,
            debuggable: true,
            ..Default::default()
        };
        let guest = Guest::load(&bytes, options).unwrap();
        let mut dbg = GuestDebugger::new(&guest, GuestIo::capture().0).unwrap();
        assert_eq!(dbg.fuel_used(), Some(0));
        for k in 1..=300u64 {
            assert!(matches!(dbg.step().unwrap(), DebugEvent::Stopped { .. }));
            assert_eq!(
                dbg.fuel_used(),
                Some(k),
                "after {k} steps (interpreter: {interpreter})"
            );
        }
    }
    // A pause comes after exactly N instructions, whatever N (fuel is only checked at check
    // points, so the run stops short and steps the rest).
    for (target, name) in [("rv64imac", "sort.elf"), ("rv32im", "recursion.elf")] {
        let bytes = elf(target, name).unwrap();
        for at in [1, 7, 100, 999, 5_000] {
            let Ok((_, snapshot)) = pause(&bytes, at, Some(1_000_000), false) else {
                continue;
            };
            assert_eq!(
                snapshot.fuel.unwrap().remaining,
                1_000_000 - at,
                "{target} {name} at {at}"
            );
        }
    }
    // A metered run paused and resumed runs out of fuel where the uninterrupted one does, or ends
    // as it does when the budget suffices.
    let bytes = elf("rv64im", "loadstore.elf").unwrap();
    for budget in [3_000, 1_000_000] {
        let (end, full) = uninterrupted(&bytes, Some(budget));
        let (first, snapshot) = pause(&bytes, 1_500, Some(budget), false).unwrap();
        let fuel = snapshot.fuel.unwrap();
        assert_eq!(fuel.budget, budget);
        assert_eq!(
            fuel.remaining,
            budget - 1_500,
            "paused after exactly 1,500 instructions"
        );
        let (resumed_end, rest) = resume(&snapshot, false);
        assert_eq!(resumed_end, end, "budget {budget}");
        assert_eq!([first, rest].concat(), full, "budget {budget}");
    }
}

#[test]
fn a_guest_paused_at_a_breakpoint_or_before_it_starts_snapshots_too() {
    let bytes = elf("rv64imac", "recursion.elf").unwrap();
    let (end, full) = uninterrupted(&bytes, None);
    let options = GuestOptions {
        debuggable: true,
        ..Default::default()
    };
    let limits = options.limits;
    let guest = Guest::load(&bytes, options).unwrap();

    let (io, _, _) = GuestIo::capture();
    let fresh = GuestDebugger::new(&guest, io).unwrap();
    let snapshot = Snapshot::take(&fresh, &bytes, limits, None).unwrap();
    assert_eq!(resume(&snapshot, false), (end.clone(), full.clone()));

    let (io, out, _) = GuestIo::capture();
    let mut dbg = GuestDebugger::new(&guest, io).unwrap();
    let elf = causeway_riscv::elf::load(&bytes, &Default::default()).unwrap();
    let main = elf.symbols.iter().find(|s| s.name == "main").unwrap().addr;
    dbg.set_breakpoint(main).unwrap();
    assert!(matches!(dbg.cont().unwrap(), DebugEvent::Stopped { pc, .. } if pc == main));
    let snapshot = Snapshot::take(&dbg, &bytes, limits, None).unwrap();
    assert_eq!(snapshot.state.pc, main);
    let (resumed_end, rest) = resume(&snapshot, false);
    assert_eq!(resumed_end, end);
    assert_eq!([out.bytes(), rest].concat(), full);

    // An ended guest has nothing to snapshot.
    while !matches!(dbg.cont().unwrap(), DebugEvent::Ended(_)) {}
    assert!(matches!(
        Snapshot::take(&dbg, &bytes, limits, None),
        Err(SnapshotError::NotPaused(_))
    ));
}

#[test]
fn damaged_truncated_and_foreign_snapshots_are_refused() {
    let bytes = elf("rv32im", "brk.elf").unwrap();
    let (_, snapshot) = pause(&bytes, 5_000, None, false).unwrap();
    let good = snapshot.to_bytes();
    let header = 8 + 4 + 8 + 32;

    assert!(matches!(
        Snapshot::from_bytes(&bytes),
        Err(SnapshotError::Foreign)
    ));
    assert!(matches!(Snapshot::from_bytes(b""), Err(SnapshotError::Foreign)));
    let mut version = good.clone();
    version[8] = 9;
    assert!(matches!(
        Snapshot::from_bytes(&version),
        Err(SnapshotError::Version(9))
    ));
    for cut in [9, header - 1, header, good.len() / 2, good.len() - 1] {
        assert!(
            matches!(
                Snapshot::from_bytes(&good[..cut]),
                Err(SnapshotError::Truncated(_))
            ),
            "cut at {cut}"
        );
    }
    for at in [header, header + 100, good.len() / 2, good.len() - 1] {
        let mut flipped = good.clone();
        flipped[at] ^= 0x40;
        assert!(
            matches!(Snapshot::from_bytes(&flipped), Err(SnapshotError::Corrupted)),
            "byte {at}"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(
        Snapshot::from_bytes(&longer),
        Err(SnapshotError::Invalid(_))
    ));

    // Well-formed files whose contents do not fit the guest.
    let refused = |s: Snapshot| {
        let s = Snapshot::from_bytes(&s.to_bytes()).unwrap();
        s.resume(GuestIo::capture().0, false, Default::default())
    };
    let mut odd_pc = snapshot.clone();
    odd_pc.state.pc += 1;
    assert!(matches!(refused(odd_pc), Err(SnapshotError::Invalid(_))));
    let mut wild_break = snapshot.clone();
    wild_break.state.system.brk_mapped = !4095;
    assert!(matches!(refused(wild_break), Err(SnapshotError::Guest(_))));
    let mut other_memory = snapshot.clone();
    other_memory.state.memory.pop();
    assert!(matches!(refused(other_memory), Err(SnapshotError::Invalid(_))));
    let mut huge_stack = snapshot.clone();
    huge_stack.limits.stack_size = 8 << 30;
    assert!(matches!(
        Snapshot::from_bytes(&huge_stack.to_bytes()),
        Err(SnapshotError::Invalid(_))
    ));
    let mut few_globals = snapshot.clone();
    few_globals.state.globals.pop();
    assert!(matches!(refused(few_globals), Err(SnapshotError::Invalid(_))));
    let mut other_elf = snapshot;
    other_elf.elf = elf("rv32im", "hello.elf").unwrap();
    assert!(refused(other_elf).is_err());
}

/// A guest on normal code, interrupted from another thread (inside a hot loop, or between
/// regions), moves into debuggable code paused before its next instruction and finishes there
/// with the output, end and fuel of an uninterrupted run.
#[test]
fn an_interrupted_guest_switches_to_debuggable_code_and_finishes_there() {
    use causeway_runtime::riscv::LiveEvent;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    for (target, name) in [
        ("rv64imac", "sort.elf"),
        ("rv32im", "strings.elf"),
        ("rv32imac", "recursion.elf"),
    ] {
        let bytes = elf(target, name).unwrap();
        for fuel in [None, Some(50_000_000)] {
            let (end, full) = uninterrupted(&bytes, fuel);
            let load = |debuggable| {
                let options = GuestOptions {
                    fuel,
                    debuggable,
                    ..Default::default()
                };
                Guest::load(&bytes, options).unwrap()
            };
            let (normal, debuggable) = (load(false), load(true));
            for interrupts_before_switch in [1, 3] {
                let (io, out, _) = GuestIo::capture();
                let mut live = normal.start(io).unwrap();
                // Interrupts keep coming until the switch: the run stops at whatever region
                // boundary follows each.
                let stop = Arc::new(AtomicBool::new(false));
                let (handle, s) = (live.interrupt_handle(), stop.clone());
                let hammer = std::thread::spawn(move || {
                    while !s.load(Ordering::Relaxed) {
                        handle.interrupt();
                        std::thread::sleep(std::time::Duration::from_micros(20));
                    }
                });
                let mut interrupted = 0;
                let mut ended = None;
                while interrupted < interrupts_before_switch {
                    match live.run().unwrap() {
                        LiveEvent::Interrupted => interrupted += 1,
                        LiveEvent::Ended(e) => {
                            ended = Some(e);
                            break;
                        }
                    }
                }
                stop.store(true, Ordering::Relaxed);
                hammer.join().unwrap();
                if let Some(e) = ended {
                    assert_eq!((e, out.bytes()), (end.clone(), full.clone()), "{target} {name}");
                    continue;
                }
                let mut dbg = live.into_debugger(&debuggable).unwrap();
                // Paused before the instruction the normal code was about to run; steps and
                // continues go on from there.
                let used = dbg.fuel_used();
                let mut steps = 0;
                let last = loop {
                    let event = if steps < 50 { dbg.step() } else { dbg.cont() }.unwrap();
                    steps += 1;
                    if let DebugEvent::Ended(e) = event {
                        break e;
                    }
                };
                assert_eq!(last, end, "{target} {name}");
                assert_eq!(
                    out.bytes(),
                    full,
                    "{target} {name}: the output moved with the guest"
                );
                assert_eq!(used.is_some(), fuel.is_some());
            }
        }
    }
}

/// A guest spinning in one region forever (no region boundary of its own) still leaves it for
/// the switch, through the loop header's interrupt exit.
#[test]
fn a_guest_spinning_in_one_loop_switches_to_debuggable_code() {
    use causeway_runtime::riscv::LiveEvent;
    let bytes = elf("rv64im", "hostile/loop_forever.elf").unwrap();
    let load = |debuggable| load_unmetered(&bytes, debuggable);
    let mut live = load(false).start(GuestIo::capture().0).unwrap();
    let handle = live.interrupt_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        handle.interrupt();
    });
    assert_eq!(live.run().unwrap(), LiveEvent::Interrupted);
    t.join().unwrap();
    let mut dbg = live.into_debugger(&load(true)).unwrap();
    let mut pcs = std::collections::BTreeSet::new();
    for _ in 0..20 {
        match dbg.step().unwrap() {
            DebugEvent::Stopped { pc, .. } => {
                pcs.insert(pc);
            }
            DebugEvent::Ended(e) => panic!("{e:?}"),
        }
    }
    assert!(
        !pcs.is_empty() && pcs.len() < 20,
        "the loop's few instructions: {pcs:x?}"
    );
    // Only an interrupted guest can switch.
    let live = load(false).start(GuestIo::capture().0).unwrap();
    assert!(live.into_debugger(&load(true)).is_err());
}

/// `Runtime::debug_running_guest`: a running guest, interrupted, becomes a `DebugInterface`
/// session (under the `Debug` right) paused between regions.
#[test]
fn a_running_guest_becomes_a_debug_interface_session() {
    use causeway_runtime::interfaces::*;
    use causeway_runtime::riscv::LiveEvent;

    let (factory, _, ctx) = causeway_tests::adapter_setup();
    let adapter = factory.create_adapter(VmType::RiscV).unwrap();
    let bytes = elf("rv64im", "hostile/loop_forever.elf").unwrap();
    let load = |debuggable| load_unmetered(&bytes, debuggable);
    let mut live = load(false).start(GuestIo::capture().0).unwrap();
    live.interrupt_handle().interrupt();
    assert_eq!(live.run().unwrap(), LiveEvent::Interrupted);
    let id = factory
        .runtime()
        .debug_running_guest(live, &load(true), &ctx)
        .unwrap();
    let VmState::Paused { pc } = adapter.get_state(&id, &ctx).unwrap() else {
        panic!("not paused")
    };
    let stepped = adapter.step(&id, &ctx).unwrap();
    assert_eq!(stepped.reason, StopReason::Step);
    assert!(matches!(stepped.state, VmState::Paused { pc: next } if next != pc || pc != 0));
    assert_eq!(adapter.get_registers(&id, &ctx).unwrap().registers.len(), 32);
}
