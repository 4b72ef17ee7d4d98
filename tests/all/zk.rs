//! Zero-knowledge proofs through the seed's `ZkVmInterface` and the ZK VM: completeness for every
//! operation type, soundness against a proof reused for another operation, altered public inputs
//! and flipped proof bytes, serialization of proofs and keys, and bad input. (Cheats inside the
//! witness, which no honest prover makes, are tested against the circuits in `runtime/src/zk`.)

use causeway_runtime::adapter::{CausewayAdapter, VmInterfaceFactory};
use causeway_runtime::capability::{CapabilityManager, Rights};
use causeway_runtime::error::{Right, VmError, ZkError};
use causeway_runtime::interfaces::*;
use causeway_runtime::ops::{OperationType, ResourceOperation};
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::types::*;
use causeway_runtime::zk::{self, OwnerKey, ZkKeys, ZkProof};
use std::sync::{Arc, OnceLock};

/// A proven transfer of a fresh register, and a directory holding only the verifying keys, as a
/// verifier would.
fn proven_transfer_and_verifying_keys() -> (Fixture, ResourceId, ResourceOperation, ZkProof, tempfile::TempDir)
{
    let f = setup();
    let id = f.create(100);
    let op = ResourceOperation::Transfer {
        id,
        target: DomainId::new("vault"),
    };
    let proof = f.prove(&op);
    let dir = tempfile::tempdir().unwrap();
    keys().save(dir.path()).unwrap();
    for kind in zk::CircuitKind::ALL {
        std::fs::remove_file(dir.path().join(format!("{}.pk", kind.name()))).unwrap();
    }
    (f, id, op, proof, dir)
}

/// One set of keys for the whole test binary (setup is the slow part).
fn keys() -> Arc<ZkKeys> {
    static KEYS: OnceLock<Arc<ZkKeys>> = OnceLock::new();
    KEYS.get_or_init(|| Arc::new(ZkKeys::new())).clone()
}

struct Fixture {
    caps: Arc<CapabilityManager>,
    zkvm: CausewayAdapter,
    plain: CausewayAdapter,
    ctx: ExecutionContext,
}

fn alice() -> OwnerKey {
    OwnerKey::from_seed(b"alice")
}

fn setup() -> Fixture {
    let caps = Arc::new(CapabilityManager::new());
    let factory = VmInterfaceFactory::new(Arc::new(MemoryStore::new()), caps.clone());
    factory.runtime().zk().set_keys(keys());
    let owner = factory.runtime().zk().add_owner_key(alice());
    let ctx = caps.full_context(owner, DomainId::new("main"));
    Fixture {
        zkvm: factory.create_adapter(VmType::ZkVm).unwrap(),
        plain: factory.create_adapter(VmType::Tel).unwrap(),
        caps,
        ctx,
    }
}

fn gold(quantity: u128) -> ResourceData {
    ResourceData {
        kind: "gold".into(),
        quantity,
        data: b"bar".to_vec(),
        owner: None,
    }
}

impl Fixture {
    fn create(&self, quantity: u128) -> ResourceId {
        self.plain.create_resource(gold(quantity), &self.ctx).unwrap()
    }

    fn snapshot(&self) -> Vec<ResourceRegister> {
        self.plain.list_resource_registers(None, &self.ctx).unwrap()
    }

    /// Proves `op` without executing it, checks that nothing changed, and that the proof verifies.
    fn prove(&self, op: &ResourceOperation) -> ZkProof {
        let before = self.snapshot();
        let proof = self.plain.generate_proof(op, &self.ctx).unwrap();
        assert_eq!(self.snapshot(), before, "generate_proof changed the store");
        assert_eq!(proof.proof.len(), 128, "a compressed BN254 Groth16 proof");
        assert!(self.plain.verify_proof(op, &proof, &self.ctx).unwrap(), "{op:?}");
        proof
    }

    fn verifies(&self, op: &ResourceOperation, proof: &ZkProof) -> Result<bool, VmError> {
        self.plain.verify_proof(op, proof, &self.ctx)
    }
}

