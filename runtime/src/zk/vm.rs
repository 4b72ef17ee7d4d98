//! The seed's `ZkVmInterface` on every adapter (its `verify_proof` checks a proof against the
//! operation and, through the input commitments, against the registers as they are now; a proof of
//! an operation already executed verifies with `zk::verify` and the commitments of the versions it
//! read), and the ZK VM's way of executing operations: each
//! one is applied and proven inside the batch's transaction, which commits only if every proof was
//! made, so every committed operation comes with a proof that anyone holding the verifying keys can
//! check (`ExecutionResult::proof`).
//!
//! Owns the glue between adapters and `zk`; the rules stay in `resources`, the proofs in `zk`.

use super::{verify, ZkCircuit, ZkProof};
use crate::adapter::CausewayAdapter;
use crate::capability::Access;
use crate::error::{ExecutionError, Right, VmError};
use crate::interfaces::ZkVmInterface;
use crate::ops::{ExecutionResult, OperationType, ResourceOperation};
use crate::resources::BatchError;
use crate::store;
use crate::types::ExecutionContext;

impl CausewayAdapter {
    /// Executes `ops` in one transaction, proving each (the ZK VM's `execute_batch`).
    pub(crate) fn execute_proven(
        &self,
        ops: &[ResourceOperation],
        ctx: &ExecutionContext,
    ) -> Result<Vec<ExecutionResult>, BatchError> {
        let zk = self.runtime().zk();
        let resources = self.resources();
        let mut keys = Vec::with_capacity(ops.len());
        for (index, op) in ops.iter().enumerate() {
            keys.push(zk.proving_keys(op).map_err(|e| BatchError {
                index: Some(index),
                error: e.into(),
            })?);
        }
        let mut failed_at = None;
        store::transact(&**resources.store(), |txn| {
            failed_at = None;
            let mut results = Vec::with_capacity(ops.len());
            for (index, op) in ops.iter().enumerate() {
                failed_at = Some(index);
                let (mut result, proof) = zk.prove_in(resources, txn, op, ctx, &keys[index])?;
                result.proof = Some(proof);
                results.push(result);
            }
            failed_at = None;
            Ok(results)
        })
        .map_err(|error| BatchError {
            index: failed_at,
            error,
        })
    }
}

impl ZkVmInterface for CausewayAdapter {
    fn generate_proof(
        &self,
        operation: &ResourceOperation,
        context: &ExecutionContext,
    ) -> Result<ZkProof, VmError> {
        let zk = self.runtime().zk();
        let resources = self.resources();
        let keys = zk.proving_keys(operation)?;
        // Proven against the current registers inside a transaction that is always rolled back.
        let mut proof = None;
        let outcome = store::transact(&**resources.store(), |txn| {
            let (_, made) = zk.prove_in(resources, txn, operation, context, &keys)?;
            proof = Some(made);
            Err(ExecutionError::Invalid("generate_proof never commits".into()).into())
        });
        match (proof, outcome) {
            (Some(proof), _) => Ok(proof),
            (None, Err(e)) => Err(e),
            (None, Ok(())) => Err(ExecutionError::Invalid("a proof transaction committed".into()).into()),
        }
    }

    fn verify_proof(
        &self,
        operation: &ResourceOperation,
        proof: &ZkProof,
        context: &ExecutionContext,
    ) -> Result<bool, VmError> {
        let zk = self.runtime().zk();
        Ok(verify(&zk.keys(), operation, proof, context)?
            && zk.matches_store(self.resources(), operation, proof)?)
    }

    fn generate_circuit(
        &self,
        operation_type: OperationType,
        context: &ExecutionContext,
    ) -> Result<ZkCircuit, VmError> {
        self.resources()
            .capabilities()
            .check(context, Right::Prove, Access::Domain(&context.domain))?;
        Ok(self.runtime().zk().circuit(operation_type)?)
    }
}
