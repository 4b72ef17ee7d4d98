//! Lowering of one function body (a flow, a lambda or a handler clause): statements, expressions,
//! calls, closures and handlers.
//!
//! Must never decide module layout (that is `mod.rs`) nor emit the fixed runtime functions (that is
//! `runtime.rs`).
//!
//! Handlers: `handle` pushes a handler record (see `layout`) onto the list in `G_HANDLERS`; a
//! clause is a function of the record and the effect's arguments. A resuming clause returns the
//! value `perform` evaluates to. An aborting clause stores its value in `G_ABORT_VALUE`, sets
//! `G_UNWIND` to its record and returns; every call that may reach such a clause is followed by a
//! check of `G_UNWIND` that leaves the function (or jumps to the landing of the innermost `handle`
//! of this function, which takes the value if the record is its own). No native unwinding.

use super::{ModuleCx, Pending};
use crate::ast::{
    BinOp as TBin, Block, Expr, ExprKind, FlowDecl, Ident, NodeId, Stmt, StmtKind, UnOp as TUn,
};
use crate::check::{Builtin, Res};
use crate::debug_info::{DebugLocal, DebugSlot, MarkInfo};
use crate::diag::{Diag, Span};
use crate::layout::*;
use crate::types::Type;
use causeway_engine::ir::builder::FunctionBuilder;
use causeway_engine::ir::{
    BinOp, BlockId, Cond, FuncId, Function, GlobalId, MemWidth, Operand, SourceLoc, TrapCode, Type as IrType,
    Var,
};
use std::collections::HashMap;

/// Where a local lives in the function being lowered.
#[derive(Clone, Copy, Debug)]
pub(super) enum Slot {
    /// An IR variable.
    Var(Var),
    /// A cell whose address an IR variable holds.
    Cell(Var),
    /// A captured value at this offset of the environment.
    Env(i32),
    /// A captured value at this offset of the closure an IR variable holds (an inlined lambda).
    EnvAt(Var, i32),
    /// A captured cell address at this offset of the environment.
    EnvCell(i32),
}

/// What a call calls.
#[derive(Clone, Copy)]
pub(super) enum Callee<'p> {
    Flow(usize),
    /// A local known to hold a closure of this lambda expression, and that closure.
    Known(&'p Expr, Operand),
    Builtin(Builtin),
    Value(Operand),
}

pub(super) struct FnCx<'m, 'p> {
    pub(super) m: &'m mut ModuleCx<'p>,
    pub(super) b: FunctionBuilder,
    pub(super) slots: HashMap<NodeId, Slot>,
    /// Innermost last: the landing blocks of the `handle`s around the current point.
    pub(super) unwind: Vec<BlockId>,
    /// Locals known to hold a closure of a particular lambda expression (`let f = \x -> ..`, or
    /// `let f = g(..)` where flow `g` returns a lambda): calls of them are inlined or direct.
    pub(super) known: HashMap<NodeId, &'p Expr>,
    /// How many inlined bodies (lambdas, flows, clauses) enclose the current point.
    pub(super) inline_depth: usize,
    /// Expression nodes this function may still inline.
    pub(super) inline_budget: usize,
    /// The `handle`s of this function around the current point, innermost last: a `perform` of one
    /// of their effects is resolved statically (see `handlers.rs`).
    pub(super) handles: Vec<super::handlers::HandleCtx<'p>>,
    /// Where `return` goes while a flow body is inlined: the block after it and the result.
    pub(super) returns: Vec<(BlockId, Var)>,
    /// Ranges of loop counters where they hold (see `ranges.rs`).
    pub(super) ranges: HashMap<NodeId, super::ranges::Range>,
    /// The counter of the `while` about to be lowered, found from the statements before it.
    while_counter: Option<(NodeId, super::ranges::Induction)>,
    /// Debuggable lowering: the locals in scope, in binding order.
    scope: Vec<NodeId>,
}

