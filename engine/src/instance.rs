//! An instance: one module's running state (guest memory, globals, fuel, host functions) on one tier,
//! and the run loop that returns why it stopped.
//!
//! Owns the guest coroutine and the engine side of the guest ABI: the `host_call` and `stop` libcalls
//! that JIT code calls, and the fault handler that turns signals in JIT code into traps. JIT code runs
//! on a stack of its own (a corosensei coroutine), so every resumable stop (fuel, interrupt,
//! breakpoint, suspending host call) is a yield and `resume` continues with the native frames intact;
//! terminal stops abandon the coroutine (its frames hold nothing that needs dropping).
//! The interpreter tier runs against the very same state. This module must never generate code.

use crate::exec::{Counters, DebugSites, Env, HostCall, Resolver};
use crate::host::{HostCtx, HostFn, HostOutcome, Linker};
use crate::interp::Interpreter;
use crate::ir::{self, FuncId, ImportId, ImportKind, Module, SourceLoc};
use crate::jit::lower::{decode_trap, LocEntry};
use crate::jit::vmctx::*;
use crate::jit::{code::CodeError, CompiledModule, DynamicBases};
use crate::memory::{GuestMemory, GuestMemoryMut, MemoryError};
use crate::signals::{self, CurrentGuard, FaultHandler, Redirect};
use crate::stop::{Stop, Trap};
use corosensei::stack::DefaultStack;
use corosensei::trap::CoroutineTrapHandler;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("no function named `{0}`")]
    NoSuchFunction(String),
    #[error("`{func}` takes {expected} arguments, {got} given")]
    Arity {
        func: String,
        expected: usize,
        got: usize,
    },
    #[error("import `{0}` has no host function in the linker")]
    MissingImport(String),
    #[error("nothing to resume: the last run {0}")]
    NotResumable(&'static str),
    #[error("the run is suspended in a host call: provide its results before resuming")]
    ResultsMissing,
    #[error("host call results: expected {expected} values, got {got}")]
    ResultCount { expected: usize, got: usize },
    #[error("fuel was requested but the code was compiled without metering")]
    Unmetered,
    #[error("breakpoints need debuggable code (compile with `debuggable`)")]
    NotDebuggable,
    #[error("the compiled code is shared with another instance and cannot be patched")]
    SharedCode,
    #[error(transparent)]
    Memory(#[from] MemoryError),
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("creating the guest stack failed: {0}")]
    Stack(String),
    #[error("cannot take another instance's memory: {0}")]
    MemoryTransfer(&'static str),
    #[error("invalid IR: {0}")]
    Invalid(ir::verify::VerifyError),
}

/// Limits and budgets of an instance.
#[derive(Clone, Copy, Debug)]
pub struct InstanceConfig {
    /// Fuel budget; `None` runs unmetered.
    pub fuel: Option<u64>,
    /// Largest IR call depth.
    pub max_depth: u64,
    /// Size of the guest's native stack (JIT tier); its guard page turns overflow into a trap.
    pub stack_size: usize,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig {
            fuel: None,
            max_depth: 10_000,
            stack_size: 8 << 20,
        }
    }
}

/// Lets another thread stop a running instance at its next check point.
#[derive(Clone)]
pub struct InterruptHandle(Arc<AtomicI64>);

impl InterruptHandle {
    /// Asks the instance to stop at its next check point. The word doubles as the "fuel floor" that
    /// metered JIT code compares its fuel against, so setting it to `i64::MAX` makes the very next
    /// check take the slow path, and one compare serves both checks.
    pub fn interrupt(&self) {
        self.0.store(i64::MAX, Ordering::SeqCst);
    }
}

/// How a JIT run ended for good (the coroutine's return value).
enum RunEnd {
    Finished,
    Trap(Trap),
}

type GuestCoroutine = Coroutine<(), Stop, RunEnd, DefaultStack>;

/// State that JIT code and libcalls reach through `VmContext::run_state`. Boxed so its address is
/// stable; accessed through raw pointers while guest code runs.
struct RunState {
    vmctx: VmContext,
    memory: GuestMemory,
    globals: Vec<i64>,
    module: Arc<Module>,
    hosts: Vec<HostFn>,
    metered: bool,
    debug: DebugSites,
    interrupt: Arc<AtomicI64>,
    compiled: Option<Arc<CompiledModule>>,
    yielder: *const Yielder<(), Stop>,
    trap_handler: Option<CoroutineTrapHandler<RunEnd>>,
    /// JIT: the values buffer of a suspended host call, waiting for results.
    suspended: Option<(ImportId, *mut i64)>,
    results_ready: bool,
    /// The entry call's argument/result slots (JIT).
    values: Vec<i64>,
    /// The breakpoint site the guest is stopped at (debuggable JIT code); `None` at any other time,
    /// so that the debugger never touches a frame that has returned.
    stopped_site: Option<LocEntry>,
    /// Lowest usable address of the guest stack (JIT); its guard page lies just below.
    guest_stack_limit: usize,
    /// Produces the functions of dynamic slots (see `ir::DynamicDecl`).
    resolver: Option<Resolver>,
    /// JIT: native code address per dynamic slot, 0 until resolved (`VmContext::dyn_table`).
    dyn_table: Vec<usize>,
    /// JIT: the compiled dynamic functions, in resolution order (their `FuncId`s follow the
    /// module's, their loc ids follow the module's code's).
    dyn_code: Vec<CompiledModule>,
}

