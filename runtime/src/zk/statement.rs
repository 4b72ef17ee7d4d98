//! From an operation to what its circuit is given: the register versions it reads and writes (found
//! by applying it inside a transaction), the public inputs, and the values of those public inputs
//! that the operation itself fixes (what a verifier recomputes).
//!
//! Owns the meaning of every public input. It must never commit anything: callers own the
//! transaction and decide whether it commits.

use super::circuit::CircuitKind;
use super::commit::{data_field, domain_field, id_field, kind_field, owner_field, NonceKey, Opening};
use crate::error::{VmError, ZkError};
use crate::ops::{ExecutionResult, ResourceOperation};
use crate::resources::ResourceManager;
use crate::store::Txn;
use crate::types::{ExecutionContext, ResourceId, ResourceRegister};
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
    let read_ids: Vec<ResourceId> = match op {
        Op::Create { .. } | Op::Invoke { .. } => vec![],
        Op::Update { id, .. }
        | Op::Delete { id }
        | Op::Consume { id }
        | Op::Transfer { id, .. }
        | Op::Split { id, .. } => vec![*id],
        Op::Merge { a, b } => vec![*a, *b],
    };
    // Missing registers are left for `apply` to report with its precise error.
    let inputs: Vec<ResourceRegister> = read_ids
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
/// operation produced).
pub(crate) fn fixed_inputs(op: &ResourceOperation, ctx: &ExecutionContext) -> Vec<(usize, Fr)> {
    use ResourceOperation as Op;
    match op {
        Op::Create { data, domain } => vec![
            (2, kind_field(&data.kind)),
            (3, Fr::from(data.quantity)),
            (4, data_field(&data.data)),
            (5, owner_field(&data.owner.unwrap_or(ctx.caller))),
            (6, domain_field(domain.as_ref().unwrap_or(&ctx.domain))),
        ],
        Op::Update { id, data } => vec![
            (2, id_field(id)),
            (3, kind_field(&data.kind)),
            (4, Fr::from(data.quantity)),
            (5, data_field(&data.data)),
            (6, Fr::from(data.owner.is_some() as u64)),
            (7, data.owner.as_ref().map_or(Fr::from(0u64), owner_field)),
        ],
        Op::Transfer { id, target } => vec![(2, id_field(id)), (3, domain_field(target))],
        Op::Split { id, amount } => vec![(3, id_field(id)), (5, Fr::from(*amount))],
        Op::Merge { a, b } => vec![(3, id_field(a)), (4, id_field(b))],
        Op::Delete { id } | Op::Consume { id } => vec![(1, id_field(id))],
        Op::Invoke { .. } => vec![],
    }
}

/// The openings of a transition's versions and its full public-input vector.
pub(crate) fn statement(
    transition: &Transition,
    op: &ResourceOperation,
    ctx: &ExecutionContext,
    nonces: &NonceKey,
) -> (Vec<Opening>, Vec<Opening>, Vec<Fr>) {
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
    for (at, value) in fixed_inputs(op, ctx) {
        public[at] = value;
    }
    // The ids the operation produced.
    match transition.kind {
        CircuitKind::Create => public[1] = outs[0].id,
        CircuitKind::Split => public[4] = outs[1].id,
        CircuitKind::Merge => public[5] = outs[0].id,
        _ => {}
    }
    (ins, outs, public)
}
