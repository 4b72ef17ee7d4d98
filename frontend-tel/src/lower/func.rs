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

use super::analysis::free_locals;
use super::{ModuleCx, Pending};
use crate::ast::{
    BinOp as TBin, Block, Clause, Expr, ExprKind, FlowDecl, Ident, NodeId, Stmt, StmtKind, UnOp as TUn,
};
use crate::check::{Builtin, Res};
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
enum Slot {
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
enum Callee<'p> {
    Flow(usize),
    /// A local known to hold a closure of this lambda expression, and that closure.
    Known(&'p Expr, Operand),
    Builtin(Builtin),
    Value(Operand),
}

pub(super) struct FnCx<'m, 'p> {
    pub(super) m: &'m mut ModuleCx<'p>,
    pub(super) b: FunctionBuilder,
    slots: HashMap<NodeId, Slot>,
    /// Innermost last: the landing blocks of the `handle`s around the current point.
    unwind: Vec<BlockId>,
    /// Locals known to hold a closure of a particular lambda expression (`let f = \x -> ..`, or
    /// `let f = g(..)` where flow `g` returns a lambda): calls of them are inlined or direct.
    known: HashMap<NodeId, &'p Expr>,
    /// How many inlined lambda bodies enclose the current point.
    inline_depth: usize,
}

/// Largest lambda body (in expression nodes) that calls inline, and deepest inline nesting.
const INLINE_MAX_NODES: usize = 60;
const INLINE_MAX_DEPTH: usize = 3;

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
        }
    }

    pub(super) fn tmp(&mut self) -> Var {
        self.b.var(IrType::I64)
    }

    fn env(&self) -> Var {
        self.b.param(0)
    }

    fn at(&mut self, span: Span) {
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
    fn leave_unwinding(&mut self) {
        match self.unwind.last() {
            Some(&landing) => self.b.jump(landing),
            None => self.b.ret([imm(0)]),
        }
    }

    fn bind(&mut self, id: NodeId, slot: Slot) {
        self.slots.insert(id, slot);
    }

    /// Binds a new local to `value` (in a cell if a clause may assign it).
    fn bind_value(&mut self, id: NodeId, value: Operand) {
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

    fn slot(&self, id: NodeId) -> Slot {
        *self
            .slots
            .get(&id)
            .unwrap_or_else(|| panic!("lowering: local {} has no slot in this function", id.0))
    }

    /// The current value of local `id`, in a variable no later code changes.
    fn read_local(&mut self, id: NodeId) -> Operand {
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
    fn cell_of(&mut self, id: NodeId) -> Operand {
        match self.slot(id) {
            Slot::Cell(c) => c.into(),
            Slot::EnvCell(off) => {
                let env = self.env();
                self.load(env, off).into()
            }
            s => panic!("lowering: local {} is not in a cell ({s:?})", id.0),
        }
    }

    fn assign_local(&mut self, id: NodeId, value: Operand) {
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

    fn ty(&self, e: &'p Expr) -> Type {
        self.m.checked.ty(e.id).clone()
    }

    // ---- statements and blocks ----

    pub(super) fn block(&mut self, b: &'p Block) -> Result<Operand, Diag> {
        for s in &b.stmts {
            self.stmt(s)?;
        }
        match &b.tail {
            Some(t) => self.expr(t),
            None => Ok(imm(0)),
        }
    }

    fn stmt(&mut self, s: &'p Stmt) -> Result<(), Diag> {
        self.at(s.span);
        self.b.mark();
        match &s.kind {
            StmtKind::Let(x, e) => {
                let v = self.expr(e)?;
                self.bind_value(x.id, v);
                if let Some(lambda) = self.known_lambda_of(e) {
                    self.known.insert(x.id, lambda);
                }
            }
            StmtKind::Var(x, e) => {
                let v = self.expr(e)?;
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
                self.b.ret([v]);
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
                self.binary(*op, &self.ty(x), a, b)
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
                let (head, bodyb, exit) = (
                    self.b.create_block(),
                    self.b.create_block(),
                    self.b.create_block(),
                );
                self.b.jump(head);
                self.b.switch_to_block(head);
                let cv = self.expr(c)?;
                self.b.brif(cv, bodyb, exit);
                self.b.switch_to_block(bodyb);
                self.block(body)?;
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
                if self.m.facts.handled.contains(&eff) {
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

    fn short_circuit(&mut self, x: &'p Expr, y: &'p Expr, and: bool) -> Result<Operand, Diag> {
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

    fn binary(&mut self, op: TBin, ty: &Type, a: Operand, b: Operand) -> Operand {
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

    fn record(&mut self, e: &'p Expr, fields: &'p [(Ident, Expr)]) -> Result<Operand, Diag> {
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

    fn for_loop(
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
        let (head, bodyb, exit) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.jump(head);
        self.b.switch_to_block(head);
        let c = self.cmp(Cond::LtS, iv, end);
        self.b.brif(c, bodyb, exit);
        self.b.switch_to_block(bodyb);
        // Each iteration binds a fresh immutable `i` (a closure captures that iteration's value).
        let cur = self.tmp();
        self.b.copy(cur, iv);
        self.bind(i.id, Slot::Var(cur));
        self.block(body)?;
        // `iv < end <= MAX`, so the increment cannot overflow.
        self.b.binary(BinOp::Add, iv, iv, imm(1));
        self.b.jump(head);
        self.b.switch_to_block(exit);
        Ok(imm(0))
    }

    // ---- calls ----

    fn callee(&mut self, callee: &'p Expr) -> Result<Callee<'p>, Diag> {
        if let ExprKind::Var(_) = callee.kind {
            match self.m.checked.res(callee.id) {
                Res::Flow(i) => return Ok(Callee::Flow(i)),
                Res::Builtin(b) => return Ok(Callee::Builtin(b)),
                Res::Local(b) => {
                    if let Some(&lambda) = self.known.get(&b) {
                        let clo = self.read_local(b);
                        return Ok(Callee::Known(lambda, clo));
                    }
                }
                Res::Effect(_) => {}
            }
        }
        Ok(Callee::Value(self.expr(callee)?))
    }

    /// Calls `callee` with `args` (at least one; types are curried, so any count is fine).
    fn call_with(
        &mut self,
        callee: Callee<'p>,
        args: Vec<Operand>,
        first_arg: Option<&'p Expr>,
        span: Span,
    ) -> Result<Operand, Diag> {
        let (func, arity, may) = match callee {
            Callee::Builtin(Builtin::Len) => {
                let arg = first_arg.expect("len has its argument");
                let off = match self.ty(arg) {
                    Type::String => STR_CHARS,
                    _ => LIST_LEN,
                };
                return Ok(self.load(args[0], off).into());
            }
            Callee::Flow(i) => {
                let arity = self.m.checked.flows[i].params.len().max(1);
                (self.m.flow_funcs[i], arity, self.m.facts.flow_may_perform[i])
            }
            Callee::Builtin(b) => (self.m.builtin_func(b), b.arity(), true),
            Callee::Value(v) => return Ok(self.apply(v, args)),
            Callee::Known(lambda, clo) => return self.call_known(lambda, clo, args),
        };
        if args.len() < arity {
            let clo = match callee {
                Callee::Flow(i) => self.m.flow_closure(i, span)?,
                Callee::Builtin(b) => self.m.builtin_closure(b),
                Callee::Value(_) | Callee::Known(..) => unreachable!(),
            };
            return Ok(self.apply(imm(clo), args));
        }
        let mut direct = vec![imm(0)];
        direct.extend_from_slice(&args[..arity]);
        let r = self.call(func, direct);
        self.unwind_check(may);
        if args.len() == arity {
            Ok(r.into())
        } else {
            Ok(self.apply(r.into(), args[arity..].to_vec()))
        }
    }

    /// Applies a function value to `args`: inline when its arity is exactly `args.len()` (one
    /// `call_indirect`), through `@apply_N` otherwise.
    pub(super) fn apply(&mut self, f: Operand, args: Vec<Operand>) -> Operand {
        let n = args.len();
        let func = self.m.apply_func(n);
        let r = self.tmp();
        let arity = self.load(f, CLO_ARITY);
        let exact = self.cmp(Cond::Eq, arity, imm(n as i64));
        let (fast, slow, join) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.brif(exact, fast, slow);
        self.b.switch_to_block(fast);
        let code = self.load(f, CLO_CODE);
        let mut all = vec![f];
        all.extend(args);
        self.b.call_indirect(super::sig(n + 1, 1), code, all.clone(), [r]);
        self.b.jump(join);
        self.b.switch_to_block(slow);
        self.b.call(func, all, [r]);
        self.b.jump(join);
        self.b.switch_to_block(join);
        self.unwind_check(true);
        r.into()
    }

    /// The lambda expression whose closure `e` evaluates to, when that is known statically.
    fn known_lambda_of(&self, e: &'p Expr) -> Option<&'p Expr> {
        match &e.kind {
            ExprKind::Lambda(..) => Some(e),
            ExprKind::Call(callee, args) => {
                match (&callee.kind, self.m.checked.resolutions.get(&callee.id)) {
                    (ExprKind::Var(_), Some(Res::Flow(j)))
                        if args.len() == self.m.checked.flows[*j].params.len() =>
                    {
                        self.m.returns_lambda[*j]
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Calls closure `clo` of the known lambda `lambda`: with exactly its arity, a small body is
    /// lowered right here (its captures read from `clo`), a larger one called directly; otherwise
    /// it is an ordinary application.
    fn call_known(&mut self, lambda: &'p Expr, clo: Operand, args: Vec<Operand>) -> Result<Operand, Diag> {
        let ExprKind::Lambda(params, body) = &lambda.kind else {
            unreachable!("known lambdas are lambda expressions");
        };
        if args.len() != params.len() {
            return Ok(self.apply(clo, args));
        }
        let mut size = 0;
        super::analysis::walk_expr(body, &mut |_| size += 1);
        if size > INLINE_MAX_NODES || self.inline_depth >= INLINE_MAX_DEPTH {
            let func = self.m.lambda_func(params, body);
            let mut all = vec![clo];
            all.extend(args);
            let r = self.call(func, all);
            self.unwind_check(true);
            return Ok(r.into());
        }
        let clo_var = self.tmp();
        self.b.copy(clo_var, clo);
        let captures = free_locals(body, params, self.m.checked);
        let mut saved = Vec::with_capacity(params.len() + captures.len());
        for (p, a) in params.iter().zip(args) {
            let v = self.tmp();
            self.b.copy(v, a);
            saved.push((p.id, self.slots.insert(p.id, Slot::Var(v))));
        }
        // The captured values are the closure's, not the caller's current ones.
        for (k, c) in captures.iter().enumerate() {
            saved.push((
                *c,
                self.slots
                    .insert(*c, Slot::EnvAt(clo_var, CLO_ENV + 8 * k as i32)),
            ));
        }
        self.inline_depth += 1;
        let r = self.expr(body);
        self.inline_depth -= 1;
        for (id, old) in saved.into_iter().rev() {
            match old {
                Some(slot) => self.slots.insert(id, slot),
                None => self.slots.remove(&id),
            };
        }
        let r = r?;
        let out = self.tmp();
        self.b.copy(out, r);
        Ok(out.into())
    }

    // ---- closures ----

    fn lambda(&mut self, span: Span, params: &'p [Ident], body: &'p Expr) -> Result<Operand, Diag> {
        let captures = free_locals(body, params, self.m.checked);
        self.m.note_arity(params.len(), span)?;
        let mut vals = Vec::with_capacity(captures.len());
        for &c in &captures {
            vals.push(self.read_local(c));
        }
        self.at(span);
        let id = self.m.lambda_func(params, body);
        let idx = self.m.table_slot(id);
        let clo = self.alloc(imm(CLO_ENV as i64 + 8 * captures.len() as i64));
        self.store(clo, 0, imm(TAG_CLOSURE));
        self.store(clo, CLO_CODE, imm(idx));
        self.store(clo, CLO_ARITY, imm(params.len() as i64));
        for (i, v) in vals.into_iter().enumerate() {
            self.store(clo, CLO_ENV + 8 * i as i32, v);
        }
        Ok(clo.into())
    }

    // ---- handlers ----

    fn handle(&mut self, body: &'p Block, clauses: &'p [Clause], span: Span) -> Result<Operand, Diag> {
        // The captures of all clauses, once each; vars a clause may assign are captured as cells.
        let mut captures: Vec<(NodeId, bool)> = Vec::new();
        for c in clauses {
            for b in free_locals(&c.body, &c.params, self.m.checked) {
                if !captures.iter().any(|(x, _)| *x == b) {
                    captures.push((b, self.m.facts.boxed.contains(&b)));
                }
            }
        }
        let mut vals = Vec::with_capacity(captures.len());
        for &(b, cell) in &captures {
            vals.push(if cell { self.cell_of(b) } else { self.read_local(b) });
        }
        self.at(span);
        let saved = self.global_get(G_HANDLERS);
        let capture_base = HND_CLAUSES + 16 * clauses.len() as i32;
        let rec = self.alloc(imm(capture_base as i64 + 8 * captures.len() as i64));
        self.store(rec, 0, imm(TAG_HANDLER));
        self.store(rec, HND_NEXT, saved);
        self.store(rec, HND_COUNT, imm(clauses.len() as i64));
        for (j, c) in clauses.iter().enumerate() {
            let Res::Effect(eff) = self.m.checked.res(c.effect.id) else {
                panic!("lowering: clause of a non-effect");
            };
            self.m.lambda_count += 1;
            let id = self.m.reserve(
                &format!("clause{}_{}", self.m.lambda_count, c.effect.name),
                c.params.len() + 1,
            );
            let idx = self.m.table_slot(id);
            self.store(rec, HND_CLAUSES + 16 * j as i32, imm(eff as i64));
            self.store(rec, HND_CLAUSES + 16 * j as i32 + 8, imm(idx));
            let clause = c;
            self.m.pending.push_back(Pending::Clause {
                id,
                clause,
                captures: captures.clone(),
                capture_base,
            });
        }
        for (i, v) in vals.into_iter().enumerate() {
            self.store(rec, capture_base + 8 * i as i32, v);
        }
        self.b.global_set(GlobalId(G_HANDLERS), rec);
        let result = self.tmp();
        let landing = self.b.create_block();
        let done = self.b.create_block();
        self.unwind.push(landing);
        let v = self.block(body);
        self.unwind.pop();
        let v = v?;
        self.b.copy(result, v);
        self.b.global_set(GlobalId(G_HANDLERS), saved);
        self.b.jump(done);
        // Reached only from unwind checks inside the body.
        self.b.switch_to_block(landing);
        self.b.global_set(GlobalId(G_HANDLERS), saved);
        let u = self.global_get(G_UNWIND);
        let mine = self.cmp(Cond::Eq, u, rec);
        let (take, outer) = (self.b.create_block(), self.b.create_block());
        self.b.brif(mine, take, outer);
        self.b.switch_to_block(take);
        self.b.global_set(GlobalId(G_UNWIND), imm(0));
        self.b.global_get(result, GlobalId(G_ABORT_VALUE));
        self.b.jump(done);
        self.b.switch_to_block(outer);
        self.leave_unwinding();
        self.b.switch_to_block(done);
        Ok(result.into())
    }

    /// `perform` of an effect some clause handles. Fast path inline: the innermost handler's first
    /// clause is for this effect (a loop performing under its handler); otherwise `@perform_E`
    /// walks the handler list.
    fn perform_handled(&mut self, eff: usize, args: Vec<Operand>) -> Operand {
        let k = args.len();
        let f = self.m.perform_func(eff);
        let r = self.tmp();
        let h = self.global_get(G_HANDLERS);
        let (check, fast, slow, join) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.brif(h, check, slow);
        self.b.switch_to_block(check);
        let first = self.load(h, HND_CLAUSES);
        let hit = self.cmp(Cond::Eq, first, imm(eff as i64));
        self.b.brif(hit, fast, slow);
        // The clause runs outside its own handle: with the handlers below its record installed.
        self.b.switch_to_block(fast);
        let code = self.load(h, HND_CLAUSES + 8);
        let below = self.load(h, HND_NEXT);
        self.b.global_set(GlobalId(G_HANDLERS), below);
        let mut all = vec![Operand::from(h)];
        all.extend(args.iter().copied());
        self.b.call_indirect(super::sig(k + 1, 1), code, all, [r]);
        self.b.global_set(GlobalId(G_HANDLERS), h);
        self.b.jump(join);
        self.b.switch_to_block(slow);
        self.b.call(f, args, [r]);
        self.b.jump(join);
        self.b.switch_to_block(join);
        self.unwind_check(true);
        r.into()
    }

    /// A clause body in tail position: `resume(v)` returns `v` to `perform`; any other value aborts.
    fn clause_tail(&mut self, e: &'p Expr) -> Result<(), Diag> {
        match &e.kind {
            ExprKind::Resume(v) => {
                let x = self.expr(v)?;
                self.at(e.span);
                self.b.ret([x]);
            }
            ExprKind::Block(b) => {
                for s in &b.stmts {
                    self.stmt(s)?;
                }
                match &b.tail {
                    Some(t) => return self.clause_tail(t),
                    None => self.abort(imm(0)),
                }
            }
            ExprKind::If(c, t, Some(els)) => {
                let cv = self.expr(c)?;
                let (tb, eb) = (self.b.create_block(), self.b.create_block());
                self.b.brif(cv, tb, eb);
                self.b.switch_to_block(tb);
                for s in &t.stmts {
                    self.stmt(s)?;
                }
                match &t.tail {
                    Some(x) => self.clause_tail(x)?,
                    None => self.abort(imm(0)),
                }
                self.b.switch_to_block(eb);
                return self.clause_tail(els);
            }
            _ => {
                let x = self.expr(e)?;
                self.abort(x);
            }
        }
        self.dead();
        Ok(())
    }

    /// Ends the current clause by aborting its `handle` with `value`.
    fn abort(&mut self, value: Operand) {
        self.b.global_set(GlobalId(G_ABORT_VALUE), value);
        let env = self.env();
        self.b.global_set(GlobalId(G_UNWIND), env);
        self.b.ret([imm(0)]);
    }

    pub(super) fn finish(self) -> Function {
        self.b.finish()
    }
}

/// Lowers flow `i`.
pub(super) fn lower_flow<'p>(m: &mut ModuleCx<'p>, flow: &'p FlowDecl) -> Result<Function, Diag> {
    let arity = flow.params.len().max(1);
    let mut cx = FnCx::new(m, &format!("flow_{}", flow.name.name), arity + 1);
    for (k, p) in flow.params.iter().enumerate() {
        let v = cx.b.param(k + 1);
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