/// The largest fuel balance (see `build`).
const MAX_FUEL: i64 = i64::MAX - 1;

/// Stack that libcalls and host functions may use below the deepest JIT frame (see
/// `VmContext::stack_limit`).
const HOST_STACK_HEADROOM: usize = 256 * 1024;

/// Owns the `RunState` through a raw pointer. JIT code, the libcalls and the fault handler reach the
/// state through this same pointer while guest code runs, so the instance must not hold a `Box` (a
/// unique reference) to it; references made through `Deref` are short-lived and never held across a
/// coroutine resume.
struct StateBox(NonNull<RunState>);

impl StateBox {
    fn new(state: RunState) -> StateBox {
        StateBox(NonNull::from(Box::leak(Box::new(state))))
    }
    fn ptr(&self) -> *mut RunState {
        self.0.as_ptr()
    }
}

impl std::ops::Deref for StateBox {
    type Target = RunState;
    fn deref(&self) -> &RunState {
        // SAFETY: the Box is leaked until Drop and no guest code runs while this borrow lives.
        unsafe { self.0.as_ref() }
    }
}

impl std::ops::DerefMut for StateBox {
    fn deref_mut(&mut self) -> &mut RunState {
        // SAFETY: as for Deref, and `&mut self` makes this the only reference made through the box.
        unsafe { self.0.as_mut() }
    }
}

impl Drop for StateBox {
    fn drop(&mut self) {
        // SAFETY: the pointer came from Box::leak and is freed exactly once, here.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

/// The state pointer as the guest coroutine's closure captures it.
#[derive(Clone, Copy)]
struct StatePtr(*mut RunState);

// SAFETY: a `StatePtr` only crosses to the parent stack of the same thread (`on_parent_stack`,
// whose `Send` bound is about threads); the state is never touched from two places at once.
unsafe impl Send for StatePtr {}

enum Tier {
    Jit {
        coroutine: Option<GuestCoroutine>,
        stack: Option<DefaultStack>,
        stack_size: usize,
    },
    Interp(Box<Interpreter>),
}

/// A module instantiated on one tier. See the module docs.
pub struct Instance {
    // Dropped after `tier` (see the Drop impl, which abandons the coroutine first).
    state: StateBox,
    tier: Tier,
    entry: Option<FuncId>,
    resumable: bool,
    /// Whether the last stop was a breakpoint: the only time the debugger may touch a frame.
    at_breakpoint: bool,
    last: &'static str,
}

// SAFETY: the raw pointers inside point into the instance's own boxes (state, values, code) or to
// the guest stack it owns; nothing is tied to the creating thread. A suspended coroutine holds only
// JIT frames and libcall frames that keep no thread-local references.
unsafe impl Send for Instance {}

impl Instance {
    /// An instance running JIT code.
    pub fn new_jit(
        compiled: Arc<CompiledModule>,
        linker: &mut Linker,
        config: InstanceConfig,
    ) -> Result<Instance, InstanceError> {
        if config.fuel.is_some() && !compiled.options.metered {
            return Err(InstanceError::Unmetered);
        }
        if config.stack_size < 2 * HOST_STACK_HEADROOM {
            return Err(InstanceError::Stack(format!(
                "a guest stack of {} bytes is too small: at least {} are needed",
                config.stack_size,
                2 * HOST_STACK_HEADROOM
            )));
        }
        let module = compiled.module.clone();
        let tier = Tier::Jit {
            coroutine: None,
            stack: None,
            stack_size: config.stack_size,
        };
        Self::build(module, Some(compiled), tier, linker, config)
    }

    /// An instance running on the reference interpreter.
    pub fn new_interp(
        module: Arc<Module>,
        linker: &mut Linker,
        config: InstanceConfig,
    ) -> Result<Instance, InstanceError> {
        ir::verify::verify_module(&module).map_err(InstanceError::Invalid)?;
        let tier = Tier::Interp(Box::new(Interpreter::new(module.clone())));
        Self::build(module, None, tier, linker, config)
    }

    fn build(
        module: Arc<Module>,
        compiled: Option<Arc<CompiledModule>>,
        tier: Tier,
        linker: &mut Linker,
        config: InstanceConfig,
    ) -> Result<Instance, InstanceError> {
        let mut hosts = Vec::new();
        for imp in &module.imports {
            hosts.push(
                linker
                    .take(&imp.name)
                    .ok_or_else(|| InstanceError::MissingImport(imp.name.clone()))?,
            );
        }
        let memory = GuestMemory::new(&module.memory)?;
        let globals: Vec<i64> = module
            .globals
            .iter()
            .map(|g| ir::normalize(g.ty, g.init))
            .collect();
        let interrupt = Arc::new(AtomicI64::new(0));
        // Fuel stays below i64::MAX: a pending interrupt raises the fuel floor to i64::MAX, and metered
        // code stops when its fuel is below the floor.
        let fuel = config
            .fuel
            .map(|f| f.min(MAX_FUEL as u64) as i64)
            .unwrap_or(MAX_FUEL);
        let metered = config.fuel.is_some();
        let (table, table_len) = match &compiled {
            Some(c) => (c.table().as_ptr(), c.table().len() as u64),
            None => (std::ptr::null(), 0),
        };
        let mut state = StateBox::new(RunState {
            vmctx: VmContext {
                mem_base: memory.base_ptr(),
                counters: Counters {
                    fuel,
                    depth: 0,
                    depth_limit: config.max_depth,
                },
                interrupt: Arc::as_ptr(&interrupt),
                debug_reload: 0,
                globals: std::ptr::null_mut(),
                table,
                table_len,
                host_call: host_call_libcall,
                stop: stop_libcall,
                debug_frame: std::ptr::null_mut(),
                run_state: std::ptr::null_mut(),
                stack_limit: 0,
                dyn_table: std::ptr::null(),
            },
            memory,
            globals,
            module,
            hosts,
            metered,
            debug: DebugSites::default(),
            interrupt,
            compiled,
            yielder: std::ptr::null(),
            trap_handler: None,
            suspended: None,
            results_ready: false,
            values: Vec::new(),
            stopped_site: None,
            guest_stack_limit: 0,
            resolver: None,
            dyn_table: Vec::new(),
            dyn_code: Vec::new(),
        });
        if let (Some(d), true) = (&state.module.dynamic, state.compiled.is_some()) {
            // Zeroed pages are only touched when a slot is resolved: a large table costs little.
            state.dyn_table = vec![0; d.slots as usize];
        }
        state.vmctx.dyn_table = state.dyn_table.as_ptr();
        state.vmctx.globals = state.globals.as_mut_ptr();
        state.vmctx.run_state = state.ptr() as *mut u8;
        Ok(Instance {
            state,
            tier,
            entry: None,
            resumable: false,
            at_breakpoint: false,
            last: "has not started",
        })
    }

    pub fn module(&self) -> &Arc<Module> {
        &self.state.module
    }

    /// Sets the function that produces the code of dynamic slots (see `ir::DynamicDecl`) the first
    /// time a `call_dyn` reaches them. Its failures (and panics) stop the run with
    /// `Stop::ResolveError`.
    pub fn set_resolver(
        &mut self,
        resolver: impl FnMut(u64) -> Result<ir::Function, String> + Send + 'static,
    ) {
        self.state.resolver = Some(Box::new(resolver));
    }

    pub fn memory(&self) -> &GuestMemory {
        &self.state.memory
    }

    pub fn memory_mut(&mut self) -> GuestMemoryMut<'_> {
        GuestMemoryMut::new(&mut self.state.memory)
    }

    pub fn globals(&self) -> &[i64] {
        &self.state.globals
    }

    /// What a host function sees, for the embedder between runs (e.g. to build arguments in guest
    /// memory with the front end's allocator, which keeps its state in globals).
    pub fn host_ctx(&mut self) -> crate::host::HostCtx<'_> {
        let st = &mut *self.state;
        crate::host::HostCtx {
            memory: GuestMemoryMut::new(&mut st.memory),
            globals: &mut st.globals,
            fuel: st.vmctx.counters.fuel,
        }
    }

