//! The execution environment both tiers run against: counters, memory, globals, host dispatch and
//! debug sites. The interpreter takes an [`Env`]; the JIT reaches the same state through `VmContext`,
//! which embeds [`Counters`] so that both tiers read and write the very same fuel and depth.
//!
//! Owns no execution logic; it is the contract between `instance`, `interp` and `jit`.

use crate::ir::{ImportId, SourceLoc};
use crate::memory::GuestMemory;
use std::collections::HashSet;
use std::sync::atomic::AtomicI64;

/// Fuel and call-depth state. `repr(C)`: JIT code addresses these fields inside `VmContext`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Remaining fuel; may go negative between check points (see `crate::fuel`).
    pub fuel: i64,
    /// Current IR call depth.
    pub depth: u64,
    /// Largest allowed call depth; a call beyond it traps with `StackOverflow`.
    pub depth_limit: u64,
}

/// The result of a host call as the tiers see it (panics and contract violations already mapped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostCall {
    Return(Vec<i64>),
    Suspend,
    Error(String),
}

/// Host call dispatch: `(import, args, memory, globals, remaining fuel)`.
pub type HostDispatch<'a> = dyn FnMut(ImportId, &[i64], &mut GuestMemory, &mut [i64], i64) -> HostCall + 'a;

/// Produces the (verified) function of a dynamic slot the first time a `call_dyn` reaches it.
pub type Resolve<'a> = dyn FnMut(u64) -> Result<crate::ir::Function, String> + 'a;

/// The embedder's producer of dynamic functions, as an instance keeps it.
pub type Resolver = Box<dyn FnMut(u64) -> Result<crate::ir::Function, String> + Send>;

/// Breakpoints and single-stepping: which `mark` sites stop the run.
#[derive(Clone, Debug, Default)]
pub struct DebugSites {
    pub breakpoints: HashSet<SourceLoc>,
    /// Stop at every `mark` that has a location.
    pub single_step: bool,
}

impl DebugSites {
    pub fn stops_at(&self, loc: SourceLoc) -> bool {
        self.single_step || self.breakpoints.contains(&loc)
    }
    pub fn is_empty(&self) -> bool {
        !self.single_step && self.breakpoints.is_empty()
    }
}

/// Everything the interpreter needs from its instance for one `run`.
pub struct Env<'a> {
    pub memory: &'a mut GuestMemory,
    pub globals: &'a mut [i64],
    pub counters: &'a mut Counters,
    /// Whether fuel is charged and checked.
    pub metered: bool,
    /// Nonzero when another thread asked the run to stop; the tier clears it when it stops.
    pub interrupt: &'a AtomicI64,
    pub host: &'a mut HostDispatch<'a>,
    pub resolve: &'a mut Resolve<'a>,
    pub debug: &'a DebugSites,
}
