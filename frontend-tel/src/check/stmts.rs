//! Blocks, statements and control flow: flow bodies, `if`/`while`/`for`, assignment, `return`,
//! `handle` with its clauses, and `resume`.
//!
//! Owns the rules about where `return` and `resume` may stand, which blocks diverge, and which
//! `var`s may be assigned where. Must never type an operator or a call (that is `exprs`).

use super::checker::{check_unique, diag, plural, CResult, Checker, FlowCtx, ResumeCtx};
use super::exprs::Out;
use super::unify::{Table, Ty};
use super::Res;
use crate::ast::{Block, Clause, Expr, ExprKind, FlowDecl, Ident, Stmt, StmtKind};
use crate::diag::{ErrorKind, Span};

impl<'p> Checker<'p> {
    /// Checks the body of flow `index` against its signature, then settles what was deferred.
    pub(super) fn check_flow(&mut self, index: usize, decl: &'p FlowDecl) -> CResult<()> {
        let ret = self.flows[index].ret;
        let params = self.flows[index].params.clone();
        self.flow = FlowCtx {
            ret,
            lambda_depth: 0,
            no_return: None,
        };
        self.scope.push();
        for (p, ty) in decl.params.iter().zip(params) {
            self.bind_local(&p.name, ty, false)?;
        }
        let body = self.infer_block(&decl.body, None)?;
        if let Some(tail) = &decl.body.tail {
            self.expect_or(ret, body.ty, value_span(tail), "")?;
        } else if !body.diverges && self.table.unify(ret, Table::UNIT).is_err() {
            let expected = self.table.display(ret);
            return Err(diag(
                ErrorKind::TypeMismatch,
                closing_brace(decl.body.span),
                format!(
                    "expected {expected}, found Unit: flow `{}` can reach the end of its body \
                     without `return`",
                    decl.name.name
                ),
            ));
        }
        self.scope.pop();
        self.settle_pending()
    }

    /// Infers a block in a scope of its own. `tail` is passed on to its final expression.
    pub(super) fn infer_block(&mut self, block: &'p Block, tail: Option<ResumeCtx>) -> CResult<Out> {
        self.scope.push();
        let mut diverges = false;
        for stmt in &block.stmts {
            diverges |= self.infer_stmt(stmt)?;
        }
        let out = match &block.tail {
            Some(e) => {
                let out = self.infer(e, tail)?;
                Out {
                    ty: out.ty,
                    diverges: diverges || out.diverges,
                }
            }
            // A block that always returns never produces a value: any type will do.
            None if diverges => Out {
                ty: self.table.fresh(),
                diverges,
            },
            None => Out::value(Table::UNIT),
        };
        self.scope.pop();
        Ok(out)
    }

    /// Checks a statement; `Ok(true)` if it always returns from the flow.
    fn infer_stmt(&mut self, stmt: &'p Stmt) -> CResult<bool> {
        match &stmt.kind {
            StmtKind::Let(name, init) => {
                let ty = self.infer(init, None)?.ty;
                self.bind_local(name, ty, false)?;
                Ok(false)
            }
            StmtKind::Var(name, init) => {
                let ty = self.infer(init, None)?.ty;
                self.bind_local(name, ty, true)?;
                Ok(false)
            }
            StmtKind::Assign(target, value) => {
                self.assign(target, value)?;
                Ok(false)
            }
            StmtKind::Return(value) => {
                self.check_return(stmt.span, value.as_ref())?;
                Ok(true)
            }
            StmtKind::Expr(e) => Ok(self.infer(e, None)?.diverges),
        }
    }

    fn assign(&mut self, target: &Ident, value: &'p Expr) -> CResult<()> {
        let name = &target.name;
        let Some((_, local)) = self.lookup_value(name) else {
            return Err(diag(
                ErrorKind::UnknownName,
                target.span,
                format!("unknown name `{name}`"),
            ));
        };
        let Some(local) = local.filter(|l| l.mutable) else {
            return Err(diag(
                ErrorKind::TypeMismatch,
                target.span,
                format!("cannot assign to `{name}`: it is not a var"),
            ));
        };
        if local.lambda_depth < self.flow.lambda_depth {
            return Err(diag(
                ErrorKind::TypeMismatch,
                target.span,
                format!(
                    "cannot assign to `{name}` inside a lambda: lambdas capture by value, \
                     and `{name}` is declared outside it"
                ),
            ));
        }
        self.resolve(target.id, Res::Local(local.id));
        self.set_ty(target.id, local.ty, target.span)?;
        let ty = self.infer(value, None)?.ty;
        self.expect(local.ty, ty, value.span)
    }

    fn check_return(&mut self, span: Span, value: Option<&'p Expr>) -> CResult<()> {
        if let Some(place) = self.flow.no_return {
            return Err(diag(
                ErrorKind::InvalidReturn,
                span,
                format!("`return` is not allowed inside {place}"),
            ));
        }
        let ret = self.flow.ret;
        match value {
            Some(e) => {
                let ty = self.infer(e, None)?.ty;
                self.expect(ret, ty, e.span)
            }
            None => self.expect(ret, Table::UNIT, span),
        }
    }

