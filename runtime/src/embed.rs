//! The embedding API, in wasmtime's shape: an [`Engine`] compiles, a [`Program`] is compiled code that
//! can be instantiated many times, and a [`Runtime`] holds the resource store, the capability manager,
//! the registered programs and the host effect handlers, and runs programs as transactions.
//!
//! A program invocation is one transaction: the program's resource effects (the standard effects
//! below) apply to the invocation's transaction, so a program that fails (trap, host error, fuel,
//! a refused capability) leaves every resource as it was. Effects that are not standard go to the
//! handler registered for their name (`EffectInterface`).
//!
//! ## Standard effects for IR programs
//! Import them as `effect` imports with exactly these signatures. Resources are named by *handles*
//! (indexes into the invocation's handle table); strings and ids live in guest memory.
//! | import | meaning |
//! | --- | --- |
//! | `create_resource(kind_ptr: i64, kind_len: i64, quantity: i64, data_ptr: i64, data_len: i64) -> (i64)` | create in the context's domain; the new handle |
//! | `quantity(h: i64) -> (i64)` | a register's quantity |
//! | `update_resource(h: i64, quantity: i64, data_ptr: i64, data_len: i64) -> ()` | update |
//! | `transfer(h: i64, domain_ptr: i64, domain_len: i64) -> ()` | move to another domain |
//! | `split(h: i64, amount: i64) -> (i64)` | carve `amount` out; the new handle |
//! | `merge(a: i64, b: i64) -> (i64)` | join two registers; the new handle |
//! | `consume(h: i64) -> ()` | consume |
//! | `resource_id(h: i64, out_ptr: i64) -> ()` | write the 32-byte id to guest memory |
//! | `resource_handle(id_ptr: i64) -> (i64)` | a handle for the id at `id_ptr` (must exist) |
//! | `data(h: i64, out_ptr: i64, cap: i64) -> (i64)` | a register's data length; writes its first `cap` bytes to `out_ptr` |
//! | `log(ptr: i64, len: i64) -> ()` | append a line to the invocation's log |
//! | `now() -> (i64)` | the context's logical time |
//!
//! Negative quantities and amounts are `InvalidArgument`; a quantity above `i64::MAX` read by
//! `quantity` is an `Overflow`. Must never generate code or interpret IR itself: the engine does.

use crate::capability::{Access, CapabilityManager};
use crate::error::{ExecutionError, ResourceError, Right, VmError};
use crate::interfaces::{Effect, EffectHandler, EffectType};
use crate::ops::{ExecutionResult, ResourceOperation};
use crate::resources::ResourceManager;
use crate::store::{self, Store, Txn};
use crate::types::{DomainId, ExecutionContext, ResourceData, ResourceId};
use causeway_engine::host::{HostCtx, HostOutcome, Linker};
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::{ImportKind, Module, Signature, Type};
use causeway_engine::jit::{CompileOptions, CompiledModule};
use causeway_engine::stop::Stop;
use scoped_tls_hkt::scoped_thread_local;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Compiles programs.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    options: CompileOptions,
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    pub fn with_options(options: CompileOptions) -> Engine {
        Engine { options }
    }

    /// Verifies and compiles an IR module.
    pub fn compile(&self, module: Module) -> Result<Program, VmError> {
        let compiled = CompiledModule::compile(Arc::new(module), self.options)
            .map_err(|e| ExecutionError::Compile(e.to_string()))?;
        Ok(Program {
            compiled: Arc::new(compiled),
            hooks: None,
        })
    }

    /// Parses, verifies and compiles IR text.
    pub fn compile_ir(&self, text: &str) -> Result<Program, VmError> {
        let module = causeway_engine::ir::parse::parse_module(text)
            .map_err(|e| ExecutionError::Compile(format!("{e}")))?;
        self.compile(module)
    }
}

/// What a front end adds to every instance of its programs: host functions with state of their
/// own per instance (RISC-V's system interface) and the resolver of the module's dynamic slots.
pub trait InstanceHooks: Send + Sync {
    /// Defines the program's own imports in `linker`, with fresh state for one instance of
    /// `runtime` that gets `fuel`.
    fn link(&self, linker: &mut Linker, runtime: &Runtime, fuel: Option<u64>);
    /// The resolver of the module's dynamic slots for one instance, if the module has any.
    fn resolver(&self) -> Option<causeway_engine::exec::Resolver>;
}

