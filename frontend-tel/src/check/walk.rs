//! Whole-program facts read off a checked tree: which declared effects are performed but handled
//! by no TEL clause anywhere (the runtime compares them with its registered host handlers).
//!
//! Owns a pre-order walk over expressions with an explicit stack (no recursion: it must not
//! depend on how deep the tree is). Must never type or resolve anything: it reads `Checked`.

use super::{Checked, Res};
use crate::ast::{Block, Expr, ExprKind, Item, Program, StmtKind};
use crate::diag::Span;
use std::collections::HashSet;

/// The non-standard effects that some `perform` names (with the span of the first such
/// `perform`, in source order) but no `handle` clause of the program handles.
pub(super) fn unhandled_effects(program: &Program, checked: &Checked) -> Vec<(String, Span)> {
    let effect_of = |id| match checked.resolutions.get(&id) {
        Some(&Res::Effect(i)) => checked.effects.get(i),
        _ => None,
    };
    let mut handled = HashSet::new();
    let mut performed: Vec<(&str, Span)> = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<&Expr> = Vec::new();
    let mut children = Vec::new();
    for item in &program.items {
        let Item::Flow(flow) = item else { continue };
        push_block(&flow.body, &mut children);
        stack.extend(children.drain(..).rev());
        while let Some(e) = stack.pop() {
            match &e.kind {
                ExprKind::Perform(name, _) => {
                    if let Some(effect) = effect_of(name.id).filter(|eff| !eff.standard) {
                        if seen.insert(effect.name.as_str()) {
                            performed.push((&effect.name, e.span));
                        }
                    }
                }
                ExprKind::Handle(_, clauses) => {
                    for clause in clauses {
                        if let Some(effect) = effect_of(clause.effect.id) {
                            handled.insert(effect.name.as_str());
                        }
                    }
                }
                _ => {}
            }
            push_children(e, &mut children);
            stack.extend(children.drain(..).rev());
        }
    }
    performed
        .into_iter()
        .filter(|(name, _)| !handled.contains(name))
        .map(|(name, span)| (name.to_string(), span))
        .collect()
}

/// The direct subexpressions of `e`, in source order.
fn push_children<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Str(_) | ExprKind::Unit | ExprKind::Var(_) => {}
        ExprKind::Call(f, args) => {
            out.push(f);
            out.extend(args);
        }
        ExprKind::Record(fields) => out.extend(fields.iter().map(|(_, v)| v)),
        ExprKind::Field(r, _) => out.push(r),
        ExprKind::List(elems) => out.extend(elems),
        ExprKind::Index(l, i) => {
            out.push(l);
            out.push(i);
        }
        ExprKind::Binary(_, l, r) => {
            out.push(l);
            out.push(r);
        }
        ExprKind::Unary(_, x) | ExprKind::Lambda(_, x) | ExprKind::Resume(x) => out.push(x),
        ExprKind::If(c, then, else_) => {
            out.push(c);
            push_block(then, out);
            if let Some(else_) = else_ {
                out.push(else_);
            }
        }
        ExprKind::While(c, body) => {
            out.push(c);
            push_block(body, out);
        }
        ExprKind::For(_, from, to, body) => {
            out.push(from);
            out.push(to);
            push_block(body, out);
        }
        ExprKind::Block(b) => push_block(b, out),
        ExprKind::Perform(_, args) => out.extend(args),
        ExprKind::Handle(body, clauses) => {
            push_block(body, out);
            out.extend(clauses.iter().map(|c| &c.body));
        }
    }
}

fn push_block<'a>(block: &'a Block, out: &mut Vec<&'a Expr>) {
    for stmt in &block.stmts {
        match &stmt.kind {
            StmtKind::Let(_, e) | StmtKind::Var(_, e) | StmtKind::Assign(_, e) => out.push(e),
            StmtKind::Return(e) => out.extend(e),
            StmtKind::Expr(e) => out.push(e),
        }
    }
    out.extend(block.tail.as_deref());
}
