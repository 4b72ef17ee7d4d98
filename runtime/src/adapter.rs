//! The seed's adapter and factory: a `CausewayAdapter` implements the interface traits over one
//! [`Runtime`] and, as in the seed (`RiscVAdapter { vm, .. }`), one VM instance: the program it was
//! created for, whose guest memory `MemoryInterface` acts on. `VmInterfaceFactory` makes adapters by
//! `VmType`.
//!
//! Owns no rules of its own: resource rules live in `resources`, capability checks in `capability`,
//! program execution in `embed`.

use crate::capability::{Access, CapabilityManager};
use crate::embed::Runtime;
use crate::error::{CrossDomainError, ExecutionError, ResourceError, Right, VmError};
use crate::interfaces::*;
use crate::ops::{ExecutionResult, ResourceOperation, VerificationResult};
use crate::resources::ResourceManager;
use crate::store::{self, Store};
use crate::types::*;
use causeway_engine::instance::Instance;
use causeway_engine::ir::Rights as GuestRights;
use causeway_engine::memory::PAGE;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

static NEXT_VM: AtomicU64 = AtomicU64::new(1);

/// The VM instance an adapter owns, and the regions `MemoryInterface::allocate` made in it.
struct Vm {
    instance: Instance,
    allocations: BTreeMap<u64, u64>,
}

/// One VM's view of a runtime (the seed's `RiscVAdapter`, `EvmAdapter`, ...).
pub struct CausewayAdapter {
    vm_type: VmType,
    id: u64,
    runtime: Arc<Runtime>,
    resources: Arc<ResourceManager>,
    vm: Mutex<Option<Vm>>,
}

impl CausewayAdapter {
    /// An adapter without a VM instance: resources, operations, effects; memory needs a VM.
    pub fn new(vm_type: VmType, runtime: Arc<Runtime>) -> CausewayAdapter {
        let resources = runtime.resources().clone();
        CausewayAdapter {
            vm_type,
            id: NEXT_VM.fetch_add(1, Ordering::Relaxed),
            runtime,
            resources,
            vm: Mutex::new(None),
        }
    }

    /// An adapter whose VM instance runs the registered program `program`.
    pub fn with_program(
        vm_type: VmType,
        runtime: Arc<Runtime>,
        program: &str,
        fuel: Option<u64>,
    ) -> Result<Self, VmError> {
        let adapter = CausewayAdapter::new(vm_type, runtime);
        let instance = adapter
            .runtime
            .instantiate(&adapter.runtime.program(program)?, fuel)?;
        *adapter.lock_vm() = Some(Vm {
            instance,
            allocations: BTreeMap::new(),
        });
        Ok(adapter)
    }

