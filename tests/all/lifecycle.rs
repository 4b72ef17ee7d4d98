//! The lifecycle manager: instances run on worker threads; pause parks them at a check point (where
//! they can be inspected and do not move), resume continues them, stop ends them for good, terminate
//! drops them; wrong-state and unknown-id calls fail precisely, and no call blocks without a bound.
//! Latencies are checked only as bounds, never measured as benchmarks.

use causeway_engine::host::{HostOutcome, Linker};
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::parse::parse_module;
use causeway_engine::ir::TrapCode;
use causeway_engine::jit::{CompileOptions, CompiledModule};
use causeway_engine::stop::Stop;
use causeway_runtime::error::{ExecutionError, LifecycleError, VmError};
use causeway_runtime::lifecycle::{LifecycleManager, VmStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use causeway_tests::LIFECYCLE_PROGRAM as PROGRAM;

/// Generous bound for steps that must be quick: one second.
const QUICK: Duration = Duration::from_secs(1);
/// The pause latency bound (not a benchmark).
const PAUSE_BOUND: Duration = Duration::from_millis(100);

fn compile(text: &str) -> Arc<CompiledModule> {
    let module = Arc::new(parse_module(text).expect("parse"));
    Arc::new(CompiledModule::compile(module, CompileOptions::default()).expect("compile"))
}

fn jit(compiled: &Arc<CompiledModule>, fuel: Option<u64>) -> Instance {
    let config = InstanceConfig {
        fuel,
        ..Default::default()
    };
    Instance::new_jit(compiled.clone(), &mut Linker::new(), config).expect("instantiate")
}

fn interp(compiled: &Arc<CompiledModule>) -> Instance {
    Instance::new_interp(
        compiled.module.clone(),
        &mut Linker::new(),
        InstanceConfig::default(),
    )
    .expect("instantiate")
}

fn counter(m: &LifecycleManager, id: u64) -> i64 {
    m.with_instance(id, |i| i.globals()[0]).expect("inspect")
}

/// Pauses `id`, asserting that it takes less than `bound`.
fn pause_within(m: &LifecycleManager, id: u64, bound: Duration) {
    let t = Instant::now();
    m.pause(id).expect("pause");
    let took = t.elapsed();
    assert!(took < bound, "pause took {took:?}, more than {bound:?}");
    assert_eq!(m.status(id).unwrap(), VmStatus::Paused);
}

fn pause(m: &LifecycleManager, id: u64) {
    pause_within(m, id, QUICK);
}

/// With `id` paused: until its counter has passed `before`, resumes it, lets it run a moment and
/// pauses it again (bounded: on a loaded machine a worker may need more than one time slice).
/// Returns the counter.
fn advance(m: &LifecycleManager, id: u64, before: i64) -> i64 {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let now = counter(m, id);
        if now > before {
            return now;
        }
        assert!(
            Instant::now() < until,
            "instance {id} made no progress past {before}"
        );
        m.resume(id).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        pause(m, id);
    }
}

fn assert_wrong_state(r: Result<impl std::fmt::Debug, VmError>, op: &str, state: &str) {
    match r {
        Err(VmError::LifecycleError(LifecycleError::WrongState { op: o, state: s, .. })) => {
            assert_eq!(o, op);
            assert!(s.starts_with(state), "state `{s}`, expected `{state}`");
        }
        other => panic!("`{op}`: expected WrongState({state}), got {other:?}"),
    }
}

fn assert_unknown(r: Result<impl std::fmt::Debug, VmError>, id: u64) {
    match r {
        Err(VmError::LifecycleError(LifecycleError::UnknownInstance(i))) => assert_eq!(i, id),
        other => panic!("expected UnknownInstance({id}), got {other:?}"),
    }
}

/// The whole lifecycle of an endless guest on one tier.
fn pause_inspect_resume_stop_terminate(make: impl Fn(&Arc<CompiledModule>) -> Instance) {
    let compiled = compile(PROGRAM);
    let module_refs = Arc::strong_count(&compiled.module);
    let m = LifecycleManager::new();
    let id = m.initialize(make(&compiled), "spin".into(), vec![]);
    assert!(Arc::strong_count(&compiled.module) > module_refs);
    assert_eq!(m.status(id).unwrap(), VmStatus::Initialized);
    m.start(id).unwrap();
    assert_eq!(m.status(id).unwrap(), VmStatus::Running);
    std::thread::sleep(Duration::from_millis(20));

    // The one latency bound: a lone spinning guest parks well within 100 ms.
    pause_within(&m, id, PAUSE_BOUND);
    let first = advance(&m, id, 0);
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(counter(&m, id), first, "a paused guest moved");
    assert_eq!(m.status(id).unwrap(), VmStatus::Paused);

    m.resume(id).unwrap();
    // Still running after a while: `wait` times out.
    assert_eq!(m.wait(id, Duration::from_millis(20)).unwrap(), VmStatus::Running);
    pause(&m, id);
    let second = advance(&m, id, first);

    let t = Instant::now();
    m.stop(id).unwrap();
    assert!(t.elapsed() < QUICK);
    assert_eq!(m.status(id).unwrap(), VmStatus::Stopped);
    assert_eq!(
        counter(&m, id),
        second,
        "stopped from a pause, the guest does not run again"
    );
    assert_wrong_state(m.resume(id), "resume", "stopped");

    let t = Instant::now();
    m.terminate(id).unwrap();
    assert!(t.elapsed() < QUICK);
    assert_unknown(m.status(id), id);
    assert_eq!(Arc::strong_count(&compiled), 1, "terminate dropped the instance");
    assert_eq!(Arc::strong_count(&compiled.module), module_refs);
}