/// Expression nodes one function may inline in all (lambdas, flows, clauses).
const INLINE_BUDGET: usize = 20_000;

pub(super) fn imm(v: i64) -> Operand {
    Operand::Imm(v)
}

impl<'m, 'p> FnCx<'m, 'p> {
    pub(super) fn new(m: &'m mut ModuleCx<'p>, name: &str, params: usize) -> Self {
        let b = FunctionBuilder::new(name, super::sig(params, 1));
        FnCx {
            m,
            b,
            slots: HashMap::new(),
            unwind: Vec::new(),
            known: HashMap::new(),
            inline_depth: 0,
            inline_budget: INLINE_BUDGET,
            handles: Vec::new(),
            returns: Vec::new(),
            ranges: HashMap::new(),
            while_counter: None,
            scope: Vec::new(),
        }
    }

    pub(super) fn tmp(&mut self) -> Var {
        self.b.var(IrType::I64)
    }

    pub(super) fn env(&self) -> Var {
        self.b.param(0)
    }

    pub(super) fn at(&mut self, span: Span) {
        self.b.set_loc(Some(SourceLoc(span.to_loc())));
    }

    /// After a terminator: later code (unreachable) goes to a fresh block.
    pub(super) fn dead(&mut self) {
        let d = self.b.create_block();
        self.b.switch_to_block(d);
    }

    pub(super) fn load(&mut self, addr: impl Into<Operand>, offset: i32) -> Var {
        let v = self.tmp();
        self.b.load(MemWidth::B64, v, addr, offset);
        v
    }

    pub(super) fn store(&mut self, addr: impl Into<Operand>, offset: i32, value: impl Into<Operand>) {
        self.b.store(MemWidth::B64, addr, offset, value);
    }

    pub(super) fn global_get(&mut self, g: u32) -> Var {
        let v = self.tmp();
        self.b.global_get(v, GlobalId(g));
        v
    }

    pub(super) fn bin(&mut self, op: BinOp, a: impl Into<Operand>, b: impl Into<Operand>) -> Var {
        let v = self.tmp();
        self.b.binary(op, v, a, b);
        v
    }

    pub(super) fn cmp(&mut self, c: Cond, a: impl Into<Operand>, b: impl Into<Operand>) -> Var {
        let v = self.tmp();
        self.b.icmp(c, v, a, b);
        v
    }

    pub(super) fn call(&mut self, f: FuncId, args: Vec<Operand>) -> Var {
        let v = self.tmp();
        self.b.call(f, args, [v]);
        v
    }

    /// `size` bytes of heap (a multiple of 8), or `OutOfMemory` at the current location.
    pub(super) fn alloc(&mut self, size: impl Into<Operand>) -> Var {
        let p = self.global_get(G_HEAP_PTR);
        let np = self.bin(BinOp::Add, p, size);
        let end = self.global_get(G_HEAP_END);
        let over = self.cmp(Cond::GtU, np, end);
        let (oom, ok) = (self.b.create_block(), self.b.create_block());
        self.b.brif(over, oom, ok);
        self.b.switch_to_block(oom);
        self.b.trap(TrapCode::User(TRAP_OUT_OF_MEMORY));
        self.b.switch_to_block(ok);
        self.b.global_set(GlobalId(G_HEAP_PTR), np);
        p
    }

    /// After a call that may reach an aborting clause: leave while `G_UNWIND` is set.
    pub(super) fn unwind_check(&mut self, may: bool) {
        if !(may && self.m.facts.may_abort) {
            return;
        }
        let u = self.global_get(G_UNWIND);
        let go = self.b.create_block();
        let cont = self.b.create_block();
        self.b.brif(u, go, cont);
        self.b.switch_to_block(go);
        self.leave_unwinding();
        self.b.switch_to_block(cont);
    }