    /// This adapter's VM instance id (the `instance` of its memory regions' capabilities).
    pub fn instance_id(&self) -> u64 {
        self.id
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    fn lock_vm(&self) -> std::sync::MutexGuard<'_, Option<Vm>> {
        self.vm.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `function(args)` on this adapter's VM instance as one transaction (its memory persists
    /// between runs). Needs `Execute` over the context's domain.
    pub fn run(
        &self,
        function: &str,
        args: &[i64],
        context: &ExecutionContext,
    ) -> Result<ExecutionResult, VmError> {
        self.unproven("running a program")?;
        self.caps()
            .check(context, Right::Execute, Access::Domain(&context.domain))?;
        let mut vm = self.lock_vm();
        let vm = vm.as_mut().ok_or_else(no_vm)?;
        store::transact(&**self.resources.store(), |txn| {
            self.runtime
                .run_in(txn, &mut vm.instance, function, args, context)
        })
    }

    fn invoker<'a>(
        &'a self,
        ctx: &'a ExecutionContext,
    ) -> impl FnMut(&mut dyn store::Txn, &str, &str, &[i64]) -> Result<ExecutionResult, VmError> + 'a {
        move |txn, program, function, args| self.runtime.invoke_in(txn, program, function, args, ctx)
    }

    pub fn vm_type(&self) -> VmType {
        self.vm_type
    }

    pub fn resources(&self) -> &Arc<ResourceManager> {
        &self.resources
    }

    fn caps(&self) -> &CapabilityManager {
        self.resources.capabilities()
    }

    /// Executes `ops` as one transaction: on a ZK VM each is proven (`crate::zk`), elsewhere
    /// `Invoke` operations run their programs inside it.
    fn execute_ops(
        &self,
        ops: &[ResourceOperation],
        ctx: &ExecutionContext,
    ) -> Result<Vec<ExecutionResult>, crate::resources::BatchError> {
        if self.vm_type == VmType::ZkVm {
            return self.execute_proven(ops, ctx);
        }
        let mut invoke = self.invoker(ctx);
        self.resources.execute_batch_with(ops, ctx, &mut invoke)
    }

    fn execute_one(&self, op: ResourceOperation, ctx: &ExecutionContext) -> Result<ExecutionResult, VmError> {
        let mut results = self
            .execute_ops(std::slice::from_ref(&op), ctx)
            .map_err(|e| e.error)?;
        Ok(results.remove(0))
    }

    /// Refuses what would change registers without a proof on a ZK VM.
    pub(crate) fn unproven(&self, what: &str) -> Result<(), VmError> {
        if self.vm_type == VmType::ZkVm {
            return Err(unavailable(
                what,
                "a ZK VM changes registers only through operations it proves (execute_operation, execute_batch and the ResourceVmInterface methods)",
            ));
        }
        Ok(())
    }

    fn existing(&self, id: &ResourceId, ctx: &ExecutionContext) -> Result<ResourceRegister, VmError> {
        self.resources
            .get(id, ctx)?
            .ok_or_else(|| ResourceError::NotFound(*id).into())
    }
}

impl VersionedInterface for CausewayAdapter {
    fn version(&self) -> InterfaceVersion {
        CAUSEWAY_INTERFACE_VERSION
    }
}

impl ResourceVmInterface for CausewayAdapter {
    fn create_resource(
        &self,
        resource_data: ResourceData,
        context: &ExecutionContext,
    ) -> Result<ResourceId, VmError> {
        let op = ResourceOperation::Create {
            data: resource_data,
            domain: None,
        };
        let result = self.execute_one(op, context)?;
        result
            .created
            .first()
            .copied()
            .ok_or_else(|| ExecutionError::Invalid("a create created nothing".into()).into())
    }

    fn read_resource(
        &self,
        resource_id: &ResourceId,
        context: &ExecutionContext,
    ) -> Result<Option<ResourceData>, VmError> {
        Ok(self
            .resources
            .get(resource_id, context)?
            .map(|r| r.resource_data()))
    }

    fn update_resource(
        &self,
        resource_id: &ResourceId,
        resource_data: ResourceData,
        context: &ExecutionContext,
    ) -> Result<(), VmError> {
        let op = ResourceOperation::Update {
            id: *resource_id,
            data: resource_data,
        };
        self.execute_one(op, context)?;
        Ok(())
    }

    fn delete_resource(&self, resource_id: &ResourceId, context: &ExecutionContext) -> Result<(), VmError> {
        self.execute_one(ResourceOperation::Delete { id: *resource_id }, context)?;
        Ok(())
    }

    fn transfer_resource(
        &self,
        resource_id: &ResourceId,
        target_domain: &DomainId,
        context: &ExecutionContext,
    ) -> Result<(), VmError> {
        let op = ResourceOperation::Transfer {
            id: *resource_id,
            target: target_domain.clone(),
        };
        self.execute_one(op, context)?;
        Ok(())
    }
}

impl ResourceManagementInterface for CausewayAdapter {
    fn get_resource_register(
        &self,
        register_id: &RegisterId,
        context: &ExecutionContext,
    ) -> Result<Option<ResourceRegister>, VmError> {
        self.resources.get(register_id, context)
    }

    fn list_resource_registers(
        &self,
        filter: Option<RegisterFilter>,
        context: &ExecutionContext,
    ) -> Result<Vec<ResourceRegister>, VmError> {
        self.resources.list(filter, context)
    }

    fn update_resource_register(
        &self,
        register: &ResourceRegister,
        context: &ExecutionContext,
    ) -> Result<(), VmError> {
        self.unproven("rewriting a register directly")?;
        self.resources.update_register(register, context)
    }

