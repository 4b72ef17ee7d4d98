//! Fuzz target: TEL programs, compiled and run differentially. Any bytes (as lossy UTF-8) go
//! through the whole front end (parse, check, lower: never a panic); a program that compiles runs
//! `main` on the interpreter and on the JIT with the same fuel, with TEL's helpers linked and every
//! host effect answering 0, and both must stop the same way with the same fuel and globals.
//! Seed it with `../tests/tel` so that mutations stay close to programs that type-check.

#![no_main]

use causeway_engine::host::{HostOutcome, Linker};
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::jit::{CompileOptions, CompiledModule};
use causeway_tel::lower::{LowerOptions, ENTRY};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fn linker(module: &causeway_engine::ir::Module) -> Linker {
    let mut l = Linker::new();
    causeway_tel::helpers::define_helpers(&mut l);
    for imp in &module.imports {
        if !l.contains(&imp.name) {
            l.define(&imp.name, |_, _, _| Ok(HostOutcome::Return));
        }
    }
    l
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let options = LowerOptions { heap_size: 1 << 20, ..Default::default() };
    let Ok(lowered) = causeway_tel::compile_source(&text, options) else {
        return;
    };
    if !lowered.main_params.is_empty() {
        return;
    }
    let module = Arc::new(lowered.module);
    let compiled = CompiledModule::compile(module.clone(), CompileOptions::default())
        .unwrap_or_else(|e| panic!("lowered TEL failed to compile: {e}"));
    let config = InstanceConfig {
        fuel: Some(20_000),
        max_depth: 200,
        ..Default::default()
    };
    let mut interp = Instance::new_interp(module.clone(), &mut linker(&module), config).expect("interpreter");
    let mut jit = Instance::new_jit(Arc::new(compiled), &mut linker(&module), config).expect("JIT");
    let a = interp.call(ENTRY, &[]).expect("interpreter call");
    let b = jit.call(ENTRY, &[]).expect("JIT call");
    assert_eq!(a, b, "the tiers stopped differently");
    assert_eq!(interp.fuel(), jit.fuel(), "the tiers used different fuel");
    assert_eq!(
        interp.globals(),
        jit.globals(),
        "the tiers left different globals"
    );
});
