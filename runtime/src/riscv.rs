//! RISC-V guests on the runtime: loading an ELF, the guest system interface behind `ecall` (Linux
//! `write`, `exit`, `exit_group`, `brk`; `-ENOSYS` for the rest), the counters, and one run to its
//! end, reported the way a shell sees qemu-user's: the exit status, or the signal a trap maps to.
//!
//! Owns the system-call semantics and the trap-to-signal mapping. It must never translate guest
//! code (that is `causeway-riscv`) nor print (the CLI renders what it returns).

use crate::capability::Access;
use crate::embed::{perform_registered, perform_standard, standard_effects, InstanceHooks, Program, Runtime};
use crate::error::{ExecutionError, Right, VmError};
use crate::interfaces::EffectHandler;
use crate::ops::ExecutionResult;
use crate::types::ExecutionContext;
use causeway_engine::host::{HostCtx, HostOutcome, Linker};
use causeway_engine::instance::{Instance, InstanceConfig};
use causeway_engine::ir::TrapCode;
use causeway_engine::jit::{CompileOptions, CompiledModule, OptLevel};
use causeway_engine::stop::Stop;
use causeway_riscv::elf::ElfLimits;
use causeway_riscv::inst::Xlen;
use causeway_riscv::layout::{self, GuestLimits, Layout};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// System-call numbers of the guest interface: Linux RISC-V's, and Causeway's own.
pub mod sys {
    pub const WRITE: i64 = 64;
    pub const EXIT: i64 = 93;
    pub const EXIT_GROUP: i64 = 94;
    pub const BRK: i64 = 214;
    /// `CAUSEWAY_BASE + k` performs standard resource effect `k` (see `guest/causeway.h`).
    pub const CAUSEWAY_BASE: i64 = 0x4341_0000;
    /// `perform(name, name_len, args, argc)`: a registered host effect; its first value in `a0`.
    pub const CAUSEWAY_PERFORM: i64 = 0x4341_0100;
    /// The most arguments `perform` passes.
    pub const MAX_PERFORM_ARGS: i64 = 16;
}

const EBADF: i64 = 9;
const EFAULT: i64 = 14;
const EINVAL: i64 = 22;
const ENOSYS: i64 = 38;

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
}

impl Default for GuestOptions {
    fn default() -> Self {
        GuestOptions {
            fuel: None,
            interpreter: false,
            opt_level: OptLevel::Speed,
            limits: GuestLimits::default(),
            elf_limits: ElfLimits::default(),
        }
    }
}

/// Where the guest's file descriptors 1 and 2 go.
pub struct GuestIo {
    pub stdout: Box<dyn Write + Send>,
    pub stderr: Box<dyn Write + Send>,
}