    pub(super) fn infer_if(
        &mut self,
        cond: &'p Expr,
        then: &'p Block,
        else_: &'p Option<Box<Expr>>,
        tail: Option<ResumeCtx>,
    ) -> CResult<Out> {
        let c = self.infer(cond, None)?.ty;
        self.expect(Table::BOOL, c, cond.span)?;
        let Some(else_) = else_ else {
            let then_out = self.infer_block(then, None)?;
            self.expect_or(
                Table::UNIT,
                then_out.ty,
                block_value_span(then),
                " (an `if` without `else` has type Unit)",
            )?;
            return Ok(Out::value(Table::UNIT));
        };
        let then_out = self.infer_block(then, tail)?;
        let else_out = self.infer(else_, tail)?;
        self.expect_or(
            then_out.ty,
            else_out.ty,
            value_span(else_),
            " (both branches of `if` must have the same type)",
        )?;
        Ok(Out {
            ty: then_out.ty,
            diverges: then_out.diverges && else_out.diverges,
        })
    }

    pub(super) fn infer_while(&mut self, cond: &'p Expr, body: &'p Block) -> CResult<Ty> {
        let c = self.infer(cond, None)?.ty;
        self.expect(Table::BOOL, c, cond.span)?;
        self.infer_block(body, None)?;
        Ok(Table::UNIT)
    }

    pub(super) fn infer_for(
        &mut self,
        var: &'p Ident,
        from: &'p Expr,
        to: &'p Expr,
        body: &'p Block,
    ) -> CResult<Ty> {
        for bound in [from, to] {
            let t = self.infer(bound, None)?.ty;
            self.expect(Table::INT, t, bound.span)?;
        }
        self.scope.push();
        self.bind_local(var, Table::INT, false)?;
        self.infer_block(body, None)?;
        self.scope.pop();
        Ok(Table::UNIT)
    }

    pub(super) fn infer_handle(&mut self, body: &'p Block, clauses: &'p [Clause]) -> CResult<Ty> {
        let saved = self.flow.no_return.replace("a `handle` body");
        // `resume` in the body would belong to no clause: the body is never a tail position.
        let result = self.infer_block(body, None)?.ty;
        self.flow.no_return = Some("a handler clause");
        check_unique(clauses.iter().map(|c| &c.effect), "handler clause for effect")?;
        for clause in clauses {
            self.check_clause(clause, result)?;
        }
        self.flow.no_return = saved;
        Ok(result)
    }

    fn check_clause(&mut self, clause: &'p Clause, result: Ty) -> CResult<()> {
        let index = self.lookup_effect(&clause.effect)?;
        let params = self.effects[index].params.clone();
        let arg = self.effects[index].ret;
        if params.len() != clause.params.len() {
            return Err(diag(
                ErrorKind::ArityMismatch,
                clause.span,
                format!(
                    "effect `{}` takes {}, the clause binds {}",
                    clause.effect.name,
                    plural(params.len(), "argument"),
                    clause.params.len()
                ),
            ));
        }
        check_unique(&clause.params, "parameter")?;
        self.scope.push();
        for (p, ty) in clause.params.iter().zip(params) {
            self.bind_local(p, ty, false)?;
        }
        let out = self.infer(&clause.body, Some(ResumeCtx { arg, result }))?;
        self.expect_or(
            result,
            out.ty,
            value_span(&clause.body),
            " (a handler clause has the type of its `handle` body)",
        )?;
        self.scope.pop();
        Ok(())
    }

    pub(super) fn infer_resume(&mut self, e: &Expr, arg: &'p Expr, tail: Option<ResumeCtx>) -> CResult<Ty> {
        let Some(ctx) = tail else {
            return Err(diag(
                ErrorKind::InvalidReturn,
                e.span,
                "resume is only allowed in tail position of a handler clause",
            ));
        };
        let a = self.infer(arg, None)?.ty;
        self.expect(ctx.arg, a, arg.span)?;
        Ok(ctx.result)
    }
}

/// Where the value of `e` comes from: the innermost tail of nested blocks, for messages.
fn value_span(e: &Expr) -> Span {
    let mut e = e;
    // Bounded by the tree's depth; a loop, not recursion.
    while let ExprKind::Block(Block {
        tail: Some(inner), ..
    }) = &e.kind
    {
        e = inner;
    }
    e.span
}

fn block_value_span(block: &Block) -> Span {
    block.tail.as_deref().map_or(block.span, value_span)
}

/// The last byte of a block: its `}`.
fn closing_brace(span: Span) -> Span {
    Span {
        start: span.end.saturating_sub(1).max(span.start),
        end: span.end,
    }
}
