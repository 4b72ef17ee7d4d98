//! The seed's interface traits (`../shared/spec/vm_interface.md`), with the types their signatures
//! name, and interface versioning.
//!
//! Deviations from the seed, each for a reason:
//! - Handlers are `Box<dyn EffectHandler>` as in the seed, but `EffectHandler` is a trait of ours
//!   (the seed leaves it open): `handle(&Effect, &ExecutionContext) -> Result<EffectResult, VmError>`.
//! - `DebugInterface::get_registers` returns `RegisterValues`: the seed calls it `RegisterState`,
//!   which is already the name of a resource register's lifecycle state (`types::RegisterState`).
//! - `VmInterfaceFactory` returns `Result` (a VM kind that is not available yet is a clear `VmError`),
//!   and `VmType` has a `Tel` kind beside the seed's.
//!
//! Owns definitions only: implementations live in `adapter`.

use crate::error::VmError;
use crate::ops::{ExecutionResult, ResourceOperation, VerificationResult};
use crate::types::{
    DomainId, ExecutionContext, RegisterFilter, RegisterId, Relationship, RelationshipDirection,
    RelationshipId, RelationshipType, ResourceData, ResourceId, ResourceRegister,
};

/// Interface version information.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InterfaceVersion {
    /// Breaking changes.
    pub major: u32,
    /// Non-breaking additions.
    pub minor: u32,
    /// Bug fixes.
    pub patch: u32,
}

/// The version every Causeway adapter implements.
pub const CAUSEWAY_INTERFACE_VERSION: InterfaceVersion = InterfaceVersion {
    major: 1,
    minor: 0,
    patch: 0,
};

/// Version-aware interface marker.
pub trait VersionedInterface {
    fn version(&self) -> InterfaceVersion;
    fn is_compatible_with(&self, required: &InterfaceVersion) -> bool {
        self.version().major == required.major && self.version().minor >= required.minor
    }
}

pub trait ResourceVmInterface: VersionedInterface {
    fn create_resource(
        &self,
        resource_data: ResourceData,
        context: &ExecutionContext,
    ) -> Result<ResourceId, VmError>;
    fn read_resource(
        &self,
        resource_id: &ResourceId,
        context: &ExecutionContext,
    ) -> Result<Option<ResourceData>, VmError>;
    fn update_resource(
        &self,
        resource_id: &ResourceId,
        resource_data: ResourceData,
        context: &ExecutionContext,
    ) -> Result<(), VmError>;
    fn delete_resource(&self, resource_id: &ResourceId, context: &ExecutionContext) -> Result<(), VmError>;
    fn transfer_resource(
        &self,
        resource_id: &ResourceId,
        target_domain: &DomainId,
        context: &ExecutionContext,
    ) -> Result<(), VmError>;
}

pub trait OperationInterface: VersionedInterface {
    fn execute_operation(
        &self,
        operation: &ResourceOperation,
        context: &ExecutionContext,
    ) -> Result<ExecutionResult, VmError>;
    fn execute_batch(
        &self,
        operations: &[ResourceOperation],
        context: &ExecutionContext,
    ) -> Result<Vec<ExecutionResult>, VmError>;
    fn verify_operation(
        &self,
        operation: &ResourceOperation,
        context: &ExecutionContext,
    ) -> Result<VerificationResult, VmError>;
}

/// A guest address.
pub type MemoryAddress = u64;

/// Rights of a memory region (the guest's rights: guest code that writes a read-only region traps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessRights {
    ReadOnly,
    ReadWrite,
}

pub trait MemoryInterface: VersionedInterface {
    fn allocate(
        &self,
        size: usize,
        access_rights: AccessRights,
        context: &ExecutionContext,
    ) -> Result<MemoryAddress, VmError>;
    fn free(&self, address: MemoryAddress, context: &ExecutionContext) -> Result<(), VmError>;
    fn read(
        &self,
        address: MemoryAddress,
        length: usize,
        context: &ExecutionContext,
    ) -> Result<Vec<u8>, VmError>;
    fn write(&self, address: MemoryAddress, data: &[u8], context: &ExecutionContext) -> Result<(), VmError>;
}

/// An effect type, by name (`log`, `create_resource`, a program's own effects).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EffectType(pub String);

/// An effect to handle: its type, integer arguments (guest values) and the domain it acts in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effect {
    pub effect_type: EffectType,
    pub args: Vec<i64>,
    pub domain: Option<DomainId>,
}

/// What handling an effect returned to the performer.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EffectResult {
    pub values: Vec<i64>,
}

/// A host effect handler: what a guest's effect call (and `handle_effect`) reaches.
pub trait EffectHandler: Send + Sync {
    fn handle(&self, effect: &Effect, context: &ExecutionContext) -> Result<EffectResult, VmError>;
}