fn every_operation(f: &Fixture) -> Vec<ResourceOperation> {
    let (a, b) = (f.create(100), f.create(50));
    let bob = OwnerKey::from_seed(b"bob").owner_id();
    vec![
        ResourceOperation::Create {
            data: gold(7),
            domain: None,
        },
        ResourceOperation::Update {
            id: a,
            data: gold(90),
        },
        ResourceOperation::Update {
            id: a,
            data: ResourceData {
                owner: Some(bob),
                ..gold(90)
            },
        },
        ResourceOperation::Transfer {
            id: a,
            target: DomainId::new("vault"),
        },
        ResourceOperation::Split { id: a, amount: 30 },
        ResourceOperation::Merge { a, b },
        ResourceOperation::Consume { id: a },
        ResourceOperation::Delete { id: b },
    ]
}

#[test]
fn every_operation_type_proves_and_verifies_without_changing_the_store() {
    let f = setup();
    for op in every_operation(&f) {
        let proof = f.prove(&op);
        assert_eq!(proof.operation_type, op.op_type());
        let circuit = zk::CircuitKind::of(op.op_type()).unwrap();
        assert_eq!(proof.public_inputs.len(), circuit.public_inputs().len());
    }
}

#[test]
fn a_zk_vm_proves_every_operation_it_commits_and_the_commitments_chain() {
    let f = setup();
    let created = f
        .zkvm
        .execute_operation(
            &ResourceOperation::Create {
                data: gold(100),
                domain: None,
            },
            &f.ctx,
        )
        .unwrap();
    let id = created.created[0];
    let ops = [
        ResourceOperation::Split { id, amount: 40 },
        ResourceOperation::Transfer {
            id,
            target: DomainId::new("vault"),
        },
    ];
    let results = f.zkvm.execute_batch(&ops, &f.ctx).unwrap();
    let create_proof = created.proof.as_ref().unwrap();
    let split_proof = results[0].proof.as_ref().unwrap();
    let transfer_proof = results[1].proof.as_ref().unwrap();
    // Anyone with the verifying keys checks each committed operation against its proof.
    assert!(zk::verify(&keys(), &ops[0], split_proof, &f.ctx).unwrap());
    assert!(zk::verify(&keys(), &ops[1], transfer_proof, &f.ctx).unwrap());
    let create_op = ResourceOperation::Create {
        data: gold(100),
        domain: None,
    };
    assert!(zk::verify(&keys(), &create_op, create_proof, &f.ctx).unwrap());
    // Each version's commitment is the one the previous proof produced.
    assert_eq!(split_proof.public_inputs[0], create_proof.public_inputs[0]);
    assert_eq!(transfer_proof.public_inputs[0], split_proof.public_inputs[1]);
    let r = f.plain.get_resource_register(&id, &f.ctx).unwrap().unwrap();
    assert_eq!((r.quantity, r.domain.0.as_str()), (60, "vault"));

    // The resource-level methods prove too, and what cannot be proven is not committed.
    let created = f.zkvm.create_resource(gold(5), &f.ctx).unwrap();
    let before = f.snapshot();
    let foreign = f
        .plain
        .create_resource(
            ResourceData {
                owner: Some(OwnerId::from_public_key(b"carol")),
                ..gold(5)
            },
            &f.ctx,
        )
        .unwrap();
    let before_batch = f.snapshot();
    let batch = [
        ResourceOperation::Consume { id: created },
        ResourceOperation::Consume { id: foreign },
    ];
    let err = f.zkvm.execute_batch(&batch, &f.ctx).unwrap_err();
    let debug = format!("{err:?}");
    assert!(
        debug.contains("index: 1") && debug.contains("NotOwner"),
        "{debug}"
    );
    assert_eq!(f.snapshot(), before_batch);
    assert_ne!(before, before_batch);
    // A ZK VM refuses to change registers in ways it cannot prove.
    let mut r = f.plain.get_resource_register(&created, &f.ctx).unwrap().unwrap();
    r.quantity = 1;
    assert!(f.zkvm.update_resource_register(&r, &f.ctx).is_err());
    let invoke = ResourceOperation::Invoke {
        program: "p".into(),
        function: "main".into(),
        args: vec![],
    };
    assert!(matches!(
        f.zkvm.execute_operation(&invoke, &f.ctx),
        Err(VmError::ZkError(ZkError::NoCircuit(OperationType::Invoke)))
    ));
}

