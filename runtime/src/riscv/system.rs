//! The guest system interface behind `ecall`: Linux `write`, `exit`, `exit_group` and `brk`
//! (`-ENOSYS` for the rest), the Causeway calls (standard resource effects and `perform`), and the
//! `cycle`/`time`/`instret` counters. One `System` per instance.
//!
//! Owns the system-call semantics; must never translate guest code or decide how a run ends.

use super::GuestIo;
use crate::embed::{perform_registered, perform_standard, standard_effects};
use crate::interfaces::EffectHandler;
use causeway_engine::host::{HostCtx, HostOutcome, Linker};
use causeway_riscv::inst::Xlen;
use causeway_riscv::layout::{self, Layout};
use std::collections::HashMap;
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

/// What of the system interface's state a snapshot carries: the program break and the counter of
/// unmetered runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SystemState {
    pub brk: u64,
    /// The end of the pages mapped for the heap so far (`[brk_start, brk_mapped)` is mapped).
    pub brk_mapped: u64,
    /// The counter value of unmetered runs (one more per read).
    pub counter: i64,
}

impl SystemState {
    /// A fresh guest's: the break at its start, nothing mapped for the heap.
    pub fn initial(layout: &Layout) -> SystemState {
        SystemState {
            brk: layout.brk_start,
            brk_mapped: layout.brk_start,
            counter: 0,
        }
    }
}

/// The system interface of a live instance, for taking its state into a snapshot.
#[derive(Clone)]
pub struct SystemHandle(Arc<Mutex<System>>);

impl SystemHandle {
    /// Moves the metered counters' budget with fuel added to (or taken from) the instance outside
    /// the guest's own spending, so that the counters still read the instructions it ran.
    pub fn shift_budget(&self, by: i64) -> Result<(), String> {
        let mut s = self
            .0
            .lock()
            .map_err(|_| "the system interface is poisoned".to_string())?;
        if let Some(b) = &mut s.budget {
            *b = b.wrapping_add(by);
        }
        Ok(())
    }

    /// Takes the guest's output streams, leaving streams that discard: the guest's state is moving
    /// to another instance, which writes to them from then on.
    pub fn take_io(&self) -> Result<GuestIo, String> {
        let mut s = self
            .0
            .lock()
            .map_err(|_| "the system interface is poisoned".to_string())?;
        let sink = GuestIo {
            stdout: Box::new(std::io::sink()),
            stderr: Box::new(std::io::sink()),
        };
        Ok(std::mem::replace(&mut s.io, sink))
    }

    pub fn state(&self) -> Result<SystemState, String> {
        let s = self
            .0
            .lock()
            .map_err(|_| "the system interface is poisoned".to_string())?;
        Ok(SystemState {
            brk: s.brk,
            brk_mapped: s.brk_mapped,
            counter: s.counter,
        })
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
    /// Metered counters read this minus the fuel left (see `link_system`).
    budget: Option<i64>,
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
    fn counter(&mut self, fuel_left: i64, csr: i64) -> i64 {
        let count = match self.budget {
            Some(b) => b.wrapping_sub(fuel_left),
            None => {
                self.counter = self.counter.wrapping_add(1);
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

/// The system interface of one instance: `ecall` and the counters, starting from `state` (the
/// caller maps the heap pages it says are mapped). Metered counters read `budget` minus the fuel
/// left, so `budget` is the fuel the instance started with as if it had run from the guest's entry.
pub(super) fn link_system(
    linker: &mut Linker,
    layout: &Layout,
    budget: Option<u64>,
    state: SystemState,
    io: GuestIo,
    handlers: HashMap<String, Arc<dyn EffectHandler>>,
) -> SystemHandle {
    let system = Arc::new(Mutex::new(System {
        xlen: layout.xlen,
        io,
        brk: state.brk,
        brk_mapped: state.brk_mapped,
        brk_start: layout.brk_start,
        brk_limit: layout.brk_limit,
        counter: state.counter,
        budget: budget.map(|b| b as i64),
        handlers,
    }));
    let handle = SystemHandle(system.clone());
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
        results[0] = s.counter(ctx.fuel, args[0]);
        Ok(HostOutcome::Return)
    });
    handle
}
