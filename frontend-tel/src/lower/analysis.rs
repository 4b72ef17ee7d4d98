//! Whole-program facts the lowering needs before it emits code: which `var`s live in cells, whether
//! any clause can abort, which flows may perform, which effects some TEL clause handles, and the free
//! locals of lambdas and clauses.
//!
//! Must never emit IR. Every walk here is over the (depth-limited) syntax tree.

use super::{flow_bodies, NodeSet};
use crate::ast::{Block, Clause, Expr, ExprKind, Ident, Program, StmtKind};
use crate::check::{Checked, Res};
use std::collections::HashSet;

pub(super) struct Facts {
    /// `var`s that a handler clause reads or assigns: they live in heap cells.
    pub boxed: NodeSet,
    /// Some clause can end without `resume`: calls that may reach it need an unwind check after them.
    pub may_abort: bool,
    /// Per flow (index into `Checked::flows`): whether calling it may perform an effect.
    pub flow_may_perform: Vec<bool>,
    /// Effects (index into `Checked::effects`) that some `handle` clause names.
    pub handled: HashSet<usize>,
    /// Per flow: whether its direct calls are inlined (not recursive, not `main`, and called from
    /// one place or small).
    pub inline_flow: Vec<bool>,
}

/// Largest flow body (in expression nodes) inlined at every call site.
const INLINE_FLOW_NODES: usize = 40;

/// Calls `f` on every expression inside `e`, outermost first.
pub(super) fn walk_expr<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Str(_) | ExprKind::Unit | ExprKind::Var(_) => {}
        ExprKind::Call(c, args) => {
            walk_expr(c, f);
            args.iter().for_each(|a| walk_expr(a, f));
        }
        ExprKind::Record(fields) => fields.iter().for_each(|(_, v)| walk_expr(v, f)),
        ExprKind::Field(r, _) => walk_expr(r, f),
        ExprKind::List(items) => items.iter().for_each(|a| walk_expr(a, f)),
        ExprKind::Index(l, i) | ExprKind::Binary(_, l, i) => {
            walk_expr(l, f);
            walk_expr(i, f);
        }
        ExprKind::Unary(_, x) | ExprKind::Resume(x) | ExprKind::Lambda(_, x) => walk_expr(x, f),
        ExprKind::If(c, t, e) => {
            walk_expr(c, f);
            walk_block(t, f);
            if let Some(e) = e {
                walk_expr(e, f);
            }
        }
        ExprKind::While(c, b) => {
            walk_expr(c, f);
            walk_block(b, f);
        }
        ExprKind::For(_, a, b, body) => {
            walk_expr(a, f);
            walk_expr(b, f);
            walk_block(body, f);
        }
        ExprKind::Block(b) => walk_block(b, f),
        ExprKind::Perform(_, args) => args.iter().for_each(|a| walk_expr(a, f)),
        ExprKind::Handle(body, clauses) => {
            walk_block(body, f);
            clauses.iter().for_each(|c| walk_expr(&c.body, f));
        }
    }
}

pub(super) fn walk_block<'a>(b: &'a Block, f: &mut dyn FnMut(&'a Expr)) {
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Let(_, e) | StmtKind::Var(_, e) | StmtKind::Assign(_, e) | StmtKind::Expr(e) => {
                walk_expr(e, f)
            }
            StmtKind::Return(e) => {
                if let Some(e) = e {
                    walk_expr(e, f)
                }
            }
        }
    }
    if let Some(t) = &b.tail {
        walk_expr(t, f);
    }
}

/// Binding sites declared anywhere inside `e` (lets, vars, lambda and clause parameters, for
/// variables) and the assignment targets inside it.
fn decls_and_assigns(e: &Expr, decls: &mut NodeSet, assigns: &mut Vec<NodeId>, checked: &Checked) {
    let add_block = |b: &Block, decls: &mut NodeSet, assigns: &mut Vec<NodeId>| {
        for s in &b.stmts {
            match &s.kind {
                StmtKind::Let(x, _) | StmtKind::Var(x, _) => {
                    decls.insert(x.id);
                }
                StmtKind::Assign(x, _) => {
                    if let Some(Res::Local(b)) = checked.resolutions.get(&x.id) {
                        assigns.push(*b);
                    }
                }
                _ => {}
            }
        }
    };
    walk_expr(e, &mut |x| match &x.kind {
        ExprKind::Lambda(ps, _) => decls.extend(ps.iter().map(|p| p.id)),
        ExprKind::For(i, _, _, b) => {
            decls.insert(i.id);
            add_block(b, decls, assigns);
        }
        ExprKind::If(_, t, _) => add_block(t, decls, assigns),
        ExprKind::While(_, b) | ExprKind::Block(b) => add_block(b, decls, assigns),
        ExprKind::Handle(b, clauses) => {
            add_block(b, decls, assigns);
            for c in clauses {
                decls.extend(c.params.iter().map(|p| p.id));
            }
        }
        _ => {}
    });
}

use crate::ast::NodeId;

