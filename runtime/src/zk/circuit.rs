//! The R1CS circuits, one per kind of operation: each proves that hidden register versions open the
//! public commitments, that every quantity is a 128-bit value (so sums cannot wrap in the field),
//! that the prover knows the secret behind the owner id, and that the operation's own rules hold.
//!
//! Owns the circuits' public-input layouts and constraints. It must never read a store or pick
//! witness values: `statement` turns operations and registers into what a circuit is given.

use super::commit::Opening;
use super::poseidon::{hash_var, Tag};
use crate::ops::OperationType;
use ark_bn254::Fr;
use ark_ff::{BigInteger, Field, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::R1CSVar;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

/// Width of every quantity: registers hold `u128`.
pub(crate) const QUANTITY_BITS: usize = 128;

/// The six circuits. `Delete` is proven by `Consume`'s (the seed's delete is consume); `Invoke`
/// (a program run) has no circuit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CircuitKind {
    Create,
    Update,
    Transfer,
    Split,
    Merge,
    Consume,
}

impl CircuitKind {
    pub const ALL: [CircuitKind; 6] = [
        CircuitKind::Create,
        CircuitKind::Update,
        CircuitKind::Transfer,
        CircuitKind::Split,
        CircuitKind::Merge,
        CircuitKind::Consume,
    ];

