//! The declaration pass: every effect and flow signature, collected before any body is checked
//! (flows may call each other in any order), written types resolved, and the entry point found.
//!
//! Owns the rules about declarations (duplicates, standard effects redeclared, `main`). Must
//! never look into flow bodies.

use super::checker::{check_unique, diag, CResult, Checker, EffectSig, FlowSig};
use super::standard_effects;
use super::unify::{Shape, Table, Ty};
use crate::ast::{EffectDecl, FlowDecl, Ident, Item, Param, TypeExpr, TypeExprKind};
use crate::diag::{Diag, ErrorKind, Span};
use std::collections::HashSet;
use std::rc::Rc;

impl<'p> Checker<'p> {
    pub(super) fn collect_declarations(&mut self) -> CResult<()> {
        for info in standard_effects() {
            let params: Vec<Ty> = info.params.iter().map(|t| self.table.term_of(t)).collect();
            let ret = self.table.term_of(&info.ret);
            let fn_ty = self.table.func_n(&params, ret);
            self.effect_index.insert(info.name.clone(), self.effects.len());
            self.effects.push(EffectSig {
                name: info.name,
                params,
                ret,
                fn_ty,
                standard: true,
                span: Span::default(),
            });
        }
        let program = self.program;
        let mut declared_effects = HashSet::new();
        for (index, item) in program.items.iter().enumerate() {
            match item {
                Item::Effect(decl) => {
                    if !declared_effects.insert(decl.name.name.as_str()) {
                        return Err(duplicate("effect", &decl.name.name, decl.name.span));
                    }
                    self.declare_effect(decl)?;
                }
                Item::Flow(decl) => self.declare_flow(index, decl)?,
            }
        }
        self.find_main()
    }

    fn declare_effect(&mut self, decl: &'p EffectDecl) -> CResult<()> {
        let (params, ret, fn_ty) = self.signature(&decl.name, &decl.params, &decl.ret)?;
        if let Some(&index) = self.effect_index.get(decl.name.name.as_str()) {
            // Only standard effects can be in the index here (declared duplicates were refused).
            let standard = &self.effects[index];
            let (std_params, std_ret, std_fn) = (standard.params.clone(), standard.ret, standard.fn_ty);
            let same = std_params.len() == params.len()
                && std_params
                    .iter()
                    .zip(&params)
                    .all(|(&a, &b)| self.table.unify(a, b).is_ok())
                && self.table.unify(std_ret, ret).is_ok();
            if !same {
                let expected = self.table.display(std_fn);
                let found = self.table.display(fn_ty);
                return Err(diag(
                    ErrorKind::TypeMismatch,
                    decl.span,
                    format!(
                        "`{}` is a standard effect of type {expected}; redeclared as {found}",
                        decl.name.name
                    ),
                ));
            }
            return Ok(());
        }
        self.effect_index
            .insert(decl.name.name.clone(), self.effects.len());
        self.effects.push(EffectSig {
            name: decl.name.name.clone(),
            params,
            ret,
            fn_ty,
            standard: false,
            span: decl.span,
        });
        Ok(())
    }

    fn declare_flow(&mut self, item: usize, decl: &'p FlowDecl) -> CResult<()> {
        let name = decl.name.name.as_str();
        if self.flow_index.contains_key(name) {
            return Err(duplicate("flow", name, decl.name.span));
        }
        let (params, ret, fn_ty) = self.signature(&decl.name, &decl.params, &decl.ret)?;
        self.flow_index.insert(name, self.flows.len());
        self.flows.push(FlowSig {
            name: name.to_string(),
            item,
            params,
            ret,
            fn_ty,
            span: decl.span,
        });
        Ok(())
    }

    /// A written signature (of an effect or a flow): its parameter types (recorded on the
    /// parameters), its result type and its function type (recorded on the name).
    fn signature(&mut self, name: &Ident, params: &[Param], ret: &TypeExpr) -> CResult<(Vec<Ty>, Ty, Ty)> {
        check_unique(params.iter().map(|p| &p.name), "parameter")?;
        let mut tys = Vec::with_capacity(params.len());
        for p in params {
            let ty = self.type_expr(&p.ty)?;
            self.set_ty(p.name.id, ty, p.name.span)?;
            tys.push(ty);
        }
        let ret = self.type_expr(ret)?;
        let fn_ty = self.table.func_n(&tys, ret);
        self.set_ty(name.id, fn_ty, name.span)?;
        Ok((tys, ret, fn_ty))
    }

    fn find_main(&mut self) -> CResult<()> {
        let Some(&main) = self.flow_index.get("main") else {
            return Err(diag(
                ErrorKind::MissingMain,
                Span::default(),
                "the program has no flow `main`",
            ));
        };
        self.main = main;
        let Some(Item::Flow(decl)) = self.program.items.get(self.flows[main].item) else {
            return Ok(());
        };
        for (p, &ty) in decl.params.iter().zip(&self.flows[main].params) {
            if !matches!(self.table.shape(ty), Shape::Int | Shape::Bool | Shape::String) {
                let found = self.table.display(ty);
                return Err(diag(
                    ErrorKind::TypeMismatch,
                    p.ty.span,
                    format!(
                        "parameters of `main` come from the embedder and must be Int, Bool or \
                         String; `{}` has type {found}",
                        p.name.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The type a written type expression denotes.
    pub(super) fn type_expr(&mut self, te: &TypeExpr) -> CResult<Ty> {
        self.enter(te.span)?;
        let ty = self.type_expr_inner(te);
        self.leave();
        ty
    }

    fn type_expr_inner(&mut self, te: &TypeExpr) -> CResult<Ty> {
        Ok(match &te.kind {
            TypeExprKind::Named(name) => match name.as_str() {
                "Int" => Table::INT,
                "Bool" => Table::BOOL,
                "String" => Table::STRING,
                "Unit" => Table::UNIT,
                "ResourceId" => Table::RESOURCE_ID,
                _ => {
                    return Err(diag(
                        ErrorKind::UnknownName,
                        te.span,
                        format!("unknown type `{name}`"),
                    ))
                }
            },
            TypeExprKind::List(elem) => {
                let elem = self.type_expr(elem)?;
                self.table.list(elem)
            }
            TypeExprKind::Func(params, ret) => {
                let params = params
                    .iter()
                    .map(|p| self.type_expr(p))
                    .collect::<Result<Vec<_>, _>>()?;
                let ret = self.type_expr(ret)?;
                self.table.func_n(&params, ret)
            }
            TypeExprKind::Record(fields) => {
                check_unique(fields.iter().map(|(n, _)| n), "field")?;
                let mut typed = Vec::with_capacity(fields.len());
                for (name, fte) in fields {
                    let ty = self.type_expr(fte)?;
                    self.set_ty(name.id, ty, name.span)?;
                    typed.push((Rc::from(name.name.as_str()), ty));
                }
                if typed.is_empty() {
                    return Err(diag(
                        ErrorKind::SyntaxError,
                        te.span,
                        "a record type needs at least one field",
                    ));
                }
                self.table.record(typed)
            }
        })
    }
}

fn duplicate(what: &str, name: &str, span: Span) -> Box<Diag> {
    diag(ErrorKind::SyntaxError, span, format!("duplicate {what} `{name}`"))
}
