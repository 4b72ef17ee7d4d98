//! The reference interpreter: executes IR [`Module`]s directly and is the oracle the Cranelift JIT is
//! differentially tested against.
//!
//! It owns the interpreter's run state only: an explicit frame stack (so deep guest recursion never
//! grows the host stack), one shared variable stack, the per-function block costs and check points
//! precomputed from [`crate::fuel`], and where a stopped run resumes. It charges fuel, counts call
//! depth and stops exactly where [`crate::fuel`] says, so both tiers agree to the unit.
//!
//! It must never recurse on guest calls, never panic on a verified module, never touch guest memory
//! except through `GuestMemory::{effective_addr, load, store}` ([`crate::memory`]), and
//! never have semantics of its own: every instruction means exactly what `ir` documents.
//!
//! Choices left to this tier (the JIT must match them):
//! - A `StackOverflow` is raised on entry to the callee, before its entry block is charged (as in the
//!   JIT's prologue): it reports `func: Some(callee)` and `loc: None`. The callee's frame is not
//!   pushed (the caller's frame, kept for inspection, stands at the call) and `counters.depth` is
//!   left unincremented, so after any trap `counters.depth` equals its value when the run started
//!   plus the number of frames kept.
//! - Fuel is charged with wrapping subtraction; depth is counted with wrapping arithmetic.
//! - `select`/`brif` conditions are "nonzero" on the operand's value (an immediate as a whole i64);
//!   `br_table`/`call_indirect` indices are compared unsigned as 64-bit values (for a sign-extended
//!   i32 variable this gives the same in/out-of-range answer as comparing it as a u32).
//! - `run` on an interpreter with no run in progress (finished, trapped, host error) returns the stop
//!   that ended the last run again; if nothing was ever started it returns
//!   `Stop::Trap { code: Unreachable, loc: None, func: None }`.
//! - Resuming after `HostSuspended` without [`Interpreter::provide_host_results`] ends the run with a
//!   `Stop::HostError` (not resumable, like every `HostError`).

use crate::exec::{Env, HostCall};
use crate::fuel;
use crate::ir::{
    normalize, BinOp, BlockId, Cond, FuncId, InstKind, Module, Operand, SourceLoc, Terminator, TrapCode,
    Type, UnOp, Var,
};
use crate::stop::{Stop, Trap};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The static fuel facts of one block.
#[derive(Clone, Copy, Debug)]
struct BlockInfo {
    /// Fuel charged on entry ([`fuel::block_cost`]).
    cost: i64,
    /// Whether entering it is a check point ([`fuel::check_points`]).
    check: bool,
    /// Where an interrupt pending at the check goes instead of stopping (`Block::on_interrupt`).
    exit: Option<u32>,
}

/// One activation on the explicit frame stack.
#[derive(Clone, Copy, Debug)]
struct Frame {
    func: u32,
    block: u32,
    /// The next instruction to execute; while a callee runs (or a host call is suspended) it is the
    /// call instruction itself, whose `dsts` receive the results.
    ip: u32,
    /// Index of this frame's first variable in `Interpreter::vals`.
    base: usize,
}

/// Where the next `run` picks up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// No run in progress: never started, finished, trapped or failed in a host call.
    Done,
    /// `start` was called; the entry function has not been entered (depth, charge, check pending).
    Enter,
    /// Stopped at a check point: the top frame is at the entry of its block, already charged; the
    /// check is redone first.
    Check,
    /// Execute from the top frame's `ip`.
    Continue,
    /// Suspended in the host call at the top frame's `ip`, waiting for `provide_host_results`.
    AwaitHost,
}

/// Why the dispatch loop leaves the current frame's blocks.
enum Flow {
    /// Call `FuncId` with `Interpreter::args`.
    Call(FuncId),
    /// Call dynamic slot `u64`, which has no function yet, with `Interpreter::args`.
    Resolve(u64),
    /// The frame returns `Interpreter::args`.
    Return,
    Stop(Stop),
}

/// Why `exec` returned.
enum Exit {
    Stop(Stop),
    /// A `call_dyn` reached this slot, which has no function yet.
    Resolve(u64),
}

/// A read-only view of one frame, for debuggers and inspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameView<'a> {
    pub func: FuncId,
    pub block: BlockId,
    /// Index in `block` of the next instruction to execute (for a caller frame or a suspended host
    /// call: the call instruction; equal to the instruction count when the terminator is next).
    pub inst: usize,
    /// The frame's variables, `vars[i]` being `v{i}`.
    pub vars: &'a [i64],
}

/// The reference interpreter for one module.
pub struct Interpreter {
    module: Arc<Module>,
    /// Per function, per block: cost and check point.
    info: Vec<Vec<BlockInfo>>,
    /// Innermost last.
    frames: Vec<Frame>,
    /// All frames' variables, each frame's at `base..base + vars.len()`.
    vals: Vec<i64>,
    /// Reused buffer: call/hostcall arguments, start arguments, return values.
    args: Vec<i64>,
    state: State,
    entry: FuncId,
    /// The stop that ended the last run (returned again by `run` while `state` is `Done`).
    last: Option<Stop>,
    /// Resolved dynamic slots and the function each got (appended to `module`).
    dynamic: HashMap<u64, FuncId>,
}

impl Interpreter {
    /// Prepares an interpreter for `module`, precomputing every block's cost and check points.
    pub fn new(module: Arc<Module>) -> Interpreter {
        let info = module
            .funcs
            .iter()
            .map(|f| block_info(module.metering, f))
            .collect();
        Interpreter {
            module,
            info,
            frames: Vec::new(),
            vals: Vec::new(),
            args: Vec::new(),
            state: State::Done,
            entry: FuncId(0),
            last: None,
            dynamic: HashMap::new(),
        }
    }

    pub fn module(&self) -> &Arc<Module> {
        &self.module
    }

    /// Begins a call of `func` with `args` (normalized to its parameter types; the caller checks the
    /// arity: missing arguments are 0, extra ones are ignored). Does not run yet, and replaces any
    /// previous run state. `counters.depth` is the embedder's to reset: this has no `Env`.
    ///
    /// Panics if `func` is not a function of the module.
    pub fn start(&mut self, func: FuncId, args: &[i64]) {
        assert!(
            (func.0 as usize) < self.module.funcs.len(),
            "start: no function {}",
            func.0
        );
        self.frames.clear();
        self.vals.clear();
        self.args.clear();
        self.args.extend_from_slice(args);
        self.entry = func;
        self.state = State::Enter;
        self.last = None;
    }

    /// Whether a run is in progress and `run` continues it.
    pub fn is_resumable(&self) -> bool {
        self.state != State::Done
    }

    /// Whether the run is suspended in a host call whose results have not been provided yet.
    pub fn awaits_host_results(&self) -> bool {
        self.state == State::AwaitHost
    }