    /// The circuit that proves operations of `op`, if any.
    pub fn of(op: OperationType) -> Option<CircuitKind> {
        Some(match op {
            OperationType::Create => CircuitKind::Create,
            OperationType::Update => CircuitKind::Update,
            OperationType::Transfer => CircuitKind::Transfer,
            OperationType::Split => CircuitKind::Split,
            OperationType::Merge => CircuitKind::Merge,
            OperationType::Delete | OperationType::Consume => CircuitKind::Consume,
            OperationType::Invoke => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            CircuitKind::Create => "create",
            CircuitKind::Update => "update",
            CircuitKind::Transfer => "transfer",
            CircuitKind::Split => "split",
            CircuitKind::Merge => "merge",
            CircuitKind::Consume => "consume",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The public inputs, in order: the commitments of the register versions read, then of those
    /// written, then the operation's arguments and the ids it produced.
    pub fn public_inputs(self) -> &'static [&'static str] {
        match self {
            CircuitKind::Create => &[
                "output",
                "output_id",
                "kind",
                "quantity",
                "data",
                "owner",
                "domain",
            ],
            CircuitKind::Update => &[
                "input",
                "output",
                "id",
                "kind",
                "quantity",
                "data",
                "owner_given",
                "new_owner",
            ],
            CircuitKind::Transfer => &["input", "output", "id", "target_domain"],
            CircuitKind::Split => &["input", "rest", "part", "id", "part_id", "amount"],
            CircuitKind::Merge => &["input_a", "input_b", "output", "id_a", "id_b", "output_id"],
            CircuitKind::Consume => &["input", "id", "delete"],
        }
    }

    /// How many register versions the operation reads and writes.
    pub(crate) fn shape(self) -> (usize, usize) {
        match self {
            CircuitKind::Create => (0, 1),
            CircuitKind::Update | CircuitKind::Transfer => (1, 1),
            CircuitKind::Split => (1, 2),
            CircuitKind::Merge => (2, 1),
            CircuitKind::Consume => (1, 0),
        }
    }
}

/// The hidden part of a statement.
#[derive(Clone, Debug)]
pub(crate) struct Witness {
    pub inputs: Vec<Opening>,
    pub outputs: Vec<Opening>,
    /// The secret of the owner who authorizes the operation.
    pub secret: Fr,
}

/// One circuit with its assignment; both are `None` while keys are generated.
pub(crate) struct TransitionCircuit {
    pub kind: CircuitKind,
    pub public: Option<Vec<Fr>>,
    pub witness: Option<Witness>,
}

/// An opening allocated as witnesses, its quantity decomposed into 128 bits.
struct OpeningVar {
    id: FpVar<Fr>,
    kind: FpVar<Fr>,
    quantity: FpVar<Fr>,
    data: FpVar<Fr>,
    owner: FpVar<Fr>,
    domain: FpVar<Fr>,
    nonce: FpVar<Fr>,
}

impl OpeningVar {
    fn new(cs: &ConstraintSystemRef<Fr>, opening: Option<&Opening>) -> Result<Self, SynthesisError> {
        let field = |pick: fn(&Opening) -> Fr| {
            FpVar::new_witness(cs.clone(), || {
                opening.map(pick).ok_or(SynthesisError::AssignmentMissing)
            })
        };
        let quantity = field(|o| o.quantity)?;
        let bits = opening.map(|o| o.quantity.into_bigint().to_bits_le());
        let bits = (0..QUANTITY_BITS)
            .map(|i| {
                Boolean::new_witness(cs.clone(), || {
                    bits.as_ref()
                        .map(|b| b[i])
                        .ok_or(SynthesisError::AssignmentMissing)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Boolean::le_bits_to_fp(&bits)?.enforce_equal(&quantity)?;
        Ok(OpeningVar {
            id: field(|o| o.id)?,
            kind: field(|o| o.kind)?,
            quantity,
            data: field(|o| o.data)?,
            owner: field(|o| o.owner)?,
            domain: field(|o| o.domain)?,
            nonce: field(|o| o.nonce)?,
        })
    }

    fn commitment(&self, cs: &ConstraintSystemRef<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let fields = [
            self.id.clone(),
            self.kind.clone(),
            self.quantity.clone(),
            self.data.clone(),
            self.owner.clone(),
            self.domain.clone(),
            self.nonce.clone(),
        ];
        hash_var(cs, Tag::Commitment, &fields)
    }
}

/// `x != 0`, as `x * inverse == 1` with the inverse a witness. (ark's `enforce_not_equal` fails to
/// synthesize when the values are equal; this one is merely unsatisfied, like every other rule.)
fn enforce_nonzero(cs: &ConstraintSystemRef<Fr>, x: &FpVar<Fr>) -> Result<(), SynthesisError> {
    let inverse = FpVar::new_witness(cs.clone(), || {
        Ok(x.value()
            .map(|v| v.inverse().unwrap_or_default())
            .unwrap_or_default())
    })?;
    x.mul_equals(&inverse, &FpVar::one())
}

fn enforce_boolean(x: &FpVar<Fr>) -> Result<(), SynthesisError> {
    (x * (x - FpVar::one())).enforce_equal(&FpVar::zero())
}

fn equal_all(vars: &[&FpVar<Fr>]) -> Result<(), SynthesisError> {
    for pair in vars.windows(2) {
        pair[0].enforce_equal(pair[1])?;
    }
    Ok(())
}

impl ConstraintSynthesizer<Fr> for TransitionCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let public = (0..self.kind.public_inputs().len())
            .map(|i| {
                FpVar::new_input(cs.clone(), || {
                    self.public
                        .as_ref()
                        .map(|p| p[i])
                        .ok_or(SynthesisError::AssignmentMissing)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (reads, writes) = self.kind.shape();
        let w = self.witness.as_ref();
        let ins = (0..reads)
            .map(|i| OpeningVar::new(&cs, w.map(|w| &w.inputs[i])))
            .collect::<Result<Vec<_>, _>>()?;
        let outs = (0..writes)
            .map(|i| OpeningVar::new(&cs, w.map(|w| &w.outputs[i])))
            .collect::<Result<Vec<_>, _>>()?;
        for (opening, commitment) in ins.iter().chain(&outs).zip(&public) {
            opening.commitment(&cs)?.enforce_equal(commitment)?;
        }

        // Knowledge of the secret behind the authorizing owner's id.
        let secret = FpVar::new_witness(cs.clone(), || {
            w.map(|w| w.secret).ok_or(SynthesisError::AssignmentMissing)
        })?;
        let public_key = hash_var(&cs, Tag::PublicKey, &[secret])?;
        let owner = hash_var(&cs, Tag::Owner, &[public_key])?;
        let authorized = match self.kind {
            CircuitKind::Create => &outs[0].owner,
            _ => &ins[0].owner,
        };
        owner.enforce_equal(authorized)?;

        let p = &public;
        match self.kind {
            CircuitKind::Create => {
                let out = &outs[0];
                out.id.enforce_equal(&p[1])?;
                out.kind.enforce_equal(&p[2])?;
                out.quantity.enforce_equal(&p[3])?;
                out.data.enforce_equal(&p[4])?;
                out.owner.enforce_equal(&p[5])?;
                out.domain.enforce_equal(&p[6])?;
            }
            CircuitKind::Update => {
                let (old, new) = (&ins[0], &outs[0]);
                equal_all(&[&old.id, &new.id, &p[2]])?;
                equal_all(&[&old.kind, &new.kind, &p[3]])?;
                new.quantity.enforce_equal(&p[4])?;
                new.data.enforce_equal(&p[5])?;
                old.domain.enforce_equal(&new.domain)?;
                // The owner changes to `new_owner` exactly when the update names one.
                let given = &p[6];
                enforce_boolean(given)?;
                let owner = &old.owner + given * (&p[7] - &old.owner);
                new.owner.enforce_equal(&owner)?;
            }
            CircuitKind::Transfer => {
                let (old, new) = (&ins[0], &outs[0]);
                equal_all(&[&old.id, &new.id, &p[2]])?;
                old.kind.enforce_equal(&new.kind)?;
                old.quantity.enforce_equal(&new.quantity)?;
                old.data.enforce_equal(&new.data)?;
                old.owner.enforce_equal(&new.owner)?;
                new.domain.enforce_equal(&p[3])?;
                enforce_nonzero(&cs, &(&old.domain - &new.domain))?;
            }
            CircuitKind::Split => {
                let (whole, rest, part) = (&ins[0], &outs[0], &outs[1]);
                equal_all(&[&whole.id, &rest.id, &p[3]])?;
                part.id.enforce_equal(&p[4])?;
                enforce_nonzero(&cs, &(&part.id - &whole.id))?;
                equal_all(&[&whole.kind, &rest.kind, &part.kind])?;
                equal_all(&[&whole.data, &rest.data, &part.data])?;
                equal_all(&[&whole.owner, &rest.owner, &part.owner])?;
                equal_all(&[&whole.domain, &rest.domain, &part.domain])?;
                part.quantity.enforce_equal(&p[5])?;
                (&rest.quantity + &part.quantity).enforce_equal(&whole.quantity)?;
                enforce_nonzero(&cs, &rest.quantity)?;
                enforce_nonzero(&cs, &part.quantity)?;
            }
            CircuitKind::Merge => {
                let (a, b, out) = (&ins[0], &ins[1], &outs[0]);
                a.id.enforce_equal(&p[3])?;
                b.id.enforce_equal(&p[4])?;
                out.id.enforce_equal(&p[5])?;
                enforce_nonzero(&cs, &(&out.id - &a.id))?;
                enforce_nonzero(&cs, &(&out.id - &b.id))?;
                enforce_nonzero(&cs, &(&a.id - &b.id))?;
                equal_all(&[&a.kind, &b.kind, &out.kind])?;
                equal_all(&[&a.owner, &b.owner, &out.owner])?;
                equal_all(&[&a.domain, &b.domain, &out.domain])?;
                a.data.enforce_equal(&out.data)?;
                (&a.quantity + &b.quantity).enforce_equal(&out.quantity)?;
            }
            CircuitKind::Consume => {
                ins[0].id.enforce_equal(&p[1])?;
                // Which of the two names the operation has (the seed's delete is consume): bound,
                // so that a proof of one does not verify as the other.
                enforce_boolean(&p[2])?;
            }
        }
        Ok(())
    }
}
