//! A guest running on normal code that a debugger can take over: `LiveGuest`. Interrupted, it
//! stops in the dispatcher with its whole state in globals (every check point of a region has an
//! interrupt exit that writes the registers back, see `causeway_riscv::lift`), and
//! [`LiveGuest::into_debugger`] moves that state into a fresh instance of debuggable code (its
//! memory without a copy), paused before the guest's next instruction: the switch the design notes
//! call for, at a region boundary.
//!
//! Owns the running instance and the switch. It must never translate code or decide what a system
//! call does.

use super::debug::GuestDebugger;
use super::system::{SystemHandle, SystemState};
use super::{guest_end, Guest, GuestEnd, GuestError, GuestIo};
use crate::error::DebugError;
use causeway_engine::instance::{Instance, InterruptHandle};
use causeway_engine::stop::Stop;
use causeway_riscv::layout;
use std::collections::HashMap;

/// Where a run of a live guest left it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveEvent {
    /// Stopped by its interrupt handle, between regions: it can go on (`run`) or move into
    /// debuggable code (`into_debugger`).
    Interrupted,
    Ended(GuestEnd),
}

/// A guest instance on normal code.
pub struct LiveGuest {
    instance: Instance,
    system: SystemHandle,
    budget: Option<u64>,
    started: bool,
    interrupted: bool,
    ended: bool,
}

impl Guest {
    /// A fresh instance of the guest on its code (normal code, unless loaded debuggable), not yet
    /// running, its output going to `io`.
    pub fn start(&self, io: GuestIo) -> Result<LiveGuest, GuestError> {
        let initial = SystemState::initial(self.layout());
        let (instance, system) = self.instantiate_from(io, HashMap::new(), self.options.fuel, initial)?;
        Ok(LiveGuest {
            instance,
            system,
            budget: self.options.fuel,
            started: false,
            interrupted: false,
            ended: false,
        })
    }
}

impl LiveGuest {
    /// Stops the run (from any thread) at its next region boundary.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.instance.interrupt_handle()
    }

    /// Runs the guest, or goes on after an interrupt, until it ends or is interrupted.
    pub fn run(&mut self) -> Result<LiveEvent, GuestError> {
        if self.ended {
            return Err(GuestError::Run("the guest's run has ended".into()));
        }
        let stop = if std::mem::replace(&mut self.started, true) {
            self.instance.resume()
        } else {
            self.instance.call(layout::ENTRY, &[])
        }
        .map_err(|e| GuestError::Run(e.to_string()))?;
        self.interrupted = stop == Stop::Interrupted;
        if self.interrupted {
            return Ok(LiveEvent::Interrupted);
        }
        self.ended = true;
        Ok(LiveEvent::Ended(guest_end(&self.instance, stop)?))
    }

    /// The interrupted guest moved into debuggable code: `debuggable` is the same program loaded
    /// with `GuestOptions::debuggable` (and the same fuel metering). The debugger is paused
    /// before the guest's next instruction, with its output streams, program break, fuel and
    /// counters; this instance is gone.
    pub fn into_debugger(self, debuggable: &Guest) -> Result<GuestDebugger, DebugError> {
        if !self.interrupted {
            return Err(DebugError::Engine(
                "only an interrupted guest moves into debuggable code (interrupt it and run it first)".into(),
            ));
        }
        if *debuggable.module != **self.instance.module()
            || debuggable.options.fuel.is_some() != self.budget.is_some()
        {
            return Err(DebugError::Engine(
                "the debuggable guest is not this program with the same fuel metering".into(),
            ));
        }
        let engine = DebugError::Engine;
        let pc = self.instance.globals()[layout::G_PC.0 as usize] as u64;
        let pc = debuggable.layout().wrap_pc(pc);
        if !debuggable.translator.is_instruction_start(pc) {
            return Err(DebugError::NoInstruction(pc));
        }
        let system = self.system.state().map_err(engine)?;
        // Past every check: from here the guest's streams belong to the debugger's instance.
        let io = self.system.take_io().map_err(engine)?;
        let fuel = self.budget.zip(self.instance.fuel());
        GuestDebugger::from_live(debuggable, io, self.instance, system, pc, fuel)
    }
}
