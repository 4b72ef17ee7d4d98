//! The seed's adapter and factory: a `CausewayAdapter` implements the interface traits over one
//! runtime's resource manager; `VmInterfaceFactory` makes adapters by `VmType`.
//!
//! Built so far: resources, resource management, operations (primitives and batches), cross-domain
//! transfers and versioning. Program invocations, memory, effects and lifecycle arrive with the
//! embedding API (issue 4's next steps); until then the adapter does not implement those traits, and
//! an `Invoke` operation is a clear `ExecutionError::Unavailable`. Owns no rules of its own: every
//! check lives in `resources` and `capability`.

use crate::capability::{Access, CapabilityManager};
use crate::error::{CrossDomainError, ExecutionError, ResourceError, Right, VmError};
use crate::interfaces::*;
use crate::ops::{ExecutionResult, ResourceOperation, VerificationResult};
use crate::resources::ResourceManager;
use crate::store::Store;
use crate::types::*;
use std::sync::Arc;

/// One VM's view of a runtime (the seed's `RiscVAdapter`, `EvmAdapter`, ...).
pub struct CausewayAdapter {
    vm_type: VmType,
    resources: Arc<ResourceManager>,
}

impl CausewayAdapter {
    pub fn new(vm_type: VmType, resources: Arc<ResourceManager>) -> CausewayAdapter {
        CausewayAdapter { vm_type, resources }
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
        self.resources.create(resource_data, None, context)
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
        self.resources.execute(
            &ResourceOperation::Update {
                id: *resource_id,
                data: resource_data,
            },
            context,
        )?;
        Ok(())
    }

    fn delete_resource(&self, resource_id: &ResourceId, context: &ExecutionContext) -> Result<(), VmError> {
        self.resources
            .execute(&ResourceOperation::Delete { id: *resource_id }, context)?;
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
        self.resources.execute(&op, context)?;
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
        self.resources.execute(operation, context)
    }

    fn execute_batch(
        &self,
        operations: &[ResourceOperation],
        context: &ExecutionContext,
    ) -> Result<Vec<ExecutionResult>, VmError> {
        self.resources.execute_batch(operations, context)
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
    resources: Arc<ResourceManager>,
}

impl VmInterfaceFactory {
    pub fn new(store: Arc<dyn Store>, capabilities: Arc<CapabilityManager>) -> VmInterfaceFactory {
        VmInterfaceFactory {
            resources: Arc::new(ResourceManager::new(store, capabilities)),
        }
    }

    pub fn resources(&self) -> &Arc<ResourceManager> {
        &self.resources
    }

    /// An adapter for `vm_type`. `Evm` and `CosmWasm` are not available; `RiscV` and `ZkVm` get their
    /// front end and proofs with their own issues, and until then are not available either.
    pub fn create_adapter(&self, vm_type: VmType) -> Result<CausewayAdapter, VmError> {
        match vm_type {
            VmType::Tel => Ok(CausewayAdapter::new(vm_type, self.resources.clone())),
            VmType::RiscV => Err(unavailable("the RISC-V VM", "its front end arrives with issue 6")),
            VmType::ZkVm => Err(unavailable("the ZK VM", "proofs arrive with issue 8")),
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
