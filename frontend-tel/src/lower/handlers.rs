//! Handlers: `handle` (installing a handler record, the landing of aborting clauses), `perform`
//! (statically resolved to an enclosing `handle` of the same function, inline fast path, or the
//! dynamic walk), and handler clauses in tail position.
//!
//! A clause runs outside its own `handle`: with the handlers below its record installed. A resuming
//! clause returns the value `perform` evaluates to; an aborting one stores its value in
//! `G_ABORT_VALUE`, sets `G_UNWIND` to its record and returns, and the `G_UNWIND` checks after calls
//! leave frames until the `handle` that owns the record takes the value. Must never decide module
//! layout.

use super::analysis::free_locals;
use super::func::{imm, FnCx, Slot};
use super::Pending;
use crate::ast::{Block, Clause, Expr, ExprKind, NodeId};
use crate::check::Res;
use crate::diag::{Diag, Span};
use crate::layout::*;
use causeway_engine::ir::{BlockId, Cond, GlobalId, Operand, Var};

/// A `handle` of the function being lowered, around the current point.
#[derive(Clone)]
pub(super) struct HandleCtx<'p> {
    clauses: &'p [Clause],
    /// The handler list below this handle's record (what its clauses run under).
    saved: Var,
    /// The `handle` expression's value and the block after it.
    result: Var,
    done: BlockId,
    /// How many unwind landings enclose the `handle` itself.
    unwind_len: usize,
    /// Where the clauses' captured locals live at the `handle`.
    captures: Vec<(NodeId, Slot)>,
}

