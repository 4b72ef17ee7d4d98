//! Integer ranges the lowering can prove, so that checked arithmetic whose result always fits is
//! emitted unchecked (one IR instruction either way: the fuel is the same).
//!
//! Sources of ranges: literals, and loop counters: the variable of `for i in a..b` when `a` and `b`
//! have known ranges, and the variable of a `while` loop shaped `var v = C; .. while v < E { ..
//! v = v + K; .. }` (E of known range, K a positive literal, that increment `v`'s only assignment in
//! the body, and nothing assigning `v` between its declaration and the loop), for the statements up
//! to its increment. Must never change what a program computes: a range is only used where it
//! holds on every execution.

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
        Some(Induction {
            var,
            range: (lo, hi),
            increment: increment?,
        })
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
