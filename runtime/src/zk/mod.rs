//! Zero-knowledge proofs of resource operations: Groth16 on BN254 over one R1CS circuit per kind of
//! operation, with Poseidon commitments to the registers an operation reads and writes
//! (`docs/zk.md` is the design).
//!
//! Owns proving, verifying, keys and commitments. It must never change the store by itself: an
//! operation is proven inside a transaction that its caller commits (a ZK VM) or aborts
//! (`generate_proof`). Verification reads nothing but the proof, the operation and the verifying
//! keys.

mod circuit;
mod commit;
mod keys;
mod poseidon;
mod statement;
#[cfg(test)]
mod tests;
mod vm;

pub use circuit::CircuitKind;
pub use commit::OwnerKey;
pub use keys::{CircuitKeys, CircuitSize, ZkKeys};

use crate::capability::{Access, CapabilityManager};
use crate::error::{Right, VmError, ZkError};
use crate::ops::{ExecutionResult, OperationType, ResourceOperation};
use crate::resources::ResourceManager;
use crate::store::Txn;
use crate::types::{ExecutionContext, OwnerId};
use ark_bn254::{Bn254, Fr};
use ark_ff::UniformRand;
use ark_groth16::{Groth16, Proof};
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use circuit::{TransitionCircuit, Witness};
use commit::{fr_from_bytes, fr_to_bytes, NonceKey};
use keys::backend;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// A proof that an operation was valid, with the public inputs it was checked against: the
/// commitments of the register versions the operation read and wrote, the operation's arguments and
/// the ids it produced (`CircuitKind::public_inputs` names them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkProof {
    pub operation_type: OperationType,
    /// The Groth16 proof, compressed: 128 bytes on BN254.
    pub proof: Vec<u8>,
    /// Field elements, 32 little-endian bytes each, in the circuit's order.
    pub public_inputs: Vec<[u8; 32]>,
}

/// A circuit as `generate_circuit` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkCircuit {
    pub operation_type: OperationType,
    pub circuit: CircuitKind,
    pub size: CircuitSize,
    pub public_inputs: Vec<&'static str>,
    /// The compressed Groth16 verifying key.
    pub verifying_key: Vec<u8>,
}

const PROOF_MAGIC: &[u8; 8] = b"CWZKPRF1";
const OPERATION_TYPES: [OperationType; 8] = [
    OperationType::Create,
    OperationType::Update,
    OperationType::Delete,
    OperationType::Transfer,
    OperationType::Split,
    OperationType::Merge,
    OperationType::Consume,
    OperationType::Invoke,
];

impl ZkProof {
    /// A self-describing byte form: magic, operation type, public inputs, proof. A proof with
    /// more than 255 public inputs or 65,535 proof bytes (no circuit makes one) is `TooLarge`.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ZkError> {
        let count = u8::try_from(self.public_inputs.len())
            .map_err(|_| ZkError::TooLarge(format!("{} public inputs", self.public_inputs.len())))?;
        let len = u16::try_from(self.proof.len())
            .map_err(|_| ZkError::TooLarge(format!("{} proof bytes", self.proof.len())))?;
        let mut out = PROOF_MAGIC.to_vec();
        let op = OPERATION_TYPES.iter().position(|t| *t == self.operation_type);
        out.push(op.expect("every operation type is listed") as u8);
        out.push(count);
        for input in &self.public_inputs {
            out.extend_from_slice(input);
        }
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&self.proof);
        Ok(out)
    }

    /// The commitments of the register versions the operation read. A proof shows that the
    /// operation was valid *on the versions these commitments hide*: whoever accepts it must also
    /// know them to be the current ones (the adapter's `verify_proof` checks them against the
    /// store; a ledger of published commitments does the same).
    pub fn input_commitments(&self) -> &[[u8; 32]] {
        let kind = CircuitKind::of(self.operation_type);
        let reads = kind.map_or(0, |k| k.shape().0);
        &self.public_inputs[..reads.min(self.public_inputs.len())]
    }

    /// The proof of [`ZkProof::to_bytes`]'s output; anything else is `ZkError::MalformedProof`.
    /// (Whether the proof holds is `verify`'s business.)
    pub fn from_bytes(bytes: &[u8]) -> Result<ZkProof, ZkError> {
        let bad = |why: &str| ZkError::MalformedProof(why.to_string());
        let rest = bytes
            .strip_prefix(PROOF_MAGIC)
            .ok_or_else(|| bad("not a Causeway proof"))?;
        let (&op, rest) = rest.split_first().ok_or_else(|| bad("truncated"))?;
        let operation_type = *OPERATION_TYPES
            .get(op as usize)
            .ok_or_else(|| bad("unknown operation type"))?;
        let (&count, mut rest) = rest.split_first().ok_or_else(|| bad("truncated"))?;
        let mut public_inputs = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let (input, tail) = rest.split_first_chunk::<32>().ok_or_else(|| bad("truncated"))?;
            public_inputs.push(*input);
            rest = tail;
        }
        let (len, rest) = rest.split_first_chunk::<2>().ok_or_else(|| bad("truncated"))?;
        let len = u16::from_le_bytes(*len) as usize;
        if rest.len() != len {
            return Err(bad("the proof's length does not match"));
        }
        Ok(ZkProof {
            operation_type,
            proof: rest.to_vec(),
            public_inputs,
        })
    }
}

