//! The seed's `DebugInterface` over debugged instances: a registry of debuggers by instance id
//! (RISC-V [`GuestDebugger`]s and [`TelDebugger`]s), kept by the `Runtime`, and the trait on
//! `CausewayAdapter`.
//!
//! Owns the registry and the mapping of debugger events to the seed's states. It must never run
//! code itself (the debuggers do) or skip the `Debug` right.
//!
//! A debugged TEL program's effects act on a store of its session's own, each stop committed
//! there: a run paused between statements cannot hold a transaction of the runtime's store open,
//! and must not commit half of itself into it.

use crate::adapter::CausewayAdapter;
use crate::capability::Access;
use crate::error::{DebugError, Right, VmError};
use crate::interfaces::*;
use crate::riscv::{DebugEvent, Guest, GuestDebugger, GuestEnd, GuestIo, LiveGuest};
use crate::store::memory::MemoryStore;
use crate::store::Store;
use crate::tel::{TelLimits, TelProgram};
use crate::tel_debug::{TelDebugger, TelEvent, TelRunEnv};
use crate::types::ExecutionContext;
use causeway_tel::value::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// A debugger of either kind.
enum Debugged {
    Guest(GuestDebugger),
    Tel {
        dbg: Box<TelDebugger>,
        /// The store its effects act on (see the module doc).
        store: Arc<MemoryStore>,
        /// The context it runs under: its creator's.
        ctx: ExecutionContext,
    },
}

/// One debugged instance and the reason it last stopped.
struct Session {
    dbg: Debugged,
    reason: StopReason,
    /// The domain of the context that made it: every use needs `Debug` over it.
    domain: crate::types::DomainId,
}

/// The debugged instances of a runtime.
#[derive(Default)]
pub struct DebugSessions {
    sessions: Mutex<HashMap<VmInstanceId, Arc<Mutex<Session>>>>,
    next: AtomicU64,
}

impl DebugSessions {
    fn get(&self, id: VmInstanceId) -> Result<Arc<Mutex<Session>>, VmError> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
            .ok_or_else(|| DebugError::UnknownInstance(id).into())
    }

    /// Ends a session; its id is unknown from then on.
    pub fn close(&self, id: VmInstanceId) -> Result<(), VmError> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| DebugError::UnknownInstance(id).into())
    }
}

impl crate::embed::Runtime {
    /// A debugged instance of `guest` (loaded with `GuestOptions::debuggable`), stopped before its
    /// first instruction, its output going to `io`. Needs `Debug` over the context's domain. (It runs
    /// without a resource transaction: its Causeway resource calls fail.)
    pub fn debug_guest(
        &self,
        guest: &Guest,
        io: GuestIo,
        ctx: &ExecutionContext,
    ) -> Result<VmInstanceId, VmError> {
        check_debug(self, ctx)?;
        let dbg = GuestDebugger::new(guest, io)?;
        Ok(self.add_session(Debugged::Guest(dbg), ctx))
    }

    /// A debug session of a guest that was running on normal code: `live`, interrupted (its
    /// `run` returned `LiveEvent::Interrupted`), moves into debuggable code of `debuggable` (the
    /// same program loaded with `GuestOptions::debuggable`), paused before its next instruction.
    /// Needs `Debug` over the context's domain.
    pub fn debug_running_guest(
        &self,
        live: LiveGuest,
        debuggable: &Guest,
        ctx: &ExecutionContext,
    ) -> Result<VmInstanceId, VmError> {
        check_debug(self, ctx)?;
        let dbg = live.into_debugger(debuggable)?;
        Ok(self.add_session(Debugged::Guest(dbg), ctx))
    }

