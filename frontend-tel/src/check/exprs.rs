//! Inference of expressions other than the control-flow ones: literals, names, calls, operators,
//! records, lists, lambdas and `perform`.
//!
//! Owns name resolution of variables (locals, then flows, then built-ins) and the typing of
//! application (curried, partial, `len`). Must never decide where `return` or `resume` may stand
//! (that is `stmts`), and keeps each arm in its own function so that the recursion's stack frames
//! stay small in debug builds.

use super::checker::{check_unique, diag, plural, CResult, Checker, ResumeCtx};
use super::deferred::PendingField;
use super::scope::Local;
use super::unify::{Shape, Table, Ty};
use super::{Builtin, Res};
use crate::ast::{BinOp, Expr, ExprKind, Ident, UnOp};
use crate::diag::{Diag, ErrorKind, Span};
use std::rc::Rc;

/// The result of inferring an expression.
#[derive(Clone, Copy)]
pub(super) struct Out {
    pub ty: Ty,
    /// The expression always leaves the flow by `return` (a block that does, an if/else all of
    /// whose branches do).
    pub diverges: bool,
}

impl Out {
    pub(super) fn value(ty: Ty) -> Out {
        Out { ty, diverges: false }
    }
}

impl<'p> Checker<'p> {
    /// Infers `e` and records its type. `tail` is set when `e` stands in tail position of a
    /// handler clause (the only place `resume` may appear).
    pub(super) fn infer(&mut self, e: &'p Expr, tail: Option<ResumeCtx>) -> CResult<Out> {
        self.enter(e.span)?;
        let out = self.infer_kind(e, tail)?;
        self.leave();
        self.set_ty(e.id, out.ty, e.span)?;
        Ok(out)
    }

    /// One call per arm and no `?` here: this function is on the recursion's path, and every
    /// temporary of every arm takes room in its (debug-build) stack frame.
    fn infer_kind(&mut self, e: &'p Expr, tail: Option<ResumeCtx>) -> CResult<Out> {
        match &e.kind {
            ExprKind::Int(_) => Ok(Out::value(Table::INT)),
            ExprKind::Bool(_) => Ok(Out::value(Table::BOOL)),
            ExprKind::Str(_) => Ok(Out::value(Table::STRING)),
            ExprKind::Unit => Ok(Out::value(Table::UNIT)),
            ExprKind::Var(name) => self.infer_var(e, name).map(Out::value),
            ExprKind::Call(callee, args) => self.infer_call(e, callee, args).map(Out::value),
            ExprKind::Record(fields) => self.infer_record(fields).map(Out::value),
            ExprKind::Field(record, field) => self.infer_field(e, record, field).map(Out::value),
            ExprKind::List(elems) => self.infer_list(elems).map(Out::value),
            ExprKind::Index(list, index) => self.infer_index(list, index).map(Out::value),
            ExprKind::Binary(op, l, r) => self.infer_binary(e, *op, l, r).map(Out::value),
            ExprKind::Unary(op, operand) => self.infer_unary(*op, operand).map(Out::value),
            ExprKind::Lambda(params, body) => self.infer_lambda(params, body).map(Out::value),
            ExprKind::Perform(effect, args) => self.infer_perform(e, effect, args).map(Out::value),
            ExprKind::If(cond, then, else_) => self.infer_if(cond, then, else_, tail),
            ExprKind::While(cond, body) => self.infer_while(cond, body).map(Out::value),
            ExprKind::For(var, from, to, body) => self.infer_for(var, from, to, body).map(Out::value),
            ExprKind::Block(block) => self.infer_block(block, tail),
            ExprKind::Handle(body, clauses) => self.infer_handle(body, clauses).map(Out::value),
            ExprKind::Resume(arg) => self.infer_resume(e, arg, tail).map(Out::value),
        }
    }

