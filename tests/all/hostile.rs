//! Hostile guests: each must end with the right stop reason and leave the host alive and able to run
//! more instances.

use causeway_engine::host::{HostOutcome, Linker};
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::parse::parse_module;
use causeway_engine::ir::TrapCode;
use causeway_engine::stop::Stop;
use causeway_tests::{instantiate, run, Tier, ALL_TIERS};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SPIN: &str = "
func @main() -> (i64) {
    vars v0: i64
block0:
    jump block1
block1:
    v0 = add v0, 1
    jump block1
}
";

#[test]
fn an_interrupt_from_another_thread_stops_an_infinite_loop_and_it_resumes() {
    let module = Arc::new(parse_module(SPIN).unwrap());
    for tier in ALL_TIERS {
        let mut inst = instantiate(&module, tier, &mut Linker::new(), InstanceConfig::default());
        let handle = inst.interrupt_handle();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            handle.interrupt();
        });
        let start = Instant::now();
        assert_eq!(inst.call("main", &[]).unwrap(), Stop::Interrupted, "{tier:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
        t.join().unwrap();
        let handle = inst.interrupt_handle();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            handle.interrupt();
        });
        assert_eq!(
            inst.resume().unwrap(),
            Stop::Interrupted,
            "{tier:?} resumes and can be stopped again"
        );
        t.join().unwrap();
    }
}

#[test]
fn a_panicking_host_function_is_a_host_error_and_the_process_lives_on() {
    let text = "
import effect @boom(i64) -> (i64)
func @main() -> (i64) {
    vars v0: i64
block0:
    v0 = hostcall @boom(1) #0x77
    return v0
}
";
    let module = Arc::new(parse_module(text).unwrap());
    for tier in ALL_TIERS {
        let mut linker = Linker::new();
        linker.define("boom", |_, _, _| panic!("host handler exploded"));
        let mut inst = instantiate(&module, tier, &mut linker, InstanceConfig::default());
        match inst.call("main", &[]).unwrap() {
            Stop::HostError { message, .. } => assert!(message.contains("exploded"), "{tier:?}: {message}"),
            other => panic!("{tier:?}: {other:?}"),
        }
        assert!(inst.resume().is_err(), "a host error is terminal");
        // A failing (not panicking) host function too.
        let mut linker = Linker::new();
        linker.define("boom", |_, _, _| Err("refused".into()));
        let mut inst = instantiate(&module, tier, &mut linker, InstanceConfig::default());
        assert!(
            matches!(inst.call("main", &[]).unwrap(), Stop::HostError { message, .. } if message == "refused")
        );
    }
}

#[test]
fn a_host_function_may_suspend_and_the_embedder_resumes_it_with_results() {
    let text = "
import effect @ask(i64) -> (i64)
func @main() -> (i64) {
    vars v0: i64, v1: i64
block0:
    v0 = hostcall @ask(1)
    v1 = hostcall @ask(2)
    v0 = mul v0, 3
    v0 = add v0, v1
    return v0
}
";
    let module = Arc::new(parse_module(text).unwrap());
    for tier in ALL_TIERS {
        let mut linker = Linker::new();
        linker.define("ask", |_, _, _| Ok(HostOutcome::Suspend));
        let mut inst = instantiate(&module, tier, &mut linker, InstanceConfig::default());
        let stop = inst.call("main", &[]).unwrap();
        assert!(
            matches!(&stop, Stop::HostSuspended { args, .. } if args == &vec![1]),
            "{tier:?}: {stop:?}"
        );
        assert!(
            inst.resume().is_err(),
            "{tier:?}: resuming without results is refused"
        );
        inst.set_host_results(&[7]).unwrap();
        assert!(matches!(inst.resume().unwrap(), Stop::HostSuspended { args, .. } if args == vec![2]));
        inst.set_host_results(&[10]).unwrap();
        assert_eq!(inst.resume().unwrap(), Stop::Finished(vec![31]), "{tier:?}");
    }
}