/// Compiled code; cheap to clone, instantiated any number of times without recompiling.
#[derive(Clone)]
pub struct Program {
    compiled: Arc<CompiledModule>,
    hooks: Option<Arc<dyn InstanceHooks>>,
}

impl Program {
    /// A program whose instances get `hooks`' imports and resolver (see [`InstanceHooks`]).
    pub fn with_hooks(compiled: Arc<CompiledModule>, hooks: Arc<dyn InstanceHooks>) -> Program {
        Program {
            compiled,
            hooks: Some(hooks),
        }
    }

    pub fn module(&self) -> &Module {
        &self.compiled.module
    }

    pub fn compiled(&self) -> &Arc<CompiledModule> {
        &self.compiled
    }

    pub fn module_arc(&self) -> Arc<Module> {
        self.compiled.module.clone()
    }
}

/// What an invocation accumulates.
#[derive(Default)]
pub(crate) struct InvocationState {
    handles: Vec<ResourceId>,
    result: ExecutionResult,
    /// The precise error a host effect failed with (the engine only carries its message).
    error: Option<VmError>,
}

/// The invocation that host effects reach (see `INVOCATION`): borrowed pieces only, so that it can be
/// reborrowed for each effect.
pub(crate) struct Invocation<'a> {
    pub(crate) txn: &'a mut dyn Txn,
    pub(crate) ctx: &'a ExecutionContext,
    pub(crate) resources: &'a ResourceManager,
    pub(crate) state: &'a mut InvocationState,
}

impl<'a, 'b> scoped_tls_hkt::ReborrowMut<'a> for Invocation<'b> {
    type Result = Invocation<'a>;
    fn reborrow_mut(&'a mut self) -> Invocation<'a> {
        Invocation {
            txn: &mut *self.txn,
            ctx: self.ctx,
            resources: self.resources,
            state: &mut *self.state,
        }
    }
}

scoped_thread_local!(
    /// The invocation running on this thread: set for exactly the duration of a guest call, so that
    /// host effects (which the engine calls synchronously on the same thread) reach its transaction.
    static mut INVOCATION: for<'a> Invocation<'a>
);

type HostResult = Result<HostOutcome, String>;

/// Performs registered effect `name` with `handler` inside the current invocation: checks the
/// `Execute` right over the effect, calls the handler and checks it returned `want` values.
pub(crate) fn perform_registered(
    handler: &dyn EffectHandler,
    name: &str,
    want: Option<usize>,
    args: &[i64],
    results: &mut [i64],
) -> HostResult {
    in_invocation(
        name,
        |inv| {
            let effect = Effect {
                effect_type: EffectType(name.to_string()),
                args: args.to_vec(),
                domain: Some(inv.ctx.domain.clone()),
            };
            let caps = inv.resources.capabilities();
            caps.check(inv.ctx, Right::Execute, Access::Effect(name))?;
            let r = handler.handle(&effect, inv.ctx)?;
            if let Some(want) = want.filter(|&w| w != r.values.len()) {
                return Err(ExecutionError::Invalid(format!(
                    "the handler of `{name}` returned {} values, {want} are expected",
                    r.values.len()
                ))
                .into());
            }
            Ok(r.values)
        },
        results,
    )
}

/// Performs standard effect `name` (see [`standard_effects`]) inside the current invocation.
pub(crate) fn perform_standard(
    name: &str,
    ctx: &mut HostCtx<'_>,
    args: &[i64],
    results: &mut [i64],
) -> HostResult {
    in_invocation(name, |inv| inv.standard(name, ctx, args), results)
}

/// The standard effects, by name, with their signatures, in the order of their numbers (RISC-V
/// guests call effect k as system call `0x4341_0000 + k`).
pub(crate) fn standard_effects() -> Vec<(&'static str, Signature)> {
    let sig = |p: usize, r: usize| Signature {
        params: vec![Type::I64; p],
        results: vec![Type::I64; r],
    };
    vec![
        ("create_resource", sig(5, 1)),
        ("quantity", sig(1, 1)),
        ("update_resource", sig(4, 0)),
        ("transfer", sig(3, 0)),
        ("split", sig(2, 1)),
        ("merge", sig(2, 1)),
        ("consume", sig(1, 0)),
        ("resource_id", sig(2, 0)),
        ("resource_handle", sig(1, 1)),
        ("data", sig(3, 1)),
        ("log", sig(2, 0)),
        ("now", sig(0, 1)),
    ]
}

fn read_bytes(mem: &HostCtx<'_>, ptr: i64, len: i64) -> Result<Vec<u8>, VmError> {
    if len < 0 || len as usize > crate::types::MAX_DATA_LEN {
        return Err(ResourceError::InvalidArgument(format!("byte length {len}")).into());
    }
    mem.memory
        .read(ptr as u64, len as usize)
        .map_err(|e| crate::error::MemoryError::Guest(e.to_string()).into())
}

fn read_string(mem: &HostCtx<'_>, ptr: i64, len: i64) -> Result<String, VmError> {
    String::from_utf8(read_bytes(mem, ptr, len)?)
        .map_err(|_| ResourceError::InvalidArgument("a string that is not UTF-8".into()).into())
}

fn non_negative(v: i64, what: &str) -> Result<u128, VmError> {
    u128::try_from(v).map_err(|_| ResourceError::InvalidArgument(format!("negative {what} {v}")).into())
}

impl Invocation<'_> {
    fn handle(&self, h: i64) -> Result<ResourceId, VmError> {
        usize::try_from(h)
            .ok()
            .and_then(|i| self.state.handles.get(i).copied())
            .ok_or_else(|| ResourceError::InvalidArgument(format!("unknown resource handle {h}")).into())
    }

