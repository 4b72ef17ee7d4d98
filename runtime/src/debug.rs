//! The seed's `DebugInterface` over debugged instances: a registry of [`GuestDebugger`]s by
//! instance id, kept by the `Runtime`, and the trait on `CausewayAdapter`.
//!
//! Owns the registry and the mapping of debugger events to the seed's states. It must never run
//! code itself (`GuestDebugger` does) or skip the `Debug` right.

use crate::adapter::CausewayAdapter;
use crate::capability::Access;
use crate::error::{DebugError, Right, VmError};
use crate::interfaces::*;
use crate::riscv::{DebugEvent, Guest, GuestDebugger, GuestEnd, GuestIo};
use crate::types::ExecutionContext;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One debugged instance and the reason it last stopped.
struct Session {
    dbg: GuestDebugger,
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
        Ok(id)
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
    match session.dbg.ended() {
        Some(_) => VmState::Ended,
        None => VmState::Paused { pc: session.dbg.pc() },
    }
}

fn run(session: &mut Session, id: VmInstanceId, step: bool) -> Result<DebugState, VmError> {
    let event = if step {
        session.dbg.step()?
    } else {
        session.dbg.cont()?
    };
    session.reason = match event {
        DebugEvent::Stopped { breakpoints, .. } if !breakpoints.is_empty() && !step => {
            StopReason::Breakpoint(breakpoints)
        }
        DebugEvent::Stopped { .. } => StopReason::Step,
        DebugEvent::Ended(GuestEnd::Exited(status)) => StopReason::Exited(status),
        DebugEvent::Ended(GuestEnd::Trap { signal, pc, .. }) => StopReason::Trap { signal, pc },
        DebugEvent::Ended(GuestEnd::OutOfFuel) => StopReason::OutOfFuel,
        DebugEvent::Ended(GuestEnd::Interrupted) => StopReason::Interrupted,
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
        self.with_session(*instance_id, context, |s| Ok(s.dbg.set_breakpoint(address)?))
    }

    fn remove_breakpoint(
        &self,
        instance_id: &VmInstanceId,
        breakpoint_id: BreakpointId,
        context: &ExecutionContext,
    ) -> Result<(), VmError> {
        self.with_session(*instance_id, context, |s| {
            Ok(s.dbg.remove_breakpoint(breakpoint_id)?)
        })
    }

    fn step(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<DebugState, VmError> {
        self.with_session(*instance_id, context, |s| run(s, *instance_id, true))
    }

    fn continue_execution(
        &self,
        instance_id: &VmInstanceId,
        context: &ExecutionContext,
    ) -> Result<DebugState, VmError> {
        self.with_session(*instance_id, context, |s| run(s, *instance_id, false))
    }

    fn get_state(&self, instance_id: &VmInstanceId, context: &ExecutionContext) -> Result<VmState, VmError> {
        self.with_session(*instance_id, context, |s| Ok(state_of(s)))
    }

    fn get_registers(
        &self,
        instance_id: &VmInstanceId,
        context: &ExecutionContext,
    ) -> Result<RegisterValues, VmError> {
        self.with_session(*instance_id, context, |s| {
            Ok(RegisterValues {
                pc: s.dbg.pc(),
                registers: s
                    .dbg
                    .registers()
                    .iter()
                    .enumerate()
                    .map(|(x, &v)| (format!("x{x}"), v))
                    .collect(),
            })
        })
    }
}