    /// What `name` means here, as a value (locals shadow flows, which shadow built-ins).
    pub(super) fn lookup_value(&self, name: &str) -> Option<(Res, Option<Local>)> {
        if let Some(local) = self.scope.lookup(name) {
            return Some((Res::Local(local.id), Some(local)));
        }
        if let Some(&i) = self.flow_index.get(name) {
            return Some((Res::Flow(i), None));
        }
        let builtin = match name {
            "I" => Builtin::I,
            "K" => Builtin::K,
            "S" => Builtin::S,
            "B" => Builtin::B,
            "C" => Builtin::C,
            "len" => Builtin::Len,
            _ => return None,
        };
        Some((Res::Builtin(builtin), None))
    }

    fn infer_var(&mut self, e: &Expr, name: &str) -> CResult<Ty> {
        let Some((res, local)) = self.lookup_value(name) else {
            return Err(diag(
                ErrorKind::UnknownName,
                e.span,
                format!("unknown name `{name}`"),
            ));
        };
        self.resolve(e.id, res);
        Ok(match (res, local) {
            (_, Some(local)) => local.ty,
            (Res::Flow(i), None) => self.flows[i].fn_ty,
            (Res::Builtin(b), None) => self.instantiate(b, e.span)?,
            (Res::Local(_) | Res::Effect(_), None) => Table::UNIT,
        })
    }

    /// A fresh instance of a polymorphic combinator's type.
    fn instantiate(&mut self, builtin: Builtin, span: Span) -> CResult<Ty> {
        let t = &mut self.table;
        let (a, b, c) = (t.fresh(), t.fresh(), t.fresh());
        Ok(match builtin {
            Builtin::I => t.func(a, a),
            Builtin::K => t.func_n(&[a, b], a),
            Builtin::S => {
                let f = t.func_n(&[a, b], c);
                let g = t.func(a, b);
                t.func_n(&[f, g, a], c)
            }
            Builtin::B => {
                let f = t.func(b, c);
                let g = t.func(a, b);
                t.func_n(&[f, g, a], c)
            }
            Builtin::C => {
                let f = t.func_n(&[a, b], c);
                t.func_n(&[f, b, a], c)
            }
            Builtin::Len => {
                return Err(diag(
                    ErrorKind::TypeMismatch,
                    span,
                    "`len` can only be called directly, as in `len(x)`",
                ))
            }
        })
    }

    fn infer_call(&mut self, e: &Expr, callee: &'p Expr, args: &'p [Expr]) -> CResult<Ty> {
        if let ExprKind::Var(name) = &callee.kind {
            if let Some((Res::Builtin(Builtin::Len), _)) = self.lookup_value(name) {
                return self.infer_len(e, callee, args);
            }
        }
        let f = self.infer(callee, None)?.ty;
        let what = match &callee.kind {
            ExprKind::Var(name) => format!("`{name}`"),
            _ => "this function".to_string(),
        };
        if args.is_empty() {
            return self.apply_unit(f, &what, e.span, callee.span);
        }
        let mut cur = f;
        for (i, arg) in args.iter().enumerate() {
            let a = self.infer(arg, None)?.ty;
            match self.table.shape(cur) {
                Shape::Func(p, r) => {
                    self.expect(p, a, arg.span)?;
                    cur = r;
                }
                Shape::Var => {
                    let r = self.table.fresh();
                    let fa = self.table.func(a, r);
                    self.expect(cur, fa, callee.span)?;
                    cur = r;
                }
                _ if i > 0 => {
                    return Err(diag(
                        ErrorKind::ArityMismatch,
                        e.span,
                        format!("{what} takes {}, {} given", plural(i, "argument"), args.len()),
                    ))
                }
                _ => return Err(self.not_a_function(f, &what, callee.span)),
            }
        }
        Ok(cur)
    }