#[test]
fn pause_inspect_resume_stop_terminate_jit() {
    pause_inspect_resume_stop_terminate(|c| jit(c, None));
}

#[test]
fn pause_inspect_resume_stop_terminate_metered_jit() {
    pause_inspect_resume_stop_terminate(|c| jit(c, Some(u64::MAX)));
}

#[test]
fn pause_inspect_resume_stop_terminate_interp() {
    pause_inspect_resume_stop_terminate(interp);
}

#[test]
fn stop_and_terminate_running_instances() {
    let compiled = compile(PROGRAM);
    let m = LifecycleManager::new();
    let a = m.initialize(jit(&compiled, None), "spin".into(), vec![]);
    let b = m.initialize(jit(&compiled, None), "spin".into(), vec![]);
    m.start(a).unwrap();
    m.start(b).unwrap();
    std::thread::sleep(Duration::from_millis(10));

    let t = Instant::now();
    m.stop(a).unwrap();
    assert!(t.elapsed() < QUICK);
    assert_eq!(m.status(a).unwrap(), VmStatus::Stopped);
    let at_stop = counter(&m, a);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(counter(&m, a), at_stop, "a stopped guest moved");
    assert_wrong_state(m.stop(a), "stop", "stopped");
    assert_wrong_state(m.pause(a), "pause", "stopped");

    // Terminate straight from Running.
    let t = Instant::now();
    m.terminate(b).unwrap();
    assert!(t.elapsed() < QUICK);
    assert_unknown(m.status(b), b);
    m.terminate(a).unwrap();
    assert_eq!(Arc::strong_count(&compiled), 1);
    assert!(m.ids().is_empty());
}

#[test]
fn finishing_and_trapping_programs() {
    let compiled = compile(PROGRAM);
    let m = LifecycleManager::new();
    let add = m.initialize(jit(&compiled, None), "add".into(), vec![40, 2]);
    let boom = m.initialize(interp(&compiled), "boom".into(), vec![]);
    m.start(add).unwrap();
    m.start(boom).unwrap();
    assert_eq!(m.wait(add, QUICK).unwrap(), VmStatus::Finished(vec![42]));
    match m.wait(boom, QUICK).unwrap() {
        VmStatus::Trapped(t) => assert_eq!(t.code, TrapCode::Unreachable),
        other => panic!("expected a trap, got {other}"),
    }
    assert!(m
        .status(boom)
        .unwrap()
        .to_string()
        .starts_with("trapped (unreachable"));
    // Ended runs stay inspectable and cannot be driven further.
    assert_eq!(counter(&m, add), 0);
    assert_wrong_state(m.pause(add), "pause", "finished");
    assert_wrong_state(m.resume(add), "resume", "finished");
    assert_wrong_state(m.stop(add), "stop", "finished");
    assert_wrong_state(m.start(boom), "start", "trapped");
    m.terminate(add).unwrap();
    m.terminate(boom).unwrap();
    assert_eq!(Arc::strong_count(&compiled), 1);
}

