//! The seed's traits through the adapter and factory: versions, the factory's kinds, and each trait
//! method over the in-memory store (the detailed rules are tested in `resources`).

use causeway_runtime::adapter::VmInterfaceFactory;
use causeway_runtime::capability::{CapabilityManager, CapabilityTarget, Rights};
use causeway_runtime::error::{CrossDomainError, ExecutionError, VmError};
use causeway_runtime::interfaces::*;
use causeway_runtime::ops::ResourceOperation;
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::types::*;
use std::sync::Arc;

fn setup() -> (VmInterfaceFactory, Arc<CapabilityManager>, ExecutionContext) {
    let caps = Arc::new(CapabilityManager::new());
    let factory = VmInterfaceFactory::new(Arc::new(MemoryStore::new()), caps.clone());
    let ctx = caps.full_context(OwnerId::from_public_key(b"alice"), DomainId::new("local"));
    (factory, caps, ctx)
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
    for kind in [VmType::Evm, VmType::CosmWasm, VmType::RiscV, VmType::ZkVm] {
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
        Err(VmError::ExecutionError(ExecutionError::Unavailable(..)))
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
