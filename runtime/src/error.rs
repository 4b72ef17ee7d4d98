//! `VmError`, the one error type of every interface, with the seed's variants, and the precise
//! sub-errors each variant carries.
//!
//! Owns error vocabulary only: it must never contain recovery logic. Every message names what was
//! wrong (the missing right, the unknown id, the state that forbids the operation) so that callers can
//! act on it without reading code.

use crate::types::{DomainId, RegisterState, ResourceId};
use thiserror::Error;

/// The right a capability grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Right {
    Read,
    Write,
    Create,
    Delete,
    Transfer,
    Execute,
    Debug,
    Prove,
}

impl Right {
    pub const ALL: [Right; 8] = [
        Right::Read,
        Right::Write,
        Right::Create,
        Right::Delete,
        Right::Transfer,
        Right::Execute,
        Right::Debug,
        Right::Prove,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Right::Read => "read",
            Right::Write => "write",
            Right::Create => "create",
            Right::Delete => "delete",
            Right::Transfer => "transfer",
            Right::Execute => "execute",
            Right::Debug => "debug",
            Right::Prove => "prove",
        }
    }

    pub fn from_name(s: &str) -> Option<Right> {
        Right::ALL.into_iter().find(|r| r.name() == s)
    }
}

impl std::fmt::Display for Right {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CapabilityError {
    #[error("missing capability: `{right}` over {target}")]
    Missing { right: Right, target: String },
    #[error("capability {0} has been revoked")]
    Revoked(String),
    #[error("capability {0} was not issued by this capability manager")]
    Forged(String),
    #[error("cannot attenuate: {0}")]
    Attenuation(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResourceError {
    #[error("resource {0} not found")]
    NotFound(ResourceId),
    #[error("resource {id} is {state}, the operation needs it {needed}")]
    WrongState {
        id: ResourceId,
        state: RegisterState,
        needed: &'static str,
    },
    #[error("insufficient quantity in {id}: has {has}, needs {needs}")]
    InsufficientQuantity { id: ResourceId, has: u128, needs: u128 },
    #[error("quantity overflow: {0}")]
    Overflow(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("data of {len} bytes exceeds the limit of {limit} bytes")]
    DataTooLarge { len: usize, limit: usize },
    #[error("resources {a} and {b} cannot be merged: {why}")]
    Incompatible {
        a: ResourceId,
        b: ResourceId,
        why: String,
    },
    #[error("relationship {0} not found")]
    RelationshipNotFound(String),
    #[error("store error: {0}")]
    Store(String),
    #[error("resource {id} changed concurrently: expected version {expected}, found {actual}")]
    Conflict {
        id: ResourceId,
        expected: u64,
        actual: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MemoryError {
    #[error("{0}")]
    Guest(String),
    #[error("no allocation at {0:#x}")]
    NotAllocated(u64),
    #[error("guest memory exhausted: {0}")]
    Exhausted(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExecutionError {
    #[error("compile error: {0}")]
    Compile(String),
    /// The engine's trap description (`trap: KIND at LOC`).
    #[error("{0}")]
    Trap(String),
    #[error("host error: {0}")]
    Host(String),
    #[error("out of fuel")]
    OutOfFuel,
    #[error("interrupted")]
    Interrupted,
    #[error("no handler registered for effect `{0}`")]
    UnhandledEffect(String),
    #[error("effect `{effect}` violates constraint: {why}")]
    Constraint { effect: String, why: String },
    #[error("{0}")]
    Invalid(String),
    #[error("{0} is not available yet: {1}")]
    Unavailable(String, String),
    #[error("operation {index} of the batch failed, nothing was applied: {error}")]
    Batch { index: usize, error: Box<VmError> },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CrossDomainError {
    #[error("resource {id} is in domain {actual}, not in the source domain {expected}")]
    WrongDomain {
        id: ResourceId,
        expected: DomainId,
        actual: DomainId,
    },
    #[error("source and target domain are both {0}")]
    SameDomain(DomainId),
    #[error("cross-domain transfer aborted in phase `{phase}`: {why}")]
    Aborted { phase: &'static str, why: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LifecycleError {
    #[error("unknown VM instance {0}")]
    UnknownInstance(u64),
    #[error("VM instance {id} is {state}; `{op}` needs it {needed}")]
    WrongState {
        id: u64,
        state: String,
        op: &'static str,
        needed: &'static str,
    },
    /// The instance's worker did not answer in time: guest code reaches a check point in bounded
    /// time, so it is blocked in a host call.
    #[error(
        "VM instance {id} did not reach a check point within {waited_ms} ms, so `{op}` gave up; \
         its guest is probably blocked in a host call"
    )]
    Timeout {
        id: u64,
        op: &'static str,
        waited_ms: u64,
    },
    #[error("{0}")]
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DebugError {
    #[error("this code is not debuggable: load the guest with `GuestOptions::debuggable` (normal code has no breakpoint sites)")]
    NotDebuggable,
    #[error("no instruction starts at {0:#x}")]
    NoInstruction(u64),
    #[error("no statement starts on line {0}")]
    NoStatement(usize),
    #[error("no local `{0}` is in scope here")]
    NoLocal(String),
    #[error("the program is not paused at a statement: {0}")]
    NotPaused(String),
    #[error("no breakpoint {0}")]
    UnknownBreakpoint(u64),
    #[error("no debugged instance {0}")]
    UnknownInstance(u64),
    #[error("no register x{0} (RISC-V has x0 to x31)")]
    NoRegister(u8),
    #[error("the run has ended ({0})")]
    Ended(String),
    #[error("guest memory: {0}")]
    Memory(String),
    #[error("the engine refused: {0}")]
    Engine(String),
}

/// What went wrong in a TEL program, where, and how the CLI prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelDiagnostic {
    pub kind: causeway_tel::diag::ErrorKind,
    pub message: String,
    /// The name the program's source is reported under.
    pub file: String,
    /// Line and column of the offending source, when known (always for compile errors).
    pub position: Option<(usize, usize)>,
    /// The diagnostic as the CLI prints it (`file:line:col: error[CODE]: ...` and the source line).
    pub rendered: String,
}

impl std::fmt::Display for TelDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}: {}", self.file, self.kind, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.kind, self.message),
        }
    }
}

/// A TEL program failed: at compile time (including verification before running) or at run time,
/// with the SPEC's error kind. Boxed, so that `VmError` stays small.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TelError {
    #[error("{0}")]
    Compile(Box<TelDiagnostic>),
    #[error("{0}")]
    Runtime(Box<TelDiagnostic>),
    #[error("{0}")]
    Other(String),
}

impl TelError {
    /// The SPEC's error kind, for compile and run-time errors.
    pub fn kind(&self) -> Option<causeway_tel::diag::ErrorKind> {
        self.diagnostic().map(|d| d.kind)
    }

