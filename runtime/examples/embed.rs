//! Embedding Causeway: compile a program, run it as a transaction of resource effects, then use the
//! seed's interfaces on the resources it made.
//!
//! Run with `cargo run -p causeway-runtime --example embed`.

use causeway_runtime::adapter::VmInterfaceFactory;
use causeway_runtime::capability::{CapabilityManager, Rights};
use causeway_runtime::error::{Right, VmError};
use causeway_runtime::interfaces::{CrossDomainVmInterface, ResourceManagementInterface, VmType};
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::types::{DomainId, OwnerId, RegisterFilter};
use std::sync::Arc;

const MINT: &str = r#"
memory a32
region 0x10000 0x1000 rw
data 0x10000 "gold"
data 0x10010 "minted 100 gold, kept 60"
import effect @create_resource(i64, i64, i64, i64, i64) -> (i64)
import effect @split(i64, i64) -> (i64)
import effect @log(i64, i64) -> ()
func @main() -> (i64) {
    vars v0: i64, v1: i64
block0:
    v0 = hostcall @create_resource(0x10000, 4, 100, 0x10000, 0)
    v1 = hostcall @split(v0, 40)
    hostcall @log(0x10010, 24)
    return v1
}
"#;

fn main() -> Result<(), VmError> {
    let caps = Arc::new(CapabilityManager::new());
    let factory = VmInterfaceFactory::new(Arc::new(MemoryStore::new()), caps.clone());
    let runtime = factory.runtime();
    runtime.register_program("mint", runtime.engine().compile_ir(MINT)?);

    let alice = OwnerId::from_public_key(b"alice's public key");
    let ctx = caps.full_context(alice, DomainId::new("local"));
    let result = runtime.invoke("mint", "main", &[], &ctx)?;
    println!("program log: {:?}", result.log);
    println!("created {} registers", result.created.len());

    let vm = factory.create_adapter(VmType::Tel)?;
    let registers = vm.list_resource_registers(Some(RegisterFilter::default()), &ctx)?;
    for r in &registers {
        println!(
            "  {} {} x{} in {} ({})",
            r.id, r.kind, r.quantity, r.domain, r.state
        );
    }

    // Move the 40 across domains in two phases; the total is conserved.
    let forty = registers
        .iter()
        .find(|r| r.quantity == 40)
        .expect("the split part")
        .id;
    let moved =
        vm.transfer_resource_cross_domain(&forty, &DomainId::new("local"), &DomainId::new("vault"), &ctx)?;
    println!("moved {} gold to vault as {}", moved.quantity, moved.target_id);

    // A context that may only read cannot run the program again: nothing changes.
    let reader = caps.context(
        alice,
        DomainId::new("local"),
        Rights::of(&[Right::Read, Right::Execute]),
    );
    match runtime.invoke("mint", "main", &[], &reader) {
        Err(e) => println!("read-only context refused: {e}"),
        Ok(_) => println!("unexpected: a read-only context minted"),
    }
    Ok(())
}