/// The prover's side of a runtime: circuit keys, the owner keys it may prove for, and the key its
/// commitment nonces are derived from.
pub struct Zk {
    keys: RwLock<Arc<ZkKeys>>,
    owners: Mutex<HashMap<OwnerId, OwnerKey>>,
    nonces: Mutex<NonceKey>,
}

impl Default for Zk {
    fn default() -> Self {
        Zk::new()
    }
}

impl Zk {
    /// Keys generated on first use, no owner keys, a fresh nonce key.
    pub fn new() -> Zk {
        Zk {
            keys: RwLock::new(Arc::new(ZkKeys::new())),
            owners: Mutex::new(HashMap::new()),
            nonces: Mutex::new(NonceKey::generate()),
        }
    }

    pub fn keys(&self) -> Arc<ZkKeys> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Proves and verifies with `keys` from now on (for example keys loaded with `ZkKeys::load`).
    pub fn set_keys(&self, keys: Arc<ZkKeys>) {
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
    }

    /// The key commitment nonces are derived from. Save it with the keys to let another runtime (a
    /// restarted prover on the same persistent store) re-open this one's commitments.
    pub fn nonce_key(&self) -> [u8; 32] {
        self.nonces.lock().unwrap_or_else(|e| e.into_inner()).to_bytes()
    }

    /// Derives commitment nonces from `key` (from [`Zk::nonce_key`]) from now on.
    pub fn set_nonce_key(&self, key: &[u8; 32]) -> Result<(), ZkError> {
        *self.nonces.lock().unwrap_or_else(|e| e.into_inner()) = NonceKey::from_bytes(key)?;
        Ok(())
    }

    /// Whether the registers `proof`'s operation reads are, now, the versions its input commitments
    /// hide (opened with this runtime's nonce key): what makes a valid proof a proof about this
    /// store's registers rather than about made-up ones. (The ids a proof says it produces cannot
    /// alias these: the circuits make them differ from the ids read.)
    pub(crate) fn matches_store(
        &self,
        resources: &ResourceManager,
        op: &ResourceOperation,
        proof: &ZkProof,
    ) -> Result<bool, VmError> {
        let nonces = self.nonces.lock().unwrap_or_else(|e| e.into_inner()).clone();
        crate::store::read(&**resources.store(), |txn| {
            for (id, commitment) in statement::read_ids(op).iter().zip(proof.input_commitments()) {
                let current = txn
                    .get(id)?
                    .map(|r| commit::Opening::of(&r, &nonces).commitment());
                if current.map(fr_to_bytes).as_ref() != Some(commitment) {
                    return Ok(false);
                }
            }
            Ok(true)
        })
    }

    /// Lets this prover authorize operations on `key`'s registers; returns its owner id.
    pub fn add_owner_key(&self, key: OwnerKey) -> OwnerId {
        let owner = key.owner_id();
        self.owners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(owner, key);
        owner
    }

