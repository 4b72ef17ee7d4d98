//! The checker's state and the small services every part of it uses: recording node types and
//! resolutions, turning a failed unification into a diagnostic, duplicate detection, and
//! assembling the final [`Checked`].
//!
//! Owns the state shared by `decls`, `exprs`, `stmts` and `deferred`. Must never walk the syntax
//! tree itself: those modules do.

use super::deferred::Pending;
use super::output::Zonker;
use super::scope::Scope;
use super::unify::{Table, Ty, UnifyError};
use super::{Checked, EffectInfo, FlowInfo, Res};
use crate::ast::{Ident, NodeId, Program};
use crate::diag::{Diag, ErrorKind, Span};
use std::collections::{HashMap, HashSet};

/// The checker's internal result: the error boxed, so that the `Result`s of the recursive
/// inference functions stay small and their debug-build stack frames with them.
pub(super) type CResult<T> = Result<T, Box<Diag>>;

pub(super) fn diag(kind: ErrorKind, span: Span, message: impl Into<String>) -> Box<Diag> {
    Box::new(Diag::new(kind, span, message))
}

/// How deep the checker recurses into the syntax tree before refusing the program. The parser
/// bounds nesting already; this also covers trees it builds without counting (long operator
/// chains) and hand-built trees, so that checking never overflows the stack.
pub(super) const MAX_NESTING: u32 = 512;

/// NodeIds beyond `Program::node_count` (a malformed tree) are tolerated up to this many.
const NODE_ID_SLACK: usize = 1 << 16;

pub(super) struct FlowSig {
    pub name: String,
    pub item: usize,
    pub params: Vec<Ty>,
    pub ret: Ty,
    /// The flow as a value: `(params) -> ret`.
    pub fn_ty: Ty,
    pub span: Span,
}

pub(super) struct EffectSig {
    pub name: String,
    pub params: Vec<Ty>,
    pub ret: Ty,
    /// `(params) -> ret`, the type recorded for effect name idents.
    pub fn_ty: Ty,
    pub standard: bool,
    /// The declaration's span (standard effects: empty).
    pub span: Span,
}

/// What `resume(v)` means at a tail position of a handler clause.
#[derive(Clone, Copy)]
pub(super) struct ResumeCtx {
    /// The effect's result type: what `v` must be.
    pub arg: Ty,
    /// The type of the whole `handle` expression: what `resume(v)` evaluates to.
    pub result: Ty,
}

/// Facts about the flow whose body is being checked.
pub(super) struct FlowCtx {
    pub ret: Ty,
    pub lambda_depth: u32,
    /// Why `return` is not allowed here (inside a lambda, handle body or clause), if it is not.
    pub no_return: Option<&'static str>,
}

pub(super) struct Checker<'p> {
    pub program: &'p Program,
    pub table: Table,
    pub node_tys: Vec<Option<(Ty, Span)>>,
    pub resolutions: HashMap<NodeId, Res>,
    pub mutable: HashSet<NodeId>,
    pub flows: Vec<FlowSig>,
    pub flow_index: HashMap<&'p str, usize>,
    pub effects: Vec<EffectSig>,
    pub effect_index: HashMap<String, usize>,
    pub main: usize,
    pub scope: Scope<'p>,
    pub flow: FlowCtx,
    pub pending: Pending,
    pub nesting: u32,
}