#[test]
fn a_proof_does_not_verify_for_another_operation() {
    let f = setup();
    let (a, b) = (f.create(100), f.create(100));
    let transfer = ResourceOperation::Transfer {
        id: a,
        target: DomainId::new("vault"),
    };
    let proof = f.prove(&transfer);
    let others = [
        ResourceOperation::Transfer {
            id: b,
            target: DomainId::new("vault"),
        },
        ResourceOperation::Transfer {
            id: a,
            target: DomainId::new("elsewhere"),
        },
        ResourceOperation::Consume { id: a },
    ];
    for other in &others {
        assert!(!f.verifies(other, &proof).unwrap(), "{other:?}");
    }
    // A consume proof does not verify as the delete of the same register, nor the reverse.
    let consume = f.prove(&ResourceOperation::Consume { id: b });
    let relabelled = ZkProof {
        operation_type: OperationType::Delete,
        ..consume.clone()
    };
    assert!(!f
        .verifies(&ResourceOperation::Delete { id: b }, &relabelled)
        .unwrap());
    // The same transfer with the other operation type's label, and a split of another amount.
    let relabelled = ZkProof {
        operation_type: OperationType::Consume,
        ..proof.clone()
    };
    assert!(!f.verifies(&transfer, &relabelled).unwrap());
    let split = f.prove(&ResourceOperation::Split { id: a, amount: 10 });
    assert!(!f
        .verifies(&ResourceOperation::Split { id: a, amount: 11 }, &split)
        .unwrap());
}

#[test]
fn a_proof_is_about_the_versions_it_read() {
    let f = setup();
    let id = f.create(100);
    let transfer = ResourceOperation::Transfer {
        id,
        target: DomainId::new("vault"),
    };
    let proof = f.prove(&transfer);
    f.plain.update_resource(&id, gold(99), &f.ctx).unwrap();
    // Still a valid proof about the version it read, but no longer about the register as it is.
    assert!(zk::verify(&keys(), &transfer, &proof, &f.ctx).unwrap());
    assert!(!f.verifies(&transfer, &proof).unwrap());
    // Only the owner proves, and owners named in operations must be canonical field elements.
    let bob = f
        .caps
        .full_context(OwnerKey::from_seed(b"bob").owner_id(), f.ctx.domain.clone());
    assert!(matches!(
        f.plain.generate_proof(&transfer, &bob),
        Err(VmError::ZkError(ZkError::NotOwner { .. }))
    ));
    let aliased = OwnerId([0xff; 32]);
    let give = |owner| ResourceOperation::Update {
        id,
        data: ResourceData {
            owner: Some(owner),
            ..gold(99)
        },
    };
    assert!(matches!(
        f.plain.generate_proof(&give(aliased), &f.ctx),
        Err(VmError::ZkError(ZkError::NonCanonicalOwner(_)))
    ));
    let to_bob = f.prove(&give(OwnerKey::from_seed(b"bob").owner_id()));
    assert!(!f.verifies(&give(aliased), &to_bob).unwrap());
}

#[test]
fn altered_public_inputs_and_flipped_proof_bytes_do_not_verify() {
    let f = setup();
    let id = f.create(100);
    let op = ResourceOperation::Split { id, amount: 25 };
    let proof = f.prove(&op);
    for slot in 0..proof.public_inputs.len() {
        let mut altered = proof.clone();
        // The low byte, so that the value stays a canonical field element.
        altered.public_inputs[slot][0] ^= 1;
        assert!(!f.verifies(&op, &altered).unwrap(), "public input {slot} altered");
    }
    let mut refused = 0;
    for byte in 0..proof.proof.len() {
        let mut flipped = proof.clone();
        flipped.proof[byte] ^= 1 << (byte % 8);
        match f.verifies(&op, &flipped) {
            Ok(false) => refused += 1,
            Err(VmError::ZkError(ZkError::MalformedProof(_))) => {}
            other => panic!("byte {byte} flipped: {other:?}"),
        }
    }
    assert!(
        refused > 0,
        "every flipped proof failed to decode: none was checked"
    );
}