#[test]
fn deep_native_recursion_is_a_stack_overflow_trap_not_a_crash() {
    // A frame with many live variables and a depth limit far above what the guest stack holds: the
    // guard page of the guest stack must catch it.
    let mut text = String::from("func @down(v0: i64) -> (i64) {\n    vars ");
    let n = 200;
    text += &(1..=n)
        .map(|i| format!("v{i}: i64"))
        .collect::<Vec<_>>()
        .join(", ");
    text += "\nblock0:\n";
    for i in 1..=n {
        text += &format!("    v{i} = add v0, {i}\n");
    }
    text += "    v0 = add v0, 1\n    v0 = call @down(v0)\n";
    for i in 1..=n {
        text += &format!("    v0 = add v0, v{i}\n");
    }
    text += "    return v0\n}\nfunc @main() -> (i64) {\n    vars v0: i64\nblock0:\n    v0 = call @down(0)\n    return v0\n}\n";
    let module = Arc::new(parse_module(&text).unwrap());
    let config = InstanceConfig {
        max_depth: 100_000_000,
        stack_size: 1 << 20,
        ..Default::default()
    };
    let mut inst = instantiate(&module, Tier::Jit, &mut Linker::new(), config);
    match inst.call("main", &[]).unwrap() {
        Stop::Trap(t) => assert_eq!(t.code, TrapCode::StackOverflow),
        other => panic!("{other:?}"),
    }
    // The same instance runs again, and so do new ones.
    assert!(matches!(inst.call("main", &[]).unwrap(), Stop::Trap(_)));
    let fresh = Arc::new(parse_module(SPIN).unwrap());
    let out = run(&fresh, Tier::Jit, "main", &[], Some(1000), None);
    assert_eq!(out.stop, Stop::OutOfFuel);
}

#[test]
fn wild_accesses_trap_with_the_guest_location_and_the_instance_stays_inspectable() {
    let text = "
memory a32
region 0x10000 0x1000 rw
global g0: i64 = 0
func @main(v0: i32) -> (i32) {
    vars v1: i32
block0:
    global.set g0, 99
    store.u32 [0x10000], 5
    v1 = load.s32 [v0 + 4] #0xabc
    return v1
}
";
    let module = Arc::new(parse_module(text).unwrap());
    for tier in ALL_TIERS {
        for wild in [0i64, 0x0fff_fffc, 0xffff_fffe, 0x10ffe] {
            let mut inst = instantiate(&module, tier, &mut Linker::new(), InstanceConfig::default());
            match inst.call("main", &[wild]).unwrap() {
                Stop::Trap(t) => {
                    assert_eq!(t.code, TrapCode::MemoryAccess, "{tier:?} {wild:#x}");
                    assert_eq!(t.loc.map(|l| l.0), Some(0xabc), "{tier:?} {wild:#x}");
                }
                other => panic!("{tier:?} {wild:#x}: {other:?}"),
            }
            assert_eq!(inst.globals()[0], 99);
            assert_eq!(inst.memory().read(0x10000, 4).unwrap(), vec![5, 0, 0, 0]);
        }
    }
}

#[test]
fn many_instances_run_after_traps() {
    let module = Arc::new(parse_module(include_str!("../corpus/trap_div_zero.ir")).unwrap());
    for _ in 0..50 {
        let out = run(&module, Tier::Jit, "main", &[], None, None);
        assert!(matches!(out.stop, Stop::Trap(_)));
    }
    let ok = Arc::new(parse_module(include_str!("../corpus/fib_recursive.ir")).unwrap());
    assert_eq!(
        run(&ok, Tier::Jit, "main", &[], None, None).stop,
        Stop::Finished(vec![6765])
    );
}

#[test]
fn an_interp_instance_and_a_jit_instance_refuse_unknown_functions_and_bad_arity() {
    let module = Arc::new(parse_module(SPIN).unwrap());
    let mut inst = Instance::new_interp(module, &mut Linker::new(), InstanceConfig::default()).unwrap();
    assert!(inst.call("nope", &[]).is_err());
    assert!(inst.call("main", &[1]).is_err());
}

#[test]
fn host_calls_from_deep_recursion_trap_instead_of_overflowing_in_host_code() {
    let text = "
import effect @print(i64) -> ()
func @down(v0: i64) -> (i64) {
block0:
    hostcall @print(v0)
    v0 = add v0, 1
    v0 = call @down(v0)
    return v0
}
func @main() -> (i64) {
    vars v0: i64
block0:
    v0 = call @down(0)
    return v0
}
";
    let module = Arc::new(parse_module(text).unwrap());
    let mut linker = Linker::new();
    linker.define("print", |_, _, _| Ok(HostOutcome::Return));
    let config = InstanceConfig {
        max_depth: u64::MAX,
        stack_size: 1 << 20,
        ..Default::default()
    };
    let mut inst = instantiate(&module, Tier::Jit, &mut linker, config);
    match inst.call("main", &[]).unwrap() {
        Stop::Trap(t) => assert_eq!(t.code, TrapCode::StackOverflow),
        other => panic!("{other:?}"),
    }
}

