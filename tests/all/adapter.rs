//! The seed's traits through the adapter and factory: versions, the factory's kinds, and each trait
//! method over the in-memory store (the detailed rules are tested in `resources`).

use causeway_runtime::adapter::VmInterfaceFactory;
use causeway_runtime::capability::{CapabilityManager, CapabilityTarget, Rights};
use causeway_runtime::error::{CrossDomainError, ExecutionError, VmError};
use causeway_runtime::interfaces::*;
use causeway_runtime::ops::ResourceOperation;
use causeway_runtime::types::*;
use std::sync::Arc;

fn setup() -> (VmInterfaceFactory, Arc<CapabilityManager>, ExecutionContext) {
    causeway_tests::adapter_setup()
}

fn gold(q: u128) -> ResourceData {
    ResourceData {
        kind: "gold".into(),
        quantity: q,
        data: b"bar".to_vec(),
        owner: None,
    }
}

#[test]
fn the_factory_makes_tel_adapters_and_names_what_is_not_available() {
    let (factory, _, _) = setup();
    let adapter = factory.create_adapter(VmType::Tel).unwrap();
    assert_eq!(adapter.version(), CAUSEWAY_INTERFACE_VERSION);
    assert!(adapter.is_compatible_with(&InterfaceVersion {
        major: 1,
        minor: 0,
        patch: 7
    }));
    assert!(!adapter.is_compatible_with(&InterfaceVersion {
        major: 1,
        minor: 1,
        patch: 0
    }));
    assert!(!adapter.is_compatible_with(&InterfaceVersion {
        major: 2,
        minor: 0,
        patch: 0
    }));
    for kind in [VmType::Evm, VmType::CosmWasm] {
        match factory.create_resource_vm_interface(kind) {
            Err(VmError::ExecutionError(ExecutionError::Unavailable(what, _))) => assert!(!what.is_empty()),
            other => panic!("{kind:?}: {:?}", other.map(|_| ())),
        }
    }
}

#[test]
fn resource_and_management_traits_work_end_to_end() {
    let (factory, _, ctx) = setup();
    let vm = factory.create_adapter(VmType::Tel).unwrap();
    let id = vm.create_resource(gold(10), &ctx).unwrap();
    assert_eq!(vm.read_resource(&id, &ctx).unwrap().unwrap().quantity, 10);
    vm.update_resource(&id, gold(12), &ctx).unwrap();
    let reg = vm.get_resource_register(&id, &ctx).unwrap().unwrap();
    assert_eq!((reg.quantity, reg.version), (12, 1));
    vm.transfer_resource(&id, &DomainId::new("vault"), &ctx).unwrap();
    let filter = RegisterFilter {
        domain: Some(DomainId::new("vault")),
        ..Default::default()
    };
    assert_eq!(vm.list_resource_registers(Some(filter), &ctx).unwrap().len(), 1);
    let other = vm.create_resource(gold(1), &ctx).unwrap();
    let rel = vm
        .create_relationship(&id, &other, RelationshipType::Contains, &ctx)
        .unwrap();
    let out = vm
        .query_relationships(&id, RelationshipDirection::Outgoing, &ctx)
        .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].id, rel);
    assert!(vm
        .query_relationships(&id, RelationshipDirection::Incoming, &ctx)
        .unwrap()
        .is_empty());
    vm.delete_resource(&other, &ctx).unwrap();
    assert_eq!(
        vm.get_resource_register(&other, &ctx).unwrap().unwrap().state,
        RegisterState::Consumed
    );
}

