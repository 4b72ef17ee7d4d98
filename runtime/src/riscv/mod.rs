//! RISC-V guests on the runtime: loading an ELF, the guest system interface behind `ecall` (Linux
//! `write`, `exit`, `exit_group`, `brk`; `-ENOSYS` for the rest), the counters, and one run to its
//! end, reported the way a shell sees qemu-user's: the exit status, or the signal a trap maps to.
//!
//! Owns loading, instantiating and running guests (`system.rs` owns the system calls, `io.rs` the
//! output streams) and the trap-to-signal mapping. It must never translate guest code (that is
//! `causeway-riscv`) nor print (the CLI renders what it returns).

mod debug;
pub mod gdb;
mod inspect;
mod io;
mod live;
mod snapshot;
mod system;

pub use debug::{BreakpointId, DebugEvent, GuestDebugger};
pub use inspect::{region_text, RegionText};
pub use io::{Captured, GuestIo};
pub use live::{LiveEvent, LiveGuest};
pub use snapshot::{GuestState, SavedMemory, Snapshot, SnapshotError, SnapshotFuel};
pub use system::{sys, SystemState};

use crate::capability::Access;
use crate::embed::{InstanceHooks, Program, Runtime};
use crate::error::{ExecutionError, Right, VmError};
use crate::interfaces::EffectHandler;
use crate::ops::ExecutionResult;
use crate::types::ExecutionContext;
use causeway_engine::host::Linker;
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::TrapCode;
use causeway_engine::jit::{CompileOptions, CompiledModule, OptLevel};
use causeway_engine::stop::Stop;
use causeway_riscv::elf::ElfLimits;
use causeway_riscv::layout::{self, GuestLimits, Layout};
use std::collections::HashMap;
use std::sync::Arc;
use system::{link_system, SystemHandle};

/// The exit status of a run that ran out of fuel: 128 + SIGXCPU, what a process killed for
/// exceeding its CPU-time limit gives a shell.
pub const OUT_OF_FUEL_STATUS: i32 = 128 + 24;

/// How to run a guest.
#[derive(Clone, Debug)]
pub struct GuestOptions {
    /// Fuel (guest instructions); `None` runs unmetered.
    pub fuel: Option<u64>,
    pub interpreter: bool,
    pub opt_level: OptLevel,
    pub limits: GuestLimits,
    pub elf_limits: ElfLimits,
    /// Debuggable code (breakpoint sites at every guest instruction, registers in their globals
    /// there): what `GuestDebugger` needs. Normal code has no sites and runs faster.
    pub debuggable: bool,
}

impl Default for GuestOptions {
    fn default() -> Self {
        GuestOptions {
            fuel: None,
            interpreter: false,
            opt_level: OptLevel::Speed,
            limits: GuestLimits::default(),
            elf_limits: ElfLimits::default(),
            debuggable: false,
        }
    }
}

/// How a guest run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuestEnd {
    /// The guest called `exit`/`exit_group` with this status (0..=255).
    Exited(i32),
    /// A trap: what qemu-user would have died of.
    Trap {
        code: TrapCode,
        /// The guest pc of the faulting instruction (for a fetch fault: the pc fetched).
        pc: Option<u64>,
        signal: i32,
    },
    OutOfFuel,
    Interrupted,
}

