//! Name resolution and type checking of a parsed program (SPEC "Types", "Statements",
//! "Effects and handlers"): the facts the lowering needs, in side tables keyed by [`NodeId`].
//!
//! Must never lower or run anything. Its output has no inference variables left.
//!
//! This file holds the public interface; the work is split by concern: `decls` (signatures),
//! `exprs` and `stmts` (inference over bodies), `deferred` (constraints settled after a flow),
//! `unify` (the inference table), `output` (concrete types and size limits), `scope`, `walk`.
//!
//! Where the SPEC is silent: `f()` applies `f` to `unit`, and is an `ArityMismatch` when `f`'s
//! first parameter is known not to be Unit; `len` is only callable directly (`x |> len` is a
//! `TypeMismatch`); `while`/`for` bodies may end in a value (discarded); two clauses for one effect
//! in one `handle` are a `SyntaxError`; a `len` argument or a record whose type nothing determines
//! is a `TypeMismatch`; types deeper than 512 levels or larger than 65536 nodes (4Mi nodes for the
//! whole program) are a `TypeMismatch` "type too large", so no pass after this one meets them.

mod checker;
mod decls;
mod deferred;
mod exprs;
mod output;
mod scope;
mod stmts;
#[cfg(test)]
mod tests;
mod unify;
mod walk;

use crate::ast::{Item, NodeId, Program};
use crate::diag::{Diag, Span};
use crate::types::Type;
use checker::Checker;
use std::collections::HashMap;

/// What a name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Res {
    /// A local binding: the `NodeId` of its binding site (let/var/parameter/lambda parameter/for
    /// variable/clause parameter).
    Local(NodeId),
    /// A flow: index into [`Checked::flows`].
    Flow(usize),
    /// An effect: index into [`Checked::effects`] (for `perform` and clause names).
    Effect(usize),
    Builtin(Builtin),
}

/// The built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    I,
    K,
    S,
    B,
    C,
    /// `len(s)` / `len(l)`: only callable directly, with one argument.
    Len,
}

impl Builtin {
    /// How many arguments the combinator takes before it computes (`I` 1, `K` 2, `S B C` 3).
    pub fn arity(self) -> usize {
        match self {
            Builtin::I | Builtin::Len => 1,
            Builtin::K => 2,
            Builtin::S | Builtin::B | Builtin::C => 3,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FlowInfo {
    pub name: String,
    /// Index of the flow in `Program::items`.
    pub item: usize,
    pub params: Vec<Type>,
    pub ret: Type,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EffectInfo {
    pub name: String,
    pub params: Vec<Type>,
    pub ret: Type,
    /// One of the SPEC's standard effects (declared implicitly, backed by the runtime).
    pub standard: bool,
}

/// Everything the checker learned.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// The type of every expression node and every binding-site node, by `NodeId.0`.
    pub types: Vec<Option<Type>>,
    /// For every `Var` expression, every `Assign` target ident, every `perform` and clause effect
    /// ident: what it refers to.
    pub resolutions: HashMap<NodeId, Res>,
    /// Binding sites of `var`s (mutable locals).
    pub mutable: std::collections::HashSet<NodeId>,
    pub flows: Vec<FlowInfo>,
    /// The standard effects first (in the SPEC's table order), then the declared ones.
    pub effects: Vec<EffectInfo>,
    /// Index of `main` in `flows`.
    pub main: usize,
}

impl Checked {
    /// The type of node `id` (every expression and binding site has one after checking).
    pub fn ty(&self, id: NodeId) -> &Type {
        self.types[id.0 as usize]
            .as_ref()
            .unwrap_or_else(|| panic!("checker left node {} without a type", id.0))
    }

    pub fn res(&self, id: NodeId) -> Res {
        self.resolutions[&id]
    }
}

/// The SPEC's standard effects with their signatures, in the SPEC's order.
pub fn standard_effects() -> Vec<EffectInfo> {
    let e = |name: &str, params: Vec<Type>, ret: Type| EffectInfo {
        name: name.into(),
        params,
        ret,
        standard: true,
    };
    use Type::*;
    vec![
        e("log", vec![String], Unit),
        e("create_resource", vec![String, Int, String], ResourceId),
        e("quantity", vec![ResourceId], Int),
        e("data", vec![ResourceId], String),
        e("update_resource", vec![ResourceId, Int, String], Unit),
        e("transfer", vec![ResourceId, String], Unit),
        e("split", vec![ResourceId, Int], ResourceId),
        e("merge", vec![ResourceId, ResourceId], ResourceId),
        e("consume", vec![ResourceId], Unit),
        e("now", vec![], Int),
    ]
}

/// Resolves names and checks types of `program`; the first error found, with its span.
pub fn check(program: &Program) -> Result<Checked, Diag> {
    check_program(program).map_err(|d| *d)
}

fn check_program(program: &Program) -> checker::CResult<Checked> {
    let mut checker = Checker::new(program);
    checker.collect_declarations()?;
    // Flows were collected in item order, so the n-th flow item is `flows[n]`.
    let flows = program.items.iter().filter_map(|item| match item {
        Item::Flow(decl) => Some(decl),
        Item::Effect(_) => None,
    });
    for (index, decl) in flows.enumerate() {
        checker.check_flow(index, decl)?;
    }
    checker.finish()
}

/// The declared (non-standard) effects that some `perform` in `program` names but no `handle`
/// clause anywhere handles, each once with the span of its first `perform`: the embedder reports
/// those it has no host handler for (SPEC: "a declared effect nobody could handle is reported by
/// verify"). `checked` must be `check(program)`'s result.
pub fn unhandled_effects(program: &Program, checked: &Checked) -> Vec<(String, Span)> {
    walk::unhandled_effects(program, checked)
}