#[test]
fn proofs_round_trip_and_bad_bytes_are_zk_errors() {
    let f = setup();
    let id = f.create(100);
    let op = ResourceOperation::Consume { id };
    let proof = f.prove(&op);
    let bytes = proof.to_bytes().unwrap();
    assert_eq!(ZkProof::from_bytes(&bytes).unwrap(), proof);
    for cut in 0..bytes.len() {
        assert!(ZkProof::from_bytes(&bytes[..cut]).is_err(), "truncated at {cut}");
    }
    assert!(ZkProof::from_bytes(b"not a proof at all").is_err());
    let mut long = bytes.clone();
    long.push(0);
    assert!(ZkProof::from_bytes(&long).is_err());

    let zk_error = |proof: &ZkProof| match f.verifies(&op, proof) {
        Err(VmError::ZkError(e)) => e,
        other => panic!("{other:?}"),
    };
    let mut short = proof.clone();
    short.proof.truncate(100);
    assert!(matches!(zk_error(&short), ZkError::MalformedProof(_)));
    let mut garbage = proof.clone();
    garbage.proof = vec![0xff; 128];
    assert!(matches!(zk_error(&garbage), ZkError::MalformedProof(_)));
    let mut missing = proof.clone();
    missing.public_inputs.pop();
    assert!(matches!(zk_error(&missing), ZkError::MalformedPublicInputs(_)));
    let mut huge = proof.clone();
    huge.public_inputs[0] = [0xff; 32];
    assert!(matches!(zk_error(&huge), ZkError::MalformedPublicInputs(_)));
}