    /// Continues an unwind from the current (fresh) block: to the innermost landing, or out.
    pub(super) fn leave_unwinding(&mut self) {
        match self.unwind.last() {
            Some(&landing) => self.b.jump(landing),
            None => self.b.ret([imm(0)]),
        }
    }

    pub(super) fn bind(&mut self, id: NodeId, slot: Slot) {
        self.slots.insert(id, slot);
        if self.m.debug.is_some() {
            self.scope.push(id);
        }
    }

    /// Debuggable lowering: remembers the name of the local bound at `x` (captures find it there).
    pub(super) fn name_local(&mut self, x: &Ident) {
        if self.m.debug.is_some() {
            self.m.local_names.insert(x.id, x.name.clone());
        }
    }

    /// The statement's `mark`: in debuggable lowering, a mark location of its own recording the
    /// locals in scope (see `crate::debug_info`).
    fn mark(&mut self, span: Span) {
        let Some(debug) = &self.m.debug else {
            self.at(span);
            self.b.mark();
            return;
        };
        let loc = debug.next_loc();
        let env = self.env().0;
        let locals = self
            .scope
            .iter()
            .filter_map(|id| {
                let name = self.m.local_names.get(id)?.clone();
                let slot = match *self.slots.get(id)? {
                    Slot::Var(v) => DebugSlot::Var(v.0),
                    Slot::Cell(v) => DebugSlot::Cell(v.0),
                    Slot::Env(off) => DebugSlot::Field(env, off),
                    Slot::EnvAt(v, off) => DebugSlot::Field(v.0, off),
                    Slot::EnvCell(off) => DebugSlot::FieldCell(env, off),
                };
                let ty = self.m.checked.ty(*id).clone();
                Some(DebugLocal { name, ty, slot })
            })
            .collect();
        if let Some(debug) = &mut self.m.debug {
            debug.marks.push(MarkInfo { span, locals });
        }
        self.b.set_loc(Some(loc));
        self.b.mark();
        self.at(span);
    }

    /// Binds a new local to `value` (in a cell if a clause may assign it).
    pub(super) fn bind_value(&mut self, id: NodeId, value: Operand) {
        if self.m.facts.boxed.contains(&id) {
            let cell = self.alloc(imm(16));
            self.store(cell, 0, imm(TAG_CELL));
            self.store(cell, CELL_VALUE, value);
            let c = self.tmp();
            self.b.copy(c, cell);
            self.bind(id, Slot::Cell(c));
        } else {
            let v = self.tmp();
            self.b.copy(v, value);
            self.bind(id, Slot::Var(v));
        }
    }

    pub(super) fn slot(&self, id: NodeId) -> Slot {
        *self
            .slots
            .get(&id)
            .unwrap_or_else(|| panic!("lowering: local {} has no slot in this function", id.0))
    }

    /// The current value of local `id`, in a variable no later code changes.
    pub(super) fn read_local(&mut self, id: NodeId) -> Operand {
        match self.slot(id) {
            Slot::Var(v) if self.m.checked.mutable.contains(&id) => {
                let t = self.tmp();
                self.b.copy(t, v);
                t.into()
            }
            Slot::Var(v) => v.into(),
            Slot::Cell(c) => self.load(c, CELL_VALUE).into(),
            Slot::Env(off) => {
                let env = self.env();
                self.load(env, off).into()
            }
            Slot::EnvAt(clo, off) => self.load(clo, off).into(),
            Slot::EnvCell(off) => {
                let env = self.env();
                let c = self.load(env, off);
                self.load(c, CELL_VALUE).into()
            }
        }
    }

    /// The cell address of a boxed local.
    pub(super) fn cell_of(&mut self, id: NodeId) -> Operand {
        match self.slot(id) {
            Slot::Cell(c) => c.into(),
            Slot::EnvCell(off) => {
                let env = self.env();
                self.load(env, off).into()
            }
            s => panic!("lowering: local {} is not in a cell ({s:?})", id.0),
        }
    }