    pub fn set_global(&mut self, g: ir::GlobalId, v: i64) {
        let ty = self.state.module.globals[g.0 as usize].ty;
        self.state.globals[g.0 as usize] = ir::normalize(ty, v);
    }

    /// Remaining fuel, or `None` when the instance runs unmetered.
    pub fn fuel(&self) -> Option<i64> {
        self.state.metered.then_some(self.state.vmctx.counters.fuel)
    }

    /// Takes `from`'s guest memory (every region, mapped and written as it is) in place of this
    /// instance's own: how a guest's state moves into another instance of the same memory layout
    /// (say, debuggable code of the same program) without a copy. This instance must not have
    /// run; `from` is consumed, its run abandoned.
    pub fn take_memory_of(&mut self, mut from: Instance) -> Result<(), InstanceError> {
        if self.entry.is_some() || self.resumable {
            return Err(InstanceError::MemoryTransfer("this instance has run already"));
        }
        if from.state.module.memory != self.state.module.memory {
            return Err(InstanceError::MemoryTransfer(
                "the two instances lay out memory differently",
            ));
        }
        from.abandon_run();
        std::mem::swap(&mut self.state.memory, &mut from.state.memory);
        self.state.vmctx.mem_base = self.state.memory.base_ptr();
        Ok(())
    }

    /// Sets the remaining fuel (of a metered instance), as when a guest's state moves into this
    /// instance from another.
    pub fn set_fuel(&mut self, fuel: i64) {
        if self.state.metered {
            self.state.vmctx.counters.fuel = fuel.min(MAX_FUEL);
        }
    }

    /// Adds fuel; a run stopped with `OutOfFuel` continues once the balance is non-negative.
    pub fn add_fuel(&mut self, fuel: u64) {
        let c = &mut self.state.vmctx.counters;
        c.fuel = c
            .fuel
            .saturating_add(fuel.min(MAX_FUEL as u64) as i64)
            .min(MAX_FUEL);
    }