impl GuestEnd {
    /// The status a shell sees: the exit status, 128 + the signal of a trap, or
    /// [`OUT_OF_FUEL_STATUS`].
    pub fn status(&self) -> i32 {
        match self {
            GuestEnd::Exited(s) => *s,
            GuestEnd::Trap { signal, .. } => 128 + signal,
            GuestEnd::OutOfFuel | GuestEnd::Interrupted => OUT_OF_FUEL_STATUS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    #[error(transparent)]
    Load(#[from] causeway_riscv::LoadError),
    #[error("compiling the guest failed: {0}")]
    Compile(String),
    #[error("{0}")]
    Run(String),
}

/// Linux signal numbers (the same on x86-64 and RISC-V).
pub mod signal {
    pub const SIGILL: i32 = 4;
    pub const SIGTRAP: i32 = 5;
    pub const SIGBUS: i32 = 7;
    pub const SIGSEGV: i32 = 11;
}

/// A trap's name as a RISC-V user reads it.
pub fn trap_name(code: TrapCode) -> String {
    match code {
        TrapCode::MemoryAccess => "memory fault".into(),
        TrapCode::IllegalInstruction => "illegal instruction".into(),
        TrapCode::StackOverflow => "native stack overflow".into(),
        c if c == causeway_riscv::lift::TRAP_EBREAK => "ebreak".into(),
        c if c == causeway_riscv::lift::TRAP_MISALIGNED_ATOMIC => "misaligned atomic".into(),
        other => other.name(),
    }
}

/// The signal qemu-user dies of for a trap.
pub fn trap_signal(code: TrapCode) -> i32 {
    match code {
        TrapCode::MemoryAccess | TrapCode::StackOverflow => signal::SIGSEGV,
        c if c == causeway_riscv::lift::TRAP_EBREAK => signal::SIGTRAP,
        c if c == causeway_riscv::lift::TRAP_MISALIGNED_ATOMIC => signal::SIGBUS,
        _ => signal::SIGILL,
    }
}

/// A loaded and compiled guest, ready to run (many times).
pub struct Guest {
    translator: Arc<causeway_riscv::lift::Translator>,
    module: Arc<causeway_engine::ir::Module>,
    compiled: Option<Arc<CompiledModule>>,
    options: GuestOptions,
}

impl Guest {
    pub fn load(bytes: &[u8], options: GuestOptions) -> Result<Guest, GuestError> {
        let mut program = causeway_riscv::load(bytes, &options.elf_limits, &options.limits)?;
        program.translator.set_debuggable(options.debuggable);
        let module = Arc::new(program.module);
        let compiled = if options.interpreter {
            None
        } else {
            let opts = CompileOptions {
                opt_level: options.opt_level,
                metered: options.fuel.is_some(),
                debuggable: options.debuggable,
                // The debuggable translation keeps every register in its global at each
                // instruction boundary: sites need not spill the region's variables.
                debug_vars: false,
                keep_text: false,
            };
            let c = CompiledModule::compile(module.clone(), opts)
                .map_err(|e| GuestError::Compile(e.to_string()))?;
            Some(Arc::new(c))
        };
        Ok(Guest {
            translator: Arc::new(program.translator),
            module,
            compiled,
            options,
        })
    }

    pub fn layout(&self) -> &Layout {
        self.translator.layout()
    }

    /// A fresh instance of the guest, its system interface writing to `io`; `perform` reaches
    /// `handlers`.
    pub fn instantiate(
        &self,
        io: GuestIo,
        handlers: HashMap<String, Arc<dyn EffectHandler>>,
    ) -> Result<Instance, GuestError> {
        let initial = SystemState::initial(self.layout());
        Ok(self.instantiate_from(io, handlers, self.options.fuel, initial)?.0)
    }

    /// An instance whose system interface starts from `system` (its heap pages mapped), with
    /// metered counters reading `counter_budget` minus the fuel left.
    fn instantiate_from(
        &self,
        io: GuestIo,
        handlers: HashMap<String, Arc<dyn EffectHandler>>,
        counter_budget: Option<u64>,
        system: SystemState,
    ) -> Result<(Instance, SystemHandle), GuestError> {
        let layout = self.layout();
        if !system.brk_mapped.is_multiple_of(4096)
            || system.brk > system.brk_mapped
            || !(layout.brk_start..=layout.brk_limit).contains(&system.brk)
            || !(layout.brk_start..=layout.brk_limit.next_multiple_of(4096)).contains(&system.brk_mapped)
        {
            return Err(GuestError::Run(format!(
                "program break {:#x} (mapped to {:#x}) is outside the guest's heap [{:#x}, {:#x}]",
                system.brk, system.brk_mapped, layout.brk_start, layout.brk_limit
            )));
        }
        let mut linker = Linker::new();
        let handle = link_system(&mut linker, layout, counter_budget, system, io, handlers);
        let config = InstanceConfig {
            fuel: self.options.fuel,
            // Region calls nest at most MAX_NESTED_CALLS deep (see `layout`); leave room.
            max_depth: layout::MAX_NESTED_CALLS as u64 + 64,
            ..Default::default()
        };
        let compiled = match &self.compiled {
            // Debuggable code is patched per instance: each gets its own copy of the module's code.
            Some(c) if self.options.debuggable => Some(Arc::new(
                CompiledModule::compile(self.module.clone(), c.options)
                    .map_err(|e| GuestError::Compile(e.to_string()))?,
            )),
            other => other.clone(),
        };
        let mut instance = match compiled {
            Some(c) => Instance::new_jit(c, &mut linker, config),
            None => Instance::new_interp(self.module.clone(), &mut linker, config),
        }
        .map_err(|e| GuestError::Run(e.to_string()))?;
        instance.set_resolver(resolver(&self.translator));
        if system.brk_mapped > layout.brk_start {
            instance
                .memory_mut()
                .map_region(
                    layout.brk_start,
                    system.brk_mapped - layout.brk_start,
                    causeway_engine::ir::Rights::ReadWrite,
                )
                .map_err(|e| GuestError::Run(format!("mapping the guest's heap: {e}")))?;
        }
        Ok((instance, handle))
    }

    /// The guest as a runtime [`Program`]: registered with `Runtime::register_program`, it runs
    /// through every path programs run on (`invoke`, `Invoke` operations, adapters made by
    /// `VmInterfaceFactory`, lifecycle VMs) with function [`layout::ENTRY`], which returns the exit
    /// status. Each instance writes its stdout and stderr to a fresh `io()`.
    pub fn program(&self, io: impl Fn() -> GuestIo + Send + Sync + 'static) -> Result<Program, GuestError> {
        let compiled = match &self.compiled {
            Some(c) => c.clone(),
            None => {
                let opts = CompileOptions {
                    opt_level: self.options.opt_level,
                    ..Default::default()
                };
                let c = CompiledModule::compile(self.module.clone(), opts)
                    .map_err(|e| GuestError::Compile(e.to_string()))?;
                Arc::new(c)
            }
        };
        let hooks = GuestHooks {
            translator: self.translator.clone(),
            io: Box::new(io),
        };
        Ok(Program::with_hooks(compiled, Arc::new(hooks)))
    }

    /// Runs the guest from its entry point to its end, on its own: Causeway calls fail (they need
    /// [`Guest::run_in`]).
    pub fn run(&self, io: GuestIo) -> Result<GuestEnd, GuestError> {
        let mut instance = self.instantiate(io, HashMap::new())?;
        let stop = instance
            .call(layout::ENTRY, &[])
            .map_err(|e| GuestError::Run(e.to_string()))?;
        guest_end(&instance, stop)
    }
}

/// The resolver of an instance's dynamic slots: the region at each slot's pc.
fn resolver(translator: &Arc<causeway_riscv::lift::Translator>) -> causeway_engine::exec::Resolver {
    let translator = translator.clone();
    Box::new(move |slot| Ok(translator.translate(slot)))
}

/// A guest's part of every instance of its [`Program`].
struct GuestHooks {
    translator: Arc<causeway_riscv::lift::Translator>,
    io: Box<dyn Fn() -> GuestIo + Send + Sync>,
}

impl InstanceHooks for GuestHooks {
    fn link(&self, linker: &mut Linker, runtime: &Runtime, fuel: Option<u64>) {
        let layout = self.translator.layout();
        link_system(
            linker,
            layout,
            fuel,
            SystemState::initial(layout),
            (self.io)(),
            runtime.effect_handlers(),
        );
    }

    fn resolver(&self) -> Option<causeway_engine::exec::Resolver> {
        Some(resolver(&self.translator))
    }
}

/// What a stop of the dispatcher means for the guest.
pub fn guest_end(instance: &Instance, stop: Stop) -> Result<GuestEnd, GuestError> {
    match stop {
        Stop::Finished(v) => Ok(GuestEnd::Exited(v.first().copied().unwrap_or(0) as i32)),
        Stop::Trap(t) => {
            let pc = t
                .loc
                .map(|l| l.0)
                .or_else(|| instance.globals().get(layout::G_PC.0 as usize).map(|&p| p as u64));
            Ok(GuestEnd::Trap {
                code: t.code,
                pc,
                signal: trap_signal(t.code),
            })
        }
        Stop::OutOfFuel => Ok(GuestEnd::OutOfFuel),
        Stop::Interrupted => Ok(GuestEnd::Interrupted),
        Stop::HostError { message, loc, .. } => Err(GuestError::Run(match loc {
            Some(l) => format!("system call at pc {:#x} failed: {message}", l.0),
            None => format!("system call failed: {message}"),
        })),
        Stop::ResolveError { message, .. } => Err(GuestError::Run(format!("translation failed: {message}"))),
        Stop::HostSuspended { .. } | Stop::Breakpoint { .. } => {
            Err(GuestError::Run(format!("unexpected stop: {stop}")))
        }
    }
}

/// A guest run on a runtime (see [`Guest::run_in`]).
#[derive(Debug)]
pub struct GuestRun {
    pub end: GuestEnd,
    /// Whether its resource changes were committed (exactly when it exited, whatever the status).
    pub committed: bool,
    /// Resource changes, log lines and fuel used.
    pub result: ExecutionResult,
}

impl Guest {
    /// Runs the guest as one transaction of `runtime`, in `ctx` (its domain and capabilities; the
    /// fuel is the guest options'). Its Causeway calls act on the runtime's
    /// resources under `ctx`'s capabilities and commit together when the guest exits (as a
    /// process's effects persist whatever its status); a trap, running out of fuel or an interrupt
    /// rolls all of them back. A failing Causeway call ends the run with its error.
    /// Needs `Execute` over the context's domain.
    pub fn run_in(
        &self,
        runtime: &Runtime,
        ctx: &ExecutionContext,
        io: GuestIo,
    ) -> Result<GuestRun, VmError> {
        runtime
            .capabilities()
            .check(ctx, Right::Execute, Access::Domain(&ctx.domain))?;
        let mut io = Some(io);
        let mut outcome: Option<GuestRun> = None;
        let committed = crate::store::transact(&**runtime.resources().store(), |txn| {
            let io = io
                .take()
                .ok_or_else(|| ExecutionError::Invalid("the run was retried".into()))?;
            let mut instance = self
                .instantiate(io, runtime.effect_handlers())
                .map_err(|e| ExecutionError::Invalid(e.to_string()))?;
            let raw = runtime.run_raw(txn, &mut instance, layout::ENTRY, &[], ctx)?;
            if let Some(e) = raw.error {
                return Err(e);
            }
            let end = guest_end(&instance, raw.stop).map_err(|e| ExecutionError::Invalid(e.to_string()))?;
            let ok = matches!(end, GuestEnd::Exited(_));
            outcome = Some(GuestRun {
                end,
                committed: ok,
                result: raw.result,
            });
            if ok {
                Ok(())
            } else {
                Err(ExecutionError::Invalid("the guest did not exit".into()).into())
            }
        });
        match (committed, outcome) {
            (Ok(()), Some(run)) => Ok(run),
            (Err(_), Some(run)) if !run.committed => Ok(run),
            (Err(e), _) => Err(e),
            (Ok(()), None) => Err(ExecutionError::Invalid("the guest did not run".into()).into()),
        }
    }
}