    pub(super) fn assign_local(&mut self, id: NodeId, value: Operand) {
        match self.slot(id) {
            Slot::Var(v) => self.b.copy(v, value),
            Slot::Cell(_) | Slot::EnvCell(_) => {
                let c = self.cell_of(id);
                self.store(c, CELL_VALUE, value);
            }
            Slot::Env(_) | Slot::EnvAt(..) => {
                panic!("lowering: assignment to a captured value (the checker forbids it)")
            }
        }
    }

    pub(super) fn ty(&self, e: &'p Expr) -> Type {
        self.m.checked.ty(e.id).clone()
    }

    // ---- statements and blocks ----

    pub(super) fn block(&mut self, b: &'p Block) -> Result<Operand, Diag> {
        let scope = self.scope.len();
        let r = self.block_in_scope(b);
        self.scope.truncate(scope);
        r
    }

    fn block_in_scope(&mut self, b: &'p Block) -> Result<Operand, Diag> {
        for (k, s) in b.stmts.iter().enumerate() {
            if let StmtKind::Expr(
                e @ Expr {
                    kind: ExprKind::While(c, body),
                    ..
                },
            ) = &s.kind
            {
                self.while_counter = self.induction(c, body, &b.stmts[..k]).map(|i| (e.id, i));
            }
            self.stmt(s)?;
        }
        match &b.tail {
            Some(t) => self.expr(t),
            None => Ok(imm(0)),
        }
    }

    pub(super) fn stmt(&mut self, s: &'p Stmt) -> Result<(), Diag> {
        self.mark(s.span);
        match &s.kind {
            StmtKind::Let(x, e) => {
                let v = self.expr(e)?;
                self.name_local(x);
                self.bind_value(x.id, v);
                if let Some(lambda) = self.known_lambda_of(e) {
                    self.known.insert(x.id, lambda);
                }
            }
            StmtKind::Var(x, e) => {
                let v = self.expr(e)?;
                self.name_local(x);
                self.bind_value(x.id, v);
            }
            StmtKind::Assign(x, e) => {
                let v = self.expr(e)?;
                let Res::Local(b) = self.m.checked.res(x.id) else {
                    panic!("lowering: assignment target is not a local");
                };
                self.assign_local(b, v);
            }
            StmtKind::Return(e) => {
                let v = match e {
                    Some(e) => self.expr(e)?,
                    None => imm(0),
                };
                self.at(s.span);
                match self.returns.last() {
                    // Inside an inlined flow: to the code after the call.
                    Some(&(exit, result)) => {
                        self.b.copy(result, v);
                        self.b.jump(exit);
                    }
                    None => self.b.ret([v]),
                }
                self.dead();
            }
            StmtKind::Expr(e) => {
                self.expr(e)?;
            }
        }
        Ok(())
    }

    // ---- expressions ----

