//! Soundness of the circuits, cheat by cheat: an honest witness satisfies each circuit, and every
//! witness that breaks one of an operation's rules does not, even when its commitments are
//! recomputed to match (so only the rule is broken). Proving and verifying through the interface
//! are tested in `tests/all/zk.rs`.

use super::circuit::{CircuitKind, TransitionCircuit, Witness};
use super::commit::{owner_field, NonceKey, OwnerKey};
use super::keys::shape;
use super::statement::{statement, Statement, Transition};
use super::{assign, first_unsatisfied};
use crate::ops::ResourceOperation;
use crate::types::*;
use ark_bn254::Fr;
use ark_ff::{Field, One};

struct Case {
    kind: CircuitKind,
    public: Vec<Fr>,
    witness: Witness,
}

impl Case {
    fn satisfied(&self) -> bool {
        let (_, matrices) = shape(self.kind).unwrap();
        let (assignment, _) = assign(TransitionCircuit {
            kind: self.kind,
            public: Some(self.public.clone()),
            witness: Some(self.witness.clone()),
        })
        .unwrap();
        first_unsatisfied(&matrices, &assignment).is_none()
    }

    /// Recomputes the commitments from the (altered) openings.
    fn recommit(mut self) -> Case {
        let openings: Vec<_> = self
            .witness
            .inputs
            .iter()
            .chain(&self.witness.outputs)
            .cloned()
            .collect();
        for (slot, opening) in self.public.iter_mut().zip(&openings) {
            *slot = opening.commitment();
        }
        self
    }

    /// Applies `change` to the witness, recommits, and expects the circuit to refuse it.
    fn refuses(self, what: &str, change: impl FnOnce(&mut Witness)) {
        self.refuses_with(what, |w, _| change(w))
    }

    /// [`Case::refuses`] with the public inputs too (commitments are recomputed after `change`).
    fn refuses_with(mut self, what: &str, change: impl FnOnce(&mut Witness, &mut Vec<Fr>)) {
        change(&mut self.witness, &mut self.public);
        assert!(!self.recommit().satisfied(), "the circuit accepted {what}");
    }
}

fn alice() -> OwnerKey {
    OwnerKey::from_seed(b"alice")
}

fn register(quantity: u128, domain: &str, nonce: u64) -> ResourceRegister {
    let owner = alice().owner_id();
    let domain = DomainId::new(domain);
    ResourceRegister {
        id: ResourceId::derive("gold", quantity, b"bar", &owner, &domain, nonce),
        kind: "gold".into(),
        quantity,
        data: b"bar".to_vec(),
        owner,
        domain,
        state: RegisterState::Active,
        version: 0,
        nonce,
    }
}

fn ctx() -> ExecutionContext {
    ExecutionContext {
        caller: alice().owner_id(),
        domain: DomainId::new("main"),
        logical_time: 0,
        fuel: None,
        capabilities: vec![],
    }
}

/// The honest case of `op` taking `inputs` to `outputs`.
fn case(op: ResourceOperation, inputs: Vec<ResourceRegister>, outputs: Vec<ResourceRegister>) -> Case {
    signed_case(op, inputs, outputs, &alice())
}

/// [`case`] authorized by `owner`.
fn signed_case(
    op: ResourceOperation,
    inputs: Vec<ResourceRegister>,
    outputs: Vec<ResourceRegister>,
    owner: &OwnerKey,
) -> Case {
    let kind = CircuitKind::of(op.op_type()).unwrap();
    let transition = Transition {
        kind,
        inputs,
        outputs,
        result: Default::default(),
    };
    let Statement {
        inputs,
        outputs,
        public,
    } = statement(&transition, &op, &ctx(), &NonceKey::generate()).unwrap();
    let case = Case {
        kind,
        public,
        witness: Witness {
            inputs,
            outputs,
            secret: owner.secret(),
        },
    };
    assert!(
        case.satisfied(),
        "the honest {kind:?} witness does not satisfy its circuit"
    );
    case
}

fn bumped(mut r: ResourceRegister) -> ResourceRegister {
    r.version += 1;
    r
}

fn transfer() -> Case {
    let before = register(100, "main", 1);
    let mut after = bumped(before.clone());
    after.domain = DomainId::new("other");
    let op = ResourceOperation::Transfer {
        id: before.id,
        target: DomainId::new("other"),
    };
    case(op, vec![before], vec![after])
}

