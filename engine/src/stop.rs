//! Why a run stopped: the one result type of both tiers (PolkaVM-style interrupt model).
//!
//! Owns the stop/trap vocabulary only; it must never contain execution logic.

use crate::ir::{FuncId, ImportId, SourceLoc, TrapCode};
use std::fmt;

/// A trap: the run cannot continue, but the instance (memory, globals, fuel) can be inspected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    pub code: TrapCode,
    /// The guest location of the trapping instruction, if the front end attached one.
    pub loc: Option<SourceLoc>,
    /// The IR function that trapped, when known.
    pub func: Option<FuncId>,
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trap: {}", self.code)?;
        if let Some(loc) = self.loc {
            write!(f, " at {:#x}", loc.0)?;
        }
        Ok(())
    }
}

/// Why `run` returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The entry function returned these values (each normalized to its type, see `ir::normalize`).
    Finished(Vec<i64>),
    /// A trap ended the run. Not resumable.
    Trap(Trap),
    /// A host function failed or panicked. Not resumable.
    HostError {
        import: ImportId,
        message: String,
        loc: Option<SourceLoc>,
    },
    /// The function of a dynamic slot could not be produced (the resolver failed, or what it
    /// returned is invalid or could not be compiled). Not resumable.
    ResolveError {
        slot: u64,
        message: String,
        /// The `call_dyn` that reached the slot.
        loc: Option<SourceLoc>,
    },
    /// A host function asked to suspend: the embedder provides results with
    /// `Instance::set_host_results` and resumes.
    HostSuspended { import: ImportId, args: Vec<i64> },
    /// An enabled breakpoint site (or a single step) was reached. Resumable.
    Breakpoint { loc: SourceLoc },
    /// Fuel ran out at a check point. Resumable after adding fuel.
    OutOfFuel,
    /// The interrupt flag was seen at a check point. Resumable.
    Interrupted,
}

impl Stop {
    /// Whether `resume` may continue the run after this stop.
    pub fn is_resumable(&self) -> bool {
        matches!(
            self,
            Stop::HostSuspended { .. } | Stop::Breakpoint { .. } | Stop::OutOfFuel | Stop::Interrupted
        )
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Finished(v) => write!(f, "finished {v:?}"),
            Stop::Trap(t) => t.fmt(f),
            Stop::HostError { message, .. } => write!(f, "host error: {message}"),
            Stop::ResolveError { slot, message, .. } => {
                write!(f, "no code for dynamic slot {slot}: {message}")
            }
            Stop::HostSuspended { import, .. } => write!(f, "suspended in host call {}", import.0),
            Stop::Breakpoint { loc } => write!(f, "breakpoint at {:#x}", loc.0),
            Stop::OutOfFuel => f.write_str("out of fuel"),
            Stop::Interrupted => f.write_str("interrupted"),
        }
    }
}
