//! Proves a transfer, verifies it, tampers with it, and reports sizes and times.
//!
//! `cargo run --release -p causeway-runtime --example zk_transfer`
//!
//! A prover (a runtime holding Alice's owner key) proves that moving one of Alice's registers to the
//! `vault` domain is valid, without revealing its kind, quantity, data or owner. A verifier that has
//! nothing but the verifying keys, loaded from files the prover saved, checks the proof, and then
//! checks tampered copies: another operation, altered public inputs, a flipped proof byte.

use causeway_runtime::adapter::VmInterfaceFactory;
use causeway_runtime::capability::CapabilityManager;
use causeway_runtime::interfaces::{ResourceVmInterface, VmType, ZkVmInterface};
use causeway_runtime::ops::{OperationType, ResourceOperation};
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::types::{DomainId, ResourceData};
use causeway_runtime::zk::{self, OwnerKey, ZkKeys, ZkProof};
use std::sync::Arc;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The prover: a ZK VM over a store, with Alice's key.
    let caps = Arc::new(CapabilityManager::new());
    let factory = VmInterfaceFactory::new(Arc::new(MemoryStore::new()), caps.clone());
    let alice = factory
        .runtime()
        .zk()
        .add_owner_key(OwnerKey::from_seed(b"alice"));
    let ctx = caps.full_context(alice, DomainId::new("main"));
    let vm = factory.create_adapter(VmType::ZkVm)?;
    let gold = ResourceData {
        kind: "gold".into(),
        quantity: 1_000,
        data: b"bar #17".to_vec(),
        owner: None,
    };
    let id = vm.create_resource(gold, &ctx)?;

    let started = Instant::now();
    let circuit = vm.generate_circuit(OperationType::Transfer, &ctx)?;
    println!("key generation (transfer circuit): {:.1} ms", ms(started));
    println!(
        "constraints: {} ({} witness variables, {} public inputs: {})",
        circuit.size.constraints,
        circuit.size.witness_variables,
        circuit.public_inputs.len(),
        circuit.public_inputs.join(", ")
    );

    let transfer = ResourceOperation::Transfer {
        id,
        target: DomainId::new("vault"),
    };
    let started = Instant::now();
    let proof = vm.generate_proof(&transfer, &ctx)?;
    println!("prove: {:.1} ms", ms(started));
    println!(
        "proof: {} bytes, plus {} public inputs of 32 bytes ({} bytes serialized)",
        proof.proof.len(),
        proof.public_inputs.len(),
        proof.to_bytes()?.len()
    );

    // The verifier: only the verifying keys, from files, and the proof's bytes.
    let dir = std::env::temp_dir().join(format!("causeway-zk-{}", std::process::id()));
    factory.runtime().zk().keys().save(&dir)?;
    for kind in zk::CircuitKind::ALL {
        std::fs::remove_file(dir.join(format!("{}.pk", kind.name())))?;
    }
    let verifier = ZkKeys::load(&dir)?;
    std::fs::remove_dir_all(&dir)?;
    let received = ZkProof::from_bytes(&proof.to_bytes()?)?;

    let started = Instant::now();
    let valid = zk::verify(&verifier, &transfer, &received, &ctx)?;
    println!("verify: {:.2} ms", ms(started));
    report("the proof verifies", valid);

    let elsewhere = ResourceOperation::Transfer {
        id,
        target: DomainId::new("elsewhere"),
    };
    report(
        "the proof is refused for a transfer to another domain",
        !zk::verify(&verifier, &elsewhere, &received, &ctx)?,
    );
    let mut altered = received.clone();
    altered.public_inputs[1][0] ^= 1;
    report(
        "a proof with an altered output commitment is refused",
        !zk::verify(&verifier, &transfer, &altered, &ctx)?,
    );
    let mut flipped = received.clone();
    flipped.proof[40] ^= 0x04;
    let flipped = zk::verify(&verifier, &transfer, &flipped, &ctx);
    report(
        "a proof with a flipped byte is refused",
        matches!(flipped, Ok(false) | Err(_)),
    );
    if let Err(e) = flipped {
        println!("    (it no longer decodes: {e})");
    }
    Ok(())
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e3
}

fn report(what: &str, passed: bool) {
    println!("[{}] {what}", if passed { "pass" } else { "FAIL" });
    if !passed {
        std::process::exit(1);
    }
}
