//! TEL through the embedding API and the seed's `TelVmInterface`: compiled once and run many
//! times, host handlers that see TEL values, capabilities, transactions that leave resources as
//! they were on failure, and the configured heap and depth limits.

use causeway_runtime::adapter::VmInterfaceFactory;
use causeway_runtime::capability::{CapabilityManager, Rights};
use causeway_runtime::embed::Runtime;
use causeway_runtime::error::{Right, TelError, VmError};
use causeway_runtime::interfaces::{TelVmInterface, VmType};
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::store::Store;
use causeway_runtime::tel::{compile_tel, run_tel, OptimizationLevel, TelEffectType, TelLimits, TelProgram};
use causeway_runtime::types::{DomainId, ExecutionContext, OwnerId};
use causeway_tel::diag::ErrorKind;
use causeway_tel::value::Value;
use causeway_tests::store_dump;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn setup() -> (Arc<Runtime>, Arc<CapabilityManager>, ExecutionContext) {
    let caps = Arc::new(CapabilityManager::new());
    let rt = Arc::new(Runtime::new(Arc::new(MemoryStore::new()), caps.clone()));
    let ctx = caps.full_context(OwnerId::from_public_key(b"alice"), DomainId::new("local"));
    (rt, caps, ctx)
}

fn kind(r: Result<impl std::fmt::Debug, VmError>) -> ErrorKind {
    match r {
        Err(VmError::TelError(t)) => t.kind().expect("a TEL error kind"),
        other => panic!("expected a TEL error, got {other:?}"),
    }
}

const MINT_THEN: &str = r#"
flow main(fail: Bool) -> Int {
    let a = perform create_resource("gold", 10, "bar");
    let b = perform split(a, 4);
    perform transfer(b, "vault");
    if fail { return 1 / 0; }
    return perform quantity(a);
}
"#;

#[test]
fn compiled_once_runs_many_times_with_the_same_result_and_fuel() {
    let (rt, _, mut ctx) = setup();
    ctx.fuel = Some(1_000_000);
    let program = TelProgram::new("mint.tel", MINT_THEN);
    for level in [OptimizationLevel::None, OptimizationLevel::Speed] {
        let compiled = compile_tel(&program, level, TelLimits::default()).unwrap();
        let first = run_tel(&rt, &compiled, &[Value::Bool(false)], &ctx).unwrap();
        let second = run_tel(&rt, &compiled, &[Value::Bool(false)], &ctx).unwrap();
        assert_eq!(first.value, Value::Int(6));
        assert_eq!(
            (second.value.clone(), second.fuel_used),
            (first.value.clone(), first.fuel_used)
        );
        assert!(first.fuel_used > 0);
        assert_eq!(first.created.len(), 2);
    }
}

#[test]
fn a_failing_program_leaves_every_resource_as_it_was() {
    let (rt, _, ctx) = setup();
    let compiled = compile_tel(
        &TelProgram::new("mint.tel", MINT_THEN),
        OptimizationLevel::Speed,
        TelLimits::default(),
    )
    .unwrap();
    run_tel(&rt, &compiled, &[Value::Bool(false)], &ctx).unwrap();
    let store: &dyn Store = &**rt.resources().store();
    let before = store_dump(store);
    assert_eq!(
        kind(run_tel(&rt, &compiled, &[Value::Bool(true)], &ctx)),
        ErrorKind::DivisionByZero
    );
    assert_eq!(store_dump(store), before);
    // A host handler that fails mid-program does the same.
    rt.register_tel_effect(
        "boom",
        Arc::new(|_: &[Value], _: &ExecutionContext| -> Result<Value, VmError> {
            Err(TelError::Other("the host refused".into()).into())
        }),
    );
    let boom = compile_tel(
        &TelProgram::new("boom.tel", "effect boom(): Unit;\nflow main() -> Int { let a = perform create_resource(\"t\", 1, \"\"); perform boom(); return 0; }"),
        OptimizationLevel::Speed,
        TelLimits::default(),
    )
    .unwrap();
    assert_eq!(kind(run_tel(&rt, &boom, &[], &ctx)), ErrorKind::HostError);
    assert_eq!(store_dump(store), before);
}