impl<F> EffectHandler for F
where
    F: Fn(&Effect, &ExecutionContext) -> Result<EffectResult, VmError> + Send + Sync,
{
    fn handle(&self, effect: &Effect, context: &ExecutionContext) -> Result<EffectResult, VmError> {
        self(effect, context)
    }
}

/// A constraint an effect must satisfy (`validate_effect`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EffectConstraint {
    /// The context must hold this right over the effect (`Access::Effect`).
    RequiresRight(crate::error::Right),
    /// Argument `index` must lie in `min..=max`.
    ArgumentRange { index: usize, min: i64, max: i64 },
    /// At most this many arguments.
    MaxArguments(usize),
    /// The effect's domain (or the context's) must be one of these.
    AllowedDomains(Vec<DomainId>),
}

pub trait EffectInterface: VersionedInterface {
    fn register_effect_handler(
        &self,
        effect_type: EffectType,
        handler: Box<dyn EffectHandler>,
        context: &ExecutionContext,
    ) -> Result<(), VmError>;
    fn handle_effect(&self, effect: &Effect, context: &ExecutionContext) -> Result<EffectResult, VmError>;
    fn validate_effect(
        &self,
        effect: &Effect,
        constraints: &[EffectConstraint],
        context: &ExecutionContext,
    ) -> Result<bool, VmError>;
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrossDomainExecutionResult {
    pub source_domain: DomainId,
    pub target_domain: DomainId,
    pub result: ExecutionResult,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferResult {
    /// The consumed source register.
    pub source_id: ResourceId,
    /// The register created in the target domain.
    pub target_id: ResourceId,
    pub quantity: u128,
}

pub trait CrossDomainVmInterface: VersionedInterface {
    fn execute_cross_domain_operation(
        &self,
        operation: &ResourceOperation,
        source_domain: &DomainId,
        target_domain: &DomainId,
        context: &ExecutionContext,
    ) -> Result<CrossDomainExecutionResult, VmError>;
    fn transfer_resource_cross_domain(
        &self,
        resource_id: &ResourceId,
        source_domain: &DomainId,
        target_domain: &DomainId,
        context: &ExecutionContext,
    ) -> Result<TransferResult, VmError>;
    fn verify_cross_domain_permissions(
        &self,
        operation: &ResourceOperation,
        source_domain: &DomainId,
        target_domain: &DomainId,
        context: &ExecutionContext,
    ) -> Result<bool, VmError>;
}

pub type VmInstanceId = u64;

/// What a VM instance runs and under which limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmConfig {
    /// The program (a registered program's name) and the function to run.
    pub program: String,
    pub function: String,
    pub args: Vec<i64>,
    /// Fuel budget; `None` runs unmetered.
    pub fuel: Option<u64>,
}

pub trait VmLifecycleInterface: VersionedInterface {
    fn initialize(&self, vm_config: &VmConfig, context: &ExecutionContext) -> Result<VmInstanceId, VmError>;
    fn start(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError>;
    fn stop(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError>;
    fn pause(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError>;
    fn resume(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError>;
    fn terminate(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError>;
}

pub trait ResourceManagementInterface: VersionedInterface {
    fn get_resource_register(
        &self,
        register_id: &RegisterId,
        context: &ExecutionContext,
    ) -> Result<Option<ResourceRegister>, VmError>;
    fn list_resource_registers(
        &self,
        filter: Option<RegisterFilter>,
        context: &ExecutionContext,
    ) -> Result<Vec<ResourceRegister>, VmError>;
    fn update_resource_register(
        &self,
        register: &ResourceRegister,
        context: &ExecutionContext,
    ) -> Result<(), VmError>;
    fn create_relationship(
        &self,
        source_id: &RegisterId,
        target_id: &RegisterId,
        relationship_type: RelationshipType,
        context: &ExecutionContext,
    ) -> Result<RelationshipId, VmError>;
    fn query_relationships(
        &self,
        register_id: &RegisterId,
        direction: RelationshipDirection,
        context: &ExecutionContext,
    ) -> Result<Vec<Relationship>, VmError>;
}

/// The kinds of VM the factory can make adapters for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VmType {
    RiscV,
    Evm,
    CosmWasm,
    ZkVm,
    /// Causeway's addition: TEL programs (and, until the TEL front end lands, IR programs).
    Tel,
}

/// TEL programs on a VM (the seed's `TelVmInterface`; its types live in `crate::tel`).
pub trait TelVmInterface: VersionedInterface {
    /// Compiles and runs `program`'s `main` (without parameters) as one transaction.
    fn execute_tel_program(
        &self,
        program: &crate::tel::TelProgram,
        context: &ExecutionContext,
    ) -> Result<crate::tel::TelExecutionResult, VmError>;

    /// Registers the host handler of a TEL effect (for every program of the runtime).
    fn register_tel_effect_handler(
        &self,
        effect_type: crate::tel::TelEffectType,
        handler: Box<dyn crate::tel::TelEffectHandler>,
        context: &ExecutionContext,
    ) -> Result<(), VmError>;

    /// Compiles `program` once; the result runs any number of times (`run_tel`).
    fn compile_tel_to_vm(
        &self,
        program: &crate::tel::TelProgram,
        optimization_level: crate::tel::OptimizationLevel,
        context: &ExecutionContext,
    ) -> Result<crate::tel::CompiledVmProgram, VmError>;
}

/// Zero-knowledge proofs of operations (the seed's `ZkVmInterface`; its types live in `crate::zk`).
pub trait ZkVmInterface: VersionedInterface {
    /// Proves that `operation`, applied to the current registers, is valid, without changing them.
    /// Needs the rights to execute it and `Prove` over every register it reads or writes.
    fn generate_proof(
        &self,
        operation: &ResourceOperation,
        context: &ExecutionContext,
    ) -> Result<crate::zk::ZkProof, VmError>;

    /// Whether `proof` proves `operation`. Needs no capability: it reads only the verifying keys.
    fn verify_proof(
        &self,
        operation: &ResourceOperation,
        proof: &crate::zk::ZkProof,
        context: &ExecutionContext,
    ) -> Result<bool, VmError>;

    /// The circuit that proves `operation_type`, with its verifying key. Needs `Prove` over the
    /// context's domain (it may run the circuit's key generation).
    fn generate_circuit(
        &self,
        operation_type: crate::ops::OperationType,
        context: &ExecutionContext,
    ) -> Result<crate::zk::ZkCircuit, VmError>;
}

/// A breakpoint of a debugged instance.
pub type BreakpointId = u64;

/// Why a debugged instance is where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Before its first instruction: not run yet.
    Entry,
    /// At these breakpoints.
    Breakpoint(Vec<BreakpointId>),
    /// After a step.
    Step,
    /// The guest exited with this status.
    Exited(i32),
    /// The guest trapped (`signal` as qemu-user would die of it) at `pc`.
    Trap {
        signal: i32,
        pc: Option<u64>,
    },
    OutOfFuel,
    Interrupted,
    /// A TEL program's `main` returned this value (a TEL literal).
    Finished(String),
    /// A TEL program's run failed with this error (its kind and source position).
    Failed(String),
}

/// Where a debugged instance is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VmState {
    /// Stopped before the instruction at `pc`.
    Paused { pc: u64 },
    /// A TEL program stopped before the statement at `address` (see
    /// `Runtime::debug_line_addresses`), in `flow`, at `line`:`column` of its source.
    AtStatement {
        address: u64,
        flow: String,
        line: usize,
        column: usize,
    },
    /// A TEL program that has not run yet (before `main`).
    NotStarted,
    /// The run has ended (see the reason).
    Ended,
}

/// What `step` and `continue_execution` return: the state and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugState {
    pub instance: VmInstanceId,
    pub state: VmState,
    pub reason: StopReason,
}

/// A debugged instance's registers: for RISC-V, `x0`..`x31` by name, and the pc; for TEL, the
/// statement's address as `pc` and the current flow's locals in scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterValues {
    pub pc: u64,
    pub registers: Vec<(String, u64)>,
    /// TEL: each local in scope by name, its value as a TEL literal (empty for RISC-V).
    pub locals: Vec<(String, String)>,
}

/// Debugging VM instances (the seed's `DebugInterface`). Instances come from
/// `Runtime::debug_guest` (RISC-V guests, on debuggable code: addresses are guest pcs) and
/// `Runtime::debug_tel` (TEL programs: addresses are statements', from
/// `Runtime::debug_line_addresses`; a step runs one statement); every method needs the `Debug`
/// right over the context's domain.
pub trait DebugInterface: VersionedInterface {
    /// A breakpoint before the instruction at `address` (a guest pc).
    fn set_breakpoint(
        &self,
        instance_id: &VmInstanceId,
        address: MemoryAddress,
        context: &ExecutionContext,
    ) -> Result<BreakpointId, VmError>;

    fn remove_breakpoint(
        &self,
        instance_id: &VmInstanceId,
        breakpoint_id: BreakpointId,
        context: &ExecutionContext,
    ) -> Result<(), VmError>;

    /// Runs one guest instruction.
    fn step(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<DebugState, VmError>;

    /// Runs to the next breakpoint or the end.
    fn continue_execution(
        &self,
        instance_id: &VmInstanceId,
        context: &ExecutionContext,
    ) -> Result<DebugState, VmError>;

    fn get_state(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<VmState, VmError>;

    fn get_registers(
        &self,
        instance_id: &VmInstanceId,
        context: &ExecutionContext,
    ) -> Result<RegisterValues, VmError>;
}