    /// A debugged TEL program, compiled debuggable and stopped before `main`, with `main`'s
    /// arguments. Its effects run under `ctx` against a store of the session's own (see the module
    /// doc); its fuel is `ctx.fuel`. Needs `Debug` and `Execute` over the context's domain.
    pub fn debug_tel(
        &self,
        program: &TelProgram,
        args: &[Value],
        ctx: &ExecutionContext,
    ) -> Result<VmInstanceId, VmError> {
        check_debug(self, ctx)?;
        // The session runs the program under `ctx`, as `run_tel` would.
        self.capabilities()
            .check(ctx, Right::Execute, Access::Domain(&ctx.domain))?;
        let dbg = TelDebugger::new(self, program, args, TelLimits::default(), ctx.fuel)?;
        let tel = Debugged::Tel {
            dbg: Box::new(dbg),
            store: Arc::new(MemoryStore::new()),
            ctx: ctx.clone(),
        };
        Ok(self.add_session(tel, ctx))
    }

    /// The addresses of the statements that start on `line` of a debugged TEL program's source:
    /// where `DebugInterface::set_breakpoint` puts a breakpoint on the line. Needs `Debug`.
    pub fn debug_line_addresses(
        &self,
        id: VmInstanceId,
        line: usize,
        ctx: &ExecutionContext,
    ) -> Result<Vec<MemoryAddress>, VmError> {
        check_debug(self, ctx)?;
        let session = self.debug_sessions().get(id)?;
        let session = session.lock().unwrap_or_else(|e| e.into_inner());
        self.capabilities()
            .check(ctx, Right::Debug, Access::Domain(&session.domain))?;
        match &session.dbg {
            Debugged::Tel { dbg, .. } => match dbg.line_addresses(line) {
                addresses if addresses.is_empty() => Err(DebugError::NoStatement(line).into()),
                addresses => Ok(addresses),
            },
            Debugged::Guest(_) => Err(DebugError::NotDebuggable.into()),
        }
    }

    fn add_session(&self, dbg: Debugged, ctx: &ExecutionContext) -> VmInstanceId {
        let sessions = self.debug_sessions();
        let id = sessions.next.fetch_add(1, Ordering::Relaxed) + 1;
        let session = Session {
            dbg,
            reason: StopReason::Entry,
            domain: ctx.domain.clone(),
        };
        sessions
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, Arc::new(Mutex::new(session)));
        id
    }
}

fn check_debug(runtime: &crate::embed::Runtime, ctx: &ExecutionContext) -> Result<(), VmError> {
    Ok(runtime
        .capabilities()
        .check(ctx, Right::Debug, Access::Domain(&ctx.domain))?)
}

impl CausewayAdapter {
    fn with_session<R>(
        &self,
        id: VmInstanceId,
        ctx: &ExecutionContext,
        f: impl FnOnce(&mut Session) -> Result<R, VmError>,
    ) -> Result<R, VmError> {
        check_debug(self.runtime(), ctx)?;
        let session = self.runtime().debug_sessions().get(id)?;
        let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
        self.runtime()
            .capabilities()
            .check(ctx, Right::Debug, Access::Domain(&session.domain))?;
        f(&mut session)
    }
}

fn state_of(session: &Session) -> VmState {
    match &session.dbg {
        Debugged::Guest(dbg) => match dbg.ended() {
            Some(_) => VmState::Ended,
            None => VmState::Paused { pc: dbg.pc() },
        },
        Debugged::Tel { dbg, .. } => match (dbg.ended(), dbg.position()) {
            (Some(_), _) => VmState::Ended,
            (None, Some(p)) => VmState::AtStatement {
                address: p.address,
                flow: p.flow,
                line: p.line,
                column: p.column,
            },
            (None, None) => VmState::NotStarted,
        },
    }
}