    pub fn is_metered(&self) -> bool {
        self.state.metered
    }

    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(self.state.interrupt.clone())
    }

    /// Whether the last stop can be resumed.
    pub fn is_resumable(&self) -> bool {
        self.resumable
    }

    pub fn is_jit(&self) -> bool {
        matches!(self.tier, Tier::Jit { .. })
    }

    /// Calls the function named `name`.
    pub fn call(&mut self, name: &str, args: &[i64]) -> Result<Stop, InstanceError> {
        let f = self
            .state
            .module
            .func_by_name(name)
            .ok_or_else(|| InstanceError::NoSuchFunction(name.into()))?;
        self.call_func(f, args)
    }

    /// Calls function `f` with `args` (normalized to the parameter types) and runs until a stop.
    pub fn call_func(&mut self, f: FuncId, args: &[i64]) -> Result<Stop, InstanceError> {
        let func = self.state.module.func(f);
        if args.len() != func.sig.params.len() {
            return Err(InstanceError::Arity {
                func: func.name.clone(),
                expected: func.sig.params.len(),
                got: args.len(),
            });
        }
        let args: Vec<i64> = args
            .iter()
            .zip(&func.sig.params)
            .map(|(&a, &t)| ir::normalize(t, a))
            .collect();
        self.abandon_run();
        self.state.vmctx.counters.depth = 0;
        self.state.suspended = None;
        self.state.stopped_site = None;
        self.state.vmctx.debug_frame = std::ptr::null_mut();
        self.state.vmctx.debug_reload = 0;
        self.entry = Some(f);
        match &mut self.tier {
            Tier::Interp(interp) => interp.start(f, &args),
            Tier::Jit {
                coroutine,
                stack,
                stack_size,
            } => {
                let compiled = self.state.compiled.clone().expect("JIT instances have code");
                let module = self.state.module.clone();
                let sig = &module.func(f).sig;
                let n = sig.params.len().max(sig.results.len()).max(1);
                self.state.values = vec![0; n];
                self.state.values[..args.len()].copy_from_slice(&args);
                let stack = match stack.take() {
                    Some(s) => s,
                    None => {
                        DefaultStack::new(*stack_size).map_err(|e| InstanceError::Stack(e.to_string()))?
                    }
                };
                let limit = corosensei::stack::Stack::limit(&stack).get();
                self.state.guest_stack_limit = limit;
                self.state.vmctx.stack_limit = limit + HOST_STACK_HEADROOM;
                let tramp = compiled
                    .trampoline(sig)
                    .expect("every function signature has a trampoline");
                let callee = compiled.func_addr(f);
                let state_ptr = StatePtr(self.state.ptr());
                let co = Coroutine::with_stack(stack, move |yielder: &Yielder<(), Stop>, ()| {
                    let state = state_ptr.0;
                    // SAFETY: the state outlives the coroutine; the trampoline matches the callee's signature.
                    unsafe {
                        (*state).yielder = yielder as *const _;
                        let entry: unsafe extern "sysv64" fn(*mut VmContext, usize, *mut i64) =
                            std::mem::transmute(tramp);
                        entry(&mut (*state).vmctx, callee, (*state).values.as_mut_ptr());
                    }
                    RunEnd::Finished
                });
                self.state.trap_handler = Some(co.trap_handler());
                *coroutine = Some(co);
            }
        }
        self.resumable = true;
        self.run()
    }

    /// After `Stop::HostSuspended`: the values the suspended host call returns to the guest.
    pub fn set_host_results(&mut self, results: &[i64]) -> Result<(), InstanceError> {
        match &mut self.tier {
            Tier::Interp(interp) => interp.provide_host_results(results).map_err(|_| {
                InstanceError::NotResumable("is not suspended in a host call with that many results")
            }),
            Tier::Jit { .. } => {
                let Some((import, values)) = self.state.suspended else {
                    return Err(InstanceError::NotResumable("is not suspended in a host call"));
                };
                let sig = &self.state.module.imports[import.0 as usize].sig;
                if results.len() != sig.results.len() {
                    return Err(InstanceError::ResultCount {
                        expected: sig.results.len(),
                        got: results.len(),
                    });
                }
                for (i, (&r, &t)) in results.iter().zip(&sig.results).enumerate() {
                    // SAFETY: `values` is the suspended call's result area, alive on the paused guest stack.
                    unsafe { *values.add(i) = ir::normalize(t, r) };
                }
                self.state.results_ready = true;
                Ok(())
            }
        }
    }

    /// Continues after a resumable stop.
    pub fn resume(&mut self) -> Result<Stop, InstanceError> {
        if !self.resumable {
            return Err(InstanceError::NotResumable(self.last));
        }
        let awaiting = match &self.tier {
            Tier::Jit { .. } => self.state.suspended.is_some() && !self.state.results_ready,
            Tier::Interp(interp) => interp.awaits_host_results(),
        };
        if awaiting {
            return Err(InstanceError::ResultsMissing);
        }
        self.run()
    }

    fn run(&mut self) -> Result<Stop, InstanceError> {
        let stop = match &mut self.tier {
            Tier::Interp(interp) => {
                let st = &mut *self.state;
                let hosts = &mut st.hosts;
                let module = &st.module;
                let resolver = &mut st.resolver;
                let mut resolve = |slot: u64| {
                    let func = produce_dynamic(resolver, slot)?;
                    ir::verify::verify_dynamic_function(module, &func).map_err(|e| e.to_string())?;
                    Ok(func)
                };
                let mut dispatch = |import: ImportId,
                                    args: &[i64],
                                    mem: &mut GuestMemory,
                                    globals: &mut [i64],
                                    fuel: i64| {
                    let n = module.imports[import.0 as usize].sig.results.len();
                    let mut results = vec![0; n];
                    let ctx = HostCtx {
                        memory: GuestMemoryMut::new(mem),
                        globals,
                        fuel,
                    };
                    match dispatch_host(module, hosts, import, args, &mut results, ctx) {
                        Dispatched::Return => HostCall::Return(results),
                        Dispatched::Suspend => HostCall::Suspend,
                        Dispatched::Error(m) => HostCall::Error(m),
                    }
                };
                let mut env = Env {
                    memory: &mut st.memory,
                    globals: &mut st.globals,
                    counters: &mut st.vmctx.counters,
                    metered: st.metered,
                    // SAFETY: vmctx.interrupt points into `st.interrupt`, alive as long as the state.
                    interrupt: unsafe { &*st.vmctx.interrupt },
                    host: &mut dispatch,
                    resolve: &mut resolve,
                    debug: &st.debug,
                };
                interp.run(&mut env)
            }
            Tier::Jit { coroutine, stack, .. } => {
                let co = coroutine
                    .as_mut()
                    .ok_or(InstanceError::NotResumable("has no guest code running"))?;
                self.state.results_ready = false;
                signals::ensure_installed();
                let handler: *const dyn FaultHandler = self.state.ptr() as *const RunState;
                // SAFETY: the state outlives the guard, which is dropped at the end of this block.
                let _guard = unsafe { CurrentGuard::enter(handler) };
                match co.resume(()) {
                    CoroutineResult::Yield(stop) => {
                        if !stop.is_resumable() {
                            // A terminal stop raised by a libcall: abandon the guest frames.
                            // SAFETY: suspended frames are JIT and libcall frames with nothing to drop.
                            unsafe { co.force_reset() };
                            *stack = coroutine.take().map(|c| c.into_stack());
                        }
                        stop
                    }
                    CoroutineResult::Return(end) => {
                        *stack = coroutine.take().map(|c| c.into_stack());
                        match end {
                            RunEnd::Trap(t) => Stop::Trap(t),
                            RunEnd::Finished => {
                                let f = self.entry.expect("a run has an entry function");
                                let sig = &self.state.module.func(f).sig;
                                Stop::Finished(
                                    sig.results
                                        .iter()
                                        .zip(&self.state.values)
                                        .map(|(&t, &v)| ir::normalize(t, v))
                                        .collect(),
                                )
                            }
                        }
                    }
                }
            }
        };
        self.resumable = stop.is_resumable();
        self.at_breakpoint = matches!(stop, Stop::Breakpoint { .. });
        self.last = match &stop {
            Stop::Finished(_) => "finished",
            Stop::Trap(_) => "trapped",
            Stop::HostError { .. } => "ended with a host error",
            _ => "is resumable",
        };
        Ok(stop)
    }

    /// Drops any suspended run (its guest frames hold nothing to drop).
    fn abandon_run(&mut self) {
        if let Tier::Jit { coroutine, stack, .. } = &mut self.tier {
            if let Some(mut co) = coroutine.take() {
                if !co.started() {
                    // Never entered: dropping its closure runs no guest code.
                    co.force_unwind();
                } else if !co.done() {
                    // SAFETY: suspended frames are JIT and libcall frames with nothing to drop.
                    unsafe { co.force_reset() };
                }
                *stack = Some(co.into_stack());
            }
        }
    }

    /// Breakpoints and stepping. On the JIT tier they need debuggable code owned by this instance.
    pub fn debug_sites(&self) -> &DebugSites {
        &self.state.debug
    }

    /// Replaces the breakpoint set / stepping mode and patches the code to match.
    pub fn set_debug_sites(&mut self, sites: DebugSites) -> Result<(), InstanceError> {
        if let Some(compiled) = &mut self.state.compiled {
            if !sites.is_empty() && !compiled.options.debuggable {
                return Err(InstanceError::NotDebuggable);
            }
            let compiled = Arc::get_mut(compiled).ok_or(InstanceError::SharedCode)?;
            patch_sites(compiled, &sites)?;
            for code in &mut self.state.dyn_code {
                patch_sites(code, &sites)?;
            }
        }
        self.state.debug = sites;
        Ok(())
    }

    /// Adds a breakpoint at `loc`, patching only the sites there (cheap on a large program, unlike
    /// replacing the whole set with [`Instance::set_debug_sites`]).
    pub fn add_breakpoint(&mut self, loc: SourceLoc) -> Result<(), InstanceError> {
        self.require_debuggable()?;
        if !self.state.debug.breakpoints.contains(&loc) && !self.state.debug.single_step {
            self.patch_loc(loc, true)?;
        }
        self.state.debug.breakpoints.insert(loc);
        Ok(())
    }

    /// Removes the breakpoint at `loc` (if any), patching only the sites there.
    pub fn remove_breakpoint(&mut self, loc: SourceLoc) -> Result<(), InstanceError> {
        if self.state.debug.breakpoints.contains(&loc) && !self.state.debug.single_step {
            self.patch_loc(loc, false)?;
        }
        self.state.debug.breakpoints.remove(&loc);
        Ok(())
    }

    /// Turns stopping at every location on or off, keeping the breakpoints.
    pub fn set_single_step(&mut self, on: bool) -> Result<(), InstanceError> {
        if self.state.debug.single_step == on {
            return Ok(());
        }
        let mut sites = self.state.debug.clone();
        sites.single_step = on;
        self.set_debug_sites(sites)
    }

    fn require_debuggable(&self) -> Result<(), InstanceError> {
        match &self.state.compiled {
            Some(c) if !c.options.debuggable => Err(InstanceError::NotDebuggable),
            _ => Ok(()),
        }
    }

    fn patch_loc(&mut self, loc: SourceLoc, enabled: bool) -> Result<(), InstanceError> {
        if let Some(compiled) = &mut self.state.compiled {
            let compiled = Arc::get_mut(compiled).ok_or(InstanceError::SharedCode)?;
            let sites = compiled.sites_at(loc);
            compiled.set_sites(sites.into_iter().map(|s| (s, enabled)))?;
            for code in &mut self.state.dyn_code {
                let sites = code.sites_at(loc);
                code.set_sites(sites.into_iter().map(|s| (s, enabled)))?;
            }
        }
        Ok(())
    }

    /// In debuggable JIT code stopped at a breakpoint: the current frame's variables.
    pub fn debug_frame_vars(&self) -> Option<(FuncId, Vec<i64>)> {
        match &self.tier {
            Tier::Interp(_) if !self.at_breakpoint => None,
            Tier::Interp(i) => i.frame().map(|fr| (fr.func, fr.vars.to_vec())),
            Tier::Jit { .. } => {
                let frame = self.state.vmctx.debug_frame;
                let f = self.state.stopped_site?.func;
                if frame.is_null() {
                    return None;
                }
                let n = self.state.func_vars(f)?.len();
                // SAFETY: debug_frame is the stopped frame's spill area (alive while paused), `n` slots long.
                Some((f, unsafe { std::slice::from_raw_parts(frame, n) }.to_vec()))
            }
        }
    }
}