impl<'p> Checker<'p> {
    pub(super) fn new(program: &'p Program) -> Checker<'p> {
        Checker {
            program,
            table: Table::new(),
            node_tys: vec![None; program.node_count as usize],
            resolutions: HashMap::new(),
            mutable: HashSet::new(),
            flows: Vec::new(),
            flow_index: HashMap::new(),
            effects: Vec::new(),
            effect_index: HashMap::new(),
            main: 0,
            scope: Scope::default(),
            flow: FlowCtx {
                ret: Table::UNIT,
                lambda_depth: 0,
                no_return: None,
            },
            pending: Pending::default(),
            nesting: 0,
        }
    }

    /// Records the type of node `id`.
    pub(super) fn set_ty(&mut self, id: NodeId, ty: Ty, span: Span) -> CResult<()> {
        let i = id.0 as usize;
        if i >= self.node_tys.len() {
            if i >= self.program.node_count as usize + NODE_ID_SLACK {
                return Err(diag(
                    ErrorKind::SyntaxError,
                    span,
                    format!("malformed syntax tree: node id {} out of range", id.0),
                ));
            }
            self.node_tys.resize(i + 1, None);
        }
        self.node_tys[i] = Some((ty, span));
        Ok(())
    }

    pub(super) fn resolve(&mut self, id: NodeId, res: Res) {
        self.resolutions.insert(id, res);
    }

    /// Unifies `found` (the type of what is at `span`) with `expected`.
    pub(super) fn expect(&mut self, expected: Ty, found: Ty, span: Span) -> CResult<()> {
        self.expect_or(expected, found, span, "")
    }

    /// Like [`Checker::expect`], with `context` appended to the message.
    pub(super) fn expect_or(&mut self, expected: Ty, found: Ty, span: Span, context: &str) -> CResult<()> {
        match self.table.unify(expected, found) {
            Ok(()) => Ok(()),
            Err(why) => {
                let e = self.table.display(expected);
                let f = self.table.display(found);
                let infinite = match why {
                    UnifyError::Infinite => " (the type would contain itself)",
                    UnifyError::Mismatch => "",
                };
                Err(diag(
                    ErrorKind::TypeMismatch,
                    span,
                    format!("expected {e}, found {f}{infinite}{context}"),
                ))
            }
        }
    }

    /// Guards recursion into the syntax tree; pair with [`Checker::leave`].
    pub(super) fn enter(&mut self, span: Span) -> CResult<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(diag(
                ErrorKind::SyntaxError,
                span,
                format!("program nested too deeply to check (more than {MAX_NESTING} levels)"),
            ));
        }
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.nesting = self.nesting.saturating_sub(1);
    }

    /// The output: every recorded type made concrete, within the output limits.
    pub(super) fn finish(mut self) -> CResult<Checked> {
        let mut zonker = Zonker::new(&self.table);
        let mut types = Vec::with_capacity(self.node_tys.len());
        for entry in std::mem::take(&mut self.node_tys) {
            types.push(match entry {
                Some((ty, span)) => Some(zonker.zonk(&mut self.table, ty, span)?),
                None => None,
            });
        }
        let mut flows = Vec::with_capacity(self.flows.len());
        for f in &self.flows {
            let params = f
                .params
                .iter()
                .map(|&p| zonker.zonk(&mut self.table, p, f.span))
                .collect::<Result<_, _>>()?;
            flows.push(FlowInfo {
                name: f.name.clone(),
                item: f.item,
                params,
                ret: zonker.zonk(&mut self.table, f.ret, f.span)?,
                span: f.span,
            });
        }
        let mut effects = Vec::with_capacity(self.effects.len());
        for e in &self.effects {
            let params = e
                .params
                .iter()
                .map(|&p| zonker.zonk(&mut self.table, p, e.span))
                .collect::<Result<_, _>>()?;
            effects.push(EffectInfo {
                name: e.name.clone(),
                params,
                ret: zonker.zonk(&mut self.table, e.ret, e.span)?,
                standard: e.standard,
            });
        }
        Ok(Checked {
            types,
            resolutions: self.resolutions,
            mutable: self.mutable,
            flows,
            effects,
            main: self.main,
        })
    }
}

/// `SyntaxError` "duplicate WHAT `x`" for the second of two equal names.
pub(super) fn check_unique<'a>(names: impl IntoIterator<Item = &'a Ident>, what: &str) -> CResult<()> {
    let mut seen = HashSet::new();
    for ident in names {
        if !seen.insert(ident.name.as_str()) {
            return Err(diag(
                ErrorKind::SyntaxError,
                ident.span,
                format!("duplicate {what} `{}`", ident.name),
            ));
        }
    }
    Ok(())
}

/// "1 argument" / "2 arguments".
pub(super) fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("{n} {what}")
    } else {
        format!("{n} {what}s")
    }
}