    /// `f()`: applies `f` to `unit`.
    fn apply_unit(&mut self, f: Ty, what: &str, span: Span, callee: Span) -> CResult<Ty> {
        match self.table.shape(f) {
            Shape::Func(p, r) => {
                if !matches!(self.table.shape(p), Shape::Var | Shape::Unit) {
                    let n = self.table.param_count(f);
                    return Err(diag(
                        ErrorKind::ArityMismatch,
                        span,
                        format!("{what} takes {}, none given", plural(n, "argument")),
                    ));
                }
                self.expect(p, Table::UNIT, span)?;
                Ok(r)
            }
            Shape::Var => {
                let r = self.table.fresh();
                let fu = self.table.func(Table::UNIT, r);
                self.expect(f, fu, callee)?;
                Ok(r)
            }
            _ => Err(self.not_a_function(f, what, callee)),
        }
    }

    fn not_a_function(&mut self, f: Ty, what: &str, span: Span) -> Box<Diag> {
        let found = self.table.display(f);
        diag(
            ErrorKind::TypeMismatch,
            span,
            format!("expected a function, found {found}: {what} cannot be called"),
        )
    }

    fn infer_len(&mut self, e: &Expr, callee: &Expr, args: &'p [Expr]) -> CResult<Ty> {
        self.resolve(callee.id, Res::Builtin(Builtin::Len));
        let [arg] = args else {
            return Err(diag(
                ErrorKind::ArityMismatch,
                e.span,
                format!("`len` takes 1 argument, {} given", args.len()),
            ));
        };
        let a = self.infer(arg, None)?.ty;
        let f = self.table.func(a, Table::INT);
        self.set_ty(callee.id, f, callee.span)?;
        self.check_len_arg(a, arg.span, true)?;
        Ok(Table::INT)
    }

