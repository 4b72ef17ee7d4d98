//! Constraints that need a type inference has not found yet when they are reached: field access
//! on a record of unknown type, `+` on operands of unknown type, `len` of an unknown argument,
//! and the "no functions under `==`" rule. Each is tried again once the whole flow is inferred.
//!
//! Owns the order in which they are settled and their defaults. Must never walk the syntax tree:
//! everything needed is recorded when the constraint is met.

use super::checker::{diag, CResult, Checker};
use super::unify::{Shape, Table, Ty};
use crate::diag::{ErrorKind, Span};

/// `r.a` whose record type was unknown when reached.
pub(super) struct PendingField {
    pub record: Ty,
    pub field: String,
    /// The type of the whole `r.a`.
    pub result: Ty,
    /// The record expression (`r`).
    pub record_span: Span,
    /// The whole `r.a`.
    pub span: Span,
}

#[derive(Default)]
pub(super) struct Pending {
    pub fields: Vec<PendingField>,
    /// Operand types of `+` not yet known to be Int or String.
    pub adds: Vec<(Ty, Span)>,
    /// Argument types of `len` not yet known to be a String or a list.
    pub lens: Vec<(Ty, Span)>,
    /// Operand types of every `==` / `!=`, with the comparison's span.
    pub eqs: Vec<(Ty, Span)>,
}

impl Checker<'_> {
    /// `r.a` with `r: record`; `Ok(false)` if the record's type is not known yet.
    pub(super) fn try_field(&mut self, pf: &PendingField) -> CResult<bool> {
        match self.table.shape(pf.record) {
            Shape::Var => Ok(false),
            Shape::Record(fields) => {
                let Some((_, ft)) = fields.iter().find(|(n, _)| **n == *pf.field) else {
                    let r = self.table.display(pf.record);
                    return Err(diag(
                        ErrorKind::TypeMismatch,
                        pf.span,
                        format!("type {r} has no field `{}`", pf.field),
                    ));
                };
                self.expect(*ft, pf.result, pf.span)?;
                Ok(true)
            }
            _ => {
                let r = self.table.display(pf.record);
                Err(diag(
                    ErrorKind::TypeMismatch,
                    pf.record_span,
                    format!("expected a record with field `{}`, found {r}", pf.field),
                ))
            }
        }
    }

    /// The operand type of `+`: Int or String, or unknown yet (then settled at the end).
    pub(super) fn check_add_operand(&mut self, ty: Ty, span: Span, defer: bool) -> CResult<()> {
        match self.table.shape(ty) {
            Shape::Int | Shape::String => Ok(()),
            Shape::Var if defer => {
                self.pending.adds.push((ty, span));
                Ok(())
            }
            // Nothing else constrained it: integer addition.
            Shape::Var => self.expect(Table::INT, ty, span),
            _ => {
                let found = self.table.display(ty);
                Err(diag(
                    ErrorKind::TypeMismatch,
                    span,
                    format!("expected Int or String operands for `+`, found {found}"),
                ))
            }
        }
    }

    /// The argument type of `len`: a String or a list, or unknown yet.
    pub(super) fn check_len_arg(&mut self, ty: Ty, span: Span, defer: bool) -> CResult<()> {
        match self.table.shape(ty) {
            Shape::String | Shape::List(_) => Ok(()),
            Shape::Var if defer => {
                self.pending.lens.push((ty, span));
                Ok(())
            }
            Shape::Var => Err(diag(
                ErrorKind::TypeMismatch,
                span,
                "cannot infer the type of `len`'s argument: expected a String or a list, \
                 found an unconstrained type",
            )),
            _ => {
                let found = self.table.display(ty);
                Err(diag(
                    ErrorKind::TypeMismatch,
                    span,
                    format!("expected a String or a list for `len`, found {found}"),
                ))
            }
        }
    }

    /// Settles everything deferred while checking the current flow.
    pub(super) fn settle_pending(&mut self) -> CResult<()> {
        // A field access can fix the type another one needs: retry while any makes progress.
        loop {
            let fields = std::mem::take(&mut self.pending.fields);
            let mut progress = false;
            let mut left = Vec::new();
            for pf in fields {
                if self.try_field(&pf)? {
                    progress = true;
                } else {
                    left.push(pf);
                }
            }
            self.pending.fields = left;
            if !progress || self.pending.fields.is_empty() {
                break;
            }
        }
        if let Some(pf) = self.pending.fields.first() {
            return Err(diag(
                ErrorKind::TypeMismatch,
                pf.record_span,
                format!(
                    "cannot infer the record type of this expression (to read field `{}`)",
                    pf.field
                ),
            ));
        }
        for (ty, span) in std::mem::take(&mut self.pending.adds) {
            self.check_add_operand(ty, span, false)?;
        }
        for (ty, span) in std::mem::take(&mut self.pending.lens) {
            self.check_len_arg(ty, span, false)?;
        }
        for (ty, span) in std::mem::take(&mut self.pending.eqs) {
            if self.table.contains_func(ty) {
                let t = self.table.display(ty);
                return Err(diag(
                    ErrorKind::TypeMismatch,
                    span,
                    format!("functions cannot be compared: the operands have type {t}"),
                ));
            }
        }
        Ok(())
    }
}