#[test]
fn what_cannot_be_proven_is_an_error_not_a_proof() {
    let f = setup();
    let foreign = f
        .plain
        .create_resource(
            ResourceData {
                owner: Some(OwnerId::from_public_key(b"carol")),
                ..gold(5)
            },
            &f.ctx,
        )
        .unwrap();
    let prove = |op: ResourceOperation, ctx: &ExecutionContext| f.plain.generate_proof(&op, ctx).unwrap_err();
    assert!(matches!(
        prove(ResourceOperation::Consume { id: foreign }, &f.ctx),
        VmError::ZkError(ZkError::NotOwner { .. })
    ));
    // Carol herself cannot prove either: the runtime holds no key of hers.
    let carol = f
        .caps
        .full_context(OwnerId::from_public_key(b"carol"), f.ctx.domain.clone());
    assert!(matches!(
        prove(ResourceOperation::Consume { id: foreign }, &carol),
        VmError::ZkError(ZkError::MissingOwnerKey(_))
    ));
    let id = f.create(10);
    // The operation's own rules come first: an invalid split is the resource error.
    assert!(matches!(
        prove(ResourceOperation::Split { id, amount: 11 }, &f.ctx),
        VmError::ResourceError(_)
    ));
    // Proving needs the `prove` right; executing rights alone are not enough.
    let no_prove = f.caps.context(
        f.ctx.caller,
        f.ctx.domain.clone(),
        Rights::of(&[
            Right::Read,
            Right::Write,
            Right::Create,
            Right::Delete,
            Right::Transfer,
        ]),
    );
    match prove(ResourceOperation::Consume { id }, &no_prove) {
        VmError::CapabilityError(e) => assert!(
            e.to_string().contains("Prove") || e.to_string().contains("prove"),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(f
        .plain
        .generate_circuit(OperationType::Transfer, &no_prove)
        .is_err());
    let only_prove = f
        .caps
        .context(f.ctx.caller, f.ctx.domain.clone(), Rights::of(&[Right::Prove]));
    assert!(matches!(
        prove(ResourceOperation::Consume { id }, &only_prove),
        VmError::CapabilityError(_)
    ));
}

#[test]
fn circuits_describe_themselves() {
    let f = setup();
    for op_type in [
        OperationType::Create,
        OperationType::Update,
        OperationType::Transfer,
        OperationType::Split,
        OperationType::Merge,
        OperationType::Consume,
        OperationType::Delete,
    ] {
        let circuit = f.plain.generate_circuit(op_type, &f.ctx).unwrap();
        assert!(circuit.size.constraints > 500, "{op_type:?}: {:?}", circuit.size);
        assert_eq!(circuit.size.instance_variables, circuit.public_inputs.len() + 1);
        assert!(!circuit.verifying_key.is_empty());
    }
    assert!(matches!(
        f.plain.generate_circuit(OperationType::Invoke, &f.ctx),
        Err(VmError::ZkError(ZkError::NoCircuit(OperationType::Invoke)))
    ));
}

#[test]
fn keys_saved_to_files_verify_in_a_fresh_key_set_and_bad_files_are_refused() {
    let (f, _, op, proof, dir) = proven_transfer_and_verifying_keys();
    let verifier = ZkKeys::load(dir.path()).unwrap();
    assert!(zk::verify(&verifier, &op, &proof, &f.ctx).unwrap());
    // It cannot prove, and it never makes keys of its own.
    let factory = VmInterfaceFactory::new(Arc::new(MemoryStore::new()), f.caps.clone());
    factory.runtime().zk().set_keys(Arc::new(verifier));
    factory.runtime().zk().add_owner_key(alice());
    let adapter = factory.create_adapter(VmType::ZkVm).unwrap();
    let create = ResourceOperation::Create {
        data: gold(1),
        domain: None,
    };
    assert!(matches!(
        adapter.generate_proof(&create, &f.ctx),
        Err(VmError::ZkError(ZkError::MissingKey { what: "proving", .. }))
    ));
    // Keys of other setups do not verify this proof, and verifying never makes keys.
    let other = ZkKeys::new();
    assert!(matches!(
        zk::verify(&other, &op, &proof, &f.ctx),
        Err(ZkError::MissingKey { .. })
    ));
    other.get(zk::CircuitKind::Transfer).unwrap();
    assert!(!zk::verify(&other, &op, &proof, &f.ctx).unwrap());

    let vk = dir.path().join("transfer.vk");
    let good = std::fs::read(&vk).unwrap();
    let refuse = |bytes: &[u8], what: &str| {
        std::fs::write(&vk, bytes).unwrap();
        match ZkKeys::load(dir.path()) {
            Err(ZkError::KeyFile { path, .. }) => assert!(path.ends_with("transfer.vk"), "{what}: {path}"),
            other => panic!("{what}: {:?}", other.map(|_| ())),
        }
    };
    refuse(&good[..good.len() - 1], "truncated");
    refuse(&[good.as_slice(), &[0]].concat(), "trailing byte");
    refuse(b"CWZKKEY1", "header only");
    let mut magic = good.clone();
    magic[0] ^= 1;
    refuse(&magic, "foreign magic");
    refuse(
        &std::fs::read(dir.path().join("split.vk")).unwrap(),
        "another circuit's key",
    );
    let mut corrupt = good.clone();
    let last = corrupt.len() - 5;
    corrupt[last] ^= 0x55;
    refuse(&corrupt, "corrupted point");
    std::fs::write(&vk, &good).unwrap();
    std::fs::remove_file(&vk).unwrap();
    assert!(matches!(ZkKeys::load(dir.path()), Err(ZkError::KeyFile { .. })));
}

/// Where `verifier_process` finds its keys, proof and operation.
const VERIFIER_DIR: &str = "CAUSEWAY_ZK_VERIFIER_DIR";

#[test]
fn another_process_verifies_with_the_saved_verifying_keys() {
    let (_f, id, _, proof, dir) = proven_transfer_and_verifying_keys();
    std::fs::write(dir.path().join("operation"), format!("{} vault", id.to_hex())).unwrap();
    let verdict = |proof: &ZkProof| {
        std::fs::write(dir.path().join("proof"), proof.to_bytes().unwrap()).unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["zk::verifier_process", "--exact", "--ignored", "--nocapture"])
            .env(VERIFIER_DIR, dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout.lines().find_map(|l| l.strip_prefix("verdict: "));
        line.map(|v| v == "true")
            .unwrap_or_else(|| panic!("no verdict in {stdout}"))
    };
    assert!(verdict(&proof));
    let mut altered = proof.clone();
    altered.public_inputs[1][0] ^= 1;
    assert!(!verdict(&altered));
}

/// The other process of `another_process_verifies_with_the_saved_verifying_keys`: it holds nothing
/// but the files in `$CAUSEWAY_ZK_VERIFIER_DIR`.
#[test]
#[ignore = "runs only as the verifier process of another test"]
fn verifier_process() {
    let Some(dir) = std::env::var_os(VERIFIER_DIR) else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    let keys = ZkKeys::load(dir).unwrap();
    let proof = ZkProof::from_bytes(&std::fs::read(dir.join("proof")).unwrap()).unwrap();
    let operation = std::fs::read_to_string(dir.join("operation")).unwrap();
    let (id, target) = operation.split_once(' ').unwrap();
    let op = ResourceOperation::Transfer {
        id: ResourceId::from_hex(id).unwrap(),
        target: DomainId::new(target),
    };
    let ctx = CapabilityManager::new().context(OwnerId([0; 32]), DomainId::new("anywhere"), Rights::NONE);
    println!("verdict: {}", zk::verify(&keys, &op, &proof, &ctx).unwrap());
}