impl Instance {
    /// At a breakpoint stop: the fuel the current block already charged for the instructions from
    /// the stopping `mark` on, which have not run. Remaining fuel plus this is the fuel as if it
    /// were charged instruction by instruction, which is what a snapshot resumed at the mark must
    /// start from. `None` when not stopped at a breakpoint.
    pub fn fuel_ahead(&self) -> Option<u64> {
        if !self.at_breakpoint {
            return None;
        }
        match &self.tier {
            Tier::Interp(i) => {
                let fr = i.frame()?;
                // The interpreter's own module: it holds the dynamic functions resolved so far.
                let module = i.module();
                let block = module
                    .funcs
                    .get(fr.func.0 as usize)?
                    .blocks
                    .get(fr.block.0 as usize)?;
                // The interpreter stops past the mark: `fr.inst - 1` is the mark itself.
                let from = fr.inst.checked_sub(1)?;
                let insts: u64 = block.insts[from..]
                    .iter()
                    .map(|inst| crate::fuel::inst_cost(module.metering, &inst.kind))
                    .sum();
                Some(insts + crate::fuel::terminator_cost(module.metering))
            }
            Tier::Jit { .. } => self.state.stopped_site.map(|s| s.fuel_ahead as u64),
        }
    }
}

impl Instance {
    /// At a breakpoint: writes variable `var` of the current frame; the guest sees the new value when
    /// it resumes (debuggable JIT code reloads its variables from the frame's spill slots).
    pub fn set_debug_frame_var(&mut self, var: u32, value: i64) -> Result<(), InstanceError> {
        let ok = match &mut self.tier {
            Tier::Interp(i) => self.at_breakpoint && i.set_frame_var(var, value),
            Tier::Jit { .. } => {
                let frame = self.state.vmctx.debug_frame;
                let vars = self.state.stopped_site.and_then(|s| self.state.func_vars(s.func));
                match vars.and_then(|v| v.get(var as usize).copied()) {
                    Some(ty) if !frame.is_null() => {
                        // SAFETY: debug_frame is the stopped frame's spill area (alive while paused), `n` slots long.
                        unsafe { *frame.add(var as usize) = ir::normalize(ty, value) };
                        self.state.vmctx.debug_reload = 1;
                        true
                    }
                    _ => false,
                }
            }
        };
        ok.then_some(()).ok_or(InstanceError::NotResumable(
            "is not stopped at a breakpoint with that variable",
        ))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // A suspended coroutine must not be unwound: its JIT frames have no unwind info.
        self.abandon_run();
    }
}