/// What a guest wrote to a captured stream (see [`GuestIo::capture`]).
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("capture buffer poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl GuestIo {
    /// Streams that keep what the guest writes, for tests and embedders: `(io, stdout, stderr)`.
    pub fn capture() -> (GuestIo, Captured, Captured) {
        let (out, err) = (Captured::default(), Captured::default());
        let io = GuestIo {
            stdout: Box::new(out.clone()),
            stderr: Box::new(err.clone()),
        };
        (io, out, err)
    }

    /// The process's own stdout and stderr.
    pub fn inherit() -> GuestIo {
        GuestIo {
            stdout: Box::new(std::io::stdout()),
            stderr: Box::new(std::io::stderr()),
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

/// The state of the system interface of one guest.
struct System {
    xlen: Xlen,
    io: GuestIo,
    brk: u64,
    /// The end of the pages mapped for the heap so far.
    brk_mapped: u64,
    brk_start: u64,
    brk_limit: u64,
    counter: i64,
    /// The runtime's registered effect handlers, for `perform`.
    handlers: HashMap<String, Arc<dyn EffectHandler>>,
}

impl System {
    /// A register value as an address or size: RV32 registers hold sign-extended 32-bit values.
    fn unsigned(&self, v: i64) -> u64 {
        match self.xlen {
            Xlen::X32 => v as u32 as u64,
            Xlen::X64 => v as u64,
        }
    }

    /// A read of `cycle`, `time` or `instret` (`csr`; 0xc80.. are RV32's high halves). Metered runs
    /// see the guest instructions retired so far, derived from the fuel, so the values are the same
    /// on every tier and every run; unmetered runs have no such count and see a value that grows by
    /// one per read.
    fn counter(&mut self, budget: Option<u64>, fuel_left: i64, csr: i64) -> i64 {
        let count = match budget {
            Some(b) => (b as i64).wrapping_sub(fuel_left),
            None => {
                self.counter += 1;
                self.counter
            }
        };
        if csr >= 0xc80 {
            count >> 32
        } else {
            count
        }
    }

    /// One `ecall`: `(a0, exited)`, or the error of a Causeway call, which ends the run.
    fn ecall(&mut self, ctx: &mut HostCtx<'_>, nr: i64, a: &[i64]) -> Result<(i64, bool), String> {
        let standard = standard_effects();
        Ok(match nr {
            sys::WRITE => (self.write(ctx, a[0], a[1], a[2]), false),
            sys::EXIT | sys::EXIT_GROUP => {
                ctx.globals[layout::G_EXIT.0 as usize] = a[0] & 0xff;
                (0, true)
            }
            sys::BRK => (self.set_brk(ctx, a[0]) as i64, false),
            n if (sys::CAUSEWAY_BASE..sys::CAUSEWAY_BASE + standard.len() as i64).contains(&n) => {
                let (name, sig) = &standard[(n - sys::CAUSEWAY_BASE) as usize];
                // RV32 pointers, lengths and quantities are unsigned 32-bit values.
                let args: Vec<i64> = a[..sig.params.len()]
                    .iter()
                    .map(|&v| self.unsigned(v) as i64)
                    .collect();
                let mut result = [0i64; 1];
                perform_standard(name, ctx, &args, &mut result[..sig.results.len()])?;
                (result[0], false)
            }
            sys::CAUSEWAY_PERFORM => (self.perform(ctx, a)?, false),
            _ => (-ENOSYS, false),
        })
    }

    /// `perform(name, name_len, args, argc)`: a malformed request is `-EFAULT`/`-EINVAL` to the
    /// guest; an effect without a handler, a refused capability or a failing handler ends the run.
    fn perform(&mut self, ctx: &mut HostCtx<'_>, a: &[i64]) -> Result<i64, String> {
        let (name_ptr, name_len) = (self.unsigned(a[0]), self.unsigned(a[1]));
        let (args_ptr, argc) = (self.unsigned(a[2]), self.unsigned(a[3]));
        if name_len > 256 || argc > sys::MAX_PERFORM_ARGS as u64 {
            return Ok(-EINVAL);
        }
        let Ok(name) = ctx.memory.read(name_ptr, name_len as usize) else {
            return Ok(-EFAULT);
        };
        let Ok(name) = String::from_utf8(name) else {
            return Ok(-EINVAL);
        };
        let Ok(raw) = ctx.memory.read(args_ptr, 8 * argc as usize) else {
            return Ok(-EFAULT);
        };
        let args: Vec<i64> = raw
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        let handler =
            self.handlers.get(&name).cloned().ok_or_else(|| {
                format!("the guest performs effect `{name}`, which no host handler handles")
            })?;
        let mut result = [0i64; 1];
        perform_registered(&*handler, &name, None, &args, &mut result)?;
        Ok(result[0])
    }

    fn write(&mut self, ctx: &mut HostCtx<'_>, fd: i64, buf: i64, len: i64) -> i64 {
        let (buf, len) = (self.unsigned(buf), self.unsigned(len));
        let sink = match fd {
            1 => &mut self.io.stdout,
            2 => &mut self.io.stderr,
            _ => return -EBADF,
        };
        // Large writes go in pieces, so a guest cannot make the host allocate without bound.
        let mut done = 0u64;
        while done < len {
            let n = (len - done).min(1 << 16);
            let Ok(bytes) = ctx.memory.read(buf.wrapping_add(done), n as usize) else {
                return if done == 0 { -EFAULT } else { done as i64 };
            };
            if sink.write_all(&bytes).is_err() {
                return if done == 0 { -EFAULT } else { done as i64 };
            }
            done += n;
        }
        let _ = sink.flush();
        len as i64
    }

    /// Linux `brk`: moves the break within `[brk_start, brk_limit]` and returns the new break, or
    /// the unchanged one if the request cannot be met.
    fn set_brk(&mut self, ctx: &mut HostCtx<'_>, req: i64) -> u64 {
        let req = self.unsigned(req);
        if req < self.brk_start || req > self.brk_limit {
            return self.brk;
        }
        let want = req.div_ceil(4096) * 4096;
        if want > self.brk_mapped {
            let size = want - self.brk_mapped;
            if ctx
                .memory
                .map_region(self.brk_mapped, size, causeway_engine::ir::Rights::ReadWrite)
                .is_err()
            {
                return self.brk;
            }
            self.brk_mapped = want;
        }
        self.brk = req;
        self.brk
    }
}

/// A loaded and compiled guest, ready to run (many times).
pub struct Guest {
    layout: Layout,
    translator: Arc<causeway_riscv::lift::Translator>,
    module: Arc<causeway_engine::ir::Module>,
    compiled: Option<Arc<CompiledModule>>,
    options: GuestOptions,
}

impl Guest {
    pub fn load(bytes: &[u8], options: GuestOptions) -> Result<Guest, GuestError> {
        let program = causeway_riscv::load(bytes, &options.elf_limits, &options.limits)?;
        let module = Arc::new(program.module);
        let compiled = if options.interpreter {
            None
        } else {
            let opts = CompileOptions {
                opt_level: options.opt_level,
                metered: options.fuel.is_some(),
                debuggable: false,
                keep_text: false,
            };
            let c = CompiledModule::compile(module.clone(), opts)
                .map_err(|e| GuestError::Compile(e.to_string()))?;
            Some(Arc::new(c))
        };
        Ok(Guest {
            layout: program.translator.layout().clone(),
            translator: Arc::new(program.translator),
            module,
            compiled,
            options,
        })
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// A fresh instance of the guest, its system interface writing to `io`; `perform` reaches
    /// `handlers`.
    pub fn instantiate(
        &self,
        io: GuestIo,
        handlers: HashMap<String, Arc<dyn EffectHandler>>,
    ) -> Result<Instance, GuestError> {
        let mut linker = Linker::new();
        link_system(&mut linker, &self.layout, self.options.fuel, io, handlers);
        let config = InstanceConfig {
            fuel: self.options.fuel,
            // Region calls nest at most MAX_NESTED_CALLS deep (see `layout`); leave room.
            max_depth: layout::MAX_NESTED_CALLS as u64 + 64,
            ..Default::default()
        };
        let mut instance = match &self.compiled {
            Some(c) => Instance::new_jit(c.clone(), &mut linker, config),
            None => Instance::new_interp(self.module.clone(), &mut linker, config),
        }
        .map_err(|e| GuestError::Run(e.to_string()))?;
        instance.set_resolver(resolver(&self.translator));
        Ok(instance)
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
            layout: self.layout.clone(),
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

/// The system interface of one instance: `ecall` and the counters.
fn link_system(
    linker: &mut Linker,
    layout: &Layout,
    budget: Option<u64>,
    io: GuestIo,
    handlers: HashMap<String, Arc<dyn EffectHandler>>,
) {
    let system = Arc::new(Mutex::new(System {
        xlen: layout.xlen,
        io,
        brk: layout.brk_start,
        brk_mapped: layout.brk_start,
        brk_start: layout.brk_start,
        brk_limit: layout.brk_limit,
        counter: 0,
        handlers,
    }));
    let sys = system.clone();
    linker.define(layout::ECALL_IMPORT_NAME, move |ctx, args, results| {
        let mut s = sys
            .lock()
            .map_err(|_| "the system interface is poisoned".to_string())?;
        let (a0, exited) = s.ecall(ctx, args[0], &args[1..7])?;
        results[0] = a0;
        results[1] = exited as i64;
        Ok(HostOutcome::Return)
    });
    linker.define(layout::COUNTER_IMPORT_NAME, move |ctx, args, results| {
        let mut s = system
            .lock()
            .map_err(|_| "the system interface is poisoned".to_string())?;
        results[0] = s.counter(budget, ctx.fuel, args[0]);
        Ok(HostOutcome::Return)
    });
}

/// The resolver of an instance's dynamic slots: the region at each slot's pc.
fn resolver(translator: &Arc<causeway_riscv::lift::Translator>) -> causeway_engine::exec::Resolver {
    let translator = translator.clone();
    Box::new(move |slot| Ok(translator.translate(slot)))
}

/// A guest's part of every instance of its [`Program`].
struct GuestHooks {
    layout: Layout,
    translator: Arc<causeway_riscv::lift::Translator>,
    io: Box<dyn Fn() -> GuestIo + Send + Sync>,
}

impl InstanceHooks for GuestHooks {
    fn link(&self, linker: &mut Linker, runtime: &Runtime, fuel: Option<u64>) {
        link_system(linker, &self.layout, fuel, (self.io)(), runtime.effect_handlers());
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