fn split() -> Case {
    let whole = register(100, "main", 1);
    let mut rest = bumped(whole.clone());
    rest.quantity = 70;
    let part = register(30, "main", 2);
    let op = ResourceOperation::Split {
        id: whole.id,
        amount: 30,
    };
    case(op, vec![whole], vec![rest, part])
}

fn merge() -> Case {
    let (a, b) = (register(100, "main", 1), register(23, "main", 2));
    let mut out = register(123, "main", 3);
    out.data = a.data.clone();
    let op = ResourceOperation::Merge { a: a.id, b: b.id };
    case(op, vec![a, b], vec![out])
}

fn create() -> Case {
    let out = register(5, "main", 1);
    let op = ResourceOperation::Create {
        data: out.resource_data(),
        domain: None,
    };
    case(op, vec![], vec![out])
}

fn update() -> Case {
    let before = register(100, "main", 1);
    let mut after = bumped(before.clone());
    after.quantity = 7;
    after.data = b"coin".to_vec();
    let op = ResourceOperation::Update {
        id: before.id,
        data: ResourceData {
            kind: "gold".into(),
            quantity: 7,
            data: b"coin".to_vec(),
            owner: None,
        },
    };
    case(op, vec![before], vec![after])
}

fn consume() -> Case {
    let r = register(100, "main", 1);
    case(ResourceOperation::Consume { id: r.id }, vec![r], vec![])
}

#[test]
fn every_honest_witness_satisfies_its_circuit() {
    for case in [transfer(), split(), merge(), create(), update(), consume()] {
        assert!(case.satisfied());
    }
}

#[test]
fn a_wrong_secret_is_refused_by_every_circuit() {
    for case in [transfer(), split(), merge(), create(), update(), consume()] {
        let kind = case.kind;
        case.refuses(&format!("a {kind:?} by someone else"), |w| {
            w.secret = OwnerKey::from_seed(b"mallory").secret()
        });
    }
}

#[test]
fn commitments_must_open() {
    for mut case in [transfer(), split(), merge(), create(), update(), consume()] {
        case.public[0] += Fr::one();
        assert!(
            !case.satisfied(),
            "{:?} accepted a commitment it does not open",
            case.kind
        );
    }
}

#[test]
fn a_transfer_changes_only_the_domain_and_the_nonce() {
    transfer().refuses("a changed quantity", |w| w.outputs[0].quantity += Fr::one());
    transfer().refuses("a changed owner", |w| {
        w.outputs[0].owner = owner_field(&OwnerKey::from_seed(b"bob").owner_id())
    });
    transfer().refuses("a changed kind", |w| w.outputs[0].kind += Fr::one());
    transfer().refuses("changed data", |w| w.outputs[0].data += Fr::one());
    transfer().refuses("a changed id", |w| w.outputs[0].id += Fr::one());
    transfer().refuses("another target", |w| w.outputs[0].domain += Fr::one());
    transfer().refuses("a transfer within a domain", |w| {
        w.inputs[0].domain = w.outputs[0].domain
    });
}

#[test]
fn a_split_conserves_quantity_without_wrapping() {
    split().refuses("parts that do not sum to the whole", |w| {
        w.outputs[0].quantity += Fr::one()
    });
    split().refuses("a part of another owner", |w| w.outputs[1].owner += Fr::one());
    split().refuses("a part of another kind", |w| w.outputs[1].kind += Fr::one());
    // A rest that wraps around the field: 100 - 130 = p - 30, far beyond 2^128.
    split().refuses("a rest below zero", |w| {
        w.outputs[0].quantity = Fr::from(100u64) - Fr::from(130u64);
        w.outputs[1].quantity = Fr::from(130u64);
    });
    // The whole moves into the part, as the operation says: only the rule against an empty rest
    // is broken.
    split().refuses_with("an empty rest", |w, public| {
        w.outputs[0].quantity = Fr::from(0u64);
        w.outputs[1].quantity = Fr::from(100u64);
        public[5] = Fr::from(100u64);
    });
    split().refuses_with("a part with the whole's id", |w, public| {
        w.outputs[1].id = w.inputs[0].id;
        public[4] = w.inputs[0].id;
    });
}