    fn owner_key(&self, owner: &OwnerId) -> Result<OwnerKey, ZkError> {
        self.owners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(owner)
            .cloned()
            .ok_or_else(|| ZkError::MissingOwnerKey(owner.to_hex()))
    }

    /// The keys that prove `op` (generated now on their first use): fetched before a transaction
    /// starts, so that no key generation runs while the store's writer is held.
    pub(crate) fn proving_keys(&self, op: &ResourceOperation) -> Result<Arc<CircuitKeys>, ZkError> {
        let kind = CircuitKind::of(op.op_type()).ok_or(ZkError::NoCircuit(op.op_type()))?;
        self.keys().get(kind)
    }

    /// Applies `op` inside `txn` and proves it with `keys` (from [`Zk::proving_keys`]): every check
    /// of executing it, then the `Prove` right over every register it reads or writes, then that the
    /// caller owns what it spends, then the proof. The caller commits or aborts `txn`.
    pub(crate) fn prove_in(
        &self,
        resources: &ResourceManager,
        txn: &mut dyn Txn,
        op: &ResourceOperation,
        ctx: &ExecutionContext,
        keys: &CircuitKeys,
    ) -> Result<(ExecutionResult, ZkProof), VmError> {
        let transition = statement::apply(resources, txn, op, ctx)?;
        let caps: &CapabilityManager = resources.capabilities();
        for register in transition.inputs.iter().chain(&transition.outputs) {
            caps.check(
                ctx,
                Right::Prove,
                Access::Resource {
                    id: &register.id,
                    domain: &register.domain,
                },
            )?;
        }
        let authorizer = match transition.kind {
            CircuitKind::Create => &transition.outputs[0].owner,
            _ => &transition.inputs[0].owner,
        };
        if *authorizer != ctx.caller {
            return Err(ZkError::NotOwner {
                caller: ctx.caller.to_hex(),
                owner: authorizer.to_hex(),
            }
            .into());
        }
        let secret = self.owner_key(authorizer)?.secret();
        let nonces = self.nonces.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let statement::Statement {
            inputs,
            outputs,
            public,
        } = statement::statement(&transition, op, ctx, &nonces)?;
        let proof = prove(
            keys,
            &public,
            Witness {
                inputs,
                outputs,
                secret,
            },
        )?;
        let proof = ZkProof {
            operation_type: op.op_type(),
            proof,
            public_inputs: public.into_iter().map(fr_to_bytes).collect(),
        };
        Ok((transition.result, proof))
    }

    /// The circuit that proves `op_type`, with its keys (generated now if this is their first use).
    pub fn circuit(&self, op_type: OperationType) -> Result<ZkCircuit, ZkError> {
        let kind = CircuitKind::of(op_type).ok_or(ZkError::NoCircuit(op_type))?;
        let keys = self.keys().get(kind)?;
        Ok(ZkCircuit {
            operation_type: op_type,
            circuit: kind,
            size: keys.size(),
            public_inputs: kind.public_inputs().to_vec(),
            verifying_key: keys.verifying_key_bytes(),
        })
    }
}

/// Proves `public` with `witness`, after checking that the witness satisfies the circuit (Groth16
/// would otherwise make a proof that fails only when verified). The circuit is synthesized once, for
/// its assignment only: the matrices are the keys'.
pub(crate) fn prove(keys: &CircuitKeys, public: &[Fr], witness: Witness) -> Result<Vec<u8>, ZkError> {
    let circuit = TransitionCircuit {
        kind: keys.kind,
        public: Some(public.to_vec()),
        witness: Some(witness),
    };
    let (assignment, num_inputs) = assign(circuit)?;
    let variables = keys.matrices.num_instance_variables + keys.matrices.num_witness_variables;
    if assignment.len() != variables || num_inputs != keys.matrices.num_instance_variables {
        return Err(backend(format!(
            "the {} circuit assigned {} variables; its matrices have {variables}",
            keys.kind.name(),
            assignment.len()
        )));
    }
    if let Some(index) = first_unsatisfied(&keys.matrices, &assignment) {
        return Err(ZkError::Unsatisfied {
            circuit: keys.kind.name(),
            constraint: format!("#{index}"),
        });
    }
    let pk = keys.proving.as_ref().ok_or(ZkError::MissingKey {
        circuit: keys.kind.name(),
        what: "proving",
    })?;
    let rng = &mut ark_std::rand::rngs::OsRng;
    let proof = Groth16::<Bn254>::create_proof_with_reduction_and_matrices(
        pk,
        Fr::rand(rng),
        Fr::rand(rng),
        &keys.matrices,
        num_inputs,
        keys.matrices.num_constraints,
        &assignment,
    )
    .map_err(backend)?;
    let mut bytes = Vec::new();
    proof.serialize_compressed(&mut bytes).map_err(backend)?;
    Ok(bytes)
}

