//! Proving and verifying each kind of operation (Groth16 on BN254, `causeway_runtime::zk`), through
//! the seed's `ZkVmInterface`: `generate_proof` (which applies the operation in a transaction it rolls
//! back, so every iteration proves the same operation) and `verify_proof`. After the run, a table of
//! constraint counts, times and proof sizes against the targets: prove under 300 ms, verify under
//! 5 ms, proof 128 bytes plus public inputs.

use causeway_bench::results::{cell, criterion_dir, fmt_ns, median, verdict, Median, STALE_NOTE};
use causeway_runtime::adapter::{CausewayAdapter, VmInterfaceFactory};
use causeway_runtime::capability::CapabilityManager;
use causeway_runtime::interfaces::{ResourceVmInterface, VmType, ZkVmInterface};
use causeway_runtime::ops::ResourceOperation;
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::types::{DomainId, ExecutionContext, ResourceData};
use causeway_runtime::zk::{OwnerKey, ZkProof};
use criterion::Criterion;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const PROVE_TARGET_MS: f64 = 300.0;
const VERIFY_TARGET_MS: f64 = 5.0;
const PROOF_TARGET_BYTES: usize = 128;

struct Setup {
    adapter: CausewayAdapter,
    ctx: ExecutionContext,
    ops: Vec<(&'static str, ResourceOperation)>,
}

fn setup() -> Setup {
    let caps = Arc::new(CapabilityManager::new());
    let factory = VmInterfaceFactory::new(Arc::new(MemoryStore::new()), caps.clone());
    let owner = factory
        .runtime()
        .zk()
        .add_owner_key(OwnerKey::from_seed(b"bench"));
    let ctx = caps.full_context(owner, DomainId::new("main"));
    let adapter = factory.create_adapter(VmType::ZkVm).expect("a ZK VM");
    let gold = |quantity| ResourceData {
        kind: "gold".into(),
        quantity,
        data: b"bar".to_vec(),
        owner: None,
    };
    let a = adapter.create_resource(gold(100), &ctx).expect("create");
    let b = adapter.create_resource(gold(50), &ctx).expect("create");
    let ops = vec![
        (
            "create",
            ResourceOperation::Create {
                data: gold(7),
                domain: None,
            },
        ),
        (
            "update",
            ResourceOperation::Update {
                id: a,
                data: gold(90),
            },
        ),
        (
            "transfer",
            ResourceOperation::Transfer {
                id: a,
                target: DomainId::new("vault"),
            },
        ),
        ("split", ResourceOperation::Split { id: a, amount: 30 }),
        ("merge", ResourceOperation::Merge { a, b }),
        ("consume", ResourceOperation::Consume { id: a }),
    ];
    Setup { adapter, ctx, ops }
}

fn bench(c: &mut Criterion, s: &Setup) -> Vec<ZkProof> {
    let mut proofs = Vec::new();
    let mut prove = c.benchmark_group("zk_prove");
    prove.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, op) in &s.ops {
        // The first proof also runs the circuit's key generation: outside the measurement.
        proofs.push(s.adapter.generate_proof(op, &s.ctx).expect("proves"));
        prove.bench_function(*name, |b| {
            b.iter(|| s.adapter.generate_proof(op, &s.ctx).expect("proves"))
        });
    }
    prove.finish();
    let mut verify = c.benchmark_group("zk_verify");
    verify.sample_size(30);
    for ((name, op), proof) in s.ops.iter().zip(&proofs) {
        verify.bench_function(*name, |b| {
            b.iter(|| assert!(s.adapter.verify_proof(op, proof, &s.ctx).expect("verifies")))
        });
    }
    verify.finish();
    proofs
}

fn summary(s: &Setup, proofs: &[ZkProof], since: SystemTime) {
    let dir = criterion_dir();
    println!("\n| operation | constraints | prove | verify | proof | public inputs | prove < {PROVE_TARGET_MS} ms | verify < {VERIFY_TARGET_MS} ms | proof = {PROOF_TARGET_BYTES} B |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |");
    let mut stale = false;
    for ((name, op), proof) in s.ops.iter().zip(proofs) {
        let circuit = s.adapter.generate_circuit(op.op_type(), &s.ctx).expect("circuit");
        let prove = median(&dir, &format!("zk_prove/{name}"), since);
        let verify = median(&dir, &format!("zk_verify/{name}"), since);
        stale |= [&prove, &verify]
            .iter()
            .any(|m| m.as_ref().is_some_and(|m| !m.fresh));
        let under = |m: &Option<Median>, ms: f64| m.as_ref().map_or("—", |m| verdict(m.ns < ms * 1e6));
        println!(
            "| {name} | {} | {} | {} | {} B | {} × 32 B | {} | {} | {} |",
            circuit.size.constraints,
            cell(&prove, fmt_ns),
            cell(&verify, fmt_ns),
            proof.proof.len(),
            proof.public_inputs.len(),
            under(&prove, PROVE_TARGET_MS),
            under(&verify, VERIFY_TARGET_MS),
            verdict(proof.proof.len() == PROOF_TARGET_BYTES),
        );
    }
    if stale {
        print!("{STALE_NOTE}");
    }
}

fn main() {
    let since = SystemTime::now();
    let s = setup();
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    let proofs = bench(&mut c, &s);
    c.final_summary();
    summary(&s, &proofs, since);
}
