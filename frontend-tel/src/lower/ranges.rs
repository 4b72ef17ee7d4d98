//! Integer ranges the lowering can prove, so that checked arithmetic whose result always fits is
//! emitted unchecked (one IR instruction either way: the fuel is the same).
//!
//! Sources of ranges: literals, and loop counters: the variable of `for i in a..b` when `a` and `b`
//! have known ranges, and the variable of a `while` loop shaped `var v = C; .. while v < E { ..
//! v = v + K; .. }` (E of known range, K a positive literal, that increment `v`'s only assignment in
//! the body, and nothing assigning `v` between its declaration and the loop), for the statements up
//! to its increment; and accumulators of such a loop (`var s = C` before it, `s = s + X` its only
//! assignment, at top level of the body, X of known range), bounded by the loop's most iterations.
//! Must never change what a program computes: a range is only used where it holds on every
//! execution.

use super::analysis::walk_expr;
use super::func::FnCx;
use crate::ast::{BinOp, Block, Expr, ExprKind, NodeId, Stmt, StmtKind, UnOp};
use crate::check::Res;

/// A closed interval of Int values.
pub(super) type Range = (i64, i64);

/// `v < E` (or `<=`) loop counter found before lowering a `while`.
pub(super) struct Induction {
    pub var: NodeId,
    /// The counter's range in the body up to its increment.
    pub range: Range,
    /// Index in the body's statements of the increment `v = v + K`.
    pub increment: usize,
    /// Accumulators: `var s = C` before the loop, assigned in the body only by one top-level
    /// statement `s = s + X` (at this index), with the value they start at.
    pub accumulators: Vec<(NodeId, i64, usize)>,
}

impl Induction {
    /// How many times the body can run at most: the counter grows by at least 1 per iteration
    /// and stays in its range up to its increment.
    pub fn max_trips(&self) -> i128 {
        self.range.1 as i128 - self.range.0 as i128 + 1
    }
}

fn fits(lo: i128, hi: i128) -> Option<Range> {
    (lo >= i64::MIN as i128 && hi <= i64::MAX as i128).then_some((lo as i64, hi as i64))
}

impl<'m, 'p> FnCx<'m, 'p> {
    /// The range of `e`'s value, when the lowering can prove one.
    pub(super) fn range_of(&self, e: &Expr) -> Option<Range> {
        match &e.kind {
            ExprKind::Int(n) => Some((*n, *n)),
            ExprKind::Var(_) => match self.m.checked.resolutions.get(&e.id) {
                Some(Res::Local(b)) => self.ranges.get(b).copied(),
                _ => None,
            },
            ExprKind::Unary(UnOp::Neg, x) => {
                let (lo, hi) = self.range_of(x)?;
                fits(-(hi as i128), -(lo as i128))
            }
            ExprKind::Binary(op, x, y) => range_bin(*op, self.range_of(x)?, self.range_of(y)?),
            _ => None,
        }
    }

    /// Whether `x op y` (Int `+ - *`) always fits, so needs no overflow check.
    pub(super) fn cannot_overflow(&self, op: BinOp, x: &Expr, y: &Expr) -> bool {
        matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul)
            && self
                .range_of(x)
                .zip(self.range_of(y))
                .and_then(|(a, b)| range_bin(op, a, b))
                .is_some()
    }

    /// The counter of `while cond { body }`, if the loop has the shape described in the module
    /// documentation; `before` are the statements of the enclosing block before the loop.
    pub(super) fn induction(&self, cond: &Expr, body: &Block, before: &[Stmt]) -> Option<Induction> {
        let ExprKind::Binary(op @ (BinOp::Lt | BinOp::Le), v, bound) = &cond.kind else {
            return None;
        };
        let Some(&Res::Local(var)) = self.m.checked.resolutions.get(&v.id) else {
            return None;
        };
        if !self.m.checked.mutable.contains(&var) || self.m.facts.boxed.contains(&var) {
            return None;
        }
        let (_, hi) = self.range_of(bound)?;
        let hi = if *op == BinOp::Lt { hi.checked_sub(1)? } else { hi };
        // Declared with a literal before the loop in this block, and not assigned since.
        let decl = before
            .iter()
            .rposition(|s| matches!(&s.kind, StmtKind::Var(x, _) if x.id == var))?;
        let StmtKind::Var(_, init) = &before[decl].kind else {
            return None;
        };
        let (lo, _) = self.range_of(init).filter(|r| r.0 == r.1)?;
        if before[decl + 1..].iter().any(|s| assigns_stmt(s, var, self)) {
            return None;
        }
        // The body assigns it once, at top level, as `v = v + K` with K > 0.
        let mut increment = None;
        for (k, s) in body.stmts.iter().enumerate() {
            match &s.kind {
                StmtKind::Assign(x, e) if self.m.checked.resolutions.get(&x.id) == Some(&Res::Local(var)) => {
                    let step = match &e.kind {
                        ExprKind::Binary(BinOp::Add, a, b) => match (&a.kind, &b.kind) {
                            (ExprKind::Var(_), ExprKind::Int(k)) if self.is(a, var) => *k,
                            (ExprKind::Int(k), ExprKind::Var(_)) if self.is(b, var) => *k,
                            _ => return None,
                        },
                        _ => return None,
                    };
                    if step <= 0 || increment.is_some() {
                        return None;
                    }
                    increment = Some(k);
                }
                _ if assigns_stmt(s, var, self) => return None,
                _ => {}
            }
        }
        if body.tail.as_ref().is_some_and(|t| assigns_expr(t, var, self)) || lo > hi {
            return None;
        }
        let accumulators = body
            .stmts
            .iter()
            .enumerate()
            .filter_map(|(k, s)| self.accumulator(s, var, body, before).map(|(acc, c)| (acc, c, k)))
            .collect();
        Some(Induction {
            var,
            range: (lo, hi),
            increment: increment?,
            accumulators,
        })
    }

    /// `s = s + X` (or `X + s`) where `s` is a `var` declared with a literal before the loop,
    /// assigned nowhere else in the loop nor between its declaration and the loop: `s` and where
    /// it starts.
    fn accumulator(
        &self,
        stmt: &Stmt,
        counter: NodeId,
        body: &Block,
        before: &[Stmt],
    ) -> Option<(NodeId, i64)> {
        let StmtKind::Assign(x, e) = &stmt.kind else {
            return None;
        };
        let Some(&Res::Local(acc)) = self.m.checked.resolutions.get(&x.id) else {
            return None;
        };
        let ExprKind::Binary(BinOp::Add, l, r) = &e.kind else {
            return None;
        };
        let other = if self.is(l, acc) {
            r
        } else if self.is(r, acc) {
            l
        } else {
            return None;
        };
        if acc == counter
            || !self.m.checked.mutable.contains(&acc)
            || self.m.facts.boxed.contains(&acc)
            || assigns_expr(other, acc, self)
            || mentions(other, acc, self)
        {
            return None;
        }
        let assignments = body.stmts.iter().filter(|s| assigns_stmt(s, acc, self)).count();
        if assignments != 1 || body.tail.as_ref().is_some_and(|t| assigns_expr(t, acc, self)) {
            return None;
        }
        let decl = before
            .iter()
            .rposition(|s| matches!(&s.kind, StmtKind::Var(v, _) if v.id == acc))?;
        let StmtKind::Var(_, init) = &before[decl].kind else {
            return None;
        };
        let (c, _) = self.range_of(init).filter(|r| r.0 == r.1)?;
        if before[decl + 1..].iter().any(|s| assigns_stmt(s, acc, self)) {
            return None;
        }
        Some((acc, c))
    }

    /// The range of accumulator `acc` (starting at `start`) before any of at most `trips`
    /// additions of values in `step`, which also bounds it after them.
    pub(super) fn accumulator_range(start: i64, step: Range, trips: i128) -> Option<Range> {
        let lo = start as i128 + trips * (step.0 as i128).min(0);
        let hi = start as i128 + trips * (step.1 as i128).max(0);
        fits(lo, hi)
    }

    fn is(&self, e: &Expr, var: NodeId) -> bool {
        self.m.checked.resolutions.get(&e.id) == Some(&Res::Local(var))
    }
}