#[test]
fn wrong_state_calls() {
    let compiled = compile(PROGRAM);
    let m = LifecycleManager::new();
    let id = m.initialize(jit(&compiled, None), "spin".into(), vec![]);
    assert_wrong_state(m.pause(id), "pause", "initialized");
    assert_wrong_state(m.resume(id), "resume", "initialized");
    assert_wrong_state(
        m.resume_with_results(id, &[]),
        "resume_with_results",
        "initialized",
    );
    m.start(id).unwrap();
    assert_wrong_state(m.start(id), "start", "running");
    assert_wrong_state(m.resume(id), "resume", "running");
    assert_wrong_state(m.with_instance(id, |_| ()), "with_instance", "running");
    pause(&m, id);
    assert_wrong_state(m.pause(id), "pause", "paused");
    assert_wrong_state(m.start(id), "start", "paused");
    let message = m.start(id).unwrap_err().to_string();
    assert!(
        message.contains(&format!("VM instance {id} is paused")),
        "{message}"
    );
    assert!(message.contains("`start` needs it initialized"), "{message}");
    m.terminate(id).unwrap();

    // Stopping an instance that never started is allowed; starting it afterwards is not.
    let never = m.initialize(jit(&compiled, None), "spin".into(), vec![]);
    m.stop(never).unwrap();
    assert_eq!(m.status(never).unwrap(), VmStatus::Stopped);
    assert_wrong_state(m.start(never), "start", "stopped");

    // A function the module lacks, or the wrong arity, fails at start and leaves the instance Failed.
    for (function, args) in [("nope", vec![]), ("add", vec![1])] {
        let bad = m.initialize(jit(&compiled, None), function.into(), args);
        match m.start(bad) {
            Err(VmError::ExecutionError(ExecutionError::Invalid(_))) => {}
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert!(matches!(m.status(bad).unwrap(), VmStatus::Failed(_)));
    }
}

#[test]
fn unknown_ids() {
    let compiled = compile(PROGRAM);
    let m = LifecycleManager::new();
    let id = 999;
    assert_unknown(m.status(id), id);
    assert_unknown(m.start(id), id);
    assert_unknown(m.pause(id), id);
    assert_unknown(m.resume(id), id);
    assert_unknown(m.resume_with_results(id, &[]), id);
    assert_unknown(m.stop(id), id);
    assert_unknown(m.terminate(id), id);
    assert_unknown(m.with_instance(id, |_| ()), id);
    assert_unknown(m.wait(id, Duration::from_millis(1)), id);

    let a = m.initialize(jit(&compiled, None), "add".into(), vec![1, 2]);
    m.terminate(a).unwrap();
    assert_unknown(m.terminate(a), a);
    assert_unknown(m.start(a), a);
    // Ids are never reused.
    let b = m.initialize(jit(&compiled, None), "add".into(), vec![1, 2]);
    assert!(b > a);
}

#[test]
fn many_instances_pause_resume_terminate() {
    let compiled = compile(PROGRAM);
    let m = Arc::new(LifecycleManager::new());
    let ids: Vec<u64> = (0..8)
        .map(|n| {
            let instance = if n % 2 == 0 {
                jit(&compiled, None)
            } else {
                interp(&compiled)
            };
            m.initialize(instance, "spin".into(), vec![])
        })
        .collect();
    for &id in &ids {
        m.start(id).unwrap();
    }
    std::thread::sleep(Duration::from_millis(20));
    // Pause them from several threads at once.
    let handles: Vec<_> = ids
        .iter()
        .map(|&id| {
            let m = m.clone();
            std::thread::spawn(move || {
                let t = Instant::now();
                m.pause(id).unwrap();
                t.elapsed()
            })
        })
        .collect();
    for h in handles {
        let took = h.join().unwrap();
        assert!(took < QUICK, "pause took {took:?}");
    }
    let first: Vec<i64> = ids.iter().map(|&id| advance(&m, id, 0)).collect();
    // Resume them all at once, then pause them all: every one moved on.
    for &id in &ids {
        m.resume(id).unwrap();
    }
    std::thread::sleep(Duration::from_millis(20));
    for &id in &ids {
        pause(&m, id);
    }
    for (&id, &before) in ids.iter().zip(&first) {
        advance(&m, id, before);
    }
    // Paused, none of them moves.
    let paused: Vec<i64> = ids.iter().map(|&id| counter(&m, id)).collect();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(ids.iter().map(|&id| counter(&m, id)).collect::<Vec<_>>(), paused);
    for &id in &ids {
        m.resume(id).unwrap();
    }
    let t = Instant::now();
    for &id in &ids {
        m.terminate(id).unwrap();
    }
    assert!(t.elapsed() < QUICK * 2);
    assert!(m.ids().is_empty());
    assert_eq!(Arc::strong_count(&compiled), 1);
}

#[test]
fn out_of_fuel_suspends_and_resumes_after_refuelling() {
    let compiled = compile(PROGRAM);
    let m = LifecycleManager::new();
    let id = m.initialize(jit(&compiled, Some(1000)), "spin".into(), vec![]);
    m.start(id).unwrap();
    assert_eq!(m.wait(id, QUICK).unwrap(), VmStatus::Suspended(Stop::OutOfFuel));
    assert_eq!(m.status(id).unwrap().to_string(), "suspended (out of fuel)");
    let first = counter(&m, id);
    assert!(first > 0);
    m.with_instance(id, |i| i.add_fuel(1000)).unwrap();
    m.resume(id).unwrap();
    assert_eq!(m.wait(id, QUICK).unwrap(), VmStatus::Suspended(Stop::OutOfFuel));
    assert!(counter(&m, id) > first);
    m.stop(id).unwrap();
    assert_eq!(m.status(id).unwrap(), VmStatus::Stopped);
    m.terminate(id).unwrap();
}

#[test]
fn a_suspended_host_call_resumes_with_results() {
    let compiled = compile(
        "import effect @ask() -> (i64)
         func @main() -> (i64) {
             vars v0: i64
         block0:
             v0 = hostcall @ask()
             v0 = add v0, 1
             return v0
         }",
    );
    let mut linker = Linker::new();
    linker.define("ask", |_, _, _| Ok(HostOutcome::Suspend));
    let instance = Instance::new_jit(compiled, &mut linker, InstanceConfig::default()).unwrap();
    let m = LifecycleManager::new();
    let id = m.initialize(instance, "main".into(), vec![]);
    m.start(id).unwrap();
    assert!(matches!(
        m.wait(id, QUICK).unwrap(),
        VmStatus::Suspended(Stop::HostSuspended { .. })
    ));
    assert_wrong_state(m.resume(id), "resume", "suspended");
    match m.resume_with_results(id, &[1, 2]) {
        Err(VmError::ExecutionError(ExecutionError::Invalid(_))) => {}
        other => panic!("expected Invalid, got {other:?}"),
    }
    m.resume_with_results(id, &[41]).unwrap();
    assert_eq!(m.wait(id, QUICK).unwrap(), VmStatus::Finished(vec![42]));
    m.terminate(id).unwrap();
}

#[test]
fn a_guest_blocked_in_a_host_call_times_out_without_hanging() {
    let compiled = compile(
        "global g0: i64 = 0
         import helper @block() -> ()
         func @main() -> () {
             vars v0: i64
         block0:
             hostcall @block()
             jump block1
         block1:
             v0 = global.get g0
             v0 = add v0, 1
             global.set g0, v0
             jump block1
         }",
    );
    let release = Arc::new(AtomicBool::new(false));
    let entered = Arc::new(AtomicBool::new(false));
    let mut linker = Linker::new();
    let (r, e) = (release.clone(), entered.clone());
    linker.define("block", move |_, _, _| {
        e.store(true, Ordering::SeqCst);
        let until = Instant::now() + Duration::from_secs(10);
        while !r.load(Ordering::SeqCst) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(HostOutcome::Return)
    });
    let instance = Instance::new_jit(compiled, &mut linker, InstanceConfig::default()).unwrap();
    let m = LifecycleManager::with_ack_timeout(Duration::from_millis(50));
    let id = m.initialize(instance, "main".into(), vec![]);
    m.start(id).unwrap();
    // Wait until the guest is inside the host call (its entry check point is behind it).
    let until = Instant::now() + QUICK;
    while !entered.load(Ordering::SeqCst) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(entered.load(Ordering::SeqCst));
    let t = Instant::now();
    match m.pause(id) {
        Err(VmError::LifecycleError(LifecycleError::Timeout { id: i, op, .. })) => {
            assert_eq!((i, op), (id, "pause"))
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(t.elapsed() < QUICK);
    // The pause was withdrawn: once the host call returns, the guest keeps running.
    release.store(true, Ordering::SeqCst);
    assert_eq!(m.wait(id, Duration::from_millis(30)).unwrap(), VmStatus::Running);
    pause(&m, id);
    assert!(counter(&m, id) > 0);
    m.terminate(id).unwrap();
}

#[test]
fn with_instance_cannot_reenter_the_manager_for_its_instance() {
    let compiled = compile(PROGRAM);
    let m = LifecycleManager::new();
    let id = m.initialize(jit(&compiled, None), "add".into(), vec![1, 2]);
    let other = m.initialize(jit(&compiled, None), "add".into(), vec![1, 2]);
    let inner = m.with_instance(id, |_| (m.status(id), m.status(other))).unwrap();
    assert!(matches!(
        inner.0,
        Err(VmError::LifecycleError(LifecycleError::Other(_)))
    ));
    assert_eq!(inner.1.unwrap(), VmStatus::Initialized);
    // The guard is released afterwards.
    assert_eq!(m.status(id).unwrap(), VmStatus::Initialized);
}

#[test]
fn dropping_the_manager_stops_its_instances() {
    let compiled = compile(PROGRAM);
    let m = LifecycleManager::new();
    for _ in 0..3 {
        let id = m.initialize(jit(&compiled, None), "spin".into(), vec![]);
        m.start(id).unwrap();
    }
    let paused = m.initialize(jit(&compiled, None), "spin".into(), vec![]);
    m.start(paused).unwrap();
    pause(&m, paused);
    drop(m);
    let until = Instant::now() + QUICK;
    while Arc::strong_count(&compiled) > 1 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        Arc::strong_count(&compiled),
        1,
        "the workers let go of their instances"
    );
}

#[test]
fn the_manager_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<LifecycleManager>();
    check::<VmStatus>();
}