    fn infer_record(&mut self, fields: &'p [(Ident, Expr)]) -> CResult<Ty> {
        check_unique(fields.iter().map(|(n, _)| n), "field")?;
        let mut typed = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            let ty = self.infer(value, None)?.ty;
            self.set_ty(name.id, ty, name.span)?;
            typed.push((Rc::from(name.name.as_str()), ty));
        }
        Ok(self.table.record(typed))
    }

    fn infer_field(&mut self, e: &Expr, record: &'p Expr, field: &Ident) -> CResult<Ty> {
        let r = self.infer(record, None)?.ty;
        let result = self.table.fresh();
        self.set_ty(field.id, result, field.span)?;
        let pf = PendingField {
            record: r,
            field: field.name.clone(),
            result,
            record_span: record.span,
            span: e.span,
        };
        if !self.try_field(&pf)? {
            self.pending.fields.push(pf);
        }
        Ok(result)
    }

    fn infer_list(&mut self, elems: &'p [Expr]) -> CResult<Ty> {
        let elem = self.table.fresh();
        for e in elems {
            let t = self.infer(e, None)?.ty;
            self.expect(elem, t, e.span)?;
        }
        Ok(self.table.list(elem))
    }

    fn infer_index(&mut self, list: &'p Expr, index: &'p Expr) -> CResult<Ty> {
        let l = self.infer(list, None)?.ty;
        let elem = self.table.fresh();
        let expected = self.table.list(elem);
        self.expect_or(expected, l, list.span, " (only lists can be indexed)")?;
        let i = self.infer(index, None)?.ty;
        self.expect(Table::INT, i, index.span)?;
        Ok(elem)
    }

    fn infer_binary(&mut self, e: &Expr, op: BinOp, l: &'p Expr, r: &'p Expr) -> CResult<Ty> {
        let lt = self.infer(l, None)?.ty;
        let rt = self.infer(r, None)?.ty;
        match op {
            BinOp::Pipe => self.infer_pipe(lt, rt, r),
            BinOp::Add => {
                self.expect(lt, rt, r.span)?;
                self.check_add_operand(lt, e.span, true)?;
                Ok(lt)
            }
            BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                self.expect(Table::INT, lt, l.span)?;
                self.expect(Table::INT, rt, r.span)?;
                Ok(Table::INT)
            }
            BinOp::And | BinOp::Or => {
                self.expect(Table::BOOL, lt, l.span)?;
                self.expect(Table::BOOL, rt, r.span)?;
                Ok(Table::BOOL)
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.expect(Table::INT, lt, l.span)?;
                self.expect(Table::INT, rt, r.span)?;
                Ok(Table::BOOL)
            }
            BinOp::Eq | BinOp::Ne => {
                self.expect(lt, rt, r.span)?;
                self.pending.eqs.push((lt, e.span));
                Ok(Table::BOOL)
            }
        }
    }

    /// `x |> f` is `f(x)`.
    fn infer_pipe(&mut self, x: Ty, f: Ty, fe: &Expr) -> CResult<Ty> {
        match self.table.shape(f) {
            Shape::Func(p, r) => {
                self.expect_or(p, x, fe.span, " (piped into this function)")?;
                Ok(r)
            }
            Shape::Var => {
                let r = self.table.fresh();
                let fx = self.table.func(x, r);
                self.expect(f, fx, fe.span)?;
                Ok(r)
            }
            _ => Err(self.not_a_function(f, "the right side of `|>`", fe.span)),
        }
    }

    fn infer_unary(&mut self, op: UnOp, operand: &'p Expr) -> CResult<Ty> {
        let t = self.infer(operand, None)?.ty;
        let ty = match op {
            UnOp::Neg => Table::INT,
            UnOp::Not => Table::BOOL,
        };
        self.expect(ty, t, operand.span)?;
        Ok(ty)
    }

    fn infer_lambda(&mut self, params: &'p [Ident], body: &'p Expr) -> CResult<Ty> {
        check_unique(params, "parameter")?;
        let saved = self.flow.no_return.replace("a lambda");
        self.flow.lambda_depth += 1;
        self.scope.push();
        let mut tys = Vec::with_capacity(params.len());
        for p in params {
            let ty = self.table.fresh();
            self.bind_local(p, ty, false)?;
            tys.push(ty);
        }
        let body_ty = self.infer(body, None)?.ty;
        self.scope.pop();
        self.flow.lambda_depth -= 1;
        self.flow.no_return = saved;
        Ok(self.table.func_n(&tys, body_ty))
    }

    /// Binds `ident` in the innermost scope and records its type.
    pub(super) fn bind_local(&mut self, ident: &'p Ident, ty: Ty, mutable: bool) -> CResult<()> {
        self.set_ty(ident.id, ty, ident.span)?;
        if mutable {
            self.mutable.insert(ident.id);
        }
        let local = Local {
            id: ident.id,
            ty,
            mutable,
            lambda_depth: self.flow.lambda_depth,
        };
        self.scope.bind(&ident.name, local);
        Ok(())
    }

    /// The effect `ident` names; records the resolution and the ident's type.
    pub(super) fn lookup_effect(&mut self, ident: &Ident) -> CResult<usize> {
        let Some(&index) = self.effect_index.get(ident.name.as_str()) else {
            return Err(diag(
                ErrorKind::UnknownName,
                ident.span,
                format!("unknown effect `{}`", ident.name),
            ));
        };
        self.resolve(ident.id, Res::Effect(index));
        self.set_ty(ident.id, self.effects[index].fn_ty, ident.span)?;
        Ok(index)
    }

    fn infer_perform(&mut self, e: &Expr, effect: &Ident, args: &'p [Expr]) -> CResult<Ty> {
        let index = self.lookup_effect(effect)?;
        let params = self.effects[index].params.clone();
        if params.len() != args.len() {
            return Err(diag(
                ErrorKind::ArityMismatch,
                e.span,
                format!(
                    "effect `{}` takes {}, {} given",
                    effect.name,
                    plural(params.len(), "argument"),
                    args.len()
                ),
            ));
        }
        for (&p, arg) in params.iter().zip(args) {
            let a = self.infer(arg, None)?.ty;
            self.expect(p, a, arg.span)?;
        }
        Ok(self.effects[index].ret)
    }
}