    /// The register behind handle `h` (it must exist and be readable under the context).
    fn register(&self, h: i64) -> Result<crate::types::ResourceRegister, VmError> {
        let id = self.handle(h)?;
        Ok(self
            .resources
            .get_in(&*self.txn, &id, self.ctx)?
            .ok_or(ResourceError::NotFound(id))?)
    }

    fn new_handle(&mut self, id: ResourceId) -> i64 {
        self.state.handles.push(id);
        (self.state.handles.len() - 1) as i64
    }

    fn apply(&mut self, op: ResourceOperation) -> Result<ExecutionResult, VmError> {
        let mut nested = |_: &mut dyn Txn, p: &str, f: &str, _: &[i64]| -> Result<ExecutionResult, VmError> {
            Err(ExecutionError::Invalid(format!(
                "a program cannot invoke `{p}.{f}` from inside an invocation"
            ))
            .into())
        };
        let r = self.resources.apply(self.txn, &op, self.ctx, &mut nested)?;
        self.state.result.created.extend(&r.created);
        self.state.result.updated.extend(&r.updated);
        self.state.result.consumed.extend(&r.consumed);
        Ok(r)
    }

    fn created_handle(&mut self, r: ExecutionResult) -> Result<i64, VmError> {
        let id = r
            .created
            .first()
            .copied()
            .ok_or_else(|| ExecutionError::Invalid("no register was created".into()))?;
        Ok(self.new_handle(id))
    }

    /// One standard effect: the values it returns.
    fn standard(&mut self, name: &str, mem: &mut HostCtx<'_>, a: &[i64]) -> Result<Vec<i64>, VmError> {
        Ok(match name {
            "create_resource" => {
                let kind = read_string(mem, a[0], a[1])?;
                let data = read_bytes(mem, a[3], a[4])?;
                let quantity = non_negative(a[2], "quantity")?;
                let r = self.apply(ResourceOperation::Create {
                    data: ResourceData {
                        kind,
                        quantity,
                        data,
                        owner: None,
                    },
                    domain: None,
                })?;
                vec![self.created_handle(r)?]
            }
            "quantity" => {
                let reg = self.register(a[0])?;
                let q = i64::try_from(reg.quantity).map_err(|_| {
                    ResourceError::Overflow(format!("quantity {} of {} exceeds i64", reg.quantity, reg.id))
                })?;
                vec![q]
            }
            "update_resource" => {
                let reg = self.register(a[0])?;
                let id = reg.id;
                let data = read_bytes(mem, a[2], a[3])?;
                let quantity = non_negative(a[1], "quantity")?;
                self.apply(ResourceOperation::Update {
                    id,
                    data: ResourceData {
                        kind: reg.kind,
                        quantity,
                        data,
                        owner: Some(reg.owner),
                    },
                })?;
                vec![]
            }
            "transfer" => {
                let id = self.handle(a[0])?;
                let target = DomainId::new(read_string(mem, a[1], a[2])?);
                self.apply(ResourceOperation::Transfer { id, target })?;
                vec![]
            }
            "split" => {
                let id = self.handle(a[0])?;
                let amount = non_negative(a[1], "amount")?;
                let r = self.apply(ResourceOperation::Split { id, amount })?;
                vec![self.created_handle(r)?]
            }
            "merge" => {
                let (x, y) = (self.handle(a[0])?, self.handle(a[1])?);
                let r = self.apply(ResourceOperation::Merge { a: x, b: y })?;
                vec![self.created_handle(r)?]
            }
            "consume" => {
                let id = self.handle(a[0])?;
                self.apply(ResourceOperation::Consume { id })?;
                vec![]
            }
            "resource_id" => {
                let id = self.handle(a[0])?;
                mem.memory
                    .write(a[1] as u64, &id.0)
                    .map_err(|e| crate::error::MemoryError::Guest(e.to_string()))?;
                vec![]
            }
            "resource_handle" => {
                let bytes = read_bytes(mem, a[0], 32)?;
                let id = ResourceId(bytes.try_into().expect("read_bytes returned 32 bytes"));
                self.resources
                    .get_in(&*self.txn, &id, self.ctx)?
                    .ok_or(ResourceError::NotFound(id))?;
                vec![self.new_handle(id)]
            }
            "data" => {
                let reg = self.register(a[0])?;
                let n = reg.data.len().min(usize::try_from(a[2]).unwrap_or(0));
                if n > 0 {
                    mem.memory
                        .write(a[1] as u64, &reg.data[..n])
                        .map_err(|e| crate::error::MemoryError::Guest(e.to_string()))?;
                }
                vec![reg.data.len() as i64]
            }
            "log" => {
                let line = read_string(mem, a[0], a[1])?;
                self.state.result.log.push(line);
                vec![]
            }
            "now" => vec![self.ctx.logical_time as i64],
            other => return Err(ExecutionError::UnhandledEffect(other.to_string()).into()),
        })
    }
}