    fn create_relationship(
        &self,
        source_id: &RegisterId,
        target_id: &RegisterId,
        relationship_type: RelationshipType,
        context: &ExecutionContext,
    ) -> Result<RelationshipId, VmError> {
        self.resources
            .create_relationship(source_id, target_id, relationship_type, context)
    }

    fn query_relationships(
        &self,
        register_id: &RegisterId,
        direction: RelationshipDirection,
        context: &ExecutionContext,
    ) -> Result<Vec<Relationship>, VmError> {
        self.resources.relationships(register_id, direction, context)
    }
}

impl OperationInterface for CausewayAdapter {
    fn execute_operation(
        &self,
        operation: &ResourceOperation,
        context: &ExecutionContext,
    ) -> Result<ExecutionResult, VmError> {
        self.execute_one(operation.clone(), context)
    }

    /// All or nothing; `Invoke` operations run their programs inside the batch's transaction.
    fn execute_batch(
        &self,
        operations: &[ResourceOperation],
        context: &ExecutionContext,
    ) -> Result<Vec<ExecutionResult>, VmError> {
        self.execute_ops(operations, context).map_err(VmError::from)
    }

    fn verify_operation(
        &self,
        operation: &ResourceOperation,
        context: &ExecutionContext,
    ) -> Result<VerificationResult, VmError> {
        self.resources.verify(operation, context)
    }
}

impl CrossDomainVmInterface for CausewayAdapter {
    /// Runs `operation` with the source domain as the context's domain, after checking that every
    /// register it names lives in the source domain; a `Transfer` must target the target domain.
    fn execute_cross_domain_operation(
        &self,
        operation: &ResourceOperation,
        source_domain: &DomainId,
        target_domain: &DomainId,
        context: &ExecutionContext,
    ) -> Result<CrossDomainExecutionResult, VmError> {
        self.unproven("a cross-domain operation")?;
        if !self.verify_cross_domain_permissions(operation, source_domain, target_domain, context)? {
            return Err(CrossDomainError::Aborted {
                phase: "permissions",
                why: format!("the context may not operate across {source_domain} and {target_domain}"),
            }
            .into());
        }
        let mut ctx = context.clone();
        ctx.domain = source_domain.clone();
        let result = match operation {
            ResourceOperation::Transfer { id, target } if target == target_domain => {
                let (source_id, new_id) =
                    self.resources
                        .transfer_cross_domain(id, source_domain, target_domain, &ctx)?;
                ExecutionResult {
                    created: vec![new_id],
                    consumed: vec![source_id],
                    ..Default::default()
                }
            }
            ResourceOperation::Transfer { target, .. } => {
                return Err(ExecutionError::Invalid(format!(
                    "the transfer targets {target}, not the cross-domain target {target_domain}"
                ))
                .into())
            }
            op => self.resources.execute(op, &ctx)?,
        };
        Ok(CrossDomainExecutionResult {
            source_domain: source_domain.clone(),
            target_domain: target_domain.clone(),
            result,
        })
    }

    fn transfer_resource_cross_domain(
        &self,
        resource_id: &ResourceId,
        source_domain: &DomainId,
        target_domain: &DomainId,
        context: &ExecutionContext,
    ) -> Result<TransferResult, VmError> {
        self.unproven("a cross-domain transfer")?;
        let quantity = self.existing(resource_id, context)?.quantity;
        let (source_id, target_id) =
            self.resources
                .transfer_cross_domain(resource_id, source_domain, target_domain, context)?;
        Ok(TransferResult {
            source_id,
            target_id,
            quantity,
        })
    }