#[test]
fn operations_batches_and_invocations() {
    let (factory, _, ctx) = setup();
    let vm = factory.create_adapter(VmType::Tel).unwrap();
    let id = vm.create_resource(gold(10), &ctx).unwrap();
    let res = vm
        .execute_operation(&ResourceOperation::Split { id, amount: 3 }, &ctx)
        .unwrap();
    assert_eq!(res.created.len(), 1);
    let bad = [
        ResourceOperation::Split { id, amount: 1 },
        ResourceOperation::Split { id, amount: 100 },
    ];
    match vm.execute_batch(&bad, &ctx) {
        Err(VmError::ExecutionError(ExecutionError::Batch { index: 1, .. })) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        vm.read_resource(&id, &ctx).unwrap().unwrap().quantity,
        7,
        "the batch changed nothing"
    );
    let v = vm
        .verify_operation(&ResourceOperation::Split { id, amount: 100 }, &ctx)
        .unwrap();
    assert!(!v.valid && !v.failures.is_empty());
    let invoke = ResourceOperation::Invoke {
        program: "p".into(),
        function: "main".into(),
        args: vec![],
    };
    assert!(matches!(
        vm.execute_operation(&invoke, &ctx),
        Err(VmError::ExecutionError(ExecutionError::Invalid(m))) if m.contains("no program named `p`")
    ));
}

#[test]
fn cross_domain_transfers_conserve_and_check_both_sides() {
    let (factory, caps, ctx) = setup();
    let vm = factory.create_adapter(VmType::Tel).unwrap();
    let (local, vault) = (DomainId::new("local"), DomainId::new("vault"));
    let id = vm.create_resource(gold(10), &ctx).unwrap();
    let op = ResourceOperation::Transfer {
        id,
        target: vault.clone(),
    };
    assert!(vm
        .verify_cross_domain_permissions(&op, &local, &vault, &ctx)
        .unwrap());
    // Rights over the source domain only: the target side is refused.
    let source_only = ExecutionContext {
        capabilities: vec![caps.mint(CapabilityTarget::Domain(local.clone()), Rights::ALL)],
        ..ctx.clone()
    };
    assert!(!vm
        .verify_cross_domain_permissions(&op, &local, &vault, &source_only)
        .unwrap());
    assert!(vm
        .execute_cross_domain_operation(&op, &local, &vault, &source_only)
        .is_err());
    assert_eq!(vm.read_resource(&id, &ctx).unwrap().unwrap().quantity, 10);
    let t = vm
        .transfer_resource_cross_domain(&id, &local, &vault, &ctx)
        .unwrap();
    assert_eq!(t.quantity, 10);
    let moved = vm.get_resource_register(&t.target_id, &ctx).unwrap().unwrap();
    assert_eq!((moved.domain, moved.quantity), (vault.clone(), 10));
    assert_eq!(
        vm.get_resource_register(&id, &ctx).unwrap().unwrap().state,
        RegisterState::Consumed
    );
    assert!(matches!(
        vm.verify_cross_domain_permissions(&op, &vault, &vault, &ctx),
        Err(VmError::CrossDomainError(CrossDomainError::SameDomain(_)))
    ));
}

/// Reads a word from the address given, then writes 7 to the second address given.
const PEEK_POKE: &str = "
memory a64 0x100000
import effect @create_resource(i64, i64, i64, i64, i64) -> (i64)
func @peek(v0: i64) -> (i64) {
    vars v1: i64
block0:
    v1 = load.64 [v0]
    return v1
}
func @poke(v0: i64) -> () {
block0:
    store.64 [v0], 7
    return
}
func @mint(v0: i64) -> (i64) {
    vars v1: i64
block0:
    v1 = hostcall @create_resource(v0, 4, 5, v0, 0)
    return v1
}
";

