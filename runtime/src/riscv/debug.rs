//! Debugging a RISC-V guest: breakpoints at guest pcs, steps of one guest instruction, continue,
//! the registers x0–x31 and pc, and guest memory — what the GDB stub and the `DebugInterface`
//! drive.
//!
//! Owns a debugged instance and its breakpoints. It runs only debuggable code (the engine's
//! patchable sites at every guest instruction; the translator's registers in their globals there),
//! so every stop is at an instruction boundary with the whole guest state readable. It must never
//! translate code or decide what a system call does (`Guest` and `system` do).

use super::system::{SystemHandle, SystemState};
use super::{guest_end, Guest, GuestEnd, GuestIo};
use crate::error::DebugError;
use causeway_engine::instance::Instance;
use causeway_engine::ir::SourceLoc;
use causeway_engine::stop::Stop;
use causeway_riscv::inst::Xlen;
use causeway_riscv::layout;
use causeway_riscv::lift::{reg_global, Translator};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub type BreakpointId = u64;

/// Where a step or a continue left the guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DebugEvent {
    /// Stopped before the instruction at `pc`; `breakpoints` are the ones set there (empty when a
    /// step ended elsewhere).
    Stopped { pc: u64, breakpoints: Vec<BreakpointId> },
    /// The run ended: exit, trap, fuel.
    Ended(GuestEnd),
}

/// A guest instance under a debugger.
pub struct GuestDebugger {
    pub(super) instance: Instance,
    pub(super) system: SystemHandle,
    /// The fuel the instance started with, and what was added to it (or taken) since, outside
    /// the guest's spending (metered runs).
    fuel_start: Option<u64>,
    fuel_added: i64,
    translator: Arc<Translator>,
    breakpoints: BTreeMap<BreakpointId, u64>,
    next_id: BreakpointId,
    /// The pc the guest is stopped before (the entry before the first run).
    pc: u64,
    started: bool,
    ended: Option<GuestEnd>,
    /// Why the runtime ended the run, when it did (a failing system call, a translation error).
    failed: Option<String>,
}

impl GuestDebugger {
    /// An instance of `guest` stopped before its first instruction. `guest` must be loaded with
    /// `GuestOptions::debuggable` (on the JIT; the interpreter is always debuggable).
    pub fn new(guest: &Guest, io: GuestIo) -> Result<GuestDebugger, DebugError> {
        GuestDebugger::with_counter_budget(guest, io, guest.options.fuel)
    }

    /// Like [`GuestDebugger::new`], with metered counters reading `counter_budget` minus the fuel
    /// left (`None`: counters count reads, as in unmetered runs), whatever fuel the guest was
    /// loaded with. A snapshot run pauses after its own fuel but must count like the whole run.
    pub fn with_counter_budget(
        guest: &Guest,
        io: GuestIo,
        counter_budget: Option<u64>,
    ) -> Result<GuestDebugger, DebugError> {
        // On the interpreter too: the debuggable translation is what keeps registers readable.
        if !guest.options.debuggable {
            return Err(DebugError::NotDebuggable);
        }
        let initial = SystemState::initial(guest.layout());
        let (instance, system) = guest
            .instantiate_from(io, HashMap::new(), counter_budget, initial)
            .map_err(|e| DebugError::Engine(e.to_string()))?;
        Ok(GuestDebugger {
            instance,
            system,
            fuel_start: guest.options.fuel,
            fuel_added: 0,
            translator: guest.translator.clone(),
            breakpoints: BTreeMap::new(),
            next_id: 1,
            pc: guest.layout().entry,
            started: false,
            ended: None,
            failed: None,
        })
    }

    /// A debugger of `guest` taking over `old`, an instance of the same program stopped between
    /// regions with its whole state in its globals and memory (see `LiveGuest::into_debugger`):
    /// the memory moves over without a copy, the globals are copied. Paused before `pc`.
    pub(super) fn from_live(
        guest: &Guest,
        io: GuestIo,
        old: Instance,
        system: SystemState,
        pc: u64,
        fuel: Option<(u64, i64)>,
    ) -> Result<GuestDebugger, DebugError> {
        if !guest.options.debuggable {
            return Err(DebugError::NotDebuggable);
        }
        if !guest.translator.is_instruction_start(pc) {
            return Err(DebugError::NoInstruction(pc));
        }
        let engine = |e: String| DebugError::Engine(e);
        let (mut instance, system) = guest
            .instantiate_from(io, HashMap::new(), fuel.map(|f| f.0), system)
            .map_err(|e| engine(e.to_string()))?;
        let globals = old.globals().to_vec();
        instance.take_memory_of(old).map_err(|e| engine(e.to_string()))?;
        for (g, v) in globals.into_iter().enumerate() {
            instance.set_global(causeway_engine::ir::GlobalId(g as u32), v);
        }
        instance.set_global(layout::G_PC, pc as i64);
        if let Some((_, left)) = fuel {
            instance.set_fuel(left);
        }
        Ok(GuestDebugger {
            instance,
            system,
            fuel_start: fuel.map(|f| f.0),
            fuel_added: 0,
            translator: guest.translator.clone(),
            breakpoints: BTreeMap::new(),
            next_id: 1,
            pc,
            started: false,
            ended: None,
            failed: None,
        })
    }