#[test]
fn host_handlers_see_and_answer_tel_values() {
    let (rt, _, ctx) = setup();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    rt.register_tel_effect(
        "greet",
        Arc::new(
            move |args: &[Value], _: &ExecutionContext| -> Result<Value, VmError> {
                seen.fetch_add(1, Ordering::SeqCst);
                let [Value::Str(name), Value::Record(fields)] = args else {
                    panic!("unexpected arguments {args:?}");
                };
                Ok(Value::Str(format!("hello {name} ({} fields)", fields.len())))
            },
        ),
    );
    let src = r#"
effect greet(name: String, extra: {a: Int, b: [Int]}): String;
flow main() -> String { return perform greet("tel", {b: [1, 2], a: 3}) + "!"; }
"#;
    let compiled = compile_tel(
        &TelProgram::new("greet.tel", src),
        OptimizationLevel::Speed,
        TelLimits::default(),
    )
    .unwrap();
    let r = run_tel(&rt, &compiled, &[], &ctx).unwrap();
    assert_eq!(r.value, Value::Str("hello tel (2 fields)!".into()));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn a_panicking_host_handler_is_a_host_error_and_the_host_lives() {
    let (rt, _, ctx) = setup();
    rt.register_tel_effect(
        "bad",
        Arc::new(|_: &[Value], _: &ExecutionContext| -> Result<Value, VmError> { panic!("handler bug") }),
    );
    let compiled = compile_tel(
        &TelProgram::new(
            "bad.tel",
            "effect bad(): Int;\nflow main() -> Int { return perform bad(); }",
        ),
        OptimizationLevel::Speed,
        TelLimits::default(),
    )
    .unwrap();
    for _ in 0..3 {
        assert_eq!(kind(run_tel(&rt, &compiled, &[], &ctx)), ErrorKind::HostError);
    }
}

#[test]
fn standard_effects_obey_the_contexts_capabilities() {
    let (rt, caps, _) = setup();
    let mut ctx = caps.context(
        OwnerId::from_public_key(b"bob"),
        DomainId::new("local"),
        Rights::of(&[Right::Read]),
    );
    ctx.capabilities.push(caps.mint(
        causeway_runtime::capability::CapabilityTarget::Domain(DomainId::new("local")),
        Rights::of(&[Right::Execute]),
    ));
    let compiled = compile_tel(
        &TelProgram::new(
            "c.tel",
            "flow main() -> Int { let a = perform create_resource(\"t\", 1, \"\"); return 0; }",
        ),
        OptimizationLevel::Speed,
        TelLimits::default(),
    )
    .unwrap();
    assert_eq!(
        kind(run_tel(&rt, &compiled, &[], &ctx)),
        ErrorKind::CapabilityDenied
    );
    // Without `execute` over its domain the program does not run at all.
    let none = caps.context(
        OwnerId::from_public_key(b"eve"),
        DomainId::new("local"),
        Rights::NONE,
    );
    assert!(matches!(
        run_tel(&rt, &compiled, &[], &none),
        Err(VmError::CapabilityError(_))
    ));
}

#[test]
fn heap_and_depth_limits_are_the_configured_ones() {
    let (rt, _, ctx) = setup();
    let grow = "flow main() -> Int { var s = \"x\"; for i in 0..100 { s = s + s; } return len(s); }";
    let small = TelLimits {
        heap_size: 1 << 16,
        ..Default::default()
    };
    let c = compile_tel(
        &TelProgram::new("grow.tel", grow),
        OptimizationLevel::Speed,
        small,
    )
    .unwrap();
    assert_eq!(kind(run_tel(&rt, &c, &[], &ctx)), ErrorKind::OutOfMemory);
    let deep = "flow d(n: Int) -> Int { if n == 0 { return 0; } return 1 + d(n - 1); }\nflow main() -> Int { return d(500); }";
    for (max_depth, ok) in [(1000, true), (100, false)] {
        let limits = TelLimits {
            max_depth,
            ..Default::default()
        };
        let c = compile_tel(
            &TelProgram::new("deep.tel", deep),
            OptimizationLevel::Speed,
            limits,
        )
        .unwrap();
        let r = run_tel(&rt, &c, &[], &ctx);
        if ok {
            assert_eq!(r.unwrap().value, Value::Int(500));
        } else {
            assert_eq!(kind(r), ErrorKind::StackOverflow);
        }
    }
}

#[test]
fn the_seed_interface_on_a_tel_adapter() {
    let caps = Arc::new(CapabilityManager::new());
    let factory = VmInterfaceFactory::new(Arc::new(MemoryStore::new()), caps.clone());
    let adapter = factory.create_adapter(VmType::Tel).unwrap();
    let ctx = caps.full_context(OwnerId::from_public_key(b"alice"), DomainId::new("local"));
    let hello = TelProgram::new("hello.tel", include_str!("../tel/spec/hello.tel"));
    let r = adapter.execute_tel_program(&hello, &ctx).unwrap();
    assert_eq!(
        (r.value, r.log),
        (Value::Str("done".into()), vec!["Hello, Causeway!".to_string()])
    );
    adapter
        .register_tel_effect_handler(
            TelEffectType("ask".into()),
            Box::new(|_: &[Value], _: &ExecutionContext| -> Result<Value, VmError> { Ok(Value::Int(41)) }),
            &ctx,
        )
        .unwrap();
    let ask = TelProgram::new("ask.tel", include_str!("../tel/spec/unhandled.tel"));
    let compiled = adapter
        .compile_tel_to_vm(&ask, OptimizationLevel::None, &ctx)
        .unwrap();
    assert_eq!(
        run_tel(adapter.runtime(), &compiled, &[], &ctx).unwrap().value,
        Value::Int(41)
    );
    // Compile errors carry their kind and position.
    let bad = TelProgram::new("bad.tel", "flow main() -> Int { return x; }");
    match adapter.compile_tel_to_vm(&bad, OptimizationLevel::Speed, &ctx) {
        Err(VmError::TelError(TelError::Compile(d))) => {
            assert_eq!((d.kind, d.position), (ErrorKind::UnknownName, Some((1, 29))));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    // Registering a handler needs `write` over the effect.
    let reader = caps.context(
        OwnerId::from_public_key(b"r"),
        DomainId::new("local"),
        Rights::of(&[Right::Read]),
    );
    assert!(adapter
        .register_tel_effect_handler(
            TelEffectType("x".into()),
            Box::new(|_: &[Value], _: &ExecutionContext| -> Result<Value, VmError> { Ok(Value::Unit) }),
            &reader,
        )
        .is_err());
}