#[test]
fn memory_interface_acts_on_the_vm_instance_with_the_guest_rights() {
    let (factory, caps, ctx) = setup();
    let rt = factory.runtime();
    rt.register_program("peek", rt.engine().compile_ir(PEEK_POKE).unwrap());
    let vm = factory.create_vm(VmType::Tel, "peek", None).unwrap();
    let rw = vm.allocate(100, AccessRights::ReadWrite, &ctx).unwrap();
    let ro = vm.allocate(4096, AccessRights::ReadOnly, &ctx).unwrap();
    assert_ne!(rw, ro);
    vm.write(rw, &42u64.to_le_bytes(), &ctx).unwrap();
    assert_eq!(vm.run("peek", &[rw as i64], &ctx).unwrap().values, vec![42]);
    // The host API and guest code enforce the same rights.
    assert!(vm.write(ro, b"x", &ctx).is_err());
    match vm.run("poke", &[ro as i64], &ctx) {
        Err(VmError::ExecutionError(ExecutionError::Trap(m))) => assert!(m.contains("memory_access"), "{m}"),
        other => panic!("{other:?}"),
    }
    vm.run("poke", &[rw as i64], &ctx).unwrap();
    assert_eq!(vm.read(rw, 8, &ctx).unwrap(), 7u64.to_le_bytes());
    // Guest resource effects read strings from this memory, in one transaction.
    vm.write(rw, b"gold", &ctx).unwrap();
    assert_eq!(vm.run("mint", &[rw as i64], &ctx).unwrap().created.len(), 1);
    // Capabilities: a context without rights over the region is refused.
    let other = ExecutionContext {
        capabilities: vec![caps.mint(
            CapabilityTarget::Region {
                instance: vm.instance_id(),
                base: ro,
            },
            Rights::ALL,
        )],
        ..ctx.clone()
    };
    assert!(vm.read(ro, 8, &other).is_ok());
    assert!(matches!(vm.read(rw, 8, &other), Err(VmError::CapabilityError(_))));
    assert!(matches!(
        vm.allocate(10, AccessRights::ReadWrite, &other),
        Err(VmError::CapabilityError(_))
    ));
    vm.free(rw, &ctx).unwrap();
    assert!(vm.read(rw, 8, &ctx).is_err());
    assert!(vm.free(rw, &ctx).is_err(), "freeing twice");
    assert!(vm.allocate(0, AccessRights::ReadWrite, &ctx).is_err());
    assert!(vm.allocate(1 << 40, AccessRights::ReadWrite, &ctx).is_err());
    // An adapter without a VM has no memory.
    let bare = factory.create_adapter(VmType::Tel).unwrap();
    assert!(matches!(
        bare.allocate(10, AccessRights::ReadWrite, &ctx),
        Err(VmError::MemoryError(_))
    ));
}

#[test]
fn invoke_operations_run_programs_inside_the_batch_transaction() {
    let (factory, _, ctx) = setup();
    let rt = factory.runtime();
    let text = r#"
memory a32
region 0x10000 0x1000 rw
data 0x10000 "gold"
import effect @create_resource(i64, i64, i64, i64, i64) -> (i64)
func @main(v0: i64) -> (i64) {
    vars v1: i64
block0:
    v1 = hostcall @create_resource(0x10000, 4, v0, 0x10000, 0)
    return v1
}
"#;
    rt.register_program("mint", rt.engine().compile_ir(text).unwrap());
    let vm = factory.create_adapter(VmType::Tel).unwrap();
    let op = |q: i64| ResourceOperation::Invoke {
        program: "mint".into(),
        function: "main".into(),
        args: vec![q],
    };
    let r = vm.execute_batch(&[op(5), op(6)], &ctx).unwrap();
    assert_eq!(r.iter().map(|r| r.created.len()).sum::<usize>(), 2);
    let before = vm.list_resource_registers(None, &ctx).unwrap().len();
    // The second invocation fails (negative quantity): the first one's resources are not kept.
    assert!(vm.execute_batch(&[op(5), op(-1)], &ctx).is_err());
    assert_eq!(vm.list_resource_registers(None, &ctx).unwrap().len(), before);
}