/// The values of `circuit`'s variables (the constant 1, the public inputs, then the witnesses) and
/// how many of them are instance variables.
fn assign(circuit: TransitionCircuit) -> Result<(Vec<Fr>, usize), ZkError> {
    let cs = ConstraintSystem::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
    });
    circuit.generate_constraints(cs.clone()).map_err(backend)?;
    let system = cs
        .borrow()
        .ok_or_else(|| backend("the constraint system is gone"))?;
    let mut assignment = system.instance_assignment.clone();
    let num_inputs = assignment.len();
    assignment.extend_from_slice(&system.witness_assignment);
    Ok((assignment, num_inputs))
}

/// The index of the first constraint of `matrices` that `assignment` violates.
fn first_unsatisfied(matrices: &ConstraintMatrices<Fr>, assignment: &[Fr]) -> Option<usize> {
    let value =
        |row: &[(Fr, usize)]| -> Fr { row.iter().map(|(coeff, var)| *coeff * assignment[*var]).sum() };
    (0..matrices.num_constraints)
        .find(|&i| value(&matrices.a[i]) * value(&matrices.b[i]) != value(&matrices.c[i]))
}

/// Checks `proof` against `op` with `keys`: `Ok(false)` when the proof is for another operation,
/// its public inputs were altered or it does not hold; `ZkError` when it does not decode, `op` has
/// no circuit, or `keys` has no verifying key for it (verification never generates keys). Needs
/// nothing but the verifying keys. What it shows is relative to the proof's input commitments (see
/// [`ZkProof::input_commitments`]).
pub fn verify(
    keys: &ZkKeys,
    op: &ResourceOperation,
    proof: &ZkProof,
    ctx: &ExecutionContext,
) -> Result<bool, ZkError> {
    let kind = CircuitKind::of(op.op_type()).ok_or(ZkError::NoCircuit(op.op_type()))?;
    if proof.operation_type != op.op_type() {
        return Ok(false);
    }
    if proof.public_inputs.len() != kind.public_inputs().len() {
        return Err(ZkError::MalformedPublicInputs(format!(
            "{} public inputs; the {} circuit has {}",
            proof.public_inputs.len(),
            kind.name(),
            kind.public_inputs().len()
        )));
    }
    let public = proof
        .public_inputs
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            fr_from_bytes(bytes).ok_or_else(|| {
                ZkError::MalformedPublicInputs(format!(
                    "`{}` is not a canonical field element",
                    kind.public_inputs()[i]
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let decoded = Proof::<Bn254>::deserialize_compressed(&proof.proof[..])
        .map_err(|e| ZkError::MalformedProof(e.to_string()))?;
    if decoded.compressed_size() != proof.proof.len() {
        return Err(ZkError::MalformedProof("trailing bytes".into()));
    }
    match statement::fixed_inputs(op, ctx) {
        Ok(fixed) if fixed.iter().all(|&(at, value)| public[at] == value) => {}
        // An operation that names a non-canonical owner has no proof.
        Ok(_) | Err(ZkError::NonCanonicalOwner(_)) => return Ok(false),
        Err(e) => return Err(e),
    }
    let keys = keys.verifying(kind)?;
    Groth16::<Bn254>::verify_with_processed_vk(&keys.prepared, &public, &decoded).map_err(backend)
}
