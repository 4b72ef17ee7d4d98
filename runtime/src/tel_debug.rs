//! Source-level debugging of TEL programs: breakpoints on source lines, steps of one statement,
//! continue, the current flow and position, and the values of its locals by name. What
//! `causeway debug FILE.tel` and the TEL side of `DebugInterface` drive.
//!
//! Owns a debugged TEL instance. It runs debuggable code (every statement a breakpoint site, its
//! locals described by `causeway_tel::debug_info`) and keeps the program's invocation state from
//! one stop to the next, so the `log` effect and the resource effects work as in a normal run; the
//! caller gives the transaction each resume runs in. It must never lower TEL (the front end does)
//! nor decide what an effect does (the runtime's linker does).

use crate::embed::{InvocationState, Runtime};
use crate::error::{DebugError, ExecutionError, VmError};
use crate::store::Txn;
use crate::tel::{
    check_arity, compile_tel_debuggable, handle_name, instantiate, runtime_error, verify_handlers,
    CompiledVmProgram, TelLimits, TelProgram,
};
use crate::types::ExecutionContext;
use causeway_engine::instance::Instance;
use causeway_engine::ir::SourceLoc;
use causeway_engine::jit::CompiledModule;
use causeway_engine::stop::Stop;
use causeway_tel::debug_info::{DebugInfo, DebugLocal, DebugSlot};
use causeway_tel::layout::CELL_VALUE;
use causeway_tel::lower::ENTRY;
use causeway_tel::value::{read_value, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub type TelBreakpointId = u64;

/// Where the program is paused: before the statement at `address` (a mark location, see
/// `causeway_tel::debug_info`), in `flow`, at `line`:`column`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TelPosition {
    pub address: u64,
    pub flow: String,
    pub line: usize,
    pub column: usize,
}

/// Where a step or a continue left the program.
#[derive(Clone, Debug, PartialEq)]
pub enum TelEvent {
    /// Before a statement; `breakpoints` are the ones set on it.
    Stopped {
        position: TelPosition,
        breakpoints: Vec<TelBreakpointId>,
    },
    /// `main` returned this value.
    Finished(Value),
    /// The run failed (the error carries its TEL kind and position).
    Failed(VmError),
}

/// Everything one resume needs from the caller: the runtime whose effects are linked, the
/// transaction they act in and the context they act under.
pub struct TelRunEnv<'a> {
    pub runtime: &'a Runtime,
    pub txn: &'a mut dyn Txn,
    pub ctx: &'a ExecutionContext,
}

/// A TEL program under a debugger, paused before `main`'s first statement until it first runs.
pub struct TelDebugger {
    instance: Instance,
    compiled: CompiledVmProgram,
    info: Arc<DebugInfo>,
    state: InvocationState,
    args: Vec<i64>,
    breakpoints: BTreeMap<TelBreakpointId, (usize, Vec<SourceLoc>)>,
    next_id: TelBreakpointId,
    started: bool,
    /// The mark the program is stopped at.
    at: Option<SourceLoc>,
    ended: Option<TelEvent>,
}

impl TelDebugger {
    /// Compiles `program` debuggable and makes an instance of it with `main`'s arguments, linked to
    /// `runtime`'s effects and handlers (on the interpreter when the runtime runs programs there).
    pub fn new(
        runtime: &Runtime,
        program: &TelProgram,
        args: &[Value],
        limits: TelLimits,
        fuel: Option<u64>,
    ) -> Result<TelDebugger, VmError> {
        let (compiled, info) = compile_tel_debuggable(program, limits)?;
        TelDebugger::from_compiled(runtime, compiled, info, args, fuel)
    }

    /// A debugger of a program compiled by [`compile_tel_debuggable`].
    pub fn from_compiled(
        runtime: &Runtime,
        compiled: CompiledVmProgram,
        info: DebugInfo,
        args: &[Value],
        fuel: Option<u64>,
    ) -> Result<TelDebugger, VmError> {
        check_arity(&compiled, args)?;
        verify_handlers(runtime, &compiled)?;
        // Breakpoints patch code: a JIT instance gets code of its own.
        let code = if runtime.is_interpreter() {
            None
        } else {
            let code =
                CompiledModule::compile(compiled.program.module_arc(), compiled.program.compiled().options)
                    .map_err(|e| ExecutionError::Invalid(e.to_string()))?;
            Some(Arc::new(code))
        };
        let (instance, raw_args) = instantiate(runtime, &compiled, code, args, fuel)?;
        Ok(TelDebugger {
            instance,
            compiled,
            info: Arc::new(info),
            state: InvocationState::default(),
            args: raw_args,
            breakpoints: BTreeMap::new(),
            next_id: 1,
            started: false,
            at: None,
            ended: None,
        })
    }