    /// The innermost frame, if any (after a trap or host error: the frame that stopped).
    pub fn frame(&self) -> Option<FrameView<'_>> {
        self.frames.last().map(|fr| self.view(fr))
    }

    /// All frames, outermost first.
    pub fn frames(&self) -> impl DoubleEndedIterator<Item = FrameView<'_>> + '_ {
        self.frames.iter().map(|fr| self.view(fr))
    }

    /// Writes variable `var` of the innermost frame (a debugger's write), normalized to its type.
    /// Returns false if there is no frame or no such variable.
    pub fn set_frame_var(&mut self, var: u32, value: i64) -> bool {
        let Some(fr) = self.frames.last() else {
            return false;
        };
        let func = &self.module.funcs[fr.func as usize];
        let Some(&ty) = func.vars.get(var as usize) else {
            return false;
        };
        match self.vals.get_mut(fr.base + var as usize) {
            Some(slot) => {
                *slot = crate::ir::normalize(ty, value);
                true
            }
            None => false,
        }
    }

    fn view(&self, fr: &Frame) -> FrameView<'_> {
        let n = self.module.funcs[fr.func as usize].vars.len();
        FrameView {
            func: FuncId(fr.func),
            block: BlockId(fr.block),
            inst: fr.ip as usize,
            vars: &self.vals[fr.base..(fr.base + n).min(self.vals.len())],
        }
    }

    /// After `Stop::HostSuspended`: the host call's results, one per result of the import's signature
    /// (normalized to the destination variables' types). The next `run` continues after the call.
    pub fn provide_host_results(&mut self, results: &[i64]) -> Result<(), String> {
        if self.state != State::AwaitHost {
            return Err("no host call is waiting for results".into());
        }
        let fr = self.frames.last_mut().expect("a suspended run has a frame");
        let f = &self.module.funcs[fr.func as usize];
        let inst = &f.blocks[fr.block as usize].insts[fr.ip as usize];
        let InstKind::HostCall { import, dsts, .. } = &inst.kind else {
            unreachable!("a suspended frame stands at a hostcall")
        };
        let imp = &self.module.imports[import.0 as usize];
        if results.len() != imp.sig.results.len() {
            return Err(format!(
                "host function {} takes {} results, got {}",
                imp.name,
                imp.sig.results.len(),
                results.len()
            ));
        }
        let vars = &mut self.vals[fr.base..];
        for (d, &v) in dsts.iter().zip(results) {
            set(vars, &f.vars, *d, v);
        }
        fr.ip += 1;
        self.state = State::Continue;
        Ok(())
    }

    /// Runs until a stop. After a resumable stop (`OutOfFuel`, `Interrupted`, `Breakpoint`,
    /// `HostSuspended`) calling it again continues exactly where the run stopped.
    pub fn run(&mut self, env: &mut Env<'_>) -> Stop {
        let stop = match self.state {
            State::Done => {
                return self.last.clone().unwrap_or(Stop::Trap(Trap {
                    code: TrapCode::Unreachable,
                    loc: None,
                    func: None,
                }))
            }
            State::Enter => {
                let entry = self.entry;
                let module = Arc::clone(&self.module);
                match self.enter(&module, env, entry) {
                    Some(stop) => stop,
                    None => self.exec_resolving(env),
                }
            }
            State::Check => match check(env) {
                Some(stop) => stop,
                None => self.exec_resolving(env),
            },
            State::Continue => self.exec_resolving(env),
            State::AwaitHost => {
                let fr = self.frames.last().expect("a suspended run has a frame");
                let inst =
                    &self.module.funcs[fr.func as usize].blocks[fr.block as usize].insts[fr.ip as usize];
                let InstKind::HostCall { import, .. } = inst.kind else {
                    unreachable!("a suspended frame stands at a hostcall")
                };
                Stop::HostError {
                    import,
                    message: "run resumed after HostSuspended without provide_host_results".into(),
                    loc: inst.loc,
                }
            }
        };
        self.state = match stop {
            Stop::OutOfFuel | Stop::Interrupted => State::Check,
            Stop::Breakpoint { .. } => State::Continue,
            Stop::HostSuspended { .. } => State::AwaitHost,
            Stop::Finished(_) | Stop::Trap(_) | Stop::HostError { .. } | Stop::ResolveError { .. } => {
                self.last = Some(stop.clone());
                State::Done
            }
        };
        stop
    }

    /// Runs the dispatch loop, resolving dynamic slots as calls reach them. The module is not
    /// borrowed while a slot resolves, because the resolved function is appended to it (it gets the
    /// next `FuncId`, as in the JIT).
    fn exec_resolving(&mut self, env: &mut Env<'_>) -> Stop {
        loop {
            let module = Arc::clone(&self.module);
            let slot = match self.exec(&module, env) {
                Exit::Stop(stop) => return stop,
                Exit::Resolve(slot) => slot,
            };
            drop(module);
            let loc = self.frames.last().and_then(|fr| {
                let f = &self.module.funcs[fr.func as usize];
                f.blocks[fr.block as usize].insts[fr.ip as usize].loc
            });
            let func = match (env.resolve)(slot) {
                Ok(func) => func,
                Err(message) => return Stop::ResolveError { slot, message, loc },
            };
            let id = FuncId(self.module.funcs.len() as u32);
            self.info.push(block_info(self.module.metering, &func));
            Arc::make_mut(&mut self.module).funcs.push(func);
            self.dynamic.insert(slot, id);
            let module = Arc::clone(&self.module);
            if let Some(stop) = self.enter(&module, env, id) {
                return stop;
            }
        }
    }

    /// Enters `callee` with `self.args`: counts depth, pushes its frame, charges and checks its entry
    /// block.
    fn enter(&mut self, m: &Module, env: &mut Env<'_>, callee: FuncId) -> Option<Stop> {
        let c = &mut *env.counters;
        c.depth = c.depth.wrapping_add(1);
        if c.depth > c.depth_limit {
            c.depth = c.depth.wrapping_sub(1);
            return Some(trap(TrapCode::StackOverflow, None, callee));
        }
        let f = &m.funcs[callee.0 as usize];
        let base = self.vals.len();
        self.vals.resize(base + f.vars.len(), 0);
        for ((slot, &a), &ty) in self.vals[base..].iter_mut().zip(&self.args).zip(&f.sig.params) {
            *slot = normalize(ty, a);
        }
        self.frames.push(Frame {
            func: callee.0,
            block: 0,
            ip: 0,
            base,
        });
        match arrive(env, &self.info[callee.0 as usize], 0) {
            Ok(b) => {
                if let Some(fr) = self.frames.last_mut() {
                    fr.block = b as u32;
                }
                None
            }
            Err(stop) => Some(stop),
        }
    }

    /// The dispatch loop: runs the top frame from its `ip` until a stop, or until a `call_dyn`
    /// reaches a slot that has no function yet (its arguments are in `self.args`).
    fn exec(&mut self, m: &Module, env: &mut Env<'_>) -> Exit {
        let debug = !env.debug.is_empty();
        loop {
            // (Re)load the top frame: on entry and after every call and return.
            let fr = self.frames.last_mut().expect("a running interpreter has a frame");
            let fid = FuncId(fr.func);
            let f = &m.funcs[fr.func as usize];
            let info = &self.info[fr.func as usize][..];
            let types = &f.vars[..];
            let vars = &mut self.vals[fr.base..];
            let mut bi = fr.block as usize;
            let mut ip = fr.ip as usize;
            // Run this frame's blocks until it calls, returns or stops.
            let flow = 'blocks: loop {
                let block = &f.blocks[bi];
                let flow = 'insts: loop {
                    let Some(inst) = block.insts.get(ip) else {
                        break 'insts None;
                    };
                    match &inst.kind {
                        InstKind::Const { dst, imm } => set(vars, types, *dst, *imm),
                        InstKind::Copy { dst, src } => {
                            let v = val(vars, *src);
                            set(vars, types, *dst, v);
                        }
                        InstKind::Binary { op, dst, a, b } => {
                            let ty = types[dst.0 as usize];
                            match binary(*op, ty, val(vars, *a), val(vars, *b)) {
                                Ok(v) => vars[dst.0 as usize] = v,
                                Err(code) => break 'insts Some(Flow::Stop(trap(code, inst.loc, fid))),
                            }
                        }
                        InstKind::Unary { op, dst, a } => {
                            let v = unary(*op, val(vars, *a));
                            set(vars, types, *dst, v);
                        }
                        InstKind::Icmp { cond, dst, a, b } => {
                            let ty = match (a, b) {
                                (Operand::Var(v), _) | (_, Operand::Var(v)) => types[v.0 as usize],
                                _ => Type::I64,
                            };
                            let r = icmp(*cond, ty, val(vars, *a), val(vars, *b));
                            vars[dst.0 as usize] = r as i64;
                        }
                        InstKind::Select { dst, cond, a, b } => {
                            let v = if val(vars, *cond) != 0 {
                                val(vars, *a)
                            } else {
                                val(vars, *b)
                            };
                            set(vars, types, *dst, v);
                        }
                        InstKind::Load {
                            width,
                            dst,
                            addr,
                            offset,
                        } => {
                            let ea = env.memory.effective_addr(val(vars, *addr), *offset);
                            match env.memory.load(ea, *width) {
                                Some(v) => set(vars, types, *dst, v),
                                None => {
                                    break 'insts Some(Flow::Stop(trap(
                                        TrapCode::MemoryAccess,
                                        inst.loc,
                                        fid,
                                    )))
                                }
                            }
                        }
                        InstKind::Store {
                            width,
                            addr,
                            offset,
                            value,
                        } => {
                            let ea = env.memory.effective_addr(val(vars, *addr), *offset);
                            if !env.memory.store(ea, *width, val(vars, *value)) {
                                break 'insts Some(Flow::Stop(trap(TrapCode::MemoryAccess, inst.loc, fid)));
                            }
                        }
                        InstKind::GlobalGet { dst, global } => {
                            let v = env.globals[global.0 as usize];
                            set(vars, types, *dst, v);
                        }
                        InstKind::GlobalSet { global, value } => {
                            let ty = m.globals[global.0 as usize].ty;
                            env.globals[global.0 as usize] = normalize(ty, val(vars, *value));
                        }
                        InstKind::Call { func, args, .. } => {
                            self.args.clear();
                            self.args.extend(args.iter().map(|a| val(vars, *a)));
                            break 'insts Some(Flow::Call(*func));
                        }
                        InstKind::CallIndirect { sig, index, args, .. } => {
                            let index = val(vars, *index) as u64;
                            let target = usize::try_from(index).ok().and_then(|i| m.table.get(i));
                            let Some(&target) = target else {
                                break 'insts Some(Flow::Stop(trap(
                                    TrapCode::BadIndirectTarget,
                                    inst.loc,
                                    fid,
                                )));
                            };
                            if m.funcs[target.0 as usize].sig != *sig {
                                let code = TrapCode::IndirectSignatureMismatch;
                                break 'insts Some(Flow::Stop(trap(code, inst.loc, fid)));
                            }
                            self.args.clear();
                            self.args.extend(args.iter().map(|a| val(vars, *a)));
                            break 'insts Some(Flow::Call(target));
                        }
                        InstKind::CallDyn { slot, args, .. } => {
                            let slot = unsigned(types, *slot, val(vars, *slot));
                            if m.dynamic.as_ref().is_none_or(|d| slot >= d.slots) {
                                let code = TrapCode::BadIndirectTarget;
                                break 'insts Some(Flow::Stop(trap(code, inst.loc, fid)));
                            }
                            self.args.clear();
                            self.args.extend(args.iter().map(|a| val(vars, *a)));
                            match self.dynamic.get(&slot) {
                                Some(&callee) => break 'insts Some(Flow::Call(callee)),
                                None => break 'insts Some(Flow::Resolve(slot)),
                            }
                        }
                        InstKind::HostCall { import, args, dsts } => {
                            let sig = &m.imports[import.0 as usize].sig;
                            self.args.clear();
                            self.args.extend(
                                args.iter()
                                    .zip(&sig.params)
                                    .map(|(a, &ty)| normalize(ty, val(vars, *a))),
                            );
                            match (env.host)(*import, &self.args, env.memory, env.globals, env.counters.fuel)
                            {
                                HostCall::Return(results) => {
                                    if results.len() != sig.results.len() {
                                        break 'insts Some(Flow::Stop(Stop::HostError {
                                            import: *import,
                                            message: format!(
                                                "host function returned {} values, expected {}",
                                                results.len(),
                                                sig.results.len()
                                            ),
                                            loc: inst.loc,
                                        }));
                                    }
                                    for (d, &v) in dsts.iter().zip(&results) {
                                        set(vars, types, *d, v);
                                    }
                                }
                                HostCall::Suspend => {
                                    let args = self.args.clone();
                                    break 'insts Some(Flow::Stop(Stop::HostSuspended {
                                        import: *import,
                                        args,
                                    }));
                                }
                                HostCall::Error(message) => {
                                    let stop = Stop::HostError {
                                        import: *import,
                                        message,
                                        loc: inst.loc,
                                    };
                                    break 'insts Some(Flow::Stop(stop));
                                }
                            }
                        }
                        InstKind::Depth { dst } => vars[dst.0 as usize] = env.counters.depth as i64,
                        InstKind::Mark => {
                            if let (true, Some(loc)) = (debug, inst.loc) {
                                if env.debug.stops_at(loc) {
                                    ip += 1;
                                    break 'insts Some(Flow::Stop(Stop::Breakpoint { loc }));
                                }
                            }
                        }
                    }
                    ip += 1;
                };
                if let Some(flow) = flow {
                    break 'blocks flow;
                }
                let target = match &block.term {
                    Terminator::Jump(b) => *b,
                    Terminator::Brif { cond, then, else_ } => {
                        if val(vars, *cond) != 0 {
                            *then
                        } else {
                            *else_
                        }
                    }
                    Terminator::BrTable {
                        index,
                        targets,
                        default,
                    } => {
                        let index = val(vars, *index) as u64;
                        usize::try_from(index)
                            .ok()
                            .and_then(|i| targets.get(i))
                            .copied()
                            .unwrap_or(*default)
                    }
                    Terminator::Trap(code) => break 'blocks Flow::Stop(trap(*code, block.term_loc, fid)),
                    Terminator::Return(ops) => {
                        self.args.clear();
                        self.args.extend(
                            ops.iter()
                                .zip(&f.sig.results)
                                .map(|(op, &ty)| normalize(ty, val(vars, *op))),
                        );
                        break 'blocks Flow::Return;
                    }
                };
                ip = 0;
                match arrive(env, info, target.0 as usize) {
                    Ok(b) => bi = b,
                    Err(stop) => {
                        bi = target.0 as usize;
                        break 'blocks Flow::Stop(stop);
                    }
                }
            };
            fr.block = bi as u32;
            fr.ip = ip as u32;
            match flow {
                Flow::Stop(stop) => return Exit::Stop(stop),
                Flow::Resolve(slot) => return Exit::Resolve(slot),
                Flow::Call(callee) => {
                    if let Some(stop) = self.enter(m, env, callee) {
                        return Exit::Stop(stop);
                    }
                }
                Flow::Return => {
                    // `self.args` holds the results, normalized to the function's result types.
                    let base = fr.base;
                    self.frames.pop();
                    self.vals.truncate(base);
                    env.counters.depth = env.counters.depth.wrapping_sub(1);
                    let Some(caller) = self.frames.last_mut() else {
                        return Exit::Stop(Stop::Finished(self.args.clone()));
                    };
                    let cf = &m.funcs[caller.func as usize];
                    let (InstKind::Call { dsts, .. }
                    | InstKind::CallIndirect { dsts, .. }
                    | InstKind::CallDyn { dsts, .. }) =
                        &cf.blocks[caller.block as usize].insts[caller.ip as usize].kind
                    else {
                        unreachable!("a caller frame stands at a call")
                    };
                    let cvars = &mut self.vals[caller.base..];
                    for (d, &v) in dsts.iter().zip(&self.args) {
                        set(cvars, &cf.vars, *d, v);
                    }
                    caller.ip += 1;
                }
            }
        }
    }
}

