//! Calls: resolving callees, direct and known calls, function application, closures, and inlining
//! (small known lambdas, and flows that are not recursive and called once or small).
//!
//! Must never decide module layout. Inlining is the front end's own decision, the same at every
//! optimization level, so the IR (and the fuel a program uses) never depends on the level.

use super::analysis::free_locals;
use super::func::{imm, Callee, FnCx, Slot};
use crate::ast::{Expr, ExprKind, Ident};
use crate::check::{Builtin, Res};
use crate::diag::{Diag, Span};
use crate::layout::*;
use crate::types::Type;
use causeway_engine::ir::{Cond, Operand};

/// Largest lambda or flow body (in expression nodes) that calls inline, and deepest inline nesting.
const INLINE_MAX_NODES: usize = 60;
const INLINE_MAX_DEPTH: usize = 3;

impl<'m, 'p> FnCx<'m, 'p> {
    pub(super) fn callee(&mut self, callee: &'p Expr) -> Result<Callee<'p>, Diag> {
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
    pub(super) fn call_with(
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
                (None, arity, self.m.facts.flow_may_perform[i])
            }
            Callee::Builtin(b) => (Some(self.m.builtin_func(b)), b.arity(), true),
            Callee::Value(v) => return Ok(self.apply(v, args)),
            Callee::Known(lambda, clo) => return self.call_known(lambda, clo, args),
        };
        if let Callee::Flow(i) = callee {
            if args.len() == arity && self.m.facts.inline_flow[i] {
                let mut size = 0;
                super::analysis::walk_block(&self.m.flow_decls[i].body, &mut |_| size += 1);
                if self.spend_inline(size) {
                    return self.inline_flow(i, args);
                }
            }
        }
        if args.len() < arity {
            let clo = match callee {
                Callee::Flow(i) => self.m.flow_closure(i, span)?,
                Callee::Builtin(b) => self.m.builtin_closure(b),
                Callee::Value(_) | Callee::Known(..) => unreachable!(),
            };
            return Ok(self.apply(imm(clo), args));
        }
        let func = match (func, callee) {
            (Some(f), _) => f,
            (None, Callee::Flow(i)) => self.m.need_flow(i),
            (None, _) => unreachable!("only flows are reserved on demand"),
        };
        // Combinators are closure code (they take an environment); flows take none.
        let mut direct = match callee {
            Callee::Flow(_) => Vec::with_capacity(arity),
            _ => vec![imm(0)],
        };
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
    pub(super) fn known_lambda_of(&self, e: &'p Expr) -> Option<&'p Expr> {
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
    pub(super) fn call_known(
        &mut self,
        lambda: &'p Expr,
        clo: Operand,
        args: Vec<Operand>,
    ) -> Result<Operand, Diag> {
        let ExprKind::Lambda(params, body) = &lambda.kind else {
            unreachable!("known lambdas are lambda expressions");
        };
        if args.len() != params.len() {
            return Ok(self.apply(clo, args));
        }
        let mut size = 0;
        super::analysis::walk_expr(body, &mut |_| size += 1);
        if size > INLINE_MAX_NODES || !self.spend_inline(size) {
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
        // The body's bindings are its own: even when the same body is inlined inside itself (a
        // clause compiled at a `perform` calling the lambda again), the outer copy's stay intact.
        let outer = self.slots.clone();
        for (p, a) in params.iter().zip(args) {
            let v = self.tmp();
            self.b.copy(v, a);
            self.slots.insert(p.id, Slot::Var(v));
        }
        // The captured values are the closure's, not the caller's current ones.
        for (k, c) in captures.iter().enumerate() {
            self.slots
                .insert(*c, Slot::EnvAt(clo_var, CLO_ENV + 8 * k as i32));
        }
        self.inline_depth += 1;
        let r = self.expr(body);
        self.inline_depth -= 1;
        self.slots = outer;
        let r = r?;
        let out = self.tmp();
        self.b.copy(out, r);
        Ok(out.into())
    }

    // ---- closures ----

    pub(super) fn lambda(
        &mut self,
        span: Span,
        params: &'p [Ident],
        body: &'p Expr,
    ) -> Result<Operand, Diag> {
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

    /// The body of flow `i` lowered right here (it is not recursive, and called once or small):
    /// `return` jumps to the code after it.
    fn inline_flow(&mut self, i: usize, args: Vec<Operand>) -> Result<Operand, Diag> {
        let flow = self.m.flow_decls[i];
        // The body's bindings are its own (see `call_known`).
        let outer = self.slots.clone();
        for (p, a) in flow.params.iter().zip(&args) {
            let v = self.tmp();
            self.b.copy(v, *a);
            self.slots.insert(p.name.id, Slot::Var(v));
        }
        let exit = self.b.create_block();
        let result = self.tmp();
        self.returns.push((exit, result));
        self.inline_depth += 1;
        let v = self.block(&flow.body);
        self.inline_depth -= 1;
        self.returns.pop();
        self.slots = outer;
        let v = v?;
        self.b.copy(result, v);
        self.b.jump(exit);
        self.b.switch_to_block(exit);
        Ok(result.into())
    }

    /// Whether a body of `size` nodes may still be inlined here (nesting depth and the function's
    /// budget: hostile programs must not make one function's code grow without bound), spending
    /// the budget if so.
    pub(super) fn spend_inline(&mut self, size: usize) -> bool {
        // Debuggable code inlines nothing: every statement is in its own flow's frame.
        if self.m.debug.is_some() || self.inline_depth >= INLINE_MAX_DEPTH || size > self.inline_budget {
            return false;
        }
        self.inline_budget -= size;
        true
    }
}