    /// A breakpoint before the instruction at `pc`.
    pub fn set_breakpoint(&mut self, pc: u64) -> Result<BreakpointId, DebugError> {
        if !self.translator.is_instruction_start(pc) {
            return Err(DebugError::NoInstruction(pc));
        }
        self.instance
            .add_breakpoint(SourceLoc(pc))
            .map_err(|e| DebugError::Engine(e.to_string()))?;
        let id = self.next_id;
        self.next_id += 1;
        self.breakpoints.insert(id, pc);
        Ok(id)
    }

    pub fn remove_breakpoint(&mut self, id: BreakpointId) -> Result<(), DebugError> {
        let pc = self
            .breakpoints
            .remove(&id)
            .ok_or(DebugError::UnknownBreakpoint(id))?;
        if !self.breakpoints.values().any(|&other| other == pc) {
            self.instance
                .remove_breakpoint(SourceLoc(pc))
                .map_err(|e| DebugError::Engine(e.to_string()))?;
        }
        Ok(())
    }

    /// The breakpoints, by id.
    pub fn breakpoints(&self) -> &BTreeMap<BreakpointId, u64> {
        &self.breakpoints
    }

    /// Runs one guest instruction.
    pub fn step(&mut self) -> Result<DebugEvent, DebugError> {
        self.run(true)
    }

    /// Runs to the next breakpoint or the end.
    pub fn cont(&mut self) -> Result<DebugEvent, DebugError> {
        self.run(false)
    }

    /// Runs until the guest has run exactly as many instructions as the fuel it was loaded with,
    /// and stops before the next one: where a snapshot at a fuel count is taken. Ends like `cont`
    /// if the guest ends first; breakpoints do not stop it.
    pub fn run_until_fuel_spent(&mut self) -> Result<DebugEvent, DebugError> {
        let Some(target) = self.fuel_start else {
            return Err(DebugError::Engine(
                "the guest runs unmetered: it has no fuel to spend".into(),
            ));
        };
        // Fuel is charged per block and checked only at check points, so a check finds it spent
        // up to a stretch of blocks late. The run stops `MARGIN` short (a debuggable region holds
        // at most 256 instructions, and its entry is a check point), and single steps make up
        // the rest.
        const MARGIN: i64 = 1024;
        // (At most to -1: then the very first check point stops.)
        let left = self.instance.fuel().unwrap_or(0);
        let short = MARGIN.min(left.saturating_add(1).max(0));
        self.change_fuel(-short)?;
        let mut event = self.run_to_fuel_check()?;
        while matches!(event, DebugEvent::Stopped { .. }) && self.fuel_used().is_some_and(|u| u < target) {
            event = self.step()?;
        }
        match (self.fuel_used(), &event) {
            (Some(used), DebugEvent::Stopped { .. }) if used > target => Err(DebugError::Engine(format!(
                "the run passed fuel {target} by {} instructions before a check point",
                used - target
            ))),
            _ => Ok(event),
        }
    }

    /// Adds `by` to the instance's fuel (or takes it away) outside the guest's own spending: the
    /// counters the guest reads and [`GuestDebugger::fuel_used`] do not see it.
    fn change_fuel(&mut self, by: i64) -> Result<(), DebugError> {
        let left = self.instance.fuel().unwrap_or(0);
        self.instance.set_fuel(left.saturating_add(by));
        self.fuel_added += by;
        self.system.shift_budget(by).map_err(DebugError::Engine)
    }

    /// Runs until a fuel check finds the fuel spent, then on to the next instruction boundary
    /// (adding the fuel that takes).
    fn run_to_fuel_check(&mut self) -> Result<DebugEvent, DebugError> {
        self.live()?;
        let saved: Vec<u64> = self.breakpoints.values().copied().collect();
        for &pc in &saved {
            self.instance
                .remove_breakpoint(SourceLoc(pc))
                .map_err(|e| DebugError::Engine(e.to_string()))?;
        }
        self.single_step(false)?;
        let mut stop = if self.started {
            self.instance.resume()
        } else {
            self.started = true;
            self.instance.call(layout::ENTRY, &[])
        };
        if let Ok(Stop::OutOfFuel) = stop {
            // Fuel is charged per block on entry: the block that ran out has not started. Give it
            // fuel to reach its first instruction, which stops as a single step does.
            self.change_fuel(1 << 40)?;
            self.single_step(true)?;
            stop = self.instance.resume();
        }
        for &pc in &saved {
            self.instance
                .add_breakpoint(SourceLoc(pc))
                .map_err(|e| DebugError::Engine(e.to_string()))?;
        }
        self.event(stop)
    }

    /// The guest instructions run so far, as fuel counts them (metered runs): what the fuel spent
    /// comes to when charged instruction by instruction up to the stop.
    pub fn fuel_used(&self) -> Option<u64> {
        let start = self.fuel_start?;
        let left = self.instance.fuel()?;
        let ahead = if self.started {
            self.instance.fuel_ahead().unwrap_or(0)
        } else {
            0
        };
        let spent = (start as i64 + self.fuel_added) - left - ahead as i64;
        Some(spent.max(0) as u64)
    }

