//! From an operation to what its circuit is given: the register versions it reads and writes (found
//! by applying it inside a transaction), the public inputs, and the values of those public inputs
//! that the operation itself fixes (what a verifier recomputes).
//!
//! Owns the meaning of every public input. It must never commit anything: callers own the
//! transaction and decide whether it commits.

use super::circuit::CircuitKind;
use super::commit::{data_field, domain_field, fr_from_bytes, id_field, kind_field, NonceKey, Opening};
use crate::error::{VmError, ZkError};
use crate::ops::{ExecutionResult, ResourceOperation};
use crate::resources::ResourceManager;
use crate::store::Txn;
use crate::types::{ExecutionContext, OwnerId, ResourceId, ResourceRegister};
use ark_bn254::Fr;

/// An applied operation: the versions it read and wrote, in its circuit's order.
pub(crate) struct Transition {
    pub kind: CircuitKind,
    pub inputs: Vec<ResourceRegister>,
    pub outputs: Vec<ResourceRegister>,
    pub result: ExecutionResult,
}

/// Applies `op` in `txn` (every rule and capability check of executing it) and reads the versions
/// it touched.
pub(crate) fn apply(
    resources: &ResourceManager,
    txn: &mut dyn Txn,
    op: &ResourceOperation,
    ctx: &ExecutionContext,
) -> Result<Transition, VmError> {
    use ResourceOperation as Op;
    let kind = CircuitKind::of(op.op_type()).ok_or(ZkError::NoCircuit(op.op_type()))?;
    // Missing registers are left for `apply` to report with its precise error.
    let inputs: Vec<ResourceRegister> = read_ids(op)
        .iter()
        .map(|id| txn.get(id))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    // `Invoke` has no circuit (refused above), so the invoker is never called.
    let result = resources.apply(txn, op, ctx, &mut |_, _, _, _| {
        Err(ZkError::NoCircuit(crate::ops::OperationType::Invoke).into())
    })?;
    let written_ids: Vec<ResourceId> = match op {
        Op::Create { .. } | Op::Merge { .. } => result.created.clone(),
        Op::Update { .. } | Op::Transfer { .. } => result.updated.clone(),
        Op::Split { .. } => result.updated.iter().chain(&result.created).copied().collect(),
        _ => vec![],
    };
    let outputs = written_ids
        .iter()
        .map(|id| {
            txn.get(id)?.ok_or_else(|| {
                VmError::from(ZkError::Backend(format!("register {id} vanished while proving")))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Transition {
        kind,
        inputs,
        outputs,
        result,
    })
}

/// The public inputs that `op` itself fixes, by position (the others are commitments and the ids the
/// operation produced). An owner named in the operation must be a canonical field element (every
/// owner with an `OwnerKey` is): otherwise two owner ids would stand for one value.
pub(crate) fn fixed_inputs(
    op: &ResourceOperation,
    ctx: &ExecutionContext,
) -> Result<Vec<(usize, Fr)>, ZkError> {
    use ResourceOperation as Op;
    let owner = |o: &OwnerId| fr_from_bytes(&o.0).ok_or_else(|| ZkError::NonCanonicalOwner(o.to_hex()));
    Ok(match op {
        Op::Create { data, domain } => vec![
            (2, kind_field(&data.kind)),
            (3, Fr::from(data.quantity)),
            (4, data_field(&data.data)),
            (5, owner(&data.owner.unwrap_or(ctx.caller))?),
            (6, domain_field(domain.as_ref().unwrap_or(&ctx.domain))),
        ],
        Op::Update { id, data } => vec![
            (2, id_field(id)),
            (3, kind_field(&data.kind)),
            (4, Fr::from(data.quantity)),
            (5, data_field(&data.data)),
            (6, Fr::from(data.owner.is_some() as u64)),
            (7, data.owner.as_ref().map(owner).transpose()?.unwrap_or_default()),
        ],
        Op::Transfer { id, target } => vec![(2, id_field(id)), (3, domain_field(target))],
        Op::Split { id, amount } => vec![(3, id_field(id)), (5, Fr::from(*amount))],
        Op::Merge { a, b } => vec![(3, id_field(a)), (4, id_field(b))],
        Op::Consume { id } => vec![(1, id_field(id)), (2, Fr::from(0u64))],
        Op::Delete { id } => vec![(1, id_field(id)), (2, Fr::from(1u64))],
        Op::Invoke { .. } => vec![],
    })
}

/// The registers `op` reads, in its circuit's order.
pub(crate) fn read_ids(op: &ResourceOperation) -> Vec<ResourceId> {
    use ResourceOperation as Op;
    match op {
        Op::Create { .. } | Op::Invoke { .. } => vec![],
        Op::Update { id, .. }
        | Op::Delete { id }
        | Op::Consume { id }
        | Op::Transfer { id, .. }
        | Op::Split { id, .. } => vec![*id],
        Op::Merge { a, b } => vec![*a, *b],
    }
}

/// Where the ids an operation produces sit among its circuit's public inputs.
pub(crate) fn produced_id_slots(kind: CircuitKind) -> &'static [usize] {
    match kind {
        CircuitKind::Create => &[1],
        CircuitKind::Split => &[4],
        CircuitKind::Merge => &[5],
        _ => &[],
    }
}

/// What a circuit is given about one transition.
pub(crate) struct Statement {
    /// Openings of the versions read and written (the witness, with the owner's secret).
    pub inputs: Vec<Opening>,
    pub outputs: Vec<Opening>,
    /// The full public-input vector.
    pub public: Vec<Fr>,
}

/// The openings of a transition's versions and its full public-input vector.
pub(crate) fn statement(
    transition: &Transition,
    op: &ResourceOperation,
    ctx: &ExecutionContext,
    nonces: &NonceKey,
) -> Result<Statement, ZkError> {
    let ins: Vec<Opening> = transition.inputs.iter().map(|r| Opening::of(r, nonces)).collect();
    let outs: Vec<Opening> = transition
        .outputs
        .iter()
        .map(|r| Opening::of(r, nonces))
        .collect();
    let mut public = vec![Fr::from(0u64); transition.kind.public_inputs().len()];
    for (slot, opening) in public.iter_mut().zip(ins.iter().chain(&outs)) {
        *slot = opening.commitment();
    }
    for (at, value) in fixed_inputs(op, ctx)? {
        public[at] = value;
    }
    // The ids the operation produced: the last output's.
    for &slot in produced_id_slots(transition.kind) {
        public[slot] = outs[outs.len() - 1].id;
    }
    Ok(Statement {
        inputs: ins,
        outputs: outs,
        public,
    })
}
