//! Host functions: what a guest `hostcall` reaches, on either tier.
//!
//! Owns the host-call vocabulary (outcomes, errors, the [`Linker`] of named host functions). Host
//! functions see the instance's memory and globals through [`HostCtx`]; they never see native frames,
//! and a panic inside one is caught by the engine and becomes `Stop::HostError`.

use crate::memory::GuestMemoryMut;
use std::collections::HashMap;

/// What a host function did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostOutcome {
    /// Return to the guest with the values written into the results slice (one per result of the
    /// import's signature; the slice arrives zeroed).
    Return,
    /// Stop the run with `Stop::HostSuspended`; the embedder supplies the results before resuming.
    /// Only `effect` imports may suspend; a `helper` that asks to is a host error.
    Suspend,
}

/// What a host function sees of the instance.
pub struct HostCtx<'a> {
    pub memory: GuestMemoryMut<'a>,
    pub globals: &'a mut [i64],
    /// The fuel left when the guest made this call (exact on both tiers; very large when the run
    /// is unmetered). Read-only: a host function cannot change the budget.
    pub fuel: i64,
}

/// A host function: `(ctx, args, results)`, outcome or error message out. Results are written in place
/// so that a host call allocates nothing.
pub type HostFn = Box<dyn FnMut(&mut HostCtx<'_>, &[i64], &mut [i64]) -> Result<HostOutcome, String> + Send>;

/// Host functions by import name. An import the linker lacks makes instantiation fail.
#[derive(Default)]
pub struct Linker {
    funcs: HashMap<String, HostFn>,
}

impl Linker {
    pub fn new() -> Linker {
        Linker::default()
    }

    /// Defines (or redefines) the host function for import `name`.
    pub fn define(
        &mut self,
        name: &str,
        f: impl FnMut(&mut HostCtx<'_>, &[i64], &mut [i64]) -> Result<HostOutcome, String> + Send + 'static,
    ) -> &mut Self {
        self.funcs.insert(name.to_string(), Box::new(f));
        self
    }

    pub fn take(&mut self, name: &str) -> Option<HostFn> {
        self.funcs.remove(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }
}

/// The message of a caught panic payload (`&str` or `String`), for error reports.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".into())
}