#[test]
fn a_merge_needs_compatible_registers_and_conserves_quantity() {
    merge().refuses("a total that is not the sum", |w| {
        w.outputs[0].quantity += Fr::one()
    });
    merge().refuses("registers of different owners", |w| {
        w.inputs[1].owner += Fr::one()
    });
    merge().refuses("registers of different kinds", |w| w.inputs[1].kind += Fr::one());
    merge().refuses("registers in different domains", |w| {
        w.inputs[1].domain += Fr::one()
    });
    merge().refuses("a register merged with itself", |w| {
        w.inputs[1].id = w.inputs[0].id
    });
    // Quantities near the field's size: a + b wraps to a small total.
    merge().refuses("a wrapping sum", |w| {
        w.inputs[0].quantity = -Fr::from(10u64);
        w.inputs[1].quantity = Fr::from(20u64);
        w.outputs[0].quantity = Fr::from(10u64);
    });
}

#[test]
fn create_update_and_consume_keep_to_their_operation() {
    create().refuses("a quantity of 2^128", |w| {
        w.outputs[0].quantity = Fr::from(2u64).pow([128u64])
    });
    create().refuses("another kind than the operation's", |w| {
        w.outputs[0].kind += Fr::one()
    });
    update().refuses("a changed kind", |w| w.outputs[0].kind += Fr::one());
    update().refuses("an owner change the update does not name", |w| {
        w.outputs[0].owner += Fr::one()
    });
    update().refuses("a move to another domain", |w| w.outputs[0].domain += Fr::one());
    consume().refuses("another register", |w| w.inputs[0].id += Fr::one());
}

/// A prover who holds the proving keys can make a valid proof about a register version it made up
/// (here: Alice's register, opened as Mallory's); the proof verifies as a statement about its input
/// commitment, and only checking that commitment against the store refuses it.
#[test]
fn a_proof_about_a_made_up_version_verifies_only_as_such() {
    use crate::capability::CapabilityManager;
    use crate::resources::ResourceManager;
    use crate::store::memory::MemoryStore;
    use std::sync::Arc;
    let caps = Arc::new(CapabilityManager::new());
    let rm = ResourceManager::new(Arc::new(MemoryStore::new()), caps.clone());
    let ctx = caps.full_context(alice().owner_id(), DomainId::new("main"));
    let data = ResourceData {
        kind: "gold".into(),
        quantity: 100,
        data: b"bar".to_vec(),
        owner: None,
    };
    let id = rm.create(data, None, &ctx).unwrap();
    let mallory = OwnerKey::from_seed(b"mallory");
    let mut fake = rm.get(&id, &ctx).unwrap().unwrap();
    fake.owner = mallory.owner_id();
    fake.quantity = 1_000_000;
    let mut moved = bumped(fake.clone());
    moved.domain = DomainId::new("other");
    let op = ResourceOperation::Transfer {
        id,
        target: DomainId::new("other"),
    };
    let case = signed_case(op.clone(), vec![fake], vec![moved], &mallory);
    let keys = super::ZkKeys::new();
    let proof = super::ZkProof {
        operation_type: op.op_type(),
        proof: super::prove(
            &keys.get(CircuitKind::Transfer).unwrap(),
            &case.public,
            case.witness,
        )
        .unwrap(),
        public_inputs: case
            .public
            .iter()
            .map(|x| super::commit::fr_to_bytes(*x))
            .collect(),
    };
    assert!(super::verify(&keys, &op, &proof, &ctx).unwrap());
    assert!(!super::Zk::new().matches_store(&rm, &op, &proof).unwrap());
}

#[test]
fn an_unsatisfied_witness_is_an_error_not_a_proof() {
    let keys = super::ZkKeys::new().get(CircuitKind::Transfer).unwrap();
    let honest = transfer();
    assert_eq!(
        super::prove(&keys, &honest.public, honest.witness).unwrap().len(),
        128
    );
    let mut cheat = transfer();
    cheat.witness.outputs[0].quantity += Fr::one();
    let cheat = cheat.recommit();
    match super::prove(&keys, &cheat.public, cheat.witness) {
        Err(crate::error::ZkError::Unsatisfied {
            circuit: "transfer", ..
        }) => {}
        other => panic!("{other:?}"),
    }
}
