//! RISC-V guests on the runtime: their Causeway calls act on resources under the context's
//! capabilities, in one transaction (committed when the guest exits, rolled back on a trap or when
//! the fuel runs out); `perform` reaches registered handlers; and a guest registered as a program
//! runs through `invoke`, through `VmInterfaceFactory` adapters (whose memory interface acts on its
//! guest memory) like any other program.

use causeway_runtime::adapter::VmInterfaceFactory;
use causeway_runtime::capability::{CapabilityManager, Rights};
use causeway_runtime::embed::Runtime;
use causeway_runtime::error::{Right, VmError};
use causeway_runtime::interfaces::*;
use causeway_runtime::riscv::{Guest, GuestEnd, GuestIo, GuestOptions};
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::types::*;
use causeway_tests::store_dump;
use std::path::Path;
use std::sync::Arc;

const TARGETS: [&str; 4] = ["rv32im", "rv64im", "rv32imac", "rv64imac"];

fn effects_elf(target: &str, name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("riscv/elf")
        .join(target)
        .join("effects")
        .join(format!("{name}.elf"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn runtime() -> (Runtime, Arc<CapabilityManager>) {
    let caps = Arc::new(CapabilityManager::new());
    (Runtime::new(Arc::new(MemoryStore::new()), caps.clone()), caps)
}

fn ctx(caps: &CapabilityManager, rights: Rights) -> ExecutionContext {
    caps.context(
        OwnerId::from_public_key(b"guest-owner"),
        DomainId::new("local"),
        rights,
    )
}

fn all_but(r: Right) -> Rights {
    Rights::of(&Right::ALL.into_iter().filter(|&x| x != r).collect::<Vec<_>>())
}

fn guest(elf: &[u8], interpreter: bool, fuel: Option<u64>) -> Guest {
    Guest::load(
        elf,
        GuestOptions {
            interpreter,
            fuel,
            ..Default::default()
        },
    )
    .expect("the guest loads")
}

const RESOURCES_OUTPUT: &str = "quantity 100\nafter split 70\nsplit part 30\nmerged 100\ndata length 7\n\
                                updated\nsame quantity through the id 250\nnow 0\n";

#[test]
fn resource_calls_run_in_one_committed_transaction_on_every_target_and_tier() {
    for target in TARGETS {
        for interpreter in [false, true] {
            let (rt, caps) = runtime();
            let (io, out, _) = GuestIo::capture();
            let run = guest(&effects_elf(target, "resources"), interpreter, None)
                .run_in(&rt, &ctx(&caps, Rights::ALL), io)
                .unwrap();
            let what = format!("{target}, interpreter {interpreter}");
            assert_eq!(run.end, GuestEnd::Exited(0), "{what}");
            assert!(run.committed, "{what}");
            assert_eq!(String::from_utf8_lossy(&out.bytes()), RESOURCES_OUTPUT, "{what}");
            assert_eq!(run.result.log, vec!["resources.c: done".to_string()], "{what}");
            // create 1, split 1, merge 1: three created; split, merge, update and consume touch them.
            assert_eq!(run.result.created.len(), 3, "{what}: {:?}", run.result);
            assert!(!run.result.consumed.is_empty(), "{what}");
        }
    }
}

#[test]
fn a_refused_capability_ends_the_run_and_changes_nothing() {
    let (rt, caps) = runtime();
    let before = store_dump(&**rt.resources().store());
    let rights = all_but(Right::Create);
    let (io, _, _) = GuestIo::capture();
    let err = guest(&effects_elf("rv64imac", "resources"), false, None)
        .run_in(&rt, &ctx(&caps, rights), io)
        .expect_err("creating a resource needs `create`");
    assert!(err.to_string().contains("create"), "{err}");
    assert_eq!(store_dump(&**rt.resources().store()), before);
}

#[test]
fn running_out_of_fuel_rolls_back_what_the_guest_did() {
    let elf = effects_elf("rv32imac", "resources");
    let (rt, caps) = runtime();
    let (io, _, _) = GuestIo::capture();
    let full = guest(&elf, false, Some(1 << 40))
        .run_in(&rt, &ctx(&caps, Rights::ALL), io)
        .unwrap();
    assert!(full.committed);
    let used = full.result.fuel_used;
    assert!(used > 100, "fuel counts guest instructions: {used}");
    // Stop a few instructions before the end: every resource call has happened, none may stay.
    let (rt, caps) = runtime();
    let before = store_dump(&**rt.resources().store());
    for interpreter in [false, true] {
        let (io, _, _) = GuestIo::capture();
        let run = guest(&elf, interpreter, Some(used - 5))
            .run_in(&rt, &ctx(&caps, Rights::ALL), io)
            .unwrap();
        assert_eq!(run.end, GuestEnd::OutOfFuel);
        assert!(!run.committed);
        assert_eq!(
            store_dump(&**rt.resources().store()),
            before,
            "interpreter {interpreter}"
        );
    }
}

#[test]
fn perform_reaches_a_registered_handler_and_transfers_cross_domains() {
    for target in TARGETS {
        let (rt, caps) = runtime();
        rt.register_effect(
            EffectType("demo.add".into()),
            Arc::new(|e: &Effect, _: &ExecutionContext| {
                Ok(EffectResult {
                    values: vec![e.args.iter().sum()],
                })
            }),
        );
        let (io, out, _) = GuestIo::capture();
        let run = guest(&effects_elf(target, "perform"), false, None)
            .run_in(&rt, &ctx(&caps, Rights::ALL), io)
            .unwrap();
        assert_eq!(run.end, GuestEnd::Exited(3), "{target}");
        assert!(run.committed, "a guest's changes persist whatever its status");
        assert_eq!(
            String::from_utf8_lossy(&out.bytes()),
            "demo.add(40, 2) = 42\ntransferred\n",
            "{target}"
        );
    }
}

#[test]
fn an_effect_without_a_handler_ends_the_run_with_a_precise_error() {
    let (rt, caps) = runtime();
    let (io, _, _) = GuestIo::capture();
    let err = guest(&effects_elf("rv64im", "perform"), false, None)
        .run_in(&rt, &ctx(&caps, Rights::ALL), io)
        .expect_err("nobody handles demo.add");
    assert!(err.to_string().contains("demo.add"), "{err}");
}

#[test]
fn a_registered_guest_runs_through_invoke_and_factory_adapters() {
    let caps = Arc::new(CapabilityManager::new());
    let factory = VmInterfaceFactory::new(Arc::new(MemoryStore::new()), caps.clone());
    let program = guest(&effects_elf("rv64imac", "resources"), false, Some(1 << 40))
        .program(|| GuestIo::capture().0)
        .unwrap();
    factory.runtime().register_program("resources", program);
    let ctx = ctx(&caps, Rights::ALL);
    let r = factory
        .runtime()
        .invoke("resources", causeway_riscv::layout::ENTRY, &[], &ctx)
        .unwrap();
    assert_eq!(r.values, vec![0], "riscv_run returns the exit status");
    assert_eq!(r.created.len(), 3);

    let vm = factory
        .create_vm(VmType::RiscV, "resources", Some(1 << 40))
        .unwrap();
    assert_eq!(vm.vm_type(), VmType::RiscV);
    let r = vm.run(causeway_riscv::layout::ENTRY, &[], &ctx).unwrap();
    assert_eq!(r.values, vec![0]);
    // The memory interface acts on the guest's own address space.
    let addr = vm.allocate(4096, AccessRights::ReadWrite, &ctx).unwrap();
    vm.write(addr, b"guest bytes", &ctx).unwrap();
    assert_eq!(vm.read(addr, 11, &ctx).unwrap(), b"guest bytes");
    // Resource traits work on RISC-V adapters without a program too.
    assert!(factory.create_resource_vm_interface(VmType::RiscV).is_ok());
}

#[test]
fn guests_cannot_run_without_execute_over_their_domain() {
    let (rt, caps) = runtime();
    let rights = all_but(Right::Execute);
    let (io, _, _) = GuestIo::capture();
    let err: VmError = guest(&effects_elf("rv64imac", "resources"), false, None)
        .run_in(&rt, &ctx(&caps, rights), io)
        .expect_err("running needs execute");
    assert!(err.to_string().contains("execute"), "{err}");
}