enum Dispatched {
    Return,
    Suspend,
    Error(String),
}

/// Calls host function `import`: catches panics and checks the suspension rule.
fn dispatch_host(
    module: &Module,
    hosts: &mut [HostFn],
    import: ImportId,
    args: &[i64],
    results: &mut [i64],
    mut ctx: HostCtx<'_>,
) -> Dispatched {
    let imp = &module.imports[import.0 as usize];
    let f = &mut hosts[import.0 as usize];
    match catch_unwind(AssertUnwindSafe(|| f(&mut ctx, args, results))) {
        Ok(Ok(HostOutcome::Return)) => {
            for (r, &t) in results.iter_mut().zip(&imp.sig.results) {
                *r = ir::normalize(t, *r);
            }
            Dispatched::Return
        }
        Ok(Ok(HostOutcome::Suspend)) if imp.kind == ImportKind::Effect => Dispatched::Suspend,
        Ok(Ok(HostOutcome::Suspend)) => Dispatched::Error(format!("helper `{}` cannot suspend", imp.name)),
        Ok(Err(m)) => Dispatched::Error(m),
        Err(panic) => {
            let msg = crate::host::panic_message(&*panic);
            Dispatched::Error(format!("host function `{}` panicked: {msg}", imp.name))
        }
    }
}

/// Suspends the guest with `stop` and returns what the embedder resumed it with.
///
/// # Safety
/// Only from a libcall running on the guest coroutine of `state`.
unsafe fn suspend(state: *mut RunState, stop: Stop) {
    // SAFETY: the yielder was set when the coroutine started and lives as long as it does.
    unsafe { (*(*state).yielder).suspend(stop) }
}