/// Runs a host effect inside the current invocation, recording a precise error for the runtime.
pub(crate) fn in_invocation(
    name: &str,
    f: impl FnOnce(&mut Invocation<'_>) -> Result<Vec<i64>, VmError>,
    results: &mut [i64],
) -> HostResult {
    if !INVOCATION.is_set() {
        return Err(format!(
            "effect `{name}` needs an invocation (run the program through Runtime::invoke)"
        ));
    }
    INVOCATION.with(|mut inv| match f(&mut inv) {
        Ok(vals) => {
            results.iter_mut().zip(vals).for_each(|(r, v)| *r = v);
            Ok(HostOutcome::Return)
        }
        Err(e) => {
            let message = e.to_string();
            inv.state.error = Some(e);
            Err(message)
        }
    })
}

/// Holds the resource store, capabilities, programs and effect handlers; runs programs.
pub struct Runtime {
    engine: Engine,
    /// Run programs on the reference interpreter instead of the JIT (differential checks, `--interp`).
    interpreter: bool,
    resources: Arc<ResourceManager>,
    effects: RwLock<HashMap<String, Arc<dyn EffectHandler>>>,
    tel_effects: RwLock<HashMap<String, Arc<dyn crate::tel::TelEffectHandler>>>,
    programs: RwLock<HashMap<String, Program>>,
    lifecycle: crate::lifecycle::LifecycleManager,
    zk: crate::zk::Zk,
    debug: crate::debug::DebugSessions,
}

impl Runtime {
    pub fn new(store: Arc<dyn Store>, capabilities: Arc<CapabilityManager>) -> Runtime {
        Runtime::with_resources(Arc::new(ResourceManager::new(store, capabilities)))
    }

    pub fn with_resources(resources: Arc<ResourceManager>) -> Runtime {
        Runtime {
            engine: Engine::new(),
            interpreter: false,
            resources,
            effects: RwLock::new(HashMap::new()),
            tel_effects: RwLock::new(HashMap::new()),
            programs: RwLock::new(HashMap::new()),
            lifecycle: crate::lifecycle::LifecycleManager::new(),
            zk: crate::zk::Zk::new(),
            debug: Default::default(),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles with these options from now on.
    pub fn set_engine(&mut self, engine: Engine) {
        self.engine = engine;
    }

    /// Runs programs on the reference interpreter (true) or the JIT (false, the default).
    pub fn set_interpreter(&mut self, interpreter: bool) {
        self.interpreter = interpreter;
    }

    pub fn is_interpreter(&self) -> bool {
        self.interpreter
    }

    /// Registers (or replaces) the host handler of a TEL effect (it sees TEL values).
    pub fn register_tel_effect(&self, name: &str, handler: Arc<dyn crate::tel::TelEffectHandler>) {
        self.tel_effects
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), handler);
    }

    pub fn tel_effect_handler(&self, name: &str) -> Option<Arc<dyn crate::tel::TelEffectHandler>> {
        self.tel_effects
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    pub fn resources(&self) -> &Arc<ResourceManager> {
        &self.resources
    }

    /// The debugged instances (`crate::debug`).
    pub fn debug_sessions(&self) -> &crate::debug::DebugSessions {
        &self.debug
    }

    /// The prover's state: circuit keys, owner keys, commitment nonces (`crate::zk`).
    pub fn zk(&self) -> &crate::zk::Zk {
        &self.zk
    }

    pub fn capabilities(&self) -> &Arc<CapabilityManager> {
        self.resources.capabilities()
    }

    /// The VM instances running on worker threads (`VmLifecycleInterface`).
    pub fn lifecycle(&self) -> &crate::lifecycle::LifecycleManager {
        &self.lifecycle
    }

    /// Makes `program` invocable by name (`ResourceOperation::Invoke`, `VmConfig`).
    pub fn register_program(&self, name: &str, program: Program) {
        self.programs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), program);
    }

    pub fn program(&self, name: &str) -> Result<Program, VmError> {
        self.programs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
            .ok_or_else(|| ExecutionError::Invalid(format!("no program named `{name}` is registered")).into())
    }

    /// Registers (or replaces) the host handler of an effect.
    pub fn register_effect(&self, effect: EffectType, handler: Arc<dyn EffectHandler>) {
        self.effects
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(effect.0, handler);
    }

    /// Every registered effect handler, by effect name.
    pub fn effect_handlers(&self) -> HashMap<String, Arc<dyn EffectHandler>> {
        self.effects.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn effect_handler(&self, name: &str) -> Option<Arc<dyn EffectHandler>> {
        self.effects
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// A linker with the program's own imports, then the standard effects and the registered
    /// handlers for every other effect it imports.
    fn linker(&self, program: &Program, fuel: Option<u64>) -> Result<Linker, VmError> {
        let mut linker = Linker::new();
        if let Some(hooks) = &program.hooks {
            hooks.link(&mut linker, self, fuel);
        }
        for imp in &program.module().imports {
            if linker.contains(&imp.name) || self.define_standard(&mut linker, imp)? {
                continue;
            }
            let Some(handler) = self.effect_handler(&imp.name) else {
                return Err(ExecutionError::UnhandledEffect(imp.name.clone()).into());
            };
            let name = imp.name.clone();
            let want = imp.sig.results.len();
            linker.define(&imp.name, move |_, args, results| {
                perform_registered(&*handler, &name, Some(want), args, results)
            });
        }
        Ok(linker)
    }

    /// Defines `imp` in `linker` if it is a standard effect (checking its signature); whether it was.
    pub(crate) fn define_standard(
        &self,
        linker: &mut Linker,
        imp: &causeway_engine::ir::Import,
    ) -> Result<bool, VmError> {
        let Some((_, sig)) = standard_effects().into_iter().find(|(n, _)| *n == imp.name) else {
            return Ok(false);
        };
        if sig != imp.sig || imp.kind != ImportKind::Effect {
            return Err(ExecutionError::Invalid(format!(
                "import `{}` must be `effect` with signature {:?} -> {:?}",
                imp.name, sig.params, sig.results
            ))
            .into());
        }
        let name = imp.name.clone();
        linker.define(&imp.name, move |ctx, args, results| {
            perform_standard(&name, ctx, args, results)
        });
        Ok(true)
    }

    /// A fresh instance of `program`, linked to the standard effects and the registered handlers.
    pub fn instantiate(&self, program: &Program, fuel: Option<u64>) -> Result<Instance, VmError> {
        let mut linker = self.linker(program, fuel)?;
        let config = InstanceConfig {
            fuel,
            ..Default::default()
        };
        let instance = if self.interpreter {
            Instance::new_interp(program.compiled.module.clone(), &mut linker, config)
        } else {
            Instance::new_jit(program.compiled.clone(), &mut linker, config)
        };
        let mut instance = instance.map_err(|e| ExecutionError::Invalid(e.to_string()))?;
        if let Some(resolver) = program.hooks.as_ref().and_then(|h| h.resolver()) {
            instance.set_resolver(resolver);
        }
        Ok(instance)
    }

    /// Runs `program.function(args)` as one transaction: all of its resource effects commit together,
    /// or (on any failure) none does. Needs `Execute` over the context's domain.
    pub fn invoke(
        &self,
        program: &str,
        function: &str,
        args: &[i64],
        ctx: &ExecutionContext,
    ) -> Result<ExecutionResult, VmError> {
        store::transact(&**self.resources.store(), |txn| {
            self.invoke_in(txn, program, function, args, ctx)
        })
    }

    /// [`Runtime::invoke`] inside an existing transaction (a batch's, for `Invoke` operations).
    pub fn invoke_in(
        &self,
        txn: &mut dyn Txn,
        program: &str,
        function: &str,
        args: &[i64],
        ctx: &ExecutionContext,
    ) -> Result<ExecutionResult, VmError> {
        self.capabilities()
            .check(ctx, Right::Execute, Access::Domain(&ctx.domain))?;
        let program = self.program(program)?;
        let mut instance = self.instantiate(&program, ctx.fuel)?;
        self.run_in(txn, &mut instance, function, args, ctx)
    }

    /// Calls `function` of an existing instance inside `txn` (the instance keeps its memory between
    /// calls; each call is its own set of resource effects).
    pub fn run_in(
        &self,
        txn: &mut dyn Txn,
        instance: &mut Instance,
        function: &str,
        args: &[i64],
        ctx: &ExecutionContext,
    ) -> Result<ExecutionResult, VmError> {
        let mut run = self.run_raw(txn, instance, function, args, ctx)?;
        if let Some(e) = run.error.take() {
            return Err(e);
        }
        match run.stop {
            Stop::Finished(values) => {
                let mut result = run.result;
                result.values = values;
                Ok(result)
            }
            Stop::Trap(t) => Err(ExecutionError::Trap(t.to_string()).into()),
            Stop::HostError { message, .. } => Err(ExecutionError::Host(message).into()),
            Stop::OutOfFuel => Err(ExecutionError::OutOfFuel.into()),
            Stop::Interrupted => Err(ExecutionError::Interrupted.into()),
            other => Err(ExecutionError::Invalid(format!("the program stopped: {other}")).into()),
        }
    }

    /// Calls `function` inside `txn` and reports how the run stopped, without judging it: front ends
    /// (TEL) map stops to their own error kinds.
    pub fn run_raw(
        &self,
        txn: &mut dyn Txn,
        instance: &mut Instance,
        function: &str,
        args: &[i64],
        ctx: &ExecutionContext,
    ) -> Result<RawRun, VmError> {
        let mut state = InvocationState::default();
        let start_fuel = instance.fuel();
        let stop = self.in_invocation(txn, ctx, &mut state, || instance.call(function, args));
        let stop = stop.map_err(|e| ExecutionError::Invalid(e.to_string()))?;
        let mut result = state.result;
        result.fuel_used = start_fuel
            .zip(instance.fuel())
            .map_or(0, |(a, b)| (a - b).max(0) as u64);
        Ok(RawRun {
            stop,
            error: state.error,
            result,
            handles: state.handles,
        })
    }
}

impl Runtime {
    /// Runs `f` (a call or resume of an instance's code) as part of an invocation in `txn` under
    /// `ctx`: its host effects reach them, and record into `state`, which a debugger carries from
    /// one resume to the next.
    pub(crate) fn in_invocation<R>(
        &self,
        txn: &mut dyn Txn,
        ctx: &ExecutionContext,
        state: &mut InvocationState,
        f: impl FnOnce() -> R,
    ) -> R {
        let inv = Invocation {
            txn,
            ctx,
            resources: &self.resources,
            state,
        };
        INVOCATION.set(inv, f)
    }
}

impl InvocationState {
    /// The lines the `log` effect wrote so far.
    pub(crate) fn log(&self) -> &[String] {
        &self.result.log
    }

    /// The precise error a host effect failed with, if one did.
    pub(crate) fn take_error(&mut self) -> Option<VmError> {
        self.error.take()
    }

    /// The resources behind the handles the program saw, by handle.
    pub(crate) fn handles(&self) -> &[ResourceId] {
        &self.handles
    }
}

/// How one call of a program ended (see [`Runtime::run_raw`]).
pub struct RawRun {
    pub stop: Stop,
    /// The precise error a standard effect or registered handler failed with, if one did.
    pub error: Option<VmError>,
    /// Resource changes and log lines so far, and fuel used (`values` is empty).
    pub result: ExecutionResult,
    /// The resources behind the handles the program saw, by handle.
    pub handles: Vec<ResourceId>,
}