    pub fn diagnostic(&self) -> Option<&TelDiagnostic> {
        match self {
            TelError::Compile(d) | TelError::Runtime(d) => Some(d),
            TelError::Other(_) => None,
        }
    }

    /// The error as the CLI prints it.
    pub fn rendered(&self) -> String {
        self.diagnostic()
            .map_or_else(|| self.to_string(), |d| d.rendered.clone())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ZkError {
    #[error("no circuit proves `{0:?}` operations (program runs are not provable)")]
    NoCircuit(crate::ops::OperationType),
    #[error("the prover holds no key for owner {0}: only owners with a registered `zk::OwnerKey` can prove")]
    MissingOwnerKey(String),
    #[error("the {circuit} circuit is not satisfied by this operation's witness (constraint {constraint}): it cannot be proven")]
    Unsatisfied {
        circuit: &'static str,
        constraint: String,
    },
    #[error("owner {0} is not a canonical field element, so no proof can name it (owners with a `zk::OwnerKey` always are)")]
    NonCanonicalOwner(String),
    #[error("only the owner proves an operation on a register: the context's caller is {caller}, the register's owner {owner}")]
    NotOwner { caller: String, owner: String },
    #[error("the proof is too large to serialize: {0}")]
    TooLarge(String),
    #[error("the proof does not decode: {0}")]
    MalformedProof(String),
    #[error("the public inputs do not decode: {0}")]
    MalformedPublicInputs(String),
    #[error("a key does not decode: {0}")]
    MalformedKey(String),
    #[error(
        "no {what} key for the {circuit} circuit is loaded (keys loaded from files are never regenerated)"
    )]
    MissingKey {
        circuit: &'static str,
        what: &'static str,
    },
    #[error("key file {path}: {message}")]
    KeyFile { path: String, message: String },
    #[error("the proof system failed: {0}")]
    Backend(String),
}

/// The one error type of every interface (the seed's variants).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VmError {
    #[error("capability error: {0}")]
    CapabilityError(#[from] CapabilityError),
    #[error("memory error: {0}")]
    MemoryError(#[from] MemoryError),
    #[error("resource error: {0}")]
    ResourceError(#[from] ResourceError),
    #[error("execution error: {0}")]
    ExecutionError(#[from] ExecutionError),
    #[error("cross-domain error: {0}")]
    CrossDomainError(#[from] CrossDomainError),
    #[error("TEL error: {0}")]
    TelError(#[from] TelError),
    #[error("ZK error: {0}")]
    ZkError(#[from] ZkError),
    #[error("lifecycle error: {0}")]
    LifecycleError(#[from] LifecycleError),
    #[error("debug error: {0}")]
    DebugError(#[from] DebugError),
}