/// The host-call trampoline JIT code calls (`VmContext::host_call`).
unsafe extern "C" fn host_call_libcall(vmctx: *mut VmContext, import: u32, values: *mut i64, loc_id: u32) {
    // SAFETY: JIT code passes its own vmctx, whose run_state points at the live RunState.
    let state = unsafe { (*vmctx).run_state as *mut RunState };
    if import == RESOLVE_IMPORT {
        // SAFETY: `values` is the caller's slot area, which holds at least one value.
        let value = unsafe { &mut *values };
        let slot = *value as u64;
        // Compiling needs more stack than the guest stack promises below its deepest frame.
        // SAFETY: the yielder lives as long as the coroutine we run on.
        let yielder = unsafe { &*(*state).yielder };
        let target = StatePtr(state);
        let resolved = yielder.on_parent_stack(move || {
            let target = target;
            // SAFETY: the run loop waits in `resume` while guest code (and this) runs.
            resolve_jit(unsafe { &mut *target.0 }, slot)
        });
        // SAFETY: as above; the closure's borrow has ended.
        let st = unsafe { &mut *state };
        let message = match resolved {
            Ok(code) => {
                *value = code as i64;
                return;
            }
            Err(message) => message,
        };
        let loc = st.loc_entry(loc_id).and_then(|e| e.loc);
        let stop = Stop::ResolveError { slot, message, loc };
        loop {
            // SAFETY: on the guest coroutine; a resolution error is terminal and never resumed.
            unsafe { suspend(state, stop.clone()) };
        }
    }
    let import = ImportId(import);
    let outcome = {
        // SAFETY: the run loop waits in `resume` while guest code runs; `values` fits every slot.
        let st = unsafe { &mut *state };
        let sig = &st.module.imports[import.0 as usize].sig;
        let (np, nr) = (sig.params.len(), sig.results.len());
        let mut args = [0i64; ir::verify::MAX_CALL_ARGS];
        // SAFETY: see above.
        let buf = unsafe { std::slice::from_raw_parts_mut(values, np.max(nr).max(1)) };
        args[..np].copy_from_slice(&buf[..np]);
        buf[..nr].fill(0);
        let r = dispatch_host(
            &st.module,
            &mut st.hosts,
            import,
            &args[..np],
            &mut buf[..nr],
            HostCtx {
                memory: GuestMemoryMut::new(&mut st.memory),
                globals: &mut st.globals,
                fuel: st.vmctx.counters.fuel,
            },
        );
        match r {
            Dispatched::Return => None,
            Dispatched::Suspend => {
                st.suspended = Some((import, values));
                Some(Stop::HostSuspended {
                    import,
                    args: args[..np].to_vec(),
                })
            }
            Dispatched::Error(message) => {
                let loc = st.loc_entry(loc_id).and_then(|l| l.loc);
                Some(Stop::HostError { import, message, loc })
            }
        }
    };
    if let Some(stop) = outcome {
        // SAFETY: we run on the guest coroutine; nothing on this frame needs dropping past here.
        unsafe { suspend(state, stop) };
        // SAFETY: resumed: the embedder supplied the results (checked in `resume`).
        unsafe { (*state).suspended = None };
    }
}

/// The embedder's function for dynamic slot `slot`, not yet verified (a resolver panic is an error).
fn produce_dynamic(resolver: &mut Option<Resolver>, slot: u64) -> Result<ir::Function, String> {
    let resolver = resolver
        .as_mut()
        .ok_or("the instance has no resolver for dynamic slots")?;
    let func = match catch_unwind(AssertUnwindSafe(|| resolver(slot))) {
        Ok(r) => r?,
        Err(panic) => {
            let msg = crate::host::panic_message(&*panic);
            return Err(format!("the resolver panicked: {msg}"));
        }
    };
    Ok(func)
}

/// Produces, compiles and installs the code of dynamic slot `slot`; returns its address.
fn resolve_jit(st: &mut RunState, slot: u64) -> Result<usize, String> {
    // `compile_dynamic` verifies the function.
    let func = produce_dynamic(&mut st.resolver, slot)?;
    let compiled = st.compiled.as_ref().ok_or("JIT code expected")?;
    let id = FuncId((st.module.funcs.len() + st.dyn_code.len()) as u32);
    let last = st.dyn_code.last().unwrap_or(compiled);
    let bases = DynamicBases {
        loc: last.loc_end(),
        site: last.site_end(),
    };
    // Verification errors read as on the interpreter, without the compiler's prefix. Code compiled
    // at run time never keeps its text.
    let options = crate::jit::CompileOptions {
        keep_text: false,
        ..compiled.options
    };
    let mut code =
        CompiledModule::compile_dynamic(&st.module, func, id, bases, options).map_err(|e| match e {
            crate::jit::CompileError::Verify(v) => v.to_string(),
            other => other.to_string(),
        })?;
    // New debuggable code starts with the instance's breakpoints in it.
    patch_sites(&mut code, &st.debug).map_err(|e| e.to_string())?;
    let addr = code.func_addr(FuncId(0));
    st.dyn_table[slot as usize] = addr;
    st.dyn_code.push(code);
    Ok(addr)
}