    pub fn source(&self) -> &str {
        &self.compiled.source
    }

    pub fn debug_info(&self) -> &DebugInfo {
        &self.info
    }

    /// The addresses of the statements that start on `line` (1-based): where a breakpoint on the
    /// line goes.
    pub fn line_addresses(&self, line: usize) -> Vec<u64> {
        self.info
            .locs_at_line(&self.compiled.source, line)
            .into_iter()
            .map(|l| l.0)
            .collect()
    }

    /// A breakpoint on every statement that starts on `line`.
    pub fn set_line_breakpoint(&mut self, line: usize) -> Result<TelBreakpointId, DebugError> {
        let locs = self.info.locs_at_line(&self.compiled.source, line);
        if locs.is_empty() {
            return Err(DebugError::NoStatement(line));
        }
        self.add(line, locs)
    }

    /// A breakpoint before the statement at `address` (from [`TelDebugger::line_addresses`]).
    pub fn set_breakpoint(&mut self, address: u64) -> Result<TelBreakpointId, DebugError> {
        let loc = SourceLoc(address);
        let line = self
            .info
            .position(&self.compiled.source, loc)
            .ok_or(DebugError::NoInstruction(address))?
            .0;
        self.add(line, vec![loc])
    }

    fn add(&mut self, line: usize, locs: Vec<SourceLoc>) -> Result<TelBreakpointId, DebugError> {
        self.live()?;
        for &loc in &locs {
            self.instance
                .add_breakpoint(loc)
                .map_err(|e| DebugError::Engine(e.to_string()))?;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.breakpoints.insert(id, (line, locs));
        Ok(id)
    }

    pub fn remove_breakpoint(&mut self, id: TelBreakpointId) -> Result<(), DebugError> {
        let (_, locs) = self
            .breakpoints
            .remove(&id)
            .ok_or(DebugError::UnknownBreakpoint(id))?;
        for loc in locs {
            if !self.breakpoints.values().any(|(_, other)| other.contains(&loc)) {
                self.instance
                    .remove_breakpoint(loc)
                    .map_err(|e| DebugError::Engine(e.to_string()))?;
            }
        }
        Ok(())
    }

    /// The breakpoints: id → (line, addresses).
    pub fn breakpoints(&self) -> impl Iterator<Item = (TelBreakpointId, usize)> + '_ {
        self.breakpoints.iter().map(|(&id, (line, _))| (id, *line))
    }

    /// Runs to the next statement, wherever it is (into calls, out of returns).
    pub fn step(&mut self, env: TelRunEnv<'_>) -> Result<TelEvent, DebugError> {
        self.run(env, true)
    }

    /// Runs to the next breakpoint or the end.
    pub fn cont(&mut self, env: TelRunEnv<'_>) -> Result<TelEvent, DebugError> {
        self.run(env, false)
    }

    /// How the run ended, once it has.
    pub fn ended(&self) -> Option<&TelEvent> {
        self.ended.as_ref()
    }

    /// The lines the program logged so far.
    pub fn log(&self) -> &[String] {
        self.state.log()
    }

    /// Where the program is paused (`None` before it starts and after it ends).
    pub fn position(&self) -> Option<TelPosition> {
        let loc = self.at?;
        let (line, column) = self.info.position(&self.compiled.source, loc)?;
        let flow = self
            .instance
            .debug_frame_vars()
            .and_then(|(f, _)| {
                self.instance
                    .module()
                    .funcs
                    .get(f.0 as usize)
                    .map(|f| flow_name(&f.name))
            })
            .unwrap_or_default();
        Some(TelPosition {
            address: loc.0,
            flow,
            line,
            column,
        })
    }

    /// The locals in scope where the program is paused, by name (a shadowed one is left out), with
    /// their values as TEL literals.
    pub fn locals(&self) -> Result<Vec<(String, String)>, DebugError> {
        let mark = self.mark()?;
        let mut shown: Vec<(String, String)> = Vec::new();
        for local in &mark.locals {
            let value = self.value_of(local)?;
            match shown.iter_mut().find(|(n, _)| *n == local.name) {
                Some(slot) => slot.1 = value,
                None => shown.push((local.name.clone(), value)),
            }
        }
        Ok(shown)
    }

    /// The value of local `name` where the program is paused, as a TEL literal.
    pub fn print(&self, name: &str) -> Result<String, DebugError> {
        let mark = self.mark()?;
        let local = mark
            .locals
            .iter()
            .rev()
            .find(|l| l.name == name)
            .ok_or_else(|| DebugError::NoLocal(name.to_string()))?;
        self.value_of(local)
    }