    /// Whether the context holds, on both sides, the rights the operation needs: over every register
    /// it names (which must live in the source domain) and over the target domain.
    fn verify_cross_domain_permissions(
        &self,
        operation: &ResourceOperation,
        source_domain: &DomainId,
        target_domain: &DomainId,
        context: &ExecutionContext,
    ) -> Result<bool, VmError> {
        if source_domain == target_domain {
            return Err(CrossDomainError::SameDomain(source_domain.clone()).into());
        }
        let (right, ids): (Right, Vec<ResourceId>) = match operation {
            ResourceOperation::Create { .. } => (Right::Create, vec![]),
            ResourceOperation::Update { id, .. } => (Right::Write, vec![*id]),
            ResourceOperation::Delete { id } | ResourceOperation::Consume { id } => {
                (Right::Delete, vec![*id])
            }
            ResourceOperation::Transfer { id, .. } => (Right::Transfer, vec![*id]),
            ResourceOperation::Split { id, .. } => (Right::Write, vec![*id]),
            ResourceOperation::Merge { a, b } => (Right::Delete, vec![*a, *b]),
            ResourceOperation::Invoke { .. } => (Right::Execute, vec![]),
        };
        let caps = self.caps();
        if caps.check(context, right, Access::Domain(source_domain)).is_err() && ids.is_empty() {
            return Ok(false);
        }
        for id in &ids {
            let Some(reg) = self.resources.get(id, context)? else {
                return Err(ResourceError::NotFound(*id).into());
            };
            if &reg.domain != source_domain {
                return Err(CrossDomainError::WrongDomain {
                    id: *id,
                    expected: source_domain.clone(),
                    actual: reg.domain,
                }
                .into());
            }
            if caps
                .check(
                    context,
                    right,
                    Access::Resource {
                        id,
                        domain: source_domain,
                    },
                )
                .is_err()
            {
                return Ok(false);
            }
        }
        Ok(caps
            .check(context, Right::Create, Access::Domain(target_domain))
            .is_ok())
    }
}

/// Creates adapters by VM type (the seed's factory; it returns `Result`, see `interfaces`).
pub struct VmInterfaceFactory {
    runtime: Arc<Runtime>,
}

impl VmInterfaceFactory {
    pub fn new(store: Arc<dyn Store>, capabilities: Arc<CapabilityManager>) -> VmInterfaceFactory {
        VmInterfaceFactory {
            runtime: Arc::new(Runtime::new(store, capabilities)),
        }
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    pub fn resources(&self) -> &Arc<ResourceManager> {
        self.runtime.resources()
    }

    /// An adapter with a VM instance of the registered program `program`, for `vm_type`.
    pub fn create_vm(
        &self,
        vm_type: VmType,
        program: &str,
        fuel: Option<u64>,
    ) -> Result<CausewayAdapter, VmError> {
        self.check_available(vm_type)?;
        if vm_type == VmType::ZkVm {
            return Err(unavailable(
                "a ZK VM with a program",
                "program runs have no circuit; a ZK VM proves resource operations",
            ));
        }
        CausewayAdapter::with_program(vm_type, self.runtime.clone(), program, fuel)
    }

    /// An adapter for `vm_type`. `Evm` and `CosmWasm` are not available. `RiscV` adapters run guests
    /// registered with `riscv::Guest::program`; `Tel` adapters run TEL and IR programs; `ZkVm`
    /// adapters prove every operation they commit (`crate::zk`).
    pub fn create_adapter(&self, vm_type: VmType) -> Result<CausewayAdapter, VmError> {
        self.check_available(vm_type)?;
        Ok(CausewayAdapter::new(vm_type, self.runtime.clone()))
    }

    fn check_available(&self, vm_type: VmType) -> Result<(), VmError> {
        match vm_type {
            VmType::Tel => Ok(()),
            VmType::RiscV => Ok(()),
            VmType::ZkVm => Ok(()),
            VmType::Evm => Err(unavailable("the EVM", "Causeway has no EVM front end")),
            VmType::CosmWasm => Err(unavailable("CosmWasm", "Causeway has no CosmWasm front end")),
        }
    }

    /// The seed's `create_resource_vm_interface`.
    pub fn create_resource_vm_interface(
        &self,
        vm_type: VmType,
    ) -> Result<Box<dyn ResourceVmInterface>, VmError> {
        Ok(Box::new(self.create_adapter(vm_type)?))
    }
}

fn unavailable(what: &str, why: &str) -> VmError {
    ExecutionError::Unavailable(what.to_string(), why.to_string()).into()
}

fn no_vm() -> VmError {
    crate::error::MemoryError::Guest("this adapter has no VM instance (create it with a program)".into())
        .into()
}

fn mem_err(e: causeway_engine::memory::MemoryError) -> VmError {
    crate::error::MemoryError::Guest(e.to_string()).into()
}

impl CausewayAdapter {
    /// The base of the region of the VM's memory that holds `address`.
    fn region_of(vm: &Vm, address: u64) -> Result<u64, VmError> {
        vm.instance
            .memory()
            .regions()
            .find(|&(b, s, _)| address >= b && address - b < s)
            .map(|(b, _, _)| b)
            .ok_or_else(|| {
                crate::error::MemoryError::Guest(format!("no region holds address {address:#x}")).into()
            })
    }

