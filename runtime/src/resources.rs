//! The [`ResourceManager`]: executes operations on resource registers inside store transactions,
//! under capabilities. It is the one place that knows the rules of the resource model (who may do
//! what, to registers in which state, with which quantities); stores only keep registers, and the
//! seed's interface adapters only translate calls into this module's primitives.
//!
//! Every operation first runs all of its checks (capabilities, existence, state, arguments,
//! quantities) against the transaction's view and only then writes, so a failing operation writes
//! nothing; and every public method runs in one store transaction, so a failing batch or cross-domain
//! transfer leaves the store exactly as it was. [`ResourceManager::verify`] runs the same checks on a
//! read-only view and reports every failure instead of the first.
//!
//! Rules decided here (beyond the seed):
//! - An id that does not exist is checked for capabilities as a resource of the context's domain (of
//!   the source domain, for a cross-domain transfer) before it is reported missing, so a caller
//!   without the right learns nothing about which ids exist.
//! - Updates (the `Update` operation and [`ResourceManager::update_register`]) never change a
//!   register's kind, so quantities per kind change only through explicit updates, never by
//!   relabelling. Zero quantities are allowed on creation and update.
//! - [`ResourceManager::update_register`] is how a register is locked, frozen or made active again:
//!   it may change the state among active, locked and frozen; a register that is not active may change
//!   nothing but its state; consuming goes through `Delete`/`Consume`, and a tombstone is final.
//! - A cross-domain transfer records a `DerivedFrom` relationship from the consumed source to the new
//!   register, as splits and merges do.
//! - This module does not run programs: an `Invoke` operation is handed to the invoker given to
//!   [`ResourceManager::apply`], which must do its own capability checks (`Execute`); without one it
//!   is `ExecutionError::Unavailable`.

use crate::capability::{Access, CapabilityManager};
use crate::error::{CrossDomainError, ExecutionError, ResourceError, Right, VmError};
use crate::ops::{ExecutionResult, ResourceOperation, VerificationResult};
use crate::store::{self, Store, Txn};
use crate::types::{
    DomainId, ExecutionContext, OwnerId, RegisterFilter, RegisterState, Relationship, RelationshipDirection,
    RelationshipId, RelationshipType, ResourceData, ResourceId, ResourceRegister, MAX_DATA_LEN, MAX_NAME_LEN,
};
use std::fmt;
use std::sync::Arc;

/// A fault-injection hook: called inside a cross-domain transfer after each of its phases with the
/// phase's name ([`phase::LOCKED`], [`phase::CREATED`], [`phase::CONSUMED`]); an `Err` aborts the
/// whole transfer (and its transaction). For tests, and for embedders that test their own failure
/// handling.
pub type FaultHook = Arc<dyn Fn(&'static str) -> Result<(), VmError> + Send + Sync>;

/// Runs a program invocation (`ResourceOperation::Invoke`) inside the caller's transaction:
/// `(txn, program, function, args)`.
pub type Invoker<'a> = dyn FnMut(&mut dyn Txn, &str, &str, &[i64]) -> Result<ExecutionResult, VmError> + 'a;

/// The phases of a cross-domain transfer, as named to a [`FaultHook`] and in
/// `CrossDomainError::Aborted`.
pub mod phase {
    /// The source register has been locked.
    pub const LOCKED: &str = "locked";
    /// The equivalent register has been created in the target domain.
    pub const CREATED: &str = "created";
    /// The source register has been consumed (the transfer is about to commit).
    pub const CONSUMED: &str = "consumed";
}

/// Why a batch failed: the index of the failing operation (`None` when every operation succeeded but
/// the store could not commit) and its precise error. Nothing of the batch was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchError {
    pub index: Option<usize>,
    pub error: VmError,
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(i) => write!(
                f,
                "operation {i} of the batch failed, nothing was applied: {}",
                self.error
            ),
            None => write!(
                f,
                "the batch could not be committed, nothing was applied: {}",
                self.error
            ),
        }
    }
}