/// The locals `e` uses (reads or assigns) that are bound outside it, in order of first use;
/// `params` are bound by the function `e` is the body of.
pub(super) fn free_locals(e: &Expr, params: &[Ident], checked: &Checked) -> Vec<NodeId> {
    let mut decls: NodeSet = params.iter().map(|p| p.id).collect();
    let mut assigns = Vec::new();
    decls_and_assigns(e, &mut decls, &mut assigns, checked);
    let mut seen = NodeSet::new();
    let mut out = Vec::new();
    let mut uses = Vec::new();
    walk_expr(e, &mut |x| {
        if let ExprKind::Var(_) = x.kind {
            if let Some(Res::Local(b)) = checked.resolutions.get(&x.id) {
                uses.push(*b);
            }
        }
    });
    // Assignments are uses too: a clause assigning a flow's var needs its cell.
    uses.extend(assigns);
    for b in uses {
        if !decls.contains(&b) && seen.insert(b) {
            out.push(b);
        }
    }
    out
}

/// Whether a clause body can end without `resume` (on some path through its tail positions).
pub(super) fn clause_may_abort(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Resume(_) => false,
        ExprKind::Block(b) => b.tail.as_ref().is_none_or(|t| clause_may_abort(t)),
        ExprKind::If(_, t, Some(e)) => {
            t.tail.as_ref().is_none_or(|t| clause_may_abort(t)) || clause_may_abort(e)
        }
        _ => true,
    }
}

pub(super) fn analyze(program: &Program, checked: &Checked) -> Facts {
    let mut boxed = NodeSet::new();
    let mut may_abort = false;
    let mut handled = HashSet::new();
    let mut clauses: Vec<&Clause> = Vec::new();
    for body in flow_bodies(program) {
        walk_block(body, &mut |e| {
            if let ExprKind::Handle(_, cs) = &e.kind {
                clauses.extend(cs.iter());
            }
        });
    }
    for c in &clauses {
        may_abort |= clause_may_abort(&c.body);
        if let Some(Res::Effect(i)) = checked.resolutions.get(&c.effect.id) {
            handled.insert(*i);
        }
        for b in free_locals(&c.body, &c.params, checked) {
            if checked.mutable.contains(&b) {
                boxed.insert(b);
            }
        }
    }
    // A flow may perform if it performs, calls a function value, or calls a flow that may.
    let n = checked.flows.len();
    let mut direct: Vec<bool> = vec![false; n];
    let mut calls: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, f) in checked.flows.iter().enumerate() {
        if let crate::ast::Item::Flow(flow) = &program.items[f.item] {
            walk_block(&flow.body, &mut |e| match &e.kind {
                ExprKind::Perform(..) => direct[i] = true,
                ExprKind::Binary(crate::ast::BinOp::Pipe, _, f) => {
                    match (&f.kind, checked.resolutions.get(&f.id)) {
                        (ExprKind::Var(_), Some(Res::Flow(j))) => calls[i].push(*j),
                        _ => direct[i] = true,
                    }
                }
                ExprKind::Call(callee, _) => match (&callee.kind, checked.resolutions.get(&callee.id)) {
                    (ExprKind::Var(_), Some(Res::Flow(j))) => calls[i].push(*j),
                    (ExprKind::Var(_), Some(Res::Builtin(crate::check::Builtin::Len))) => {}
                    _ => direct[i] = true,
                },
                _ => {}
            });
        }
    }
    let inline_flow = inlinable_flows(program, checked, &calls);
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..n {
            if !direct[i] && calls[i].iter().any(|&j| direct[j]) {
                direct[i] = true;
                changed = true;
            }
        }
    }
    Facts {
        boxed,
        may_abort,
        flow_may_perform: direct,
        handled,
        inline_flow,
    }
}

/// Which flows to inline: not part of a call cycle (so inlining ends), not `main`, and called from
/// exactly one place or at most `INLINE_FLOW_NODES` big.
fn inlinable_flows(program: &Program, checked: &Checked, calls: &[Vec<usize>]) -> Vec<bool> {
    let n = calls.len();
    let mut sites = vec![0usize; n];
    calls.iter().flatten().for_each(|&j| sites[j] += 1);
    let cyclic = in_cycles(calls);
    (0..n)
        .map(|i| {
            let crate::ast::Item::Flow(flow) = &program.items[checked.flows[i].item] else {
                return false;
            };
            let mut size = 0;
            walk_block(&flow.body, &mut |_| size += 1);
            !cyclic[i] && i != checked.main && (sites[i] == 1 || size <= INLINE_FLOW_NODES)
        })
        .collect()
}

/// Whether each node of the call graph lies on a cycle (Tarjan's strongly connected components,
/// iteratively, so that a long call chain cannot overflow the stack).
fn in_cycles(edges: &[Vec<usize>]) -> Vec<bool> {
    let n = edges.len();
    let (mut index, mut low) = (vec![usize::MAX; n], vec![0usize; n]);
    let (mut on_stack, mut stack) = (vec![false; n], Vec::new());
    let mut cyclic = vec![false; n];
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut child)) = work.last_mut() {
            if *child == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*child) {
                *child += 1;
                if w == v {
                    cyclic[v] = true;
                }
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                if members.len() > 1 {
                    members.iter().for_each(|&w| cyclic[w] = true);
                }
            }
        }
    }
    cyclic
}