#[test]
fn effect_interface_registers_handles_and_validates() {
    let (factory, caps, ctx) = setup();
    let vm = factory.create_adapter(VmType::Tel).unwrap();
    let double = |e: &Effect, _: &ExecutionContext| {
        Ok(EffectResult {
            values: vec![e.args[0] * 2],
        })
    };
    vm.register_effect_handler(EffectType("double".into()), Box::new(double), &ctx)
        .unwrap();
    let effect = Effect {
        effect_type: EffectType("double".into()),
        args: vec![4],
        domain: None,
    };
    assert_eq!(vm.handle_effect(&effect, &ctx).unwrap().values, vec![8]);
    let unknown = Effect {
        effect_type: EffectType("nope".into()),
        args: vec![],
        domain: None,
    };
    assert!(matches!(
        vm.handle_effect(&unknown, &ctx),
        Err(VmError::ExecutionError(ExecutionError::UnhandledEffect(_)))
    ));
    let read_only = caps.context(
        ctx.caller,
        ctx.domain.clone(),
        Rights::of(&[causeway_runtime::error::Right::Read]),
    );
    assert!(matches!(
        vm.handle_effect(&effect, &read_only),
        Err(VmError::CapabilityError(_))
    ));
    assert!(matches!(
        vm.register_effect_handler(EffectType("x".into()), Box::new(double), &read_only),
        Err(VmError::CapabilityError(_))
    ));
    use causeway_runtime::error::Right;
    let ok = [
        EffectConstraint::RequiresRight(Right::Execute),
        EffectConstraint::ArgumentRange {
            index: 0,
            min: 0,
            max: 10,
        },
        EffectConstraint::MaxArguments(1),
        EffectConstraint::AllowedDomains(vec![DomainId::new("local")]),
    ];
    assert!(vm.validate_effect(&effect, &ok, &ctx).unwrap());
    for bad in [
        EffectConstraint::ArgumentRange {
            index: 0,
            min: 5,
            max: 10,
        },
        EffectConstraint::ArgumentRange {
            index: 3,
            min: 0,
            max: 10,
        },
        EffectConstraint::MaxArguments(0),
        EffectConstraint::AllowedDomains(vec![DomainId::new("vault")]),
    ] {
        assert!(
            !vm.validate_effect(&effect, std::slice::from_ref(&bad), &ctx)
                .unwrap(),
            "{bad:?}"
        );
    }
    assert!(!vm
        .validate_effect(
            &effect,
            &[EffectConstraint::RequiresRight(Right::Execute)],
            &read_only
        )
        .unwrap());
}

#[test]
fn the_lifecycle_interface_pauses_inspects_resumes_and_terminates_running_code() {
    use causeway_runtime::lifecycle::VmStatus;
    use std::time::{Duration, Instant};
    let (factory, caps, ctx) = setup();
    let rt = factory.runtime();
    let spin = causeway_tests::LIFECYCLE_PROGRAM;
    rt.register_program("spin", rt.engine().compile_ir(spin).unwrap());
    let vm = factory.create_adapter(VmType::Tel).unwrap();
    let config = VmConfig {
        program: "spin".into(),
        function: "spin".into(),
        args: vec![],
        fuel: None,
    };
    let id = vm.initialize(&config, &ctx).unwrap();
    vm.start(&id, &ctx).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let t = Instant::now();
    vm.pause(&id, &ctx).unwrap();
    assert!(t.elapsed() < Duration::from_secs(1));
    assert_eq!(rt.lifecycle().status(id).unwrap(), VmStatus::Paused);
    let g = rt.lifecycle().with_instance(id, |i| i.globals()[0]).unwrap();
    assert!(g > 0);
    vm.resume(&id, &ctx).unwrap();
    vm.stop(&id, &ctx).unwrap();
    assert_eq!(rt.lifecycle().status(id).unwrap(), VmStatus::Stopped);
    vm.terminate(&id, &ctx).unwrap();
    assert!(rt.lifecycle().status(id).is_err());
    // Denied without execute; bad configurations are precise errors.
    let reader = caps.context(
        ctx.caller,
        ctx.domain.clone(),
        Rights::of(&[causeway_runtime::error::Right::Read]),
    );
    assert!(matches!(
        vm.initialize(&config, &reader),
        Err(VmError::CapabilityError(_))
    ));
    let wrong = VmConfig {
        function: "nope".into(),
        ..config.clone()
    };
    assert!(vm.initialize(&wrong, &ctx).is_err());
    let arity = VmConfig {
        args: vec![1],
        ..config
    };
    assert!(vm.initialize(&arity, &ctx).is_err());
}