impl<'m, 'p> FnCx<'m, 'p> {
    pub(super) fn handle(
        &mut self,
        body: &'p Block,
        clauses: &'p [Clause],
        span: Span,
    ) -> Result<Operand, Diag> {
        // A `handle` without clauses handles nothing: it is its body (and installing an empty
        // record would let the fast path read past it).
        if clauses.is_empty() {
            return self.block(body);
        }
        // The captures of all clauses, once each; vars a clause may assign are captured as cells.
        let mut captures: Vec<(NodeId, bool)> = Vec::new();
        for c in clauses {
            for b in free_locals(&c.body, &c.params, self.m.checked) {
                if !captures.iter().any(|(x, _)| *x == b) {
                    // A var in a cell is captured as its cell; inside a lambda the same var is
                    // a captured value, and is captured as that value.
                    let cell = matches!(self.slot(b), Slot::Cell(_) | Slot::EnvCell(_));
                    captures.push((b, cell));
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
            let id = self.m.reserve();
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
        let ctx = HandleCtx {
            clauses,
            saved,
            result,
            done,
            unwind_len: self.unwind.len(),
            captures: captures.iter().map(|&(b, _)| (b, self.slot(b))).collect(),
        };
        self.handles.push(ctx);
        self.unwind.push(landing);
        let v = self.block(body);
        self.unwind.pop();
        self.handles.pop();
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
    pub(super) fn perform_handled(&mut self, eff: usize, args: Vec<Operand>) -> Operand {
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
        self.b.call(f, args.clone(), [r]);
        let miss = self.global_get(G_PERFORM_MISS);
        let (host, found) = (self.b.create_block(), self.b.create_block());
        self.b.brif(miss, host, found);
        self.b.switch_to_block(host);
        self.b.global_set(GlobalId(G_PERFORM_MISS), imm(0));
        let h = self.host_effect(eff, &args);
        self.b.copy(r, h);
        self.b.jump(join);
        self.b.switch_to_block(found);
        self.b.jump(join);
        self.b.switch_to_block(join);
        self.unwind_check(true);
        r.into()
    }

    /// A clause body in tail position: `resume(v)` returns `v` to `perform`; any other value aborts.
    pub(super) fn clause_tail(&mut self, e: &'p Expr) -> Result<(), Diag> {
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
    pub(super) fn abort(&mut self, value: Operand) {
        self.b.global_set(GlobalId(G_ABORT_VALUE), value);
        let env = self.env();
        self.b.global_set(GlobalId(G_UNWIND), env);
        self.b.ret([imm(0)]);
    }

    /// `perform` of an effect that a `handle` of this very function encloses: no handler installed
    /// since can come between them (handlers of callees are gone when they return), so the clause
    /// is known, and its body is lowered right here. `None` when no such `handle` encloses it.
    pub(super) fn perform_static(&mut self, eff: usize, args: &[Operand]) -> Result<Option<Operand>, Diag> {
        let handles_eff =
            |c: &Clause, m: &super::ModuleCx<'_>| m.checked.res(c.effect.id) == Res::Effect(eff);
        let Some(pos) = self
            .handles
            .iter()
            .rposition(|h| h.clauses.iter().any(|c| handles_eff(c, self.m)))
        else {
            return Ok(None);
        };
        let ctx = self.handles[pos].clone();
        let clause = ctx
            .clauses
            .iter()
            .find(|c| handles_eff(c, self.m))
            .expect("the handle has the clause");
        let mut size = 0;
        super::analysis::walk_expr(&clause.body, &mut |_| size += 1);
        if !self.spend_inline(size) {
            return Ok(None);
        }
        // The clause's bindings are its own (a clause may call the flow it is inlined in).
        let outer = self.slots.clone();
        for (p, a) in clause.params.iter().zip(args) {
            let v = self.tmp();
            self.b.copy(v, *a);
            self.slots.insert(p.id, Slot::Var(v));
        }
        for &(b, slot) in &ctx.captures {
            self.slots.insert(b, slot);
        }
        // The clause runs outside its handle. Only code that may perform can tell.
        let mut may_perform = false;
        super::analysis::walk_expr(&clause.body, &mut |e| {
            may_perform |= matches!(
                e.kind,
                ExprKind::Call(..) | ExprKind::Perform(..) | ExprKind::Binary(crate::ast::BinOp::Pipe, ..)
            );
        });
        let current = if may_perform {
            let cur = self.global_get(G_HANDLERS);
            self.b.global_set(GlobalId(G_HANDLERS), ctx.saved);
            Some(cur)
        } else {
            None
        };
        let hidden_handles = self.handles.split_off(pos);
        let hidden_unwind = self.unwind.split_off(ctx.unwind_len);
        let result = self.tmp();
        let cont = self.b.create_block();
        self.inline_depth += 1;
        let r = self.static_clause_tail(&clause.body, &ctx, result, cont, current);
        self.inline_depth -= 1;
        self.handles.extend(hidden_handles);
        self.unwind.extend(hidden_unwind);
        self.slots = outer;
        r?;
        self.b.switch_to_block(cont);
        Ok(Some(result.into()))
    }

    /// A statically known clause body in tail position: `resume(v)` continues after the `perform`
    /// with `v`; any other value ends the `handle` with it (a jump: same function).
    fn static_clause_tail(
        &mut self,
        e: &'p Expr,
        ctx: &HandleCtx<'p>,
        result: Var,
        cont: BlockId,
        current: Option<Var>,
    ) -> Result<(), Diag> {
        match &e.kind {
            ExprKind::Resume(v) => {
                let x = self.expr(v)?;
                if let Some(cur) = current {
                    self.b.global_set(GlobalId(G_HANDLERS), cur);
                }
                self.b.copy(result, x);
                self.b.jump(cont);
            }
            ExprKind::Block(b) => {
                for s in &b.stmts {
                    self.stmt(s)?;
                }
                match &b.tail {
                    Some(t) => return self.static_clause_tail(t, ctx, result, cont, current),
                    None => self.static_abort(ctx, imm(0)),
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
                    Some(x) => self.static_clause_tail(x, ctx, result, cont, current)?,
                    None => self.static_abort(ctx, imm(0)),
                }
                self.b.switch_to_block(eb);
                return self.static_clause_tail(els, ctx, result, cont, current);
            }
            _ => {
                let x = self.expr(e)?;
                self.static_abort(ctx, x);
            }
        }
        self.dead();
        Ok(())
    }

    /// Ends the statically known clause's `handle` with `value`.
    fn static_abort(&mut self, ctx: &HandleCtx<'p>, value: Operand) {
        self.b.copy(ctx.result, value);
        self.b.global_set(GlobalId(G_HANDLERS), ctx.saved);
        self.b.jump(ctx.done);
    }
}