impl std::error::Error for BatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<BatchError> for VmError {
    /// `VmError` has no variant that carries an index, so the failing operation's index is named in
    /// an `ExecutionError::Invalid` message; use [`ResourceManager::execute_batch_indexed`] to get
    /// the precise error.
    fn from(e: BatchError) -> VmError {
        match e.index {
            Some(index) => ExecutionError::Batch {
                index,
                error: Box::new(e.error),
            }
            .into(),
            None => e.error,
        }
    }
}

/// Executes operations on resource registers in a store, under capabilities (see the module docs).
pub struct ResourceManager {
    store: Arc<dyn Store>,
    caps: Arc<CapabilityManager>,
    fault: Option<FaultHook>,
}

impl fmt::Debug for ResourceManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceManager")
            .field("fault_injection", &self.fault.is_some())
            .finish_non_exhaustive()
    }
}

/// How checks report broken rules: the first one as the error (executing), or every one collected
/// (verifying).
struct Checks {
    collect: bool,
    failures: Vec<String>,
}

impl Checks {
    fn first() -> Checks {
        Checks {
            collect: false,
            failures: Vec::new(),
        }
    }

    fn all() -> Checks {
        Checks {
            collect: true,
            failures: Vec::new(),
        }
    }

    /// Passes a rule's outcome on: a broken rule is the error, or is recorded when collecting.
    fn rule<E: Into<VmError>>(&mut self, outcome: Result<(), E>) -> Result<(), VmError> {
        match outcome {
            Ok(()) => Ok(()),
            Err(e) if self.collect => {
                self.failures.push(e.into().to_string());
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn fail(&mut self, e: impl Into<VmError>) -> Result<(), VmError> {
        self.rule(Err(e))
    }

    /// Whether every rule so far held.
    fn clean(&self) -> bool {
        self.failures.is_empty()
    }
}

/// What an operation that passed its checks will write.
enum Plan {
    Create {
        kind: String,
        quantity: u128,
        data: Vec<u8>,
        owner: OwnerId,
        domain: DomainId,
    },
    /// Replace a register (its version is bumped): update, same-store transfer.
    Rewrite(ResourceRegister),
    Consume(ResourceRegister),
    Split {
        source: ResourceRegister,
        amount: u128,
    },
    Merge {
        a: ResourceRegister,
        b: ResourceRegister,
        total: u128,
    },
}

fn check_name(what: &str, name: &str) -> Result<(), ResourceError> {
    if name.is_empty() {
        Err(ResourceError::InvalidArgument(format!("{what} is empty")))
    } else if name.len() > MAX_NAME_LEN {
        Err(ResourceError::InvalidArgument(format!(
            "{what} of {} bytes exceeds the limit of {MAX_NAME_LEN} bytes",
            name.len()
        )))
    } else {
        Ok(())
    }
}

fn check_data(data: &[u8]) -> Result<(), ResourceError> {
    if data.len() > MAX_DATA_LEN {
        Err(ResourceError::DataTooLarge {
            len: data.len(),
            limit: MAX_DATA_LEN,
        })
    } else {
        Ok(())
    }
}

fn require_active(r: &ResourceRegister) -> Result<(), ResourceError> {
    if r.state == RegisterState::Active {
        Ok(())
    } else {
        Err(ResourceError::WrongState {
            id: r.id,
            state: r.state,
            needed: "active",
        })
    }
}

fn internal(what: &str) -> VmError {
    ResourceError::Store(format!("internal inconsistency: {what}")).into()
}

/// Invokes nothing: `execute` and `execute_batch` have no program runtime.
fn no_invoker(_: &mut dyn Txn, program: &str, function: &str, _: &[i64]) -> Result<ExecutionResult, VmError> {
    Err(ExecutionError::Unavailable(
        format!("invoking `{program}.{function}` through ResourceManager::execute"),
        "programs run through the runtime's embedding API (ResourceManager::apply with an invoker)".into(),
    )
    .into())
}

fn invoke_unverifiable(program: &str, function: &str) -> VmError {
    ExecutionError::Unavailable(
        format!("verifying an invocation of `{program}.{function}`"),
        "a program's effects are only known by running it".into(),
    )
    .into()
}

/// `r` with its version bumped.
fn bumped(mut r: ResourceRegister) -> Result<ResourceRegister, VmError> {
    r.version = r
        .version
        .checked_add(1)
        .ok_or_else(|| ResourceError::Overflow(format!("version of {} is at its maximum", r.id)))?;
    Ok(r)
}

/// Writes `r` back with its version bumped; returns its id.
fn rewrite(txn: &mut dyn Txn, r: ResourceRegister) -> Result<ResourceId, VmError> {
    let r = bumped(r)?;
    let id = r.id;
    txn.put(r)?;
    Ok(id)
}

/// [`rewrite`], returning the register as written.
fn rewrite_kept(txn: &mut dyn Txn, r: ResourceRegister) -> Result<ResourceRegister, VmError> {
    let r = bumped(r)?;
    txn.put(r.clone())?;
    Ok(r)
}

/// Creates an active register (version 0) with a fresh nonce; returns its id.
fn insert(
    txn: &mut dyn Txn,
    kind: String,
    quantity: u128,
    data: Vec<u8>,
    owner: OwnerId,
    domain: DomainId,
) -> Result<ResourceId, VmError> {
    let nonce = txn.next_nonce()?;
    let id = ResourceId::derive(&kind, quantity, &data, &owner, &domain, nonce);
    if txn.get(&id)?.is_some() {
        return Err(internal(&format!(
            "the store handed out nonce {nonce} twice (id {id} exists)"
        )));
    }
    txn.put(ResourceRegister {
        id,
        kind,
        quantity,
        data,
        owner,
        domain,
        state: RegisterState::Active,
        version: 0,
        nonce,
    })?;
    Ok(id)
}

impl ResourceManager {
    pub fn new(store: Arc<dyn Store>, caps: Arc<CapabilityManager>) -> ResourceManager {
        ResourceManager {
            store,
            caps,
            fault: None,
        }
    }

    /// Installs a [`FaultHook`], called between the phases of every cross-domain transfer. A test
    /// hook (also for embedders' fault-injection tests); production code has no reason to set one.
    pub fn with_fault_injection(mut self, hook: FaultHook) -> ResourceManager {
        self.fault = Some(hook);
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn capabilities(&self) -> &Arc<CapabilityManager> {
        &self.caps
    }

    /// Loads a register for an operation that needs `right` over it: checks the right (over the
    /// register's domain, or `assumed` when the id is unknown), then existence.
    fn load(
        &self,
        txn: &dyn Txn,
        id: &ResourceId,
        right: Right,
        assumed: &DomainId,
        ctx: &ExecutionContext,
        c: &mut Checks,
    ) -> Result<Option<ResourceRegister>, VmError> {
        let found = txn.get(id)?;
        let domain = found.as_ref().map_or(assumed, |r| &r.domain);
        c.rule(self.caps.check(ctx, right, Access::Resource { id, domain }))?;
        if found.is_none() {
            c.fail(ResourceError::NotFound(*id))?;
        }
        Ok(found)
    }

    /// Runs every check of `op` (not `Invoke`); returns what to write when all held.
    fn check_op(
        &self,
        txn: &dyn Txn,
        op: &ResourceOperation,
        ctx: &ExecutionContext,
        c: &mut Checks,
    ) -> Result<Option<Plan>, VmError> {
        use ResourceOperation as Op;
        let plan = match op {
            Op::Create { data, domain } => {
                let domain = domain.as_ref().unwrap_or(&ctx.domain);
                c.rule(self.caps.check(ctx, Right::Create, Access::Domain(domain)))?;
                c.rule(check_name("domain name", &domain.0))?;
                c.rule(check_name("resource kind", &data.kind))?;
                c.rule(check_data(&data.data))?;
                Plan::Create {
                    kind: data.kind.clone(),
                    quantity: data.quantity,
                    data: data.data.clone(),
                    owner: data.owner.unwrap_or(ctx.caller),
                    domain: domain.clone(),
                }
            }
            Op::Update { id, data } => {
                let Some(r) = self.load(txn, id, Right::Write, &ctx.domain, ctx, c)? else {
                    return Ok(None);
                };
                c.rule(require_active(&r))?;
                if data.kind != r.kind {
                    c.fail(ResourceError::InvalidArgument(format!(
                        "an update cannot change the kind of {id} from `{}` to `{}`",
                        r.kind, data.kind
                    )))?;
                }
                c.rule(check_data(&data.data))?;
                let mut new = r;
                new.quantity = data.quantity;
                new.data = data.data.clone();
                new.owner = data.owner.unwrap_or(new.owner);
                Plan::Rewrite(new)
            }
            Op::Delete { id } | Op::Consume { id } => {
                let Some(r) = self.load(txn, id, Right::Delete, &ctx.domain, ctx, c)? else {
                    return Ok(None);
                };
                c.rule(require_active(&r))?;
                Plan::Consume(r)
            }
            Op::Transfer { id, target } => {
                let r = self.load(txn, id, Right::Transfer, &ctx.domain, ctx, c)?;
                c.rule(self.caps.check(ctx, Right::Transfer, Access::Domain(target)))?;
                c.rule(check_name("domain name", &target.0))?;
                let Some(mut r) = r else { return Ok(None) };
                if r.domain == *target {
                    c.fail(CrossDomainError::SameDomain(target.clone()))?;
                }
                c.rule(require_active(&r))?;
                r.domain = target.clone();
                Plan::Rewrite(r)
            }
            Op::Split { id, amount } => {
                let Some(r) = self.load(txn, id, Right::Write, &ctx.domain, ctx, c)? else {
                    return Ok(None);
                };
                c.rule(self.caps.check(ctx, Right::Create, Access::Domain(&r.domain)))?;
                c.rule(require_active(&r))?;
                if *amount == 0 {
                    c.fail(ResourceError::InvalidArgument(format!(
                        "cannot split an amount of 0 out of {id}"
                    )))?;
                } else if *amount > r.quantity {
                    c.fail(ResourceError::InsufficientQuantity {
                        id: *id,
                        has: r.quantity,
                        needs: *amount,
                    })?;
                } else if *amount == r.quantity {
                    c.fail(ResourceError::InvalidArgument(format!(
                        "splitting all of {id}'s quantity {amount} would leave it empty (transfer it instead)"
                    )))?;
                }
                Plan::Split {
                    source: r,
                    amount: *amount,
                }
            }
            Op::Merge { a, b } => {
                if a == b {
                    c.fail(ResourceError::InvalidArgument(format!(
                        "cannot merge {a} with itself"
                    )))?;
                    return Ok(None);
                }
                let ra = self.load(txn, a, Right::Delete, &ctx.domain, ctx, c)?;
                let rb = self.load(txn, b, Right::Delete, &ctx.domain, ctx, c)?;
                if let Some(r) = ra.as_ref().or(rb.as_ref()) {
                    c.rule(self.caps.check(ctx, Right::Create, Access::Domain(&r.domain)))?;
                }
                let (Some(ra), Some(rb)) = (ra, rb) else {
                    return Ok(None);
                };
                c.rule(require_active(&ra))?;
                c.rule(require_active(&rb))?;
                let mut why = Vec::new();
                if ra.kind != rb.kind {
                    why.push(format!("kinds differ (`{}` and `{}`)", ra.kind, rb.kind));
                }
                if ra.owner != rb.owner {
                    why.push("owners differ".to_owned());
                }
                if ra.domain != rb.domain {
                    why.push(format!("domains differ ({} and {})", ra.domain, rb.domain));
                }
                if !why.is_empty() {
                    c.fail(ResourceError::Incompatible {
                        a: *a,
                        b: *b,
                        why: why.join("; "),
                    })?;
                }
                let total = ra.quantity.checked_add(rb.quantity);
                if total.is_none() {
                    c.fail(ResourceError::Overflow(format!(
                        "merging {a} ({}) and {b} ({}) exceeds the largest quantity",
                        ra.quantity, rb.quantity
                    )))?;
                }
                Plan::Merge {
                    a: ra,
                    b: rb,
                    total: total.unwrap_or(0),
                }
            }
            Op::Invoke {
                program, function, ..
            } => return Err(invoke_unverifiable(program, function)),
        };
        Ok(c.clean().then_some(plan))
    }

    /// Writes what a checked operation decided.
    fn commit(&self, txn: &mut dyn Txn, plan: Plan) -> Result<ExecutionResult, VmError> {
        let mut out = ExecutionResult::default();
        match plan {
            Plan::Create {
                kind,
                quantity,
                data,
                owner,
                domain,
            } => {
                out.created
                    .push(insert(txn, kind, quantity, data, owner, domain)?);
            }
            Plan::Rewrite(r) => out.updated.push(rewrite(txn, r)?),
            Plan::Consume(mut r) => {
                r.state = RegisterState::Consumed;
                out.consumed.push(rewrite(txn, r)?);
            }
            Plan::Split { mut source, amount } => {
                let new = insert(
                    txn,
                    source.kind.clone(),
                    amount,
                    source.data.clone(),
                    source.owner,
                    source.domain.clone(),
                )?;
                source.quantity = source
                    .quantity
                    .checked_sub(amount)
                    .ok_or_else(|| internal("split underflow"))?;
                let source = rewrite(txn, source)?;
                txn.put_relationship(&source, &new, &RelationshipType::DerivedFrom)?;
                out.created.push(new);
                out.updated.push(source);
            }
            Plan::Merge { mut a, mut b, total } => {
                a.state = RegisterState::Consumed;
                b.state = RegisterState::Consumed;
                let (kind, data, owner, domain) = (a.kind.clone(), a.data.clone(), a.owner, a.domain.clone());
                let a = rewrite(txn, a)?;
                let b = rewrite(txn, b)?;
                let new = insert(txn, kind, total, data, owner, domain)?;
                txn.put_relationship(&a, &new, &RelationshipType::DerivedFrom)?;
                txn.put_relationship(&b, &new, &RelationshipType::DerivedFrom)?;
                out.created.push(new);
                out.consumed.extend([a, b]);
            }
        }
        Ok(out)
    }

    /// Applies one operation inside `txn`: runs every check first (capabilities, existence, state,
    /// arguments, quantities) and returns the first failure as a precise error before writing
    /// anything, so the transaction may go on after a refused operation; then writes. (An error of
    /// the store itself may come after some writes: the caller must then abort the transaction.) `Invoke` is handed to `invoke(txn, program, function, args)`, which must check
    /// the context's `Execute` right itself. For embedders composing operations and program runs in
    /// one transaction (`store::transact`).
    pub fn apply(
        &self,
        txn: &mut dyn Txn,
        op: &ResourceOperation,
        ctx: &ExecutionContext,
        invoke: &mut Invoker<'_>,
    ) -> Result<ExecutionResult, VmError> {
        if let ResourceOperation::Invoke {
            program,
            function,
            args,
        } = op
        {
            return invoke(txn, program, function, args);
        }
        let plan = self.check_op(&*txn, op, ctx, &mut Checks::first())?;
        let plan = plan.ok_or_else(|| internal("an operation passed its checks without a plan"))?;
        self.commit(txn, plan)
    }

    /// Executes one operation in its own transaction. `Invoke` is `ExecutionError::Unavailable`
    /// here (see [`ResourceManager::apply`]).
    pub fn execute(
        &self,
        op: &ResourceOperation,
        ctx: &ExecutionContext,
    ) -> Result<ExecutionResult, VmError> {
        store::transact(&*self.store, |txn| self.apply(txn, op, ctx, &mut no_invoker))
    }

    /// Executes `ops` in order in one transaction, all or nothing; the error of a failing batch names
    /// the failing operation's index (in the message: see `From<BatchError> for VmError`).
    pub fn execute_batch(
        &self,
        ops: &[ResourceOperation],
        ctx: &ExecutionContext,
    ) -> Result<Vec<ExecutionResult>, VmError> {
        self.execute_batch_indexed(ops, ctx).map_err(VmError::from)
    }

    /// [`ResourceManager::execute_batch`] with the failing operation's index and precise error.
    pub fn execute_batch_indexed(
        &self,
        ops: &[ResourceOperation],
        ctx: &ExecutionContext,
    ) -> Result<Vec<ExecutionResult>, BatchError> {
        self.execute_batch_with(ops, ctx, &mut no_invoker)
    }

    /// [`ResourceManager::execute_batch_indexed`] with an invoker for `Invoke` operations.
    pub fn execute_batch_with(
        &self,
        ops: &[ResourceOperation],
        ctx: &ExecutionContext,
        invoke: &mut Invoker<'_>,
    ) -> Result<Vec<ExecutionResult>, BatchError> {
        let mut failed_at = None;
        let outcome = store::transact(&*self.store, |txn| {
            failed_at = None;
            let mut results = Vec::with_capacity(ops.len());
            for (index, op) in ops.iter().enumerate() {
                match self.apply(txn, op, ctx, invoke) {
                    Ok(r) => results.push(r),
                    Err(e) => {
                        failed_at = Some(index);
                        return Err(e);
                    }
                }
            }
            Ok(results)
        });
        outcome.map_err(|error| BatchError {
            index: failed_at,
            error,
        })
    }

    /// Runs every check of `op` against the store without changing it, and reports every failure.
    /// An `Invoke` cannot be verified without running it: `ExecutionError::Unavailable`.
    pub fn verify(
        &self,
        op: &ResourceOperation,
        ctx: &ExecutionContext,
    ) -> Result<VerificationResult, VmError> {
        if let ResourceOperation::Invoke {
            program, function, ..
        } = op
        {
            return Err(invoke_unverifiable(program, function));
        }
        let failures = store::read(&*self.store, |txn| {
            let mut c = Checks::all();
            self.check_op(txn, op, ctx, &mut c)?;
            Ok(c.failures)
        })?;
        Ok(VerificationResult {
            valid: failures.is_empty(),
            failures,
        })
    }

    /// Creates a register in `domain` (the context's domain when `None`); owner is `data.owner` or
    /// the context's caller. Needs `Create` over the domain.
    pub fn create(
        &self,
        data: ResourceData,
        domain: Option<DomainId>,
        ctx: &ExecutionContext,
    ) -> Result<ResourceId, VmError> {
        let result = self.execute(&ResourceOperation::Create { data, domain }, ctx)?;
        result
            .created
            .first()
            .copied()
            .ok_or_else(|| internal("a create created nothing"))
    }

    /// The register `id` (tombstones included), or `None` when there is none. Needs `Read` over it.
    pub fn get(&self, id: &ResourceId, ctx: &ExecutionContext) -> Result<Option<ResourceRegister>, VmError> {
        store::read(&*self.store, |txn| self.get_in(txn, id, ctx))
    }

    /// [`ResourceManager::get`] inside an open transaction (a program invocation's).
    pub fn get_in(
        &self,
        txn: &dyn Txn,
        id: &ResourceId,
        ctx: &ExecutionContext,
    ) -> Result<Option<ResourceRegister>, VmError> {
        let found = txn.get(id)?;
        let domain = found.as_ref().map_or(&ctx.domain, |r| &r.domain);
        self.caps
            .check(ctx, Right::Read, Access::Resource { id, domain })?;
        Ok(found)
    }

    /// The registers matching `filter` (all when `None`) that the context may read; the others are
    /// left out, not reported.
    pub fn list(
        &self,
        filter: Option<RegisterFilter>,
        ctx: &ExecutionContext,
    ) -> Result<Vec<ResourceRegister>, VmError> {
        let filter = filter.unwrap_or_default();
        store::read(&*self.store, |txn| {
            let mut all = txn.list(&filter)?;
            all.retain(|r| {
                self.caps
                    .check(
                        ctx,
                        Right::Read,
                        Access::Resource {
                            id: &r.id,
                            domain: &r.domain,
                        },
                    )
                    .is_ok()
            });
            Ok(all)
        })
    }

    /// The seed's `update_resource_register`: replaces the stored register `register.id` with
    /// `register`. Needs `Write` over it. Id, kind, domain (use a transfer) and nonce are immutable;
    /// `register.version` must be the stored version (optimistic concurrency), and the stored version
    /// becomes one more. The state may change among active, locked and frozen (consuming is
    /// `Delete`); a register that is not active may change only its state; a tombstone not at all.
    pub fn update_register(
        &self,
        register: &ResourceRegister,
        ctx: &ExecutionContext,
    ) -> Result<(), VmError> {
        store::transact(&*self.store, |txn| {
            let id = register.id;
            let stored = self
                .load(&*txn, &id, Right::Write, &ctx.domain, ctx, &mut Checks::first())?
                .ok_or(ResourceError::NotFound(id))?;
            if stored.state == RegisterState::Consumed {
                return Err(ResourceError::WrongState {
                    id,
                    state: stored.state,
                    needed: "not consumed",
                }
                .into());
            }
            let invalid =
                |what: String| -> Result<(), VmError> { Err(ResourceError::InvalidArgument(what).into()) };
            if register.domain != stored.domain {
                invalid(format!(
                    "cannot move {id} from domain {} to {} by updating it (transfer it)",
                    stored.domain, register.domain
                ))?;
            }
            if register.kind != stored.kind {
                invalid(format!(
                    "cannot change the kind of {id} from `{}` to `{}`",
                    stored.kind, register.kind
                ))?;
            }
            if register.nonce != stored.nonce {
                invalid(format!("the creation nonce of {id} is immutable"))?;
            }
            if register.version != stored.version {
                return Err(ResourceError::Conflict {
                    id,
                    expected: register.version,
                    actual: stored.version,
                }
                .into());
            }
            if register.state == RegisterState::Consumed {
                invalid(format!(
                    "cannot consume {id} by updating it (delete or consume it)"
                ))?;
            }
            let contents_changed = register.quantity != stored.quantity
                || register.data != stored.data
                || register.owner != stored.owner;
            if contents_changed && stored.state != RegisterState::Active {
                return Err(ResourceError::WrongState {
                    id,
                    state: stored.state,
                    needed: "active (a locked or frozen register may change only its state)",
                }
                .into());
            }
            check_data(&register.data)?;
            rewrite(txn, register.clone())?;
            Ok(())
        })
    }

    /// Records a relationship from `source` to `target` (both must exist, in any state). Needs
    /// `Write` over the source.
    pub fn create_relationship(
        &self,
        source: &ResourceId,
        target: &ResourceId,
        kind: RelationshipType,
        ctx: &ExecutionContext,
    ) -> Result<RelationshipId, VmError> {
        store::transact(&*self.store, |txn| {
            self.load(
                &*txn,
                source,
                Right::Write,
                &ctx.domain,
                ctx,
                &mut Checks::first(),
            )?;
            if txn.get(target)?.is_none() {
                return Err(ResourceError::NotFound(*target).into());
            }
            if source == target {
                return Err(
                    ResourceError::InvalidArgument(format!("cannot relate {source} to itself")).into(),
                );
            }
            if let RelationshipType::Custom(name) = &kind {
                check_name("relationship kind", name)?;
            }
            txn.put_relationship(source, target, &kind)
        })
    }

    /// The relationships of `id` in `direction`. Needs `Read` over it; an unknown id is `NotFound`.
    pub fn relationships(
        &self,
        id: &ResourceId,
        direction: RelationshipDirection,
        ctx: &ExecutionContext,
    ) -> Result<Vec<Relationship>, VmError> {
        store::read(&*self.store, |txn| {
            self.load(txn, id, Right::Read, &ctx.domain, ctx, &mut Checks::first())?;
            txn.relationships(id, direction)
        })
    }

    /// Runs the fault hook, if any, after `phase`.
    fn reached(&self, phase: &'static str) -> Result<(), VmError> {
        match &self.fault {
            Some(hook) => hook(phase),
            None => Ok(()),
        }
    }

    /// Moves register `id` from domain `source` to domain `target` in two phases, in one transaction:
    /// lock it in the source, create an equivalent register (same kind, quantity, data and owner; a
    /// fresh id) in the target, consume the source. Needs `Transfer` over the register and `Create`
    /// over the target domain. Each phase is checked; any failure (`CrossDomainError::Aborted` names
    /// the phase) aborts the transaction, leaving the source as it was. Returns (source id, new id).
    pub fn transfer_cross_domain(
        &self,
        id: &ResourceId,
        source: &DomainId,
        target: &DomainId,
        ctx: &ExecutionContext,
    ) -> Result<(ResourceId, ResourceId), VmError> {
        store::transact(&*self.store, |txn| {
            if source == target {
                return Err(CrossDomainError::SameDomain(source.clone()).into());
            }
            let r = self
                .load(&*txn, id, Right::Transfer, source, ctx, &mut Checks::first())?
                .ok_or(ResourceError::NotFound(*id))?;
            self.caps.check(ctx, Right::Create, Access::Domain(target))?;
            check_name("domain name", &target.0)?;
            if r.domain != *source {
                return Err(CrossDomainError::WrongDomain {
                    id: *id,
                    expected: source.clone(),
                    actual: r.domain,
                }
                .into());
            }
            require_active(&r)?;
            let aborted = |phase: &'static str| {
                move |e: VmError| -> VmError {
                    CrossDomainError::Aborted {
                        phase,
                        why: e.to_string(),
                    }
                    .into()
                }
            };
            let stored_as = |txn: &dyn Txn, id: &ResourceId, state: RegisterState| -> Result<(), VmError> {
                match txn.get(id)? {
                    Some(r) if r.state == state => Ok(()),
                    Some(r) => Err(internal(&format!(
                        "{id} is {} after the phase, not {state}",
                        r.state
                    ))),
                    None => Err(internal(&format!("{id} is missing after the phase"))),
                }
            };

            let mut locked = r.clone();
            locked.state = RegisterState::Locked;
            let locked = (|| {
                let locked = rewrite_kept(txn, locked)?;
                stored_as(&*txn, id, RegisterState::Locked)?;
                self.reached(phase::LOCKED)?;
                Ok(locked)
            })()
            .map_err(aborted(phase::LOCKED))?;

            let new_id = (|| {
                let new_id = insert(
                    txn,
                    r.kind.clone(),
                    r.quantity,
                    r.data.clone(),
                    r.owner,
                    target.clone(),
                )?;
                txn.put_relationship(id, &new_id, &RelationshipType::DerivedFrom)?;
                match txn.get(&new_id)? {
                    Some(n) if n.quantity == r.quantity && n.kind == r.kind && n.domain == *target => {}
                    _ => return Err(internal(&format!("{new_id} was not recorded in domain {target}"))),
                }
                self.reached(phase::CREATED)?;
                Ok(new_id)
            })()
            .map_err(aborted(phase::CREATED))?;

            (|| {
                let mut consumed = locked;
                consumed.state = RegisterState::Consumed;
                rewrite(txn, consumed)?;
                stored_as(&*txn, id, RegisterState::Consumed)?;
                self.reached(phase::CONSUMED)
            })()
            .map_err(aborted(phase::CONSUMED))?;
            Ok((*id, new_id))
        })
    }
}