    fn check_region(&self, ctx: &ExecutionContext, right: Right, base: u64) -> Result<(), VmError> {
        Ok(self.caps().check(
            ctx,
            right,
            Access::Region {
                instance: self.id,
                base,
            },
        )?)
    }
}

/// Lowest address `allocate` hands out (page 0 stays unmapped, so a null guest pointer faults).
const ALLOC_START: u64 = 0x1_0000;

impl MemoryInterface for CausewayAdapter {
    /// Maps a fresh zeroed region of `size` bytes (rounded up to pages) in the VM's guest memory with
    /// the given rights. Needs `Create` over the context's domain.
    fn allocate(
        &self,
        size: usize,
        access_rights: AccessRights,
        context: &ExecutionContext,
    ) -> Result<MemoryAddress, VmError> {
        self.caps()
            .check(context, Right::Create, Access::Domain(&context.domain))?;
        let mut guard = self.lock_vm();
        let vm = guard.as_mut().ok_or_else(no_vm)?;
        if size == 0 {
            return Err(crate::error::MemoryError::Guest("cannot allocate 0 bytes".into()).into());
        }
        let size = (size as u64).div_ceil(PAGE) * PAGE;
        let mut base = ALLOC_START;
        for (b, s, _) in vm.instance.memory().regions() {
            if b + s <= base {
                continue;
            }
            if b >= base + size {
                break;
            }
            base = (b + s).div_ceil(PAGE) * PAGE;
        }
        if base
            .checked_add(size)
            .is_none_or(|end| end > vm.instance.memory().size())
        {
            return Err(crate::error::MemoryError::Exhausted(format!("no room for {size} bytes")).into());
        }
        let rights = match access_rights {
            AccessRights::ReadOnly => GuestRights::Read,
            AccessRights::ReadWrite => GuestRights::ReadWrite,
        };
        vm.instance
            .memory_mut()
            .map_region(base, size, rights)
            .map_err(mem_err)?;
        vm.allocations.insert(base, size);
        Ok(base)
    }

    /// Unmaps a region `allocate` made. Needs `Delete` over that region.
    fn free(&self, address: MemoryAddress, context: &ExecutionContext) -> Result<(), VmError> {
        self.check_region(context, Right::Delete, address)?;
        let mut guard = self.lock_vm();
        let vm = guard.as_mut().ok_or_else(no_vm)?;
        if !vm.allocations.contains_key(&address) {
            return Err(crate::error::MemoryError::NotAllocated(address).into());
        }
        vm.instance.memory_mut().unmap_region(address).map_err(mem_err)?;
        vm.allocations.remove(&address);
        Ok(())
    }

    /// Reads with the guest's rights. Needs `Read` over the region.
    fn read(
        &self,
        address: MemoryAddress,
        length: usize,
        context: &ExecutionContext,
    ) -> Result<Vec<u8>, VmError> {
        let guard = self.lock_vm();
        let vm = guard.as_ref().ok_or_else(no_vm)?;
        self.check_region(context, Right::Read, Self::region_of(vm, address)?)?;
        vm.instance.memory().read(address, length).map_err(mem_err)
    }

    /// Writes with the guest's rights (a read-only region refuses, as it traps for guest code). Needs
    /// `Write` over the region.
    fn write(&self, address: MemoryAddress, data: &[u8], context: &ExecutionContext) -> Result<(), VmError> {
        let mut guard = self.lock_vm();
        let vm = guard.as_mut().ok_or_else(no_vm)?;
        self.check_region(context, Right::Write, Self::region_of(vm, address)?)?;
        vm.instance.memory_mut().write(address, data).map_err(mem_err)
    }
}

impl EffectInterface for CausewayAdapter {
    /// Registers the host handler that guest effects of this name reach (for every program of the
    /// runtime). Needs `Write` over the effect.
    fn register_effect_handler(
        &self,
        effect_type: EffectType,
        handler: Box<dyn EffectHandler>,
        context: &ExecutionContext,
    ) -> Result<(), VmError> {
        self.caps()
            .check(context, Right::Write, Access::Effect(&effect_type.0))?;
        self.runtime.register_effect(effect_type, Arc::from(handler));
        Ok(())
    }