/// The range of `a op b` for operands in ranges `a` and `b`, when it fits and cannot trap.
fn range_bin(op: BinOp, a: Range, b: Range) -> Option<Range> {
    let (a0, a1, b0, b1) = (a.0 as i128, a.1 as i128, b.0 as i128, b.1 as i128);
    match op {
        BinOp::Add => fits(a0 + b0, a1 + b1),
        BinOp::Sub => fits(a0 - b1, a1 - b0),
        BinOp::Mul => {
            let p = [a0 * b0, a0 * b1, a1 * b0, a1 * b1];
            fits(*p.iter().min()?, *p.iter().max()?)
        }
        // A divisor of known sign that is never 0 (nor -1, which may overflow).
        BinOp::Rem if b0 > 0 || b1 < -1 => {
            let m = b0.abs().max(b1.abs()) - 1;
            if a0 >= 0 {
                fits(0, m.min(a1))
            } else {
                fits(-m, m)
            }
        }
        BinOp::Div if b0 > 0 => {
            let q = [a0 / b0, a0 / b1, a1 / b0, a1 / b1];
            fits(*q.iter().min()?, *q.iter().max()?)
        }
        _ => None,
    }
}

/// Whether `e` reads local `var` anywhere.
fn mentions(e: &Expr, var: NodeId, cx: &FnCx<'_, '_>) -> bool {
    let mut found = false;
    walk_expr(e, &mut |x| {
        found |= matches!(x.kind, ExprKind::Var(_)) && cx.is_ident(x.id, var)
    });
    found
}

/// Whether `s` (anywhere inside it) assigns local `var`.
fn assigns_stmt(s: &Stmt, var: NodeId, cx: &FnCx<'_, '_>) -> bool {
    match &s.kind {
        StmtKind::Assign(x, e) => cx.is_ident(x.id, var) || assigns_expr(e, var, cx),
        StmtKind::Let(_, e) | StmtKind::Var(_, e) | StmtKind::Expr(e) | StmtKind::Return(Some(e)) => {
            assigns_expr(e, var, cx)
        }
        StmtKind::Return(None) => false,
    }
}

/// Whether an assignment to `var` occurs anywhere inside `e`.
fn assigns_expr(e: &Expr, var: NodeId, cx: &FnCx<'_, '_>) -> bool {
    let mut found = false;
    let check_block = |b: &Block| {
        b.stmts
            .iter()
            .any(|s| matches!(&s.kind, StmtKind::Assign(x, _) if cx.is_ident(x.id, var)))
    };
    walk_expr(e, &mut |x| {
        found |= match &x.kind {
            ExprKind::Block(b) | ExprKind::While(_, b) | ExprKind::For(_, _, _, b) => check_block(b),
            ExprKind::If(_, t, _) => check_block(t),
            ExprKind::Handle(b, _) => check_block(b),
            _ => false,
        };
    });
    found
}

impl FnCx<'_, '_> {
    fn is_ident(&self, id: NodeId, var: NodeId) -> bool {
        self.m.checked.resolutions.get(&id) == Some(&Res::Local(var))
    }
}