/// Each block's entry cost and whether it is a check point.
fn block_info(metering: crate::ir::Metering, f: &crate::ir::Function) -> Vec<BlockInfo> {
    let checks = fuel::check_points(f);
    f.blocks
        .iter()
        .zip(checks)
        .map(|(b, check)| BlockInfo {
            cost: fuel::block_cost(metering, b) as i64,
            check,
            exit: b.on_interrupt.map(|e| e.0),
        })
        .collect()
}

/// A slot or index operand as an unsigned number: an `i32` variable counts its 32 bits.
fn unsigned(types: &[Type], op: Operand, v: i64) -> u64 {
    match op {
        Operand::Var(x) if types[x.0 as usize] == Type::I32 => v as u32 as u64,
        _ => v as u64,
    }
}

/// Enters block `bi` of a function whose blocks are `infos`: charges it and, at a check point,
/// checks fuel and the interrupt flag; a pending interrupt at a block with an interrupt exit
/// refunds the charge and enters the exit instead (the interrupt stays pending). The block entered.
#[inline]
fn arrive(env: &mut Env<'_>, infos: &[BlockInfo], mut bi: usize) -> Result<usize, Stop> {
    loop {
        let info = infos[bi];
        if env.metered {
            env.counters.fuel = env.counters.fuel.wrapping_sub(info.cost);
        }
        if !info.check {
            return Ok(bi);
        }
        if let Some(exit) = info.exit {
            if env.interrupt.load(Ordering::Relaxed) != 0 {
                if env.metered {
                    env.counters.fuel = env.counters.fuel.wrapping_add(info.cost);
                }
                bi = exit as usize;
                continue;
            }
        }
        return match check(env) {
            Some(stop) => Err(stop),
            None => Ok(bi),
        };
    }
}

/// The check of a check point (never charges).
#[inline]
fn check(env: &mut Env<'_>) -> Option<Stop> {
    if env.metered && env.counters.fuel < 0 {
        return Some(Stop::OutOfFuel);
    }
    if env.interrupt.load(Ordering::Relaxed) != 0 {
        env.interrupt.swap(0, Ordering::AcqRel);
        return Some(Stop::Interrupted);
    }
    None
}

fn trap(code: TrapCode, loc: Option<SourceLoc>, func: FuncId) -> Stop {
    Stop::Trap(Trap {
        code,
        loc,
        func: Some(func),
    })
}

/// An operand's raw value (immediates are normalized by the consumer, at its type).
#[inline]
fn val(vars: &[i64], op: Operand) -> i64 {
    match op {
        Operand::Var(v) => vars[v.0 as usize],
        Operand::Imm(i) => i,
    }
}

/// Assigns `v`, normalized to the variable's type.
#[inline]
fn set(vars: &mut [i64], types: &[Type], d: Var, v: i64) {
    vars[d.0 as usize] = normalize(types[d.0 as usize], v);
}

/// `op` at `ty`; the result is normalized.
#[inline]
pub fn binary(op: BinOp, ty: Type, a: i64, b: i64) -> Result<i64, TrapCode> {
    match ty {
        Type::I64 => binary64(op, a, b),
        Type::I32 => binary32(op, a as i32, b as i32).map(i64::from),
    }
}

fn binary64(op: BinOp, a: i64, b: i64) -> Result<i64, TrapCode> {
    use TrapCode::{DivisionByZero, IntegerOverflow};
    let (ua, ub) = (a as u64, b as u64);
    let nonzero = || if b == 0 { Err(DivisionByZero) } else { Ok(()) };
    Ok(match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::AddChecked => a.checked_add(b).ok_or(IntegerOverflow)?,
        BinOp::SubChecked => a.checked_sub(b).ok_or(IntegerOverflow)?,
        BinOp::MulChecked => a.checked_mul(b).ok_or(IntegerOverflow)?,
        BinOp::MulHighS => ((i128::from(a) * i128::from(b)) >> 64) as i64,
        BinOp::MulHighU => ((u128::from(ua) * u128::from(ub)) >> 64) as i64,
        BinOp::MulHighSU => ((i128::from(a) * i128::from(ub)) >> 64) as i64,
        BinOp::DivS => {
            nonzero()?;
            a.checked_div(b).ok_or(IntegerOverflow)?
        }
        BinOp::RemS => {
            nonzero()?;
            a.checked_rem(b).ok_or(IntegerOverflow)?
        }
        BinOp::DivU => {
            nonzero()?;
            (ua / ub) as i64
        }
        BinOp::RemU => {
            nonzero()?;
            (ua % ub) as i64
        }
        BinOp::DivSRv => {
            if b == 0 {
                -1
            } else {
                a.wrapping_div(b)
            }
        }
        BinOp::RemSRv => {
            if b == 0 {
                a
            } else {
                a.wrapping_rem(b)
            }
        }
        BinOp::DivURv => {
            if b == 0 {
                -1
            } else {
                (ua / ub) as i64
            }
        }
        BinOp::RemURv => {
            if b == 0 {
                a
            } else {
                (ua % ub) as i64
            }
        }
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::Shl => a.wrapping_shl(b as u32),
        BinOp::ShrU => ua.wrapping_shr(b as u32) as i64,
        BinOp::ShrS => a.wrapping_shr(b as u32),
    })
}

fn binary32(op: BinOp, a: i32, b: i32) -> Result<i32, TrapCode> {
    use TrapCode::{DivisionByZero, IntegerOverflow};
    let (ua, ub) = (a as u32, b as u32);
    let nonzero = || if b == 0 { Err(DivisionByZero) } else { Ok(()) };
    Ok(match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::AddChecked => a.checked_add(b).ok_or(IntegerOverflow)?,
        BinOp::SubChecked => a.checked_sub(b).ok_or(IntegerOverflow)?,
        BinOp::MulChecked => a.checked_mul(b).ok_or(IntegerOverflow)?,
        BinOp::MulHighS => ((i64::from(a) * i64::from(b)) >> 32) as i32,
        BinOp::MulHighU => ((u64::from(ua) * u64::from(ub)) >> 32) as i32,
        BinOp::MulHighSU => ((i64::from(a) * i64::from(ub)) >> 32) as i32,
        BinOp::DivS => {
            nonzero()?;
            a.checked_div(b).ok_or(IntegerOverflow)?
        }
        BinOp::RemS => {
            nonzero()?;
            a.checked_rem(b).ok_or(IntegerOverflow)?
        }
        BinOp::DivU => {
            nonzero()?;
            (ua / ub) as i32
        }
        BinOp::RemU => {
            nonzero()?;
            (ua % ub) as i32
        }
        BinOp::DivSRv => {
            if b == 0 {
                -1
            } else {
                a.wrapping_div(b)
            }
        }
        BinOp::RemSRv => {
            if b == 0 {
                a
            } else {
                a.wrapping_rem(b)
            }
        }
        BinOp::DivURv => {
            if b == 0 {
                -1
            } else {
                (ua / ub) as i32
            }
        }
        BinOp::RemURv => {
            if b == 0 {
                a
            } else {
                (ua % ub) as i32
            }
        }
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::Shl => a.wrapping_shl(b as u32),
        BinOp::ShrU => ua.wrapping_shr(b as u32) as i32,
        BinOp::ShrS => a.wrapping_shr(b as u32),
    })
}

