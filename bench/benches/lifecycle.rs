//! Pause latency of a running VM instance: the time from `LifecycleManager::pause` to the instance
//! being parked at its next check point (target: under 1 ms). The guest spins in a loop, so the
//! latency is the cross-thread interrupt, the check, the coroutine yield and the acknowledgement.

use causeway_engine::host::Linker;
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::parse::parse_module;
use causeway_engine::jit::{CompileOptions, CompiledModule};
use causeway_runtime::lifecycle::LifecycleManager;
use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SPIN: &str = "
global g0: i64 = 0
func @spin() -> (i64) {
    vars v0: i64
block0:
    jump block1
block1:
    v0 = global.get g0
    v0 = add v0, 1
    global.set g0, v0
    jump block1
}
";

fn pause_latency(c: &mut Criterion) {
    let module = Arc::new(parse_module(SPIN).expect("parses"));
    let compiled = Arc::new(CompiledModule::compile(module, CompileOptions::default()).expect("compiles"));
    let manager = LifecycleManager::new();
    let instance =
        Instance::new_jit(compiled, &mut Linker::new(), InstanceConfig::default()).expect("instantiates");
    let id = manager.initialize(instance, "spin".into(), vec![]);
    manager.start(id).expect("starts");
    // The timed loop resumes first, so it starts from a paused instance.
    std::thread::sleep(Duration::from_millis(5));
    manager.pause(id).expect("pauses");
    let mut group = c.benchmark_group("lifecycle");
    group.sample_size(50).measurement_time(Duration::from_secs(5));
    group.bench_function("pause_running_instance", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // Let the guest run again for a moment, then time the pause alone.
                manager.resume(id).expect("resumes");
                std::thread::sleep(Duration::from_micros(200));
                let t = Instant::now();
                manager.pause(id).expect("pauses");
                total += t.elapsed();
            }
            total
        })
    });
    group.finish();
    manager.terminate(id).expect("terminates");
}

criterion_group!(benches, pause_latency);
criterion_main!(benches);