    fn mark(&self) -> Result<&causeway_tel::debug_info::MarkInfo, DebugError> {
        self.live()?;
        let loc = self.at.ok_or_else(|| {
            DebugError::NotPaused("the program has not started: step or continue first".into())
        })?;
        self.info
            .mark(loc)
            .ok_or_else(|| DebugError::Engine(format!("no statement at {:#x}", loc.0)))
    }

    fn value_of(&self, local: &DebugLocal) -> Result<String, DebugError> {
        let (_, vars) = self
            .instance
            .debug_frame_vars()
            .ok_or_else(|| DebugError::NotPaused("no frame to read".into()))?;
        let memory = self.instance.memory();
        let var = |v: u32| {
            vars.get(v as usize)
                .copied()
                .ok_or_else(|| DebugError::Engine(format!("the frame has no variable v{v}")))
        };
        let load = |addr: i64, offset: i32| -> Result<i64, DebugError> {
            let bytes = memory
                .read((addr as u64).wrapping_add(offset as i64 as u64), 8)
                .map_err(|e| DebugError::Memory(e.to_string()))?;
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes);
            Ok(i64::from_le_bytes(word))
        };
        let raw = match local.slot {
            DebugSlot::Var(v) => var(v)?,
            DebugSlot::Cell(v) => load(var(v)?, CELL_VALUE)?,
            DebugSlot::Field(v, off) => load(var(v)?, off)?,
            DebugSlot::FieldCell(v, off) => load(load(var(v)?, off)?, CELL_VALUE)?,
        };
        let handles = self.state.handles();
        let name = |h: i64| handle_name(handles, h);
        read_value(memory, &local.ty, raw, &name)
            .map(|v| v.to_string())
            .map_err(|e| DebugError::Memory(format!("reading `{}`: {e}", local.name)))
    }

    fn live(&self) -> Result<(), DebugError> {
        match &self.ended {
            Some(TelEvent::Finished(v)) => Err(DebugError::Ended(format!("main returned {v}"))),
            Some(TelEvent::Failed(e)) => Err(DebugError::Ended(e.to_string())),
            _ => Ok(()),
        }
    }

    fn run(&mut self, env: TelRunEnv<'_>, single_step: bool) -> Result<TelEvent, DebugError> {
        self.live()?;
        self.instance
            .set_single_step(single_step)
            .map_err(|e| DebugError::Engine(e.to_string()))?;
        let TelRunEnv { runtime, txn, ctx } = env;
        let (instance, state, args) = (&mut self.instance, &mut self.state, &self.args);
        let started = std::mem::replace(&mut self.started, true);
        let stop = runtime.in_invocation(txn, ctx, state, || {
            if started {
                instance.resume()
            } else {
                instance.call(ENTRY, args)
            }
        });
        let stop = stop.map_err(|e| DebugError::Engine(e.to_string()))?;
        self.at = None;
        let error = self.state.take_error();
        let event = match stop {
            Stop::Breakpoint { loc } => {
                self.at = Some(loc);
                let position = self.position().ok_or_else(|| {
                    DebugError::Engine(format!("stopped at {:#x}, which is no statement", loc.0))
                })?;
                let breakpoints = self
                    .breakpoints
                    .iter()
                    .filter(|(_, (_, locs))| locs.contains(&loc))
                    .map(|(&id, _)| id)
                    .collect();
                return Ok(TelEvent::Stopped {
                    position,
                    breakpoints,
                });
            }
            Stop::Finished(values) if error.is_none() => {
                let raw = values.first().copied().unwrap_or(0);
                let handles = self.state.handles();
                let name = |h: i64| handle_name(handles, h);
                match read_value(self.instance.memory(), &self.compiled.main_ret, raw, &name) {
                    Ok(v) => TelEvent::Finished(v),
                    Err(m) => TelEvent::Failed(
                        ExecutionError::Invalid(format!("reading `main`'s result: {m}")).into(),
                    ),
                }
            }
            stop => TelEvent::Failed(runtime_error(&self.compiled, stop, error)),
        };
        self.ended = Some(event.clone());
        Ok(event)
    }
}

/// A function's name as a TEL user knows it.
fn flow_name(ir_name: &str) -> String {
    if let Some(flow) = ir_name.strip_prefix("flow_") {
        return flow.to_string();
    }
    if ir_name.starts_with("lambda") {
        return "a lambda".into();
    }
    if let Some(rest) = ir_name.strip_prefix("clause") {
        if let Some((_, effect)) = rest.split_once('_') {
            return format!("the handler of {effect}");
        }
    }
    ir_name.to_string()
}