    pub(super) fn expr(&mut self, e: &'p Expr) -> Result<Operand, Diag> {
        self.at(e.span);
        Ok(match &e.kind {
            ExprKind::Int(n) => imm(*n),
            ExprKind::Bool(b) => imm(*b as i64),
            ExprKind::Unit => imm(0),
            ExprKind::Str(s) => imm(self.m.string(s)),
            ExprKind::Var(_) => match self.m.checked.res(e.id) {
                Res::Local(b) => self.read_local(b),
                Res::Flow(i) => imm(self.m.flow_closure(i, e.span)?),
                Res::Builtin(b) => imm(self.m.builtin_closure(b)),
                Res::Effect(_) => panic!("lowering: an effect used as a value"),
            },
            ExprKind::Call(callee, args) => {
                let c = self.callee(callee)?;
                let mut vals = Vec::with_capacity(args.len().max(1));
                for a in args {
                    vals.push(self.expr(a)?);
                }
                if vals.is_empty() {
                    vals.push(imm(0));
                }
                self.at(e.span);
                self.call_with(c, vals, args.first(), e.span)?
            }
            ExprKind::Binary(TBin::Pipe, x, f) => {
                let v = self.expr(x)?;
                let c = self.callee(f)?;
                self.at(e.span);
                self.call_with(c, vec![v], Some(x), e.span)?
            }
            ExprKind::Binary(TBin::And, x, y) => self.short_circuit(x, y, true)?,
            ExprKind::Binary(TBin::Or, x, y) => self.short_circuit(x, y, false)?,
            ExprKind::Binary(op, x, y) => {
                let a = self.expr(x)?;
                let b = self.expr(y)?;
                self.at(e.span);
                let non_negative = |cx: &Self, e: &Expr, min: i64| cx.range_of(e).is_some_and(|r| r.0 >= min);
                if matches!(op, TBin::Div | TBin::Rem) && non_negative(self, x, 0) && non_negative(self, y, 1)
                {
                    // Both operands non-negative: unsigned division agrees, and is cheaper.
                    let unsigned = if *op == TBin::Div {
                        BinOp::DivU
                    } else {
                        BinOp::RemU
                    };
                    self.bin(unsigned, a, b).into()
                } else if *self.m.checked.ty(x.id) == Type::Int && self.cannot_overflow(*op, x, y) {
                    let wrapping = match op {
                        TBin::Add => BinOp::Add,
                        TBin::Sub => BinOp::Sub,
                        _ => BinOp::Mul,
                    };
                    self.bin(wrapping, a, b).into()
                } else {
                    self.binary(*op, &self.ty(x), a, b)
                }
            }
            ExprKind::Unary(TUn::Neg, x) => {
                let a = self.expr(x)?;
                self.at(e.span);
                self.bin(BinOp::SubChecked, imm(0), a).into()
            }
            ExprKind::Unary(TUn::Not, x) => {
                let a = self.expr(x)?;
                self.bin(BinOp::Xor, a, imm(1)).into()
            }
            ExprKind::Record(fields) => self.record(e, fields)?,
            ExprKind::Field(r, name) => {
                let rv = self.expr(r)?;
                let ty = self.ty(r);
                let (slot, _) = ty
                    .field_slot(&name.name)
                    .unwrap_or_else(|| panic!("lowering: field `{}` not in {ty}", name.name));
                self.load(rv, REC_SLOTS + 8 * slot as i32).into()
            }
            ExprKind::List(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for it in items {
                    vals.push(self.expr(it)?);
                }
                self.at(e.span);
                let l = self.alloc(imm(LIST_ELEMS as i64 + 8 * vals.len() as i64));
                self.store(l, 0, imm(TAG_LIST));
                self.store(l, LIST_LEN, imm(vals.len() as i64));
                for (i, v) in vals.into_iter().enumerate() {
                    self.store(l, LIST_ELEMS + 8 * i as i32, v);
                }
                l.into()
            }
            ExprKind::Index(l, i) => {
                let lv = self.expr(l)?;
                let iv = self.expr(i)?;
                self.at(e.span);
                let len = self.load(lv, LIST_LEN);
                let inb = self.cmp(Cond::LtU, iv, len);
                let (bad, ok) = (self.b.create_block(), self.b.create_block());
                self.b.brif(inb, ok, bad);
                self.b.switch_to_block(bad);
                self.b.trap(TrapCode::User(TRAP_INDEX_OUT_OF_BOUNDS));
                self.b.switch_to_block(ok);
                let off = self.bin(BinOp::Shl, iv, imm(3));
                let addr = self.bin(BinOp::Add, lv, off);
                self.load(addr, LIST_ELEMS).into()
            }
            ExprKind::Lambda(params, body) => self.lambda(e.span, params, body)?,
            ExprKind::If(c, t, els) => {
                let cv = self.expr(c)?;
                let result = self.tmp();
                let (tb, eb, join) = (
                    self.b.create_block(),
                    self.b.create_block(),
                    self.b.create_block(),
                );
                self.b.brif(cv, tb, eb);
                self.b.switch_to_block(tb);
                let tv = self.block(t)?;
                self.b.copy(result, tv);
                self.b.jump(join);
                self.b.switch_to_block(eb);
                let ev = match els {
                    Some(x) => self.expr(x)?,
                    None => imm(0),
                };
                self.b.copy(result, ev);
                self.b.jump(join);
                self.b.switch_to_block(join);
                result.into()
            }
            ExprKind::While(c, body) => {
                let counter = self
                    .while_counter
                    .take()
                    .filter(|(id, _)| *id == e.id)
                    .map(|(_, i)| i);
                let (head, exit) = self.loop_head(|cx| cx.expr(c))?;
                match counter {
                    // The counter's range holds from the loop test to its increment.
                    Some(ind) => {
                        for (k, s) in body.stmts.iter().enumerate() {
                            if k <= ind.increment {
                                self.ranges.insert(ind.var, ind.range);
                            }
                            // An accumulator's range follows from what it adds and how often.
                            let acc =
                                ind.accumulators
                                    .iter()
                                    .find(|a| a.2 == k)
                                    .and_then(|&(acc, start, _)| {
                                        let StmtKind::Assign(
                                            _,
                                            Expr {
                                                kind: ExprKind::Binary(_, l, r),
                                                ..
                                            },
                                        ) = &s.kind
                                        else {
                                            return None;
                                        };
                                        let acc_is_left =
                                            self.m.checked.resolutions.get(&l.id) == Some(&Res::Local(acc));
                                        let step = self.range_of(if acc_is_left { r } else { l })?;
                                        let range = Self::accumulator_range(start, step, ind.max_trips())?;
                                        Some((acc, range))
                                    });
                            if let Some((acc, range)) = acc {
                                self.ranges.insert(acc, range);
                            }
                            let r = self.stmt(s);
                            if let Some((acc, _)) = acc {
                                self.ranges.remove(&acc);
                            }
                            if k == ind.increment {
                                self.ranges.remove(&ind.var);
                            }
                            r?;
                        }
                        if let Some(t) = &body.tail {
                            self.expr(t)?;
                        }
                    }
                    None => {
                        self.block(body)?;
                    }
                }
                self.b.jump(head);
                self.b.switch_to_block(exit);
                imm(0)
            }
            ExprKind::For(i, from, to, body) => self.for_loop(i, from, to, body)?,
            ExprKind::Block(b) => self.block(b)?,
            ExprKind::Perform(name, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.expr(a)?);
                }
                let Res::Effect(eff) = self.m.checked.res(name.id) else {
                    panic!("lowering: perform of a non-effect");
                };
                self.at(e.span);
                if let Some(r) = self.perform_static(eff, &vals)? {
                    r
                } else if self.m.facts.handled.contains(&eff) {
                    self.perform_handled(eff, vals)
                } else {
                    // No clause anywhere handles it: straight to the host, from this very site (so
                    // a failing effect reports this position).
                    self.host_effect(eff, &vals)
                }
            }
            ExprKind::Handle(body, clauses) => self.handle(body, clauses, e.span)?,
            ExprKind::Resume(_) => {
                panic!("lowering: resume outside a clause's tail (the checker forbids it)")
            }
        })
    }

    pub(super) fn short_circuit(&mut self, x: &'p Expr, y: &'p Expr, and: bool) -> Result<Operand, Diag> {
        let a = self.expr(x)?;
        let result = self.tmp();
        self.b.copy(result, a);
        let (rhs, join) = (self.b.create_block(), self.b.create_block());
        if and {
            self.b.brif(a, rhs, join);
        } else {
            self.b.brif(a, join, rhs);
        }
        self.b.switch_to_block(rhs);
        let bv = self.expr(y)?;
        self.b.copy(result, bv);
        self.b.jump(join);
        self.b.switch_to_block(join);
        Ok(result.into())
    }

    pub(super) fn binary(&mut self, op: TBin, ty: &Type, a: Operand, b: Operand) -> Operand {
        let arith = |op| Some(op);
        let bop = match op {
            TBin::Add if *ty == Type::String => {
                let f = self.m.helper("tel_concat", 2);
                let r = self.tmp();
                self.b.hostcall(f, [a, b], [r]);
                let (oom, ok) = (self.b.create_block(), self.b.create_block());
                self.b.brif(r, ok, oom);
                self.b.switch_to_block(oom);
                self.b.trap(TrapCode::User(TRAP_OUT_OF_MEMORY));
                self.b.switch_to_block(ok);
                return r.into();
            }
            TBin::Add => arith(BinOp::AddChecked),
            TBin::Sub => arith(BinOp::SubChecked),
            TBin::Mul => arith(BinOp::MulChecked),
            TBin::Div => arith(BinOp::DivS),
            TBin::Rem => arith(BinOp::RemS),
            _ => None,
        };
        if let Some(bop) = bop {
            return self.bin(bop, a, b).into();
        }
        let cond = match op {
            TBin::Lt => Cond::LtS,
            TBin::Le => Cond::LeS,
            TBin::Gt => Cond::GtS,
            TBin::Ge => Cond::GeS,
            TBin::Eq => return self.equal(ty, a, b),
            TBin::Ne => {
                let eq = self.equal(ty, a, b);
                return self.bin(BinOp::Xor, eq, imm(1)).into();
            }
            TBin::Pipe | TBin::And | TBin::Or | TBin::Add | TBin::Sub | TBin::Mul | TBin::Div | TBin::Rem => {
                unreachable!("handled above")
            }
        };
        self.cmp(cond, a, b).into()
    }

    /// Structural equality of two values of type `ty`: 1 or 0.
    pub(super) fn equal(&mut self, ty: &Type, a: Operand, b: Operand) -> Operand {
        match ty {
            Type::String => {
                let f = self.m.helper("tel_str_eq", 2);
                let r = self.tmp();
                self.b.hostcall(f, [a, b], [r]);
                r.into()
            }
            Type::Record(_) | Type::List(_) => {
                let f = self.m.eq_func(ty);
                self.call(f, vec![a, b]).into()
            }
            _ => self.cmp(Cond::Eq, a, b).into(),
        }
    }

    pub(super) fn record(&mut self, e: &'p Expr, fields: &'p [(Ident, Expr)]) -> Result<Operand, Diag> {
        let mut vals = Vec::with_capacity(fields.len());
        for (_, v) in fields {
            vals.push(self.expr(v)?);
        }
        self.at(e.span);
        let ty = self.ty(e);
        let names: Vec<String> = fields.iter().map(|(n, _)| n.name.clone()).collect();
        let shape = self.m.shape(&names, &ty);
        let r = self.alloc(imm(REC_SLOTS as i64 + 8 * vals.len() as i64));
        self.store(r, 0, imm(TAG_RECORD));
        self.store(r, REC_SHAPE, imm(shape));
        for ((n, _), v) in fields.iter().zip(vals) {
            let (slot, _) = ty
                .field_slot(&n.name)
                .expect("record literal type has its fields");
            self.store(r, REC_SLOTS + 8 * slot as i32, v);
        }
        Ok(r.into())
    }

    /// A loop's header (the target of its back edge) testing `cond`, left in the body's block:
    /// the header and the exit.
    fn loop_head(
        &mut self,
        cond: impl FnOnce(&mut Self) -> Result<Operand, Diag>,
    ) -> Result<(BlockId, BlockId), Diag> {
        let (head, body, exit) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.jump(head);
        self.b.switch_to_block(head);
        let c = cond(self)?;
        self.b.brif(c, body, exit);
        self.b.switch_to_block(body);
        Ok((head, exit))
    }

    pub(super) fn for_loop(
        &mut self,
        i: &'p Ident,
        from: &'p Expr,
        to: &'p Expr,
        body: &'p Block,
    ) -> Result<Operand, Diag> {
        let start = self.expr(from)?;
        let end_v = self.expr(to)?;
        let end = self.tmp();
        self.b.copy(end, end_v);
        let iv = self.tmp();
        self.b.copy(iv, start);
        let (head, exit) = self.loop_head(|cx| Ok(cx.cmp(Cond::LtS, iv, end).into()))?;
        // Each iteration binds a fresh immutable `i` (a closure captures that iteration's value).
        let cur = self.tmp();
        self.b.copy(cur, iv);
        let scope = self.scope.len();
        self.name_local(i);
        self.bind(i.id, Slot::Var(cur));
        // `a <= i < b`, when both bounds are known.
        if let (Some((lo, _)), Some((_, hi))) = (self.range_of(from), self.range_of(to)) {
            if lo < hi {
                self.ranges.insert(i.id, (lo, hi - 1));
            }
        }
        let r = self.block(body);
        self.ranges.remove(&i.id);
        self.scope.truncate(scope);
        r?;
        // `iv < end <= MAX`, so the increment cannot overflow.
        self.b.binary(BinOp::Add, iv, iv, imm(1));
        self.b.jump(head);
        self.b.switch_to_block(exit);
        Ok(imm(0))
    }

    pub(super) fn finish(self) -> Function {
        self.b.finish()
    }
}