    /// Calls the registered handler directly. Needs `Execute` over the effect.
    fn handle_effect(&self, effect: &Effect, context: &ExecutionContext) -> Result<EffectResult, VmError> {
        self.unproven("handling an effect")?;
        self.caps()
            .check(context, Right::Execute, Access::Effect(&effect.effect_type.0))?;
        let handler = self
            .runtime
            .effect_handler(&effect.effect_type.0)
            .ok_or_else(|| ExecutionError::UnhandledEffect(effect.effect_type.0.clone()))?;
        handler.handle(effect, context)
    }

    /// Whether `effect` satisfies every constraint (capabilities, argument bounds, domains).
    fn validate_effect(
        &self,
        effect: &Effect,
        constraints: &[EffectConstraint],
        context: &ExecutionContext,
    ) -> Result<bool, VmError> {
        let domain = effect.domain.as_ref().unwrap_or(&context.domain);
        for c in constraints {
            let ok = match c {
                EffectConstraint::RequiresRight(r) => self
                    .caps()
                    .check(context, *r, Access::Effect(&effect.effect_type.0))
                    .is_ok(),
                EffectConstraint::ArgumentRange { index, min, max } => {
                    effect.args.get(*index).is_some_and(|a| (*min..=*max).contains(a))
                }
                EffectConstraint::MaxArguments(n) => effect.args.len() <= *n,
                EffectConstraint::AllowedDomains(ds) => ds.contains(domain),
            };
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

impl CausewayAdapter {
    fn check_execute(&self, ctx: &ExecutionContext) -> Result<(), VmError> {
        Ok(self
            .caps()
            .check(ctx, Right::Execute, Access::Domain(&ctx.domain))?)
    }
}

/// VM instances on worker threads (the runtime's `LifecycleManager`). Every method needs `Execute`
/// over the context's domain. Such instances run outside a transaction: they compute, and may use
/// registered effects only through `Runtime::invoke`/`CausewayAdapter::run` (see the module docs of
/// `lifecycle`).
impl VmLifecycleInterface for CausewayAdapter {
    fn initialize(&self, vm_config: &VmConfig, context: &ExecutionContext) -> Result<VmInstanceId, VmError> {
        self.unproven("running a program")?;
        self.check_execute(context)?;
        let program = self.runtime.program(&vm_config.program)?;
        let func = program
            .module()
            .func_by_name(&vm_config.function)
            .ok_or_else(|| {
                ExecutionError::Invalid(format!(
                    "program `{}` has no function `{}`",
                    vm_config.program, vm_config.function
                ))
            })?;
        let arity = program.module().func(func).sig.params.len();
        if arity != vm_config.args.len() {
            return Err(ExecutionError::Invalid(format!(
                "`{}` takes {arity} arguments, {} given",
                vm_config.function,
                vm_config.args.len()
            ))
            .into());
        }
        let instance = self.runtime.instantiate(&program, vm_config.fuel)?;
        Ok(self
            .runtime
            .lifecycle()
            .initialize(instance, vm_config.function.clone(), vm_config.args.clone()))
    }

    fn start(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError> {
        self.check_execute(context)?;
        self.runtime.lifecycle().start(*instance_id)
    }

    fn stop(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError> {
        self.check_execute(context)?;
        self.runtime.lifecycle().stop(*instance_id)
    }

    fn pause(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError> {
        self.check_execute(context)?;
        self.runtime.lifecycle().pause(*instance_id)
    }

    fn resume(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError> {
        self.check_execute(context)?;
        self.runtime.lifecycle().resume(*instance_id)
    }

    fn terminate(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<(), VmError> {
        self.check_execute(context)?;
        self.runtime.lifecycle().terminate(*instance_id)
    }
}