/// `spin` counts in a loop whose header has an interrupt exit, which writes the count to `g0`
/// and returns -1; `main` calls it again and again from a loop header without one. The host's
/// `tick` raises the interrupt on every fifth call, so the stops are deterministic.
const SPIN_WITH_EXIT: &str = "
global g0: i64 = 0
import helper @tick() -> ()
func @spin(v0: i64) -> (i64) {
block0:
    jump block1
block1 interrupt block2:
    hostcall @tick()
    v0 = add v0, 1
    jump block1
block2:
    global.set g0, v0
    return -1
}
func @main() -> (i64) {
    vars v0: i64, v1: i64
block0:
    jump block1
block1:
    v0 = call @spin(v1)
    v1 = add v1, 100
    jump block1
}
";

#[test]
fn an_interrupt_exit_leaves_a_loop_with_its_state_written_and_a_check_point_further_out_stops() {
    let module = Arc::new(parse_module(SPIN_WITH_EXIT).unwrap());
    let printed = causeway_engine::ir::print::print_module(&module);
    assert!(printed.contains("block1 interrupt block2:"), "{printed}");
    assert_eq!(
        parse_module(&printed).unwrap(),
        *module,
        "print and parse keep the exit"
    );
    let mut per_tier = Vec::new();
    for tier in ALL_TIERS {
        let handle: Arc<std::sync::Mutex<Option<causeway_engine::instance::InterruptHandle>>> =
            Default::default();
        let (ticks, h) = (Arc::new(std::sync::atomic::AtomicU64::new(0)), handle.clone());
        let t = ticks.clone();
        let mut linker = Linker::new();
        linker.define("tick", move |_, _, _| {
            if t.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 5 == 4 {
                if let Some(h) = &*h.lock().unwrap() {
                    h.interrupt();
                }
            }
            Ok(HostOutcome::Return)
        });
        let config = InstanceConfig {
            fuel: Some(1_000_000),
            ..Default::default()
        };
        let mut inst = instantiate(&module, tier, &mut linker, config);
        *handle.lock().unwrap() = Some(inst.interrupt_handle());
        let mut seen = Vec::new();
        let mut stop = inst.call("main", &[]).unwrap();
        for _ in 0..3 {
            assert_eq!(stop, Stop::Interrupted, "{tier:?}");
            // Each call of `spin` starts from the count `main` passed and ticks five times.
            seen.push((inst.globals()[0], inst.fuel()));
            stop = inst.resume().unwrap();
        }
        assert_eq!(
            seen.iter().map(|s| s.0).collect::<Vec<_>>(),
            [5, 105, 205],
            "{tier:?}: the exit wrote the loop's count"
        );
        per_tier.push(seen);
    }
    assert!(
        per_tier.windows(2).all(|w| w[0] == w[1]),
        "the tiers agree, fuel too: {per_tier:?}"
    );
}

#[test]
fn an_interrupt_exit_only_goes_on_a_check_point() {
    let text = SPIN_WITH_EXIT
        .replace("block1 interrupt block2:", "block1:")
        .replace(
            "block2:\n    global.set",
            "block2 interrupt block1:\n    global.set",
        );
    let err = causeway_engine::ir::verify::verify_module(&parse_module(&text).unwrap()).unwrap_err();
    assert!(err.to_string().contains("is no check point"), "{err}");
}

#[test]
fn an_interrupt_exit_must_leave_the_function() {
    // An exit into a loop (reachable only through the exit, so never a check point) or into a
    // chain of exits could never be stopped.
    for bad in [
        "func @main() -> (i64) {\nblock0 interrupt block1:\n    jump block0\nblock1:\n    jump block1\n}\n",
        "func @main() -> (i64) {\nblock0 interrupt block1:\n    jump block1\nblock1 interrupt block0:\n    jump block0\n}\n",
    ] {
        let err = causeway_engine::ir::verify::verify_module(&parse_module(bad).unwrap()).unwrap_err();
        assert!(err.to_string().contains("must end the function"), "{err}");
    }
}