/// The slow path of check points, trap terminators and breakpoint sites (`VmContext::stop`).
unsafe extern "C" fn stop_libcall(vmctx: *mut VmContext, reason: u32, payload: u64) {
    // SAFETY: JIT code passes its own vmctx, whose run_state points at the live RunState.
    let state = unsafe { (*vmctx).run_state as *mut RunState };
    match reason {
        STOP_CHECK => loop {
            // SAFETY: guest code is the only user of the state while it runs (see host_call_libcall).
            let st = unsafe { &mut *state };
            let stop = if st.metered && st.vmctx.counters.fuel < 0 {
                Stop::OutOfFuel
            } else if st.interrupt.swap(0, Ordering::SeqCst) != 0 {
                Stop::Interrupted
            } else {
                return;
            };
            // SAFETY: on the guest coroutine; `stop` moves into the yield.
            unsafe { suspend(state, stop) };
        },
        STOP_SITE => {
            // SAFETY: as above.
            let st = unsafe { &mut *state };
            let Some(entry) = st.site_entry(payload as u32) else {
                return;
            };
            if let Some(loc) = entry.loc.filter(|&l| st.debug.stops_at(l)) {
                st.stopped_site = Some(entry);
                // SAFETY: as above.
                unsafe { suspend(state, Stop::Breakpoint { loc }) };
                // Resumed: the frame runs again, and its code reloads its variables and fuel after a
                // stop (fuel may have been added); the spill slots may go stale from here.
                // SAFETY: as above: the run state is live and only guest code uses it now.
                unsafe {
                    (*state).stopped_site = None;
                    (*state).vmctx.debug_frame = std::ptr::null_mut();
                    (*state).vmctx.debug_reload = 1;
                }
            }
        }
        _ => {
            // SAFETY: as above.
            let st = unsafe { &mut *state };
            let code = decode_trap((payload >> 32) as u32);
            let entry = st.loc_entry(payload as u32);
            let trap = Trap {
                code,
                loc: entry.and_then(|e| e.loc),
                func: entry.map(|e| e.func),
            };
            // A trap is terminal: the run loop abandons this coroutine and never resumes it.
            loop {
                // SAFETY: as above; nothing here needs dropping.
                unsafe { suspend(state, Stop::Trap(trap.clone())) };
            }
        }
    }
}

/// Patches `code`'s sites in or out to match `sites`.
fn patch_sites(code: &mut CompiledModule, sites: &DebugSites) -> Result<(), crate::jit::code::CodeError> {
    let wants: Vec<(usize, bool)> = (0..code.site_count())
        .map(|site| {
            let want = code
                .site_loc(site)
                .and_then(|l| l.loc)
                .is_some_and(|l| sites.stops_at(l));
            (site, want)
        })
        .collect();
    code.set_sites(wants)
}

impl RunState {
    /// The location of breakpoint site `id`, in the module's code or in a dynamic function's.
    fn site_entry(&self, id: u32) -> Option<LocEntry> {
        let base = self.compiled.as_ref()?;
        if id < base.site_end() {
            return base.site_loc(id as usize);
        }
        let i = self.dyn_code.partition_point(|c| c.site_end() <= id);
        let code = self.dyn_code.get(i)?;
        code.site_loc(id.checked_sub(code.site_base())? as usize)
    }

    /// The variable types of function `f`: the module's, or a resolved dynamic function's.
    fn func_vars(&self, f: FuncId) -> Option<&[ir::Type]> {
        let n = self.module.funcs.len();
        match (f.0 as usize).checked_sub(n) {
            None => Some(&self.module.func(f).vars),
            Some(i) => Some(&self.dyn_code.get(i)?.module.funcs.first()?.vars),
        }
    }

    /// The location that loc id `id` names, in the module's code or in a dynamic function's.
    fn loc_entry(&self, id: u32) -> Option<LocEntry> {
        let base = self.compiled.as_ref()?;
        if id < base.loc_end() {
            return base.loc(id);
        }
        let i = self.dyn_code.partition_point(|c| c.loc_end() <= id);
        self.dyn_code.get(i)?.loc(id)
    }

    /// The compiled code that native `pc` lies in.
    fn code_at(&self, pc: usize) -> Option<&CompiledModule> {
        let base = self.compiled.as_deref()?;
        if base.contains_pc(pc) {
            return Some(base);
        }
        self.dyn_code.iter().find(|c| c.contains_pc(pc))
    }
}

impl FaultHandler for RunState {
    unsafe fn on_fault(&self, signal: i32, pc: usize, sp: usize, fault_addr: usize) -> Option<Redirect> {
        let compiled = self.code_at(pc)?;
        let th = self.trap_handler.as_ref()?;
        if !th.stack_ptr_in_bounds(sp) {
            return None;
        }
        let (code, entry) = match compiled.lookup_trap(pc) {
            Some(t) => t,
            None if compiled.contains_pc(pc)
                && signal == libc::SIGSEGV
                && fault_addr < self.guest_stack_limit
                && fault_addr
                    >= self
                        .guest_stack_limit
                        .saturating_sub(crate::memory::PAGE as usize) =>
            {
                // A fault in JIT code that is not a guest access: the guest stack's guard page.
                let e = compiled.loc_at_pc(pc).unwrap_or(LocEntry {
                    func: FuncId(0),
                    loc: None,
                    fuel_ahead: 0,
                });
                (ir::TrapCode::StackOverflow, e)
            }
            None => return None,
        };
        let trap = Trap {
            code,
            loc: entry.loc,
            func: Some(entry.func),
        };
        // Guest code follows the trap-handler rules: it writes outside itself only through the context.
        // SAFETY: the sp is inside this coroutine's stack (checked above); see the rule above.
        let regs = unsafe { th.setup_trap_handler(move || RunEnd::Trap(trap)) };
        Some(Redirect {
            rip: regs.rip,
            rsp: regs.rsp,
            rbp: regs.rbp,
            rdi: regs.rdi,
            rsi: regs.rsi,
        })
    }
}