fn run(
    runtime: &crate::embed::Runtime,
    session: &mut Session,
    id: VmInstanceId,
    step: bool,
) -> Result<DebugState, VmError> {
    session.reason = match &mut session.dbg {
        Debugged::Guest(dbg) => {
            let event = if step { dbg.step()? } else { dbg.cont()? };
            match event {
                DebugEvent::Stopped { breakpoints, .. } if !breakpoints.is_empty() && !step => {
                    StopReason::Breakpoint(breakpoints)
                }
                DebugEvent::Stopped { .. } => StopReason::Step,
                DebugEvent::Ended(GuestEnd::Exited(status)) => StopReason::Exited(status),
                DebugEvent::Ended(GuestEnd::Trap { signal, pc, .. }) => StopReason::Trap { signal, pc },
                DebugEvent::Ended(GuestEnd::OutOfFuel) => StopReason::OutOfFuel,
                DebugEvent::Ended(GuestEnd::Interrupted) => StopReason::Interrupted,
            }
        }
        Debugged::Tel { dbg, store, ctx } => {
            let mut event = None;
            store.transact(&mut |txn| {
                let env = TelRunEnv { runtime, txn, ctx };
                event = Some(if step { dbg.step(env) } else { dbg.cont(env) });
                Ok(())
            })?;
            let event = event.ok_or_else(|| DebugError::Engine("the step did not run".into()))??;
            match event {
                TelEvent::Stopped { breakpoints, .. } if !breakpoints.is_empty() && !step => {
                    StopReason::Breakpoint(breakpoints)
                }
                TelEvent::Stopped { .. } => StopReason::Step,
                TelEvent::Finished(value) => StopReason::Finished(value.to_string()),
                TelEvent::Failed(e) => StopReason::Failed(e.to_string()),
            }
        }
    };
    Ok(DebugState {
        instance: id,
        state: state_of(session),
        reason: session.reason.clone(),
    })
}

impl DebugInterface for CausewayAdapter {
    fn set_breakpoint(
        &self,
        instance_id: &VmInstanceId,
        address: MemoryAddress,
        context: &ExecutionContext,
    ) -> Result<BreakpointId, VmError> {
        self.with_session(*instance_id, context, |s| match &mut s.dbg {
            Debugged::Guest(dbg) => Ok(dbg.set_breakpoint(address)?),
            Debugged::Tel { dbg, .. } => Ok(dbg.set_breakpoint(address)?),
        })
    }

    fn remove_breakpoint(
        &self,
        instance_id: &VmInstanceId,
        breakpoint_id: BreakpointId,
        context: &ExecutionContext,
    ) -> Result<(), VmError> {
        self.with_session(*instance_id, context, |s| match &mut s.dbg {
            Debugged::Guest(dbg) => Ok(dbg.remove_breakpoint(breakpoint_id)?),
            Debugged::Tel { dbg, .. } => Ok(dbg.remove_breakpoint(breakpoint_id)?),
        })
    }

    fn step(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<DebugState, VmError> {
        self.with_session(*instance_id, context, |s| {
            run(self.runtime(), s, *instance_id, true)
        })
    }

    fn continue_execution(
        &self,
        instance_id: &VmInstanceId,
        context: &ExecutionContext,
    ) -> Result<DebugState, VmError> {
        self.with_session(*instance_id, context, |s| {
            run(self.runtime(), s, *instance_id, false)
        })
    }

    fn get_state(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<VmState, VmError> {
        self.with_session(*instance_id, context, |s| Ok(state_of(s)))
    }

    fn get_registers(
        &self,
        instance_id: &VmInstanceId,
        context: &ExecutionContext,
    ) -> Result<RegisterValues, VmError> {
        self.with_session(*instance_id, context, |s| match &s.dbg {
            Debugged::Guest(dbg) => Ok(RegisterValues {
                pc: dbg.pc(),
                registers: dbg
                    .registers()
                    .iter()
                    .enumerate()
                    .map(|(x, &v)| (format!("x{x}"), v))
                    .collect(),
                locals: Vec::new(),
            }),
            Debugged::Tel { dbg, .. } => {
                let at = dbg.position().ok_or_else(|| {
                    DebugError::NotPaused("the program is not stopped at a statement".into())
                })?;
                Ok(RegisterValues {
                    pc: at.address,
                    registers: Vec::new(),
                    locals: dbg.locals()?,
                })
            }
        })
    }
}