/// Lowers flow `i`.
pub(super) fn lower_flow<'p>(m: &mut ModuleCx<'p>, flow: &'p FlowDecl) -> Result<Function, Diag> {
    let arity = flow.params.len().max(1);
    let mut cx = FnCx::new(m, &format!("flow_{}", flow.name.name), arity);
    for (k, p) in flow.params.iter().enumerate() {
        let v = cx.b.param(k);
        cx.name_local(&p.name);
        cx.bind(p.name.id, Slot::Var(v));
    }
    let v = cx.block(&flow.body)?;
    cx.b.ret([v]);
    Ok(cx.finish())
}

/// Lowers a lambda or clause found while lowering another function.
pub(super) fn lower_pending<'p>(m: &mut ModuleCx<'p>, p: Pending<'p>) -> Result<(FuncId, Function), Diag> {
    match p {
        Pending::Lambda {
            id,
            params,
            body,
            captures,
        } => {
            let mut cx = FnCx::new(m, &format!("lambda{}", id.0), params.len() + 1);
            for (k, x) in params.iter().enumerate() {
                let v = cx.b.param(k + 1);
                cx.name_local(x);
                cx.bind(x.id, Slot::Var(v));
            }
            for (k, c) in captures.iter().enumerate() {
                cx.bind(*c, Slot::Env(CLO_ENV + 8 * k as i32));
            }
            let v = cx.expr(body)?;
            cx.b.ret([v]);
            Ok((id, cx.finish()))
        }
        Pending::Clause {
            id,
            clause,
            captures,
            capture_base,
        } => {
            let mut cx = FnCx::new(
                m,
                &format!("clause{}_{}", id.0, clause.effect.name),
                clause.params.len() + 1,
            );
            for (k, x) in clause.params.iter().enumerate() {
                let v = cx.b.param(k + 1);
                cx.name_local(x);
                cx.bind(x.id, Slot::Var(v));
            }
            for (k, (c, cell)) in captures.iter().enumerate() {
                let off = capture_base + 8 * k as i32;
                cx.bind(*c, if *cell { Slot::EnvCell(off) } else { Slot::Env(off) });
            }
            cx.clause_tail(&clause.body)?;
            Ok((id, cx.finish()))
        }
    }
}
