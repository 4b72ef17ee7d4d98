//! The embedding API: programs run as transactions whose resource effects commit together or not at
//! all, under the context's capabilities; registered host effects are what guest effects reach.

use causeway_runtime::capability::{CapabilityManager, Rights};
use causeway_runtime::embed::Runtime;
use causeway_runtime::error::{CapabilityError, ExecutionError, Right, VmError};
use causeway_runtime::interfaces::{EffectResult, EffectType};
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::types::*;
use causeway_tests::store_dump;
use std::sync::Arc;

/// Creates 10 gold, splits 3 off, moves the 3 to `vault`, logs, and returns the rest's quantity;
/// with `fail = 1` it traps after all of that.
const MINT: &str = r#"
memory a32
region 0x10000 0x1000 rw
data 0x10000 "gold"
data 0x10010 "vault"
data 0x10020 "minted"
import effect @create_resource(i64, i64, i64, i64, i64) -> (i64)
import effect @split(i64, i64) -> (i64)
import effect @transfer(i64, i64, i64) -> ()
import effect @quantity(i64) -> (i64)
import effect @log(i64, i64) -> ()
func @main(v0: i64) -> (i64) {
    vars v1: i64, v2: i64, v3: i64
block0:
    v1 = hostcall @create_resource(0x10000, 4, 10, 0x10000, 0)
    v2 = hostcall @split(v1, 3)
    hostcall @transfer(v2, 0x10010, 5)
    hostcall @log(0x10020, 6)
    v3 = hostcall @quantity(v1)
    brif v0, block1, block2
block1:
    trap user1
block2:
    return v3
}
"#;

fn runtime() -> (Runtime, ExecutionContext) {
    let caps = Arc::new(CapabilityManager::new());
    let rt = Runtime::new(Arc::new(MemoryStore::new()), caps.clone());
    rt.register_program("mint", rt.engine().compile_ir(MINT).unwrap());
    let ctx = caps.full_context(OwnerId::from_public_key(b"alice"), DomainId::new("local"));
    (rt, ctx)
}

#[test]
fn a_program_is_one_transaction_of_resource_effects() {
    let (rt, ctx) = runtime();
    let r = rt.invoke("mint", "main", &[0], &ctx).unwrap();
    assert_eq!(r.values, vec![7]);
    assert_eq!(r.log, vec!["minted"]);
    assert_eq!((r.created.len(), r.updated.len()), (2, 2));
    let vault = RegisterFilter {
        domain: Some(DomainId::new("vault")),
        ..Default::default()
    };
    let moved = rt.resources().list(Some(vault), &ctx).unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].quantity, 3);
    assert!(r.fuel_used == 0, "unmetered context");

    // A program that traps after the same effects changes nothing.
    let before = store_dump(&**rt.resources().store());
    match rt.invoke("mint", "main", &[1], &ctx) {
        Err(VmError::ExecutionError(ExecutionError::Trap(m))) => assert!(m.contains("user1"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store_dump(&**rt.resources().store()), before);
}

#[test]
fn a_missing_capability_fails_the_program_with_the_right_named_and_changes_nothing() {
    let (rt, ctx) = runtime();
    let before = store_dump(&**rt.resources().store());
    let no_create = rt.capabilities().context(
        ctx.caller,
        ctx.domain.clone(),
        Rights::of(&[Right::Execute, Right::Read]),
    );
    match rt.invoke("mint", "main", &[0], &no_create) {
        Err(VmError::CapabilityError(CapabilityError::Missing {
            right: Right::Create, ..
        })) => {}
        other => panic!("{other:?}"),
    }
    let no_execute = rt
        .capabilities()
        .context(ctx.caller, ctx.domain.clone(), Rights::of(&[Right::Create]));
    assert!(matches!(
        rt.invoke("mint", "main", &[0], &no_execute),
        Err(VmError::CapabilityError(CapabilityError::Missing {
            right: Right::Execute,
            ..
        }))
    ));
    assert_eq!(store_dump(&**rt.resources().store()), before);
}

#[test]
fn fuel_is_charged_and_exhaustion_is_a_clean_failure() {
    let (rt, mut ctx) = runtime();
    ctx.fuel = Some(1_000);
    let r = rt.invoke("mint", "main", &[0], &ctx).unwrap();
    assert!(r.fuel_used > 0);
    let before = store_dump(&**rt.resources().store());
    ctx.fuel = Some(3);
    assert!(matches!(
        rt.invoke("mint", "main", &[0], &ctx),
        Err(VmError::ExecutionError(ExecutionError::OutOfFuel))
    ));
    assert_eq!(store_dump(&**rt.resources().store()), before);
}

#[test]
fn registered_effects_are_what_guest_effects_reach() {
    let (rt, ctx) = runtime();
    let text = "
import effect @double(i64) -> (i64)
func @main() -> (i64) {
    vars v0: i64
block0:
    v0 = hostcall @double(21)
    return v0
}
";
    let program = rt.engine().compile_ir(text).unwrap();
    // Not registered yet: the program cannot be linked.
    rt.register_program("double", program.clone());
    assert!(matches!(
        rt.invoke("double", "main", &[], &ctx),
        Err(VmError::ExecutionError(ExecutionError::UnhandledEffect(e))) if e == "double"
    ));
    rt.register_effect(
        EffectType("double".into()),
        Arc::new(|e: &causeway_runtime::interfaces::Effect, _: &ExecutionContext| {
            Ok(EffectResult {
                values: vec![e.args[0] * 2],
            })
        }),
    );
    assert_eq!(rt.invoke("double", "main", &[], &ctx).unwrap().values, vec![42]);
    // A handler that fails fails the program with its own error.
    rt.register_effect(
        EffectType("double".into()),
        Arc::new(|_: &causeway_runtime::interfaces::Effect, _: &ExecutionContext| {
            Err(ExecutionError::Invalid("refused".into()).into())
        }),
    );
    assert!(matches!(
        rt.invoke("double", "main", &[], &ctx),
        Err(VmError::ExecutionError(ExecutionError::Invalid(m))) if m == "refused"
    ));
}

#[test]
fn bad_standard_effect_arguments_are_precise_errors() {
    let (rt, ctx) = runtime();
    let text = "
import effect @split(i64, i64) -> (i64)
func @main(v0: i64, v1: i64) -> (i64) {
block0:
    v0 = hostcall @split(v0, v1)
    return v0
}
";
    rt.register_program("bad", rt.engine().compile_ir(text).unwrap());
    assert!(matches!(
        rt.invoke("bad", "main", &[99, 1], &ctx),
        Err(VmError::ResourceError(causeway_runtime::error::ResourceError::InvalidArgument(m))) if m.contains("handle 99")
    ));
    let wrong_sig = "import effect @split(i64) -> (i64)\nfunc @main() -> (i64) {\nblock0:\n    return 0\n}\n";
    rt.register_program("wrong", rt.engine().compile_ir(wrong_sig).unwrap());
    assert!(rt.invoke("wrong", "main", &[], &ctx).is_err());
    assert!(rt.invoke("nope", "main", &[], &ctx).is_err());
}