    /// Whether the guest is paused at an instruction boundary (before its first instruction, at a
    /// breakpoint or after a step), as a snapshot needs.
    pub fn is_paused(&self) -> bool {
        self.ended.is_none() && self.failed.is_none()
    }

    pub(super) fn system_state(&self) -> Result<SystemState, DebugError> {
        self.system.state().map_err(DebugError::Engine)
    }

    /// How the run ended, once it has.
    pub fn ended(&self) -> Option<&GuestEnd> {
        self.ended.as_ref()
    }

    /// The pc of the next instruction to run.
    pub fn pc(&self) -> u64 {
        self.pc
    }

    pub fn xlen(&self) -> Xlen {
        self.translator.layout().xlen
    }

    /// x0..x31, each as the guest sees it (RV32 values zero-extended).
    pub fn registers(&self) -> [u64; 32] {
        let globals = self.instance.globals();
        let mut regs = [0u64; 32];
        for (x, reg) in regs.iter_mut().enumerate().skip(1) {
            let v = globals[reg_global(x as u8).0 as usize];
            *reg = match self.xlen() {
                Xlen::X32 => v as u32 as u64,
                Xlen::X64 => v as u64,
            };
        }
        regs
    }

    /// Sets register `x` (writes to x0 are ignored, as the guest's are).
    pub fn set_register(&mut self, x: u8, value: u64) -> Result<(), DebugError> {
        if x >= 32 {
            return Err(DebugError::NoRegister(x));
        }
        self.live()?;
        if x == 0 {
            return Ok(());
        }
        let value = match self.xlen() {
            Xlen::X32 => value as u32 as i32 as i64,
            Xlen::X64 => value as i64,
        };
        self.instance.set_global(reg_global(x), value);
        // The region may still read the register from its variable: keep both in step (outside a
        // frame, before the first run, the globals are all there is).
        if self.instance.debug_frame_vars().is_some() {
            self.instance
                .set_debug_frame_var(Translator::register_var(x).0, value)
                .map_err(|e| DebugError::Engine(e.to_string()))?;
        }
        Ok(())
    }

    pub fn read_memory(&self, addr: u64, len: usize) -> Result<Vec<u8>, DebugError> {
        self.instance
            .memory()
            .read(addr, len)
            .map_err(|e| DebugError::Memory(e.to_string()))
    }

    /// Writes guest memory the guest may write (code and read-only data stay as they are: the
    /// translation of code is fixed once made).
    pub fn write_memory(&mut self, addr: u64, bytes: &[u8]) -> Result<(), DebugError> {
        self.live()?;
        self.instance
            .memory_mut()
            .write(addr, bytes)
            .map_err(|e| DebugError::Memory(e.to_string()))
    }

    /// Why the runtime ended the run, if it did.
    pub fn failed(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    fn live(&self) -> Result<(), DebugError> {
        if let Some(why) = &self.failed {
            return Err(DebugError::Ended(why.clone()));
        }
        match &self.ended {
            Some(end) => Err(DebugError::Ended(format!("{end:?}"))),
            None => Ok(()),
        }
    }

    fn single_step(&mut self, on: bool) -> Result<(), DebugError> {
        self.instance
            .set_single_step(on)
            .map_err(|e| DebugError::Engine(e.to_string()))
    }

    fn run(&mut self, single_step: bool) -> Result<DebugEvent, DebugError> {
        self.live()?;
        if !self.started {
            // Into the guest's first instruction, without running it: stepping and continuing then
            // start from a stop like every later one.
            self.single_step(true)?;
            let stop = self.instance.call(layout::ENTRY, &[]);
            self.started = true;
            let first = self.event(stop)?;
            if !matches!(first, DebugEvent::Stopped { .. }) {
                return Ok(first);
            }
        }
        self.single_step(single_step)?;
        let stop = self.instance.resume();
        self.event(stop)
    }

    fn event(
        &mut self,
        stop: Result<Stop, causeway_engine::instance::InstanceError>,
    ) -> Result<DebugEvent, DebugError> {
        let stop = stop.map_err(|e| DebugError::Engine(e.to_string()))?;
        if let Stop::Breakpoint { loc } = stop {
            self.pc = loc.0;
            let breakpoints = self
                .breakpoints
                .iter()
                .filter(|&(_, &pc)| pc == loc.0)
                .map(|(&id, _)| id)
                .collect();
            return Ok(DebugEvent::Stopped {
                pc: loc.0,
                breakpoints,
            });
        }
        let end = match guest_end(&self.instance, stop) {
            Ok(end) => end,
            Err(e) => {
                self.failed = Some(e.to_string());
                return Err(DebugError::Engine(e.to_string()));
            }
        };
        if let GuestEnd::Trap { pc: Some(pc), .. } = end {
            self.pc = pc;
        }
        self.ended = Some(end.clone());
        Ok(DebugEvent::Ended(end))
    }
}
