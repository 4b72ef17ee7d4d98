//! The operation vocabulary of the seed's `OperationInterface`: what an operation is, what executing
//! one produced, and what verifying one found. Owns data only; `crate::resources` executes them.

use crate::types::{DomainId, ResourceData, ResourceId};

/// The seed's operation types (also what the ZK circuits are generated for).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum OperationType {
    Create,
    Update,
    Delete,
    Transfer,
    Split,
    Merge,
    Consume,
    Invoke,
}

/// An operation: a primitive on resource registers, or a program invocation whose effects are
/// resource operations.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ResourceOperation {
    /// Create a register in `domain` (the context's domain when `None`).
    Create {
        data: ResourceData,
        domain: Option<DomainId>,
    },
    /// Replace quantity, data (and owner, if given) of an active register; its id stays.
    Update {
        id: ResourceId,
        data: ResourceData,
    },
    /// The seed's delete: consume, leaving a tombstone.
    Delete {
        id: ResourceId,
    },
    /// Move an active register to another domain; its id stays, its version changes.
    Transfer {
        id: ResourceId,
        target: DomainId,
    },
    /// Carve `amount` out of a register into a new one; quantities are conserved.
    Split {
        id: ResourceId,
        amount: u128,
    },
    /// Join two registers of the same kind, owner and domain into a new one; both are consumed.
    Merge {
        a: ResourceId,
        b: ResourceId,
    },
    Consume {
        id: ResourceId,
    },
    /// Run `function` of a program registered with the runtime; its resource effects are the
    /// operation's effects, all in the same transaction.
    Invoke {
        program: String,
        function: String,
        args: Vec<i64>,
    },
}

impl ResourceOperation {
    pub fn op_type(&self) -> OperationType {
        match self {
            ResourceOperation::Create { .. } => OperationType::Create,
            ResourceOperation::Update { .. } => OperationType::Update,
            ResourceOperation::Delete { .. } => OperationType::Delete,
            ResourceOperation::Transfer { .. } => OperationType::Transfer,
            ResourceOperation::Split { .. } => OperationType::Split,
            ResourceOperation::Merge { .. } => OperationType::Merge,
            ResourceOperation::Consume { .. } => OperationType::Consume,
            ResourceOperation::Invoke { .. } => OperationType::Invoke,
        }
    }
}

/// What executing an operation did.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ExecutionResult {
    pub created: Vec<ResourceId>,
    pub updated: Vec<ResourceId>,
    pub consumed: Vec<ResourceId>,
    /// Values a program invocation returned.
    pub values: Vec<i64>,
    /// Fuel a program invocation used.
    pub fuel_used: u64,
    /// Lines a program invocation logged (the `log` effect).
    pub log: Vec<String>,
    /// The proof that the operation was valid, when a ZK VM executed it.
    pub proof: Option<crate::zk::ZkProof>,
}

/// What verifying an operation found: every failed check, none of them applied.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct VerificationResult {
    pub valid: bool,
    pub failures: Vec<String>,
}