/// `op` on a raw operand; the caller normalizes the result to the destination type.
pub fn unary(op: UnOp, a: i64) -> i64 {
    match op {
        UnOp::ExtendS | UnOp::Wrap | UnOp::Sext32 => i64::from(a as i32),
        UnOp::ExtendU | UnOp::Zext32 => i64::from(a as u32),
        UnOp::Sext8 => i64::from(a as i8),
        UnOp::Sext16 => i64::from(a as i16),
        UnOp::Zext8 => i64::from(a as u8),
        UnOp::Zext16 => i64::from(a as u16),
    }
}

/// `cond` at `ty` (unsigned i32 comparisons look at the low 32 bits as u32).
#[inline]
pub fn icmp(cond: Cond, ty: Type, a: i64, b: i64) -> bool {
    let (sa, sb, ua, ub) = match ty {
        Type::I64 => (a, b, a as u64, b as u64),
        Type::I32 => (
            i64::from(a as i32),
            i64::from(b as i32),
            u64::from(a as u32),
            u64::from(b as u32),
        ),
    };
    match cond {
        Cond::Eq => sa == sb,
        Cond::Ne => sa != sb,
        Cond::LtS => sa < sb,
        Cond::LeS => sa <= sb,
        Cond::GtS => sa > sb,
        Cond::GeS => sa >= sb,
        Cond::LtU => ua < ub,
        Cond::LeU => ua <= ub,
        Cond::GtU => ua > ub,
        Cond::GeU => ua >= ub,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{Counters, DebugSites};
    use crate::ir::{
        AddrWidth, Block, DataInit, Function, Global, GlobalId, Import, ImportId, ImportKind, Inst, MemWidth,
        MemoryDecl, Metering, RegionDecl, Rights, Signature,
    };
    use crate::memory::GuestMemory;
    use std::collections::HashSet;
    use std::sync::atomic::AtomicI64;

    type BinCase = (BinOp, Type, i64, i64, Result<i64, TrapCode>);
    type Host = Box<dyn FnMut(ImportId, &[i64], &mut GuestMemory, &mut [i64], i64) -> HostCall>;

    /// Owns everything an `Env` borrows.
    struct Harness {
        memory: GuestMemory,
        globals: Vec<i64>,
        counters: Counters,
        metered: bool,
        interrupt: Arc<AtomicI64>,
        debug: DebugSites,
        host: Host,
    }

    impl Harness {
        fn new(m: &Module) -> Harness {
            Harness {
                memory: GuestMemory::new(&m.memory).unwrap(),
                globals: m.globals.iter().map(|g| normalize(g.ty, g.init)).collect(),
                counters: Counters {
                    fuel: 0,
                    depth: 0,
                    depth_limit: 1000,
                },
                metered: false,
                interrupt: Arc::new(AtomicI64::new(0)),
                debug: DebugSites::default(),
                host: Box::new(|_, _, _, _, _| HostCall::Error("no host".into())),
            }
        }

        fn run(&mut self, it: &mut Interpreter) -> Stop {
            let mut env = Env {
                memory: &mut self.memory,
                globals: &mut self.globals,
                counters: &mut self.counters,
                metered: self.metered,
                interrupt: &self.interrupt,
                host: &mut *self.host,
                resolve: &mut |slot| Err(format!("no resolver for slot {slot}")),
                debug: &self.debug,
            };
            it.run(&mut env)
        }

        fn call(&mut self, it: &mut Interpreter, name: &str, args: &[i64]) -> Stop {
            it.start(it.module().func_by_name(name).unwrap(), args);
            self.run(it)
        }
    }

    const I32: Type = Type::I32;
    const I64: Type = Type::I64;
    const I32MIN: i64 = i32::MIN as i64;
    const I32MAX: i64 = i32::MAX as i64;

    fn v(i: u32) -> Operand {
        Operand::Var(Var(i))
    }
    fn imm(i: i64) -> Operand {
        Operand::Imm(i)
    }
    fn i(kind: InstKind) -> Inst {
        Inst { kind, loc: None }
    }
    fn at(loc: u64, kind: InstKind) -> Inst {
        Inst {
            kind,
            loc: Some(SourceLoc(loc)),
        }
    }
    fn block(insts: Vec<Inst>, term: Terminator) -> Block {
        Block {
            insts,
            term,
            term_loc: None,
            on_interrupt: None,
        }
    }
    fn sig(params: &[Type], results: &[Type]) -> Signature {
        Signature {
            params: params.to_vec(),
            results: results.to_vec(),
        }
    }
    /// A function whose variables are its params followed by `locals`.
    fn func(name: &str, params: &[Type], results: &[Type], locals: &[Type], blocks: Vec<Block>) -> Function {
        let mut vars = params.to_vec();
        vars.extend_from_slice(locals);
        Function {
            name: name.into(),
            sig: sig(params, results),
            vars,
            blocks,
        }
    }
    fn module(funcs: Vec<Function>) -> Module {
        Module {
            memory: MemoryDecl {
                addr: AddrWidth::A64 { size: 1 << 16 },
                ..MemoryDecl::default()
            },
            funcs,
            ..Module::default()
        }
    }
    fn setup(m: Module) -> (Interpreter, Harness) {
        if let Err(e) = crate::ir::verify::verify_module(&m) {
            panic!("test module does not verify: {e}");
        }
        let h = Harness::new(&m);
        (Interpreter::new(Arc::new(m)), h)
    }
    fn trap_at(code: TrapCode, loc: Option<u64>, func: u32) -> Stop {
        Stop::Trap(Trap {
            code,
            loc: loc.map(SourceLoc),
            func: Some(FuncId(func)),
        })
    }

    /// `f(a, b) = op a, b` at `ty`, the op at loc 7; and `g() = op IMM a, IMM b`.
    fn binop_module(op: BinOp, ty: Type, a: i64, b: i64) -> Module {
        let ret = Terminator::Return(vec![v(2)]);
        let f = func(
            "f",
            &[ty, ty],
            &[ty],
            &[ty],
            vec![block(
                vec![at(
                    7,
                    InstKind::Binary {
                        op,
                        dst: Var(2),
                        a: v(0),
                        b: v(1),
                    },
                )],
                ret,
            )],
        );
        let g = func(
            "g",
            &[],
            &[ty],
            &[ty],
            vec![block(
                vec![at(
                    7,
                    InstKind::Binary {
                        op,
                        dst: Var(0),
                        a: imm(a),
                        b: imm(b),
                    },
                )],
                Terminator::Return(vec![v(0)]),
            )],
        );
        module(vec![f, g])
    }

    #[test]
    fn binary_ops_at_both_widths() {
        use BinOp::*;
        use TrapCode::{DivisionByZero as Dbz, IntegerOverflow as Ovf};
        const I64MIN: i64 = i64::MIN;
        const I64MAX: i64 = i64::MAX;
        #[rustfmt::skip]
        let cases: Vec<BinCase> = vec![
            (Add, I32, I32MAX, 1, Ok(I32MIN)),
            (Add, I32, -5, 3, Ok(-2)),
            (Sub, I32, I32MIN, 1, Ok(I32MAX)),
            (Mul, I32, 0x10000, 0x10000, Ok(0)),
            (Mul, I32, -3, 7, Ok(-21)),
            (AddChecked, I32, I32MAX, 1, Err(Ovf)),
            (AddChecked, I32, -5, 3, Ok(-2)),
            (SubChecked, I32, I32MIN, 1, Err(Ovf)),
            (SubChecked, I32, 0, I32MIN, Err(Ovf)),
            (SubChecked, I32, 5, 7, Ok(-2)),
            (MulChecked, I32, 0x10000, 0x10000, Err(Ovf)),
            (MulChecked, I32, I32MIN, -1, Err(Ovf)),
            (MulChecked, I32, -3, 7, Ok(-21)),
            (MulHighS, I32, I32MIN, I32MIN, Ok(0x4000_0000)),
            (MulHighS, I32, -1, 1, Ok(-1)),
            (MulHighS, I32, -1, -1, Ok(0)),
            (MulHighU, I32, -1, -1, Ok(-2)),
            (MulHighU, I32, -1, 2, Ok(1)),
            (MulHighSU, I32, -1, -1, Ok(-1)),
            (MulHighSU, I32, 2, -1, Ok(1)),
            (MulHighSU, I32, I32MIN, -1, Ok(I32MIN)),
            (DivS, I32, 7, 0, Err(Dbz)),
            (DivS, I32, I32MIN, -1, Err(Ovf)),
            (DivS, I32, -7, 2, Ok(-3)),
            (RemS, I32, 7, 0, Err(Dbz)),
            (RemS, I32, I32MIN, -1, Err(Ovf)),
            (RemS, I32, -7, 2, Ok(-1)),
            (DivU, I32, 7, 0, Err(Dbz)),
            (DivU, I32, -1, 2, Ok(I32MAX)),
            (DivU, I32, I32MIN, -1, Ok(0)),
            (RemU, I32, 7, 0, Err(Dbz)),
            (RemU, I32, -1, 10, Ok(5)),
            (DivSRv, I32, 5, 0, Ok(-1)),
            (DivSRv, I32, I32MIN, -1, Ok(I32MIN)),
            (DivSRv, I32, -7, 2, Ok(-3)),
            (RemSRv, I32, -5, 0, Ok(-5)),
            (RemSRv, I32, I32MIN, -1, Ok(0)),
            (RemSRv, I32, -7, 2, Ok(-1)),
            (DivURv, I32, 5, 0, Ok(-1)),
            (DivURv, I32, -1, 2, Ok(I32MAX)),
            (RemURv, I32, -5, 0, Ok(-5)),
            (RemURv, I32, -1, 10, Ok(5)),
            (And, I32, 0xF0F0, 0xFF00, Ok(0xF000)),
            (Or, I32, 0xF0, 0x0F, Ok(0xFF)),
            (Xor, I32, -1, 0x0F, Ok(-16)),
            (Shl, I32, 1, 31, Ok(I32MIN)),
            (Shl, I32, 1, 33, Ok(2)),
            (Shl, I32, 3, -1, Ok(I32MIN)),
            (ShrU, I32, -1, 28, Ok(0xF)),
            (ShrU, I32, I32MIN, 63, Ok(1)),
            (ShrU, I32, -1, 32, Ok(-1)),
            (ShrS, I32, -16, 2, Ok(-4)),
            (ShrS, I32, I32MIN, 31, Ok(-1)),

            (Add, I64, I64MAX, 1, Ok(I64MIN)),
            (Add, I64, I32MAX, 1, Ok(1 << 31)),
            (Sub, I64, I64MIN, 1, Ok(I64MAX)),
            (Mul, I64, 1 << 32, 1 << 32, Ok(0)),
            (Mul, I64, 0x10000, 0x10000, Ok(1 << 32)),
            (AddChecked, I64, I64MAX, 1, Err(Ovf)),
            (AddChecked, I64, I32MAX, 1, Ok(1 << 31)),
            (SubChecked, I64, I64MIN, 1, Err(Ovf)),
            (SubChecked, I64, 5, 7, Ok(-2)),
            (MulChecked, I64, 1 << 32, 1 << 32, Err(Ovf)),
            (MulChecked, I64, I64MIN, -1, Err(Ovf)),
            (MulChecked, I64, 0x10000, 0x10000, Ok(1 << 32)),
            (MulHighS, I64, I64MIN, I64MIN, Ok(1 << 62)),
            (MulHighS, I64, -1, 1, Ok(-1)),
            (MulHighS, I64, -1, -1, Ok(0)),
            (MulHighU, I64, -1, -1, Ok(-2)),
            (MulHighU, I64, -1, 2, Ok(1)),
            (MulHighSU, I64, -1, -1, Ok(-1)),
            (MulHighSU, I64, 2, -1, Ok(1)),
            (MulHighSU, I64, I64MIN, -1, Ok(I64MIN)),
            (DivS, I64, 7, 0, Err(Dbz)),
            (DivS, I64, I64MIN, -1, Err(Ovf)),
            (DivS, I64, -7, 2, Ok(-3)),
            (RemS, I64, 7, 0, Err(Dbz)),
            (RemS, I64, I64MIN, -1, Err(Ovf)),
            (RemS, I64, -7, 2, Ok(-1)),
            (DivU, I64, 1, 0, Err(Dbz)),
            (DivU, I64, -1, 2, Ok(I64MAX)),
            (RemU, I64, 1, 0, Err(Dbz)),
            (RemU, I64, -1, 10, Ok(5)),
            (DivSRv, I64, 3, 0, Ok(-1)),
            (DivSRv, I64, I64MIN, -1, Ok(I64MIN)),
            (RemSRv, I64, -3, 0, Ok(-3)),
            (RemSRv, I64, I64MIN, -1, Ok(0)),
            (DivURv, I64, 3, 0, Ok(-1)),
            (DivURv, I64, -1, 2, Ok(I64MAX)),
            (RemURv, I64, -3, 0, Ok(-3)),
            (RemURv, I64, -1, 10, Ok(5)),
            (And, I64, -1, 1 << 40, Ok(1 << 40)),
            (Or, I64, 1 << 40, 1, Ok((1 << 40) | 1)),
            (Xor, I64, -1, 0x0F, Ok(-16)),
            (Shl, I64, 1, 63, Ok(I64MIN)),
            (Shl, I64, 1, 64, Ok(1)),
            (Shl, I64, 1, 65, Ok(2)),
            (ShrU, I64, -1, 60, Ok(0xF)),
            (ShrU, I64, I64MIN, 63, Ok(1)),
            (ShrS, I64, I64MIN, 63, Ok(-1)),
            (ShrS, I64, -16, 66, Ok(-4)),
        ];
        let mut covered = HashSet::new();
        for &(op, ty, a, b, want) in &cases {
            covered.insert((op.name(), ty));
            let (mut it, mut h) = setup(binop_module(op, ty, a, b));
            let expect = |func| match want {
                Ok(x) => Stop::Finished(vec![x]),
                Err(code) => trap_at(code, Some(7), func),
            };
            assert_eq!(
                h.call(&mut it, "f", &[a, b]),
                expect(0),
                "{} {} {a} {b}",
                op.name(),
                ty.name()
            );
            assert_eq!(h.counters.depth, u64::from(want.is_err()));
            h.counters.depth = 0;
            assert_eq!(
                h.call(&mut it, "g", &[]),
                expect(1),
                "imm {} {} {a} {b}",
                op.name(),
                ty.name()
            );
            h.counters.depth = 0;
        }
        for op in BinOp::ALL {
            for ty in [I32, I64] {
                assert!(
                    covered.contains(&(op.name(), ty)),
                    "no case for {} at {}",
                    op.name(),
                    ty.name()
                );
            }
        }
    }

    /// An independent formulation of every `BinOp` in i128 arithmetic, for the cross-check below.
    fn binary_reference(op: BinOp, ty: Type, a: i64, b: i64) -> Result<i64, TrapCode> {
        use TrapCode::{DivisionByZero as Dbz, IntegerOverflow as Ovf};
        let w = ty.bits();
        let mask = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
        let (ua, ub) = (i128::from(a as u64 & mask), i128::from(b as u64 & mask));
        let (sa, sb) = (i128::from(normalize(ty, a)), i128::from(normalize(ty, b)));
        let (min, max) = (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1);
        let wrap = |x: i128| normalize(ty, x as i64);
        let fits = |x: i128| {
            if (min..=max).contains(&x) {
                Ok(wrap(x))
            } else {
                Err(Ovf)
            }
        };
        let amt = (b as u64 & u64::from(w - 1)) as u32;
        match op {
            BinOp::Add => Ok(wrap(sa + sb)),
            BinOp::Sub => Ok(wrap(sa - sb)),
            BinOp::Mul => Ok(wrap(sa.wrapping_mul(sb))),
            BinOp::AddChecked => fits(sa + sb),
            BinOp::SubChecked => fits(sa - sb),
            BinOp::MulChecked => fits(sa * sb),
            BinOp::MulHighS => Ok(wrap((sa * sb) >> w)),
            BinOp::MulHighU => Ok(wrap(((ua as u128 * ub as u128) >> w) as i128)),
            BinOp::MulHighSU => Ok(wrap((sa * ub) >> w)),
            BinOp::DivS | BinOp::RemS if sb == 0 => Err(Dbz),
            BinOp::DivU | BinOp::RemU if ub == 0 => Err(Dbz),
            BinOp::DivS => fits(sa / sb),
            BinOp::RemS if sa == min && sb == -1 => Err(Ovf),
            BinOp::RemS => Ok(wrap(sa % sb)),
            BinOp::DivU => Ok(wrap(ua / ub)),
            BinOp::RemU => Ok(wrap(ua % ub)),
            BinOp::DivSRv if sb == 0 => Ok(-1),
            BinOp::DivSRv => Ok(wrap(sa / sb)),
            BinOp::RemSRv if sb == 0 => Ok(wrap(sa)),
            BinOp::RemSRv => Ok(wrap(sa % sb)),
            BinOp::DivURv if ub == 0 => Ok(-1),
            BinOp::DivURv => Ok(wrap(ua / ub)),
            BinOp::RemURv if ub == 0 => Ok(wrap(ua)),
            BinOp::RemURv => Ok(wrap(ua % ub)),
            BinOp::And => Ok(wrap(sa & sb)),
            BinOp::Or => Ok(wrap(sa | sb)),
            BinOp::Xor => Ok(wrap(sa ^ sb)),
            BinOp::Shl => Ok(wrap(sa << amt)),
            BinOp::ShrU => Ok(wrap(ua >> amt)),
            BinOp::ShrS => Ok(wrap(sa >> amt)),
        }
    }

    #[test]
    fn binary_matches_an_i128_reference() {
        let edges = [
            0,
            1,
            -1,
            2,
            -2,
            31,
            32,
            63,
            64,
            I32MIN,
            I32MAX,
            i64::MIN,
            i64::MAX,
            1 << 32,
            0xFFFF_FFFF,
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            match seed % 4 {
                0 => edges[(seed >> 8) as usize % edges.len()],
                1 => (seed >> 8) as i64 % 100 - 50,
                2 => (seed >> 8) as i32 as i64,
                _ => (seed >> 3) as i64,
            }
        };
        for _ in 0..20_000 {
            let (a, b) = (next(), next());
            for op in BinOp::ALL {
                for ty in [I32, I64] {
                    assert_eq!(
                        binary(op, ty, a, b),
                        binary_reference(op, ty, a, b),
                        "{} {} {a:#x} {b:#x}",
                        op.name(),
                        ty.name()
                    );
                }
            }
        }
    }

    #[test]
    fn operands_are_normalized_to_the_type() {
        // Arguments beyond i32 are normalized on entry; immediates at the instruction's type.
        let (mut it, mut h) = setup(binop_module(BinOp::Add, I32, 0xFFFF_FFFF, 1));
        assert_eq!(
            h.call(&mut it, "f", &[0x1_0000_0005, 0x2_0000_0001]),
            Stop::Finished(vec![6])
        );
        assert_eq!(h.call(&mut it, "g", &[]), Stop::Finished(vec![0]));
        let (mut it, mut h) = setup(binop_module(BinOp::Add, I64, 0xFFFF_FFFF, 1));
        assert_eq!(h.call(&mut it, "g", &[]), Stop::Finished(vec![1 << 32]));
        // Shift amounts come from the low bits of the (normalized) second operand.
        let (mut it, mut h) = setup(binop_module(BinOp::Shl, I32, 1, 0xFFFF_FFE1));
        assert_eq!(h.call(&mut it, "g", &[]), Stop::Finished(vec![2]));
    }

    #[test]
    fn unary_ops() {
        use UnOp::*;
        #[rustfmt::skip]
        let cases = [
            (ExtendS, I64, I32, -1, -1),
            (ExtendU, I64, I32, -1, 0xFFFF_FFFF),
            (Wrap, I32, I64, 0x1_8000_0000, I32MIN),
            (Wrap, I32, I64, 0x1_0000_0007, 7),
            (Sext8, I32, I32, 0x80, -128),
            (Sext8, I32, I32, 0x17F, 127),
            (Sext16, I64, I64, 0x8000, -32768),
            (Sext16, I32, I32, 0x1_7FFF, 0x7FFF),
            (Sext32, I64, I64, 0xFFFF_FFFF, -1),
            (Zext8, I32, I32, -1, 255),
            (Zext8, I64, I64, -1, 255),
            (Zext16, I32, I32, -1, 0xFFFF),
            (Zext16, I64, I64, -1, 0xFFFF),
            (Zext32, I64, I64, -1, 0xFFFF_FFFF),
        ];
        for (op, dst, src, a, want) in cases {
            let f = func(
                "f",
                &[src],
                &[dst],
                &[dst],
                vec![block(
                    vec![i(InstKind::Unary {
                        op,
                        dst: Var(1),
                        a: v(0),
                    })],
                    Terminator::Return(vec![v(1)]),
                )],
            );
            let (mut it, mut h) = setup(module(vec![f]));
            assert_eq!(
                h.call(&mut it, "f", &[a]),
                Stop::Finished(vec![want]),
                "{} {a:#x}",
                op.name()
            );
        }
    }

    #[test]
    fn icmp_select_copy_const() {
        use Cond::*;
        // (cond, operand type, a, b, want) with both operands variables of that type.
        #[rustfmt::skip]
        let cases = [
            (LtU, I32, -1, 1, 0), (LtS, I32, -1, 1, 1), (GtU, I32, -1, 1, 1), (GeU, I32, 5, 5, 1),
            (LeU, I32, I32MIN, I32MAX, 0), (LeS, I32, I32MIN, I32MAX, 1), (Eq, I32, 3, 3, 1), (Ne, I32, 3, 3, 0),
            (LtU, I64, -1, 1, 0), (LtS, I64, -1, 1, 1), (GtS, I64, -1, 1, 0), (GeS, I64, 0, -1, 1),
            (LeU, I64, 1 << 40, 1 << 41, 1), (GtU, I64, -1, 1 << 62, 1), (GeU, I64, 0, 1, 0),
        ];
        for (cond, ty, a, b, want) in cases {
            let f = func(
                "f",
                &[ty, ty],
                &[I32],
                &[I32],
                vec![block(
                    vec![i(InstKind::Icmp {
                        cond,
                        dst: Var(2),
                        a: v(0),
                        b: v(1),
                    })],
                    Terminator::Return(vec![v(2)]),
                )],
            );
            let (mut it, mut h) = setup(module(vec![f]));
            assert_eq!(
                h.call(&mut it, "f", &[a, b]),
                Stop::Finished(vec![want]),
                "{} {}",
                cond.name(),
                ty.name()
            );
        }
        // A variable operand decides the type (the immediate is read at it); two immediates are i64.
        let icmp = |dst: u32, a, b| {
            i(InstKind::Icmp {
                cond: Eq,
                dst: Var(dst),
                a,
                b,
            })
        };
        let f = func(
            "f",
            &[I32, I64],
            &[I64, I64, I64, I64, I64],
            &[I64, I64, I64, I64, I64, I64, I32],
            vec![block(
                vec![
                    icmp(2, v(0), imm(0xFFFF_FFFF)),
                    icmp(3, imm(0xFFFF_FFFF), v(1)),
                    icmp(4, imm(-1), imm(0xFFFF_FFFF)),
                    i(InstKind::Icmp {
                        cond: LtU,
                        dst: Var(5),
                        a: imm(-1),
                        b: imm(1),
                    }),
                    // select: nonzero condition; the chosen value normalized to dst's type.
                    i(InstKind::Select {
                        dst: Var(8),
                        cond: v(0),
                        a: imm(0xFFFF_FFF9),
                        b: imm(3),
                    }),
                    i(InstKind::Unary {
                        op: UnOp::ExtendS,
                        dst: Var(6),
                        a: v(8),
                    }),
                    i(InstKind::Const {
                        dst: Var(7),
                        imm: 0x1_0000_0000,
                    }),
                ],
                Terminator::Return(vec![v(2), v(3), v(4), v(5), v(6)]),
            )],
        );
        let (mut it, mut h) = setup(module(vec![f]));
        assert_eq!(
            h.call(&mut it, "f", &[-1, -1]),
            Stop::Finished(vec![1, 0, 0, 0, -7])
        );
        assert_eq!(it.frame(), None);
    }

    #[test]
    fn br_table_globals_and_trap_terminator() {
        let ret = |x| block(vec![], Terminator::Return(vec![imm(x)]));
        let f = func(
            "sw",
            &[I32],
            &[I64],
            &[],
            vec![
                block(
                    vec![],
                    Terminator::BrTable {
                        index: v(0),
                        targets: vec![BlockId(1), BlockId(2)],
                        default: BlockId(3),
                    },
                ),
                ret(10),
                ret(20),
                ret(30),
            ],
        );
        let g = func(
            "glob",
            &[I64],
            &[I32],
            &[I32],
            vec![block(
                vec![
                    i(InstKind::GlobalGet {
                        dst: Var(1),
                        global: GlobalId(0),
                    }),
                    i(InstKind::GlobalSet {
                        global: GlobalId(0),
                        value: imm(0xFFFF_FFFF),
                    }),
                    i(InstKind::GlobalSet {
                        global: GlobalId(1),
                        value: v(0),
                    }),
                ],
                Terminator::Return(vec![v(1)]),
            )],
        );
        let t = func(
            "trap",
            &[],
            &[],
            &[I64],
            vec![Block {
                insts: vec![i(InstKind::Const { dst: Var(0), imm: 77 })],
                term: Terminator::Trap(TrapCode::User(7)),
                term_loc: Some(SourceLoc(0x55)),
                on_interrupt: None,
            }],
        );
        let mut m = module(vec![f, g, t]);
        m.globals = vec![Global { ty: I32, init: 5 }, Global { ty: I64, init: -1 }];
        let (mut it, mut h) = setup(m);
        for (x, want) in [(0, 10), (1, 20), (2, 30), (-1, 30), (0x1_0000_0001, 20)] {
            assert_eq!(h.call(&mut it, "sw", &[x]), Stop::Finished(vec![want]));
        }
        assert_eq!(h.call(&mut it, "glob", &[0x1_FFFF_FFFF]), Stop::Finished(vec![5]));
        assert_eq!(h.globals, vec![-1, 0x1_FFFF_FFFF]);

        let stop = h.call(&mut it, "trap", &[]);
        assert_eq!(stop, trap_at(TrapCode::User(7), Some(0x55), 2));
        assert!(!it.is_resumable());
        // The trapping frame stays inspectable; running again repeats the final stop.
        let fr = it.frame().unwrap();
        assert_eq!(
            (fr.func, fr.block, fr.inst, fr.vars),
            (FuncId(2), BlockId(0), 1, &[77][..])
        );
        assert_eq!(h.run(&mut it), stop);
        assert_eq!(h.counters.depth, 1);
    }

    #[test]
    fn run_without_start() {
        let (mut it, mut h) = setup(module(vec![]));
        assert!(!it.is_resumable());
        assert_eq!(
            h.run(&mut it),
            Stop::Trap(Trap {
                code: TrapCode::Unreachable,
                loc: None,
                func: None
            })
        );
    }

    /// `sum(n) = 0 + 1 + ... + n-1` with a loop; costs 5n + 6 under `PerInst`.
    fn sum_module() -> Module {
        let f = func(
            "sum",
            &[I64],
            &[I64],
            &[I64, I64, I32],
            vec![
                block(
                    vec![
                        i(InstKind::Const { dst: Var(1), imm: 0 }),
                        i(InstKind::Const { dst: Var(2), imm: 0 }),
                    ],
                    Terminator::Jump(BlockId(1)),
                ),
                block(
                    vec![i(InstKind::Icmp {
                        cond: Cond::LtS,
                        dst: Var(3),
                        a: v(2),
                        b: v(0),
                    })],
                    Terminator::Brif {
                        cond: v(3),
                        then: BlockId(2),
                        else_: BlockId(3),
                    },
                ),
                block(
                    vec![
                        i(InstKind::Binary {
                            op: BinOp::Add,
                            dst: Var(1),
                            a: v(1),
                            b: v(2),
                        }),
                        i(InstKind::Binary {
                            op: BinOp::Add,
                            dst: Var(2),
                            a: v(2),
                            b: imm(1),
                        }),
                    ],
                    Terminator::Jump(BlockId(1)),
                ),
                block(vec![], Terminator::Return(vec![v(1)])),
            ],
        );
        module(vec![f])
    }

    #[test]
    fn fuel_runs_out_and_resumes() {
        let n = 10;
        let cost = 5 * n + 6;
        let (mut it, mut h) = setup(sum_module());
        // Unmetered: fuel untouched.
        h.counters.fuel = 3;
        assert_eq!(h.call(&mut it, "sum", &[n]), Stop::Finished(vec![45]));
        assert_eq!(h.counters.fuel, 3);
        // Metered with plenty: the exact static count.
        h.metered = true;
        h.counters.fuel = 1000;
        assert_eq!(h.call(&mut it, "sum", &[n]), Stop::Finished(vec![45]));
        assert_eq!(1000 - h.counters.fuel, cost);
        // Exactly enough fuel finishes; the remaining fuel may be 0.
        h.counters.fuel = cost;
        assert_eq!(h.call(&mut it, "sum", &[n]), Stop::Finished(vec![45]));
        assert_eq!(h.counters.fuel, 0);

        // In slices of 5: entry (3) leaves 2, header (2) leaves 0, body (3) -> -3, header -> -5: stop.
        h.counters.fuel = 5;
        it.start(FuncId(0), &[n]);
        assert_eq!(h.run(&mut it), Stop::OutOfFuel);
        assert_eq!(h.counters.fuel, -5);
        assert_eq!(it.frame().unwrap().block, BlockId(1));
        // Resuming re-checks without charging again.
        assert_eq!(h.run(&mut it), Stop::OutOfFuel);
        assert_eq!(h.counters.fuel, -5);
        let mut added = 5;
        let stop = loop {
            match h.run(&mut it) {
                Stop::OutOfFuel => {
                    assert!(it.is_resumable());
                    h.counters.fuel += 5;
                    added += 5;
                }
                other => break other,
            }
        };
        assert_eq!(stop, Stop::Finished(vec![45]));
        assert_eq!(added - h.counters.fuel, cost);
        assert_eq!(h.counters.depth, 0);
        assert!(!it.is_resumable());
    }

    #[test]
    fn per_mark_metering_counts_marks() {
        let f = func(
            "f",
            &[],
            &[I64],
            &[I64],
            vec![block(
                vec![
                    i(InstKind::Mark),
                    i(InstKind::Const { dst: Var(0), imm: 1 }),
                    at(3, InstKind::Mark),
                    i(InstKind::Binary {
                        op: BinOp::Add,
                        dst: Var(0),
                        a: v(0),
                        b: imm(1),
                    }),
                ],
                Terminator::Return(vec![v(0)]),
            )],
        );
        let mut m = module(vec![f]);
        m.metering = Metering::PerMark;
        let (mut it, mut h) = setup(m);
        h.metered = true;
        h.counters.fuel = 10;
        assert_eq!(h.call(&mut it, "f", &[]), Stop::Finished(vec![2]));
        assert_eq!(h.counters.fuel, 8);
        // Entry is a check point: 1 unit short stops before any instruction runs.
        h.counters.fuel = 1;
        assert_eq!(h.call(&mut it, "f", &[]), Stop::OutOfFuel);
        assert_eq!(it.frame().unwrap().vars, &[0]);
        h.counters.fuel += 1;
        assert_eq!(h.run(&mut it), Stop::Finished(vec![2]));
    }

    #[test]
    fn interrupts_stop_at_check_points() {
        // An endless loop calling `tick`; the host sets the interrupt flag on every third tick.
        let f = func(
            "spin",
            &[],
            &[],
            &[],
            vec![
                block(vec![], Terminator::Jump(BlockId(1))),
                block(
                    vec![i(InstKind::HostCall {
                        import: ImportId(0),
                        args: vec![],
                        dsts: vec![],
                    })],
                    Terminator::Jump(BlockId(1)),
                ),
            ],
        );
        let mut m = module(vec![f]);
        m.imports = vec![Import {
            name: "tick".into(),
            kind: ImportKind::Helper,
            sig: sig(&[], &[]),
        }];
        let (mut it, mut h) = setup(m);
        let ticks = Arc::new(AtomicI64::new(0));
        let (t, flag) = (ticks.clone(), h.interrupt.clone());
        h.host = Box::new(move |_, _, _, _, _| {
            if t.fetch_add(1, Ordering::Relaxed) % 3 == 2 {
                flag.store(1, Ordering::Relaxed);
            }
            HostCall::Return(vec![])
        });
        // A flag already set stops at the entry block.
        h.interrupt.store(1, Ordering::Relaxed);
        assert_eq!(h.call(&mut it, "spin", &[]), Stop::Interrupted);
        assert_eq!(h.interrupt.load(Ordering::Relaxed), 0);
        assert_eq!(ticks.load(Ordering::Relaxed), 0);
        for round in 1..=3 {
            assert_eq!(h.run(&mut it), Stop::Interrupted);
            assert_eq!(ticks.load(Ordering::Relaxed), 3 * round);
            assert_eq!(h.interrupt.load(Ordering::Relaxed), 0);
            assert_eq!(it.frame().unwrap().block, BlockId(1));
        }
        assert!(it.is_resumable());
    }

    /// `rec(n) = n == 0 ? 0 : rec(n - 1) + 1`, the call at loc 0x99.
    fn rec_module() -> Module {
        let f = func(
            "rec",
            &[I64],
            &[I64],
            &[I64, I64],
            vec![
                block(
                    vec![],
                    Terminator::Brif {
                        cond: v(0),
                        then: BlockId(1),
                        else_: BlockId(2),
                    },
                ),
                block(
                    vec![
                        i(InstKind::Binary {
                            op: BinOp::Sub,
                            dst: Var(1),
                            a: v(0),
                            b: imm(1),
                        }),
                        at(
                            0x99,
                            InstKind::Call {
                                func: FuncId(0),
                                args: vec![v(1)],
                                dsts: vec![Var(2)],
                            },
                        ),
                        i(InstKind::Binary {
                            op: BinOp::Add,
                            dst: Var(2),
                            a: v(2),
                            b: imm(1),
                        }),
                    ],
                    Terminator::Return(vec![v(2)]),
                ),
                block(vec![], Terminator::Return(vec![imm(0)])),
            ],
        );
        let outer = func(
            "outer",
            &[],
            &[I64],
            &[I64],
            vec![block(
                vec![i(InstKind::Call {
                    func: FuncId(0),
                    args: vec![imm(5)],
                    dsts: vec![Var(0)],
                })],
                Terminator::Return(vec![v(0)]),
            )],
        );
        module(vec![f, outer])
    }

    #[test]
    fn recursion_hits_the_depth_limit() {
        let (mut it, mut h) = setup(rec_module());
        h.counters.depth_limit = 100;
        assert_eq!(h.call(&mut it, "rec", &[99]), Stop::Finished(vec![99]));
        assert_eq!(h.counters.depth, 0);
        // Reported on entry to the callee (as the JIT's prologue does), without a location.
        let overflow = |func| trap_at(TrapCode::StackOverflow, None, func);
        assert_eq!(h.call(&mut it, "rec", &[100]), overflow(0));
        // The overflowing call was not entered: 100 frames kept, the innermost at the call with n = 1.
        assert_eq!(h.counters.depth, 100);
        assert_eq!(it.frames().count(), 100);
        let fr = it.frame().unwrap();
        assert_eq!((fr.block, fr.inst, fr.vars), (BlockId(1), 1, &[1, 0, 0][..]));
        assert_eq!(it.frames().next().unwrap().vars[0], 100);
        assert!(!it.is_resumable());

        // The callee is reported, not the caller.
        h.counters.depth = 0;
        h.counters.depth_limit = 1;
        assert_eq!(h.call(&mut it, "outer", &[]), overflow(0));
        assert_eq!(h.counters.depth, 1);
        assert_eq!(it.frame().unwrap().func, FuncId(1));

        // Entering the entry function itself can overflow.
        h.counters.depth = 0;
        h.counters.depth_limit = 0;
        assert_eq!(h.call(&mut it, "rec", &[1]), overflow(0));
        assert_eq!(h.counters.depth, 0);
        assert_eq!(it.frame(), None);
    }

    #[test]
    fn deep_recursion_does_not_use_the_host_stack() {
        let (mut it, mut h) = setup(rec_module());
        h.counters.depth_limit = 1_000_000;
        assert_eq!(h.call(&mut it, "rec", &[300_000]), Stop::Finished(vec![300_000]));
        assert_eq!(h.counters.depth, 0);
    }

    #[test]
    fn call_indirect_checks_index_and_signature() {
        let id = |name: &str, ty| {
            func(
                name,
                &[ty],
                &[ty],
                &[],
                vec![block(vec![], Terminator::Return(vec![v(0)]))],
            )
        };
        let main = func(
            "main",
            &[I64],
            &[I64],
            &[I64],
            vec![block(
                vec![
                    at(
                        5,
                        InstKind::CallIndirect {
                            sig: sig(&[I64], &[I64]),
                            index: v(0),
                            args: vec![imm(41)],
                            dsts: vec![Var(1)],
                        },
                    ),
                    i(InstKind::Binary {
                        op: BinOp::Add,
                        dst: Var(1),
                        a: v(1),
                        b: imm(1),
                    }),
                ],
                Terminator::Return(vec![v(1)]),
            )],
        );
        let mut m = module(vec![id("id64", I64), id("id32", I32), main]);
        m.table = vec![FuncId(0), FuncId(1)];
        let (mut it, mut h) = setup(m);
        assert_eq!(h.call(&mut it, "main", &[0]), Stop::Finished(vec![42]));
        assert_eq!(
            h.call(&mut it, "main", &[1]),
            trap_at(TrapCode::IndirectSignatureMismatch, Some(5), 2)
        );
        h.counters.depth = 0;
        for bad in [2, -1, i64::MIN] {
            assert_eq!(
                h.call(&mut it, "main", &[bad]),
                trap_at(TrapCode::BadIndirectTarget, Some(5), 2)
            );
            h.counters.depth = 0;
        }
    }

    /// `main() = extend_s(add(0x7fff_ffff, 1)) + ask()`; `add` is a helper returning i32, `ask` an effect.
    fn host_module() -> Module {
        let main = func(
            "main",
            &[],
            &[I64],
            &[I32, I64, I64],
            vec![block(
                vec![
                    at(
                        1,
                        InstKind::HostCall {
                            import: ImportId(0),
                            args: vec![imm(I32MAX), imm(1)],
                            dsts: vec![Var(0)],
                        },
                    ),
                    at(
                        2,
                        InstKind::HostCall {
                            import: ImportId(1),
                            args: vec![imm(0xFFFF_FFFF)],
                            dsts: vec![Var(1)],
                        },
                    ),
                    i(InstKind::Unary {
                        op: UnOp::ExtendS,
                        dst: Var(2),
                        a: v(0),
                    }),
                    i(InstKind::Binary {
                        op: BinOp::Add,
                        dst: Var(2),
                        a: v(2),
                        b: v(1),
                    }),
                ],
                Terminator::Return(vec![v(2)]),
            )],
        );
        let mut m = module(vec![main]);
        m.imports = vec![
            Import {
                name: "add".into(),
                kind: ImportKind::Helper,
                sig: sig(&[I64, I64], &[I32]),
            },
            Import {
                name: "ask".into(),
                kind: ImportKind::Effect,
                sig: sig(&[I32], &[I64]),
            },
        ];
        m
    }

    fn host_with(ask: impl FnMut(&[i64]) -> HostCall + 'static) -> Host {
        let mut ask = ask;
        Box::new(move |import, args, _, _, _| match import.0 {
            0 => HostCall::Return(vec![args[0] + args[1]]),
            _ => ask(args),
        })
    }

    #[test]
    fn host_calls_return_suspend_and_fail() {
        let (mut it, mut h) = setup(host_module());
        // Returning: the i32 result is normalized (0x8000_0000 -> i32::MIN).
        h.host = host_with(|args| {
            assert_eq!(
                args,
                &[-1],
                "arguments are normalized to the import's parameter types"
            );
            HostCall::Return(vec![10])
        });
        assert_eq!(h.call(&mut it, "main", &[]), Stop::Finished(vec![I32MIN + 10]));

        // Suspending: the embedder supplies the results, then the run continues after the call.
        h.host = host_with(|_| HostCall::Suspend);
        assert_eq!(
            it.provide_host_results(&[1]),
            Err("no host call is waiting for results".into())
        );
        let stop = h.call(&mut it, "main", &[]);
        assert_eq!(
            stop,
            Stop::HostSuspended {
                import: ImportId(1),
                args: vec![-1]
            }
        );
        assert!(it.is_resumable());
        assert_eq!(it.frame().unwrap().vars, &[I32MIN, 0, 0]);
        assert!(it.awaits_host_results());
        assert!(it.provide_host_results(&[]).is_err());
        assert!(it.provide_host_results(&[1, 2]).is_err());
        assert_eq!(it.provide_host_results(&[20]), Ok(()));
        assert!(it.provide_host_results(&[20]).is_err());
        assert!(!it.awaits_host_results() && it.is_resumable());
        assert_eq!(h.run(&mut it), Stop::Finished(vec![I32MIN + 20]));
        assert_eq!(h.counters.depth, 0);

        // Resuming without results is a host error that ends the run.
        assert!(matches!(h.call(&mut it, "main", &[]), Stop::HostSuspended { .. }));
        let Stop::HostError { import, message, loc } = h.run(&mut it) else {
            panic!("expected a host error")
        };
        assert_eq!((import, loc), (ImportId(1), Some(SourceLoc(2))));
        assert!(message.contains("provide_host_results"), "{message}");
        assert!(!it.is_resumable());

        // Wrong result count, and an error.
        h.host = host_with(|_| HostCall::Return(vec![1, 2]));
        h.counters.depth = 0;
        let want = Stop::HostError {
            import: ImportId(1),
            message: "host function returned 2 values, expected 1".into(),
            loc: Some(SourceLoc(2)),
        };
        assert_eq!(h.call(&mut it, "main", &[]), want);
        h.host = host_with(|_| HostCall::Error("boom".into()));
        h.counters.depth = 0;
        let want = Stop::HostError {
            import: ImportId(1),
            message: "boom".into(),
            loc: Some(SourceLoc(2)),
        };
        assert_eq!(h.call(&mut it, "main", &[]), want);
        assert_eq!(h.run(&mut it), want);
    }

    fn mem_module() -> Module {
        let store = |name: &str, width| {
            func(
                name,
                &[I32, I64],
                &[],
                &[],
                vec![block(
                    vec![at(
                        1,
                        InstKind::Store {
                            width,
                            addr: v(0),
                            offset: 0,
                            value: v(1),
                        },
                    )],
                    Terminator::Return(vec![]),
                )],
            )
        };
        let load = |name: &str, width, ty, offset| {
            func(
                name,
                &[I32],
                &[ty],
                &[ty],
                vec![block(
                    vec![at(
                        2,
                        InstKind::Load {
                            width,
                            dst: Var(1),
                            addr: v(0),
                            offset,
                        },
                    )],
                    Terminator::Return(vec![v(1)]),
                )],
            )
        };
        let mut funcs = vec![store("st64", MemWidth::B64), store("st16", MemWidth::U16)];
        for w in MemWidth::ALL {
            funcs.push(load(&format!("ld{}", w.name()), w, I64, 0));
        }
        funcs.push(load("ldu32_i32", MemWidth::U32, I32, 0));
        funcs.push(load("ld64_back16", MemWidth::B64, I64, -16));
        funcs.push(load("ld64_fwd", MemWidth::B64, I64, 0x2000));
        Module {
            memory: MemoryDecl {
                addr: AddrWidth::A32,
                regions: vec![
                    RegionDecl {
                        base: 0x1000,
                        size: 0x1000,
                        rights: Rights::ReadWrite,
                    },
                    RegionDecl {
                        base: 0x2000,
                        size: 0x1000,
                        rights: Rights::Read,
                    },
                ],
                data: vec![DataInit {
                    addr: 0x2000,
                    bytes: vec![0x80, 0xFF, 0x7F],
                }],
            },
            funcs,
            ..Module::default()
        }
    }

    #[test]
    fn loads_and_stores() {
        let (mut it, mut h) = setup(mem_module());
        let fin = |x| Stop::Finished(vec![x]);
        let ld = |n: &str| it.module().func_by_name(n).unwrap().0;
        let (st64, st16, ld64, ldu32_i32) = (ld("st64"), ld("st16"), ld("ld64"), ld("ldu32_i32"));
        let raw = 0x8081_8283_8485_8687_u64 as i64;
        assert_eq!(h.call(&mut it, "st64", &[0x1008, raw]), Stop::Finished(vec![]));
        for (name, want) in [
            ("lds8", -0x79),
            ("ldu8", 0x87),
            ("lds16", 0x8687_u16 as i16 as i64),
            ("ldu16", 0x8687),
            ("lds32", 0x8485_8687_u32 as i32 as i64),
            ("ldu32", 0x8485_8687),
            ("ld64", raw),
            ("ldu32_i32", 0x8485_8687_u32 as i32 as i64),
        ] {
            assert_eq!(h.call(&mut it, name, &[0x1008]), fin(want), "{name}");
        }
        assert_eq!(h.call(&mut it, "ld64_back16", &[0x1018]), fin(raw));
        // 32-bit guests wrap the effective address: 0xFFFF_F008 + 0x2000 = 0x1008.
        assert_eq!(h.call(&mut it, "ld64_fwd", &[0xFFFF_F008]), fin(raw));
        // Stores write only their width.
        assert_eq!(
            h.call(&mut it, "st16", &[0x1008, 0x1_2345]),
            Stop::Finished(vec![])
        );
        assert_eq!(h.call(&mut it, "ldu32", &[0x1008]), fin(0x8485_2345));
        // Read-only region: loads work, stores trap.
        assert_eq!(h.call(&mut it, "lds8", &[0x2000]), fin(-128));
        assert_eq!(h.call(&mut it, "lds16", &[0x2001]), fin(0x7FFF));
        let mem_trap = |func| {
            trap_at(
                TrapCode::MemoryAccess,
                Some(if func == st64 || func == st16 { 1 } else { 2 }),
                func,
            )
        };
        assert_eq!(h.call(&mut it, "st64", &[0x2000, 1]), mem_trap(st64));
        assert_eq!(h.memory.read(0x2000, 3).unwrap(), vec![0x80, 0xFF, 0x7F]);
        // Straddling rw + r is readable but not writable; straddling into unmapped is neither.
        assert!(matches!(h.call(&mut it, "ld64", &[0x1FFC]), Stop::Finished(_)));
        assert_eq!(h.call(&mut it, "st64", &[0x1FFC, 1]), mem_trap(st64));
        assert_eq!(h.memory.read(0x1FFC, 4).unwrap(), vec![0; 4]);
        assert_eq!(h.call(&mut it, "ld64", &[0x2FFC]), mem_trap(ld64));
        assert_eq!(h.call(&mut it, "ldu32_i32", &[0x3000]), mem_trap(ldu32_i32));
        assert_eq!(h.call(&mut it, "st16", &[0, 1]), mem_trap(st16));
        assert_eq!(h.call(&mut it, "ld64", &[0xFFFF_FFFF]), mem_trap(ld64));
        assert_eq!(h.call(&mut it, "ld64", &[-1]), mem_trap(ld64));
    }

    #[test]
    fn breakpoints_and_single_step() {
        let f = func(
            "f",
            &[],
            &[I64],
            &[I64],
            vec![block(
                vec![
                    at(10, InstKind::Mark),
                    i(InstKind::Const { dst: Var(0), imm: 1 }),
                    at(11, InstKind::Mark),
                    i(InstKind::Binary {
                        op: BinOp::Add,
                        dst: Var(0),
                        a: v(0),
                        b: imm(1),
                    }),
                    at(12, InstKind::Mark),
                    i(InstKind::Mark),
                ],
                Terminator::Return(vec![v(0)]),
            )],
        );
        let (mut it, mut h) = setup(module(vec![f]));
        assert_eq!(h.call(&mut it, "f", &[]), Stop::Finished(vec![2]));

        h.debug.breakpoints.insert(SourceLoc(11));
        assert_eq!(h.call(&mut it, "f", &[]), Stop::Breakpoint { loc: SourceLoc(11) });
        assert!(it.is_resumable());
        let fr = it.frame().unwrap();
        assert_eq!((fr.inst, fr.vars), (3, &[1][..]));
        assert_eq!(h.run(&mut it), Stop::Finished(vec![2]));

        h.debug.single_step = true;
        let mut seen = vec![];
        let mut stop = h.call(&mut it, "f", &[]);
        while let Stop::Breakpoint { loc } = stop {
            seen.push(loc.0);
            stop = h.run(&mut it);
        }
        assert_eq!(seen, vec![10, 11, 12]);
        assert_eq!(stop, Stop::Finished(vec![2]));
    }
}
