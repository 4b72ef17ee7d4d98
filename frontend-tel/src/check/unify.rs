//! The inference table: type terms in an arena, union-find over them, and unification with an
//! occurs check.
//!
//! Owns the representation of types *while* checking. Must never know the syntax tree, names or
//! spans (callers turn a failed unification into a diagnostic), and must never recurse on the
//! shape of a type without a depth bound: inferred types can be far deeper than the source nests,
//! so every traversal here uses an explicit work list.

use crate::types::Type;
use std::fmt::Write as _;
use std::rc::Rc;

/// A type term in the [`Table`]: compare with [`Table::find`], never by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Ty(u32);

impl Ty {
    pub(super) fn index(self) -> usize {
        self.0 as usize
    }
}

/// Fields of a record term: sorted by name, no duplicates.
pub(super) type Fields = Rc<[(Rc<str>, Ty)]>;

/// The head of a term. Children are themselves terms, so a type is a DAG: sharing through
/// children keeps types that are exponentially large as trees (`{a: x, b: x}` nested) linear
/// here.
#[derive(Clone, Debug)]
pub(super) enum Shape {
    Var,
    Int,
    Bool,
    String,
    Unit,
    ResourceId,
    List(Ty),
    Func(Ty, Ty),
    Record(Fields),
}

impl Shape {
    /// The children of a term, in order.
    pub(super) fn children(&self, out: &mut Vec<Ty>) {
        match self {
            Shape::List(t) => out.push(*t),
            Shape::Func(a, r) => {
                out.push(*a);
                out.push(*r);
            }
            Shape::Record(fields) => out.extend(fields.iter().map(|(_, t)| *t)),
            _ => {}
        }
    }
}

/// Why two terms do not unify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UnifyError {
    Mismatch,
    /// Binding a variable would make a term contain itself.
    Infinite,
}

pub(super) struct Table {
    shapes: Vec<Shape>,
    parent: Vec<u32>,
    /// Parent writes of the unification in progress, undone if it fails so that the error
    /// message shows both types as they were, not half-merged.
    trail: Vec<(u32, u32)>,
    trailing: bool,
    marks: Vec<u32>,
    epoch: u32,
}

impl Table {
    pub(super) const INT: Ty = Ty(0);
    pub(super) const BOOL: Ty = Ty(1);
    pub(super) const STRING: Ty = Ty(2);
    pub(super) const UNIT: Ty = Ty(3);
    pub(super) const RESOURCE_ID: Ty = Ty(4);

    pub(super) fn new() -> Table {
        let mut table = Table {
            shapes: Vec::new(),
            parent: Vec::new(),
            trail: Vec::new(),
            trailing: false,
            marks: Vec::new(),
            epoch: 0,
        };
        // Primitive terms are singletons, so they always stay the root of their class.
        for shape in [
            Shape::Int,
            Shape::Bool,
            Shape::String,
            Shape::Unit,
            Shape::ResourceId,
        ] {
            table.push(shape);
        }
        table
    }

    /// How many terms exist (an upper bound for side tables indexed by [`Ty::index`]).
    pub(super) fn len(&self) -> usize {
        self.shapes.len()
    }

    fn push(&mut self, shape: Shape) -> Ty {
        let n = self.shapes.len() as u32;
        self.shapes.push(shape);
        self.parent.push(n);
        self.marks.push(0);
        Ty(n)
    }

    pub(super) fn fresh(&mut self) -> Ty {
        self.push(Shape::Var)
    }

    pub(super) fn list(&mut self, elem: Ty) -> Ty {
        self.push(Shape::List(elem))
    }

    pub(super) fn func(&mut self, param: Ty, ret: Ty) -> Ty {
        self.push(Shape::Func(param, ret))
    }

    /// `(params) -> ret`, curried like [`Type::func`]: no parameters is `(Unit) -> ret`.
    pub(super) fn func_n(&mut self, params: &[Ty], ret: Ty) -> Ty {
        if params.is_empty() {
            return self.func(Table::UNIT, ret);
        }
        params.iter().rev().fold(ret, |acc, &p| self.func(p, acc))
    }

    /// A record term; `fields` in any order, names distinct (the caller reports duplicates).
    pub(super) fn record(&mut self, mut fields: Vec<(Rc<str>, Ty)>) -> Ty {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        self.push(Shape::Record(fields.into()))
    }

    /// The term for a concrete type (signatures of the standard effects).
    pub(super) fn term_of(&mut self, ty: &Type) -> Ty {
        match ty {
            Type::Int => Table::INT,
            Type::Bool => Table::BOOL,
            Type::String => Table::STRING,
            Type::Unit | Type::Var(_) => Table::UNIT,
            Type::ResourceId => Table::RESOURCE_ID,
            Type::List(t) => {
                let t = self.term_of(t);
                self.list(t)
            }
            Type::Func(a, r) => {
                let a = self.term_of(a);
                let r = self.term_of(r);
                self.func(a, r)
            }
            Type::Record(fields) => {
                let fields = fields
                    .iter()
                    .map(|(n, t)| (Rc::from(n.as_str()), self.term_of(t)))
                    .collect();
                self.record(fields)
            }
        }
    }

    fn set_parent(&mut self, n: u32, p: u32) {
        if self.trailing {
            self.trail.push((n, self.parent[n as usize]));
        }
        self.parent[n as usize] = p;
    }

    /// The representative of `t`'s class (with path compression).
    pub(super) fn find(&mut self, t: Ty) -> Ty {
        let mut root = t.0;
        while self.parent[root as usize] != root {
            root = self.parent[root as usize];
        }
        let mut n = t.0;
        while self.parent[n as usize] != root {
            let next = self.parent[n as usize];
            self.set_parent(n, root);
            n = next;
        }
        Ty(root)
    }

    /// The head of `t`'s representative (cheap to clone: records share their field list).
    pub(super) fn shape(&mut self, t: Ty) -> Shape {
        let r = self.find(t);
        self.shapes[r.index()].clone()
    }

    /// Makes `a` and `b` the same type, or leaves the table as it was and says why not.
    pub(super) fn unify(&mut self, a: Ty, b: Ty) -> Result<(), UnifyError> {
        self.trail.clear();
        self.trailing = true;
        let result = self.unify_inner(a, b);
        self.trailing = false;
        if result.is_err() {
            while let Some((n, p)) = self.trail.pop() {
                self.parent[n as usize] = p;
            }
        }
        self.trail.clear();
        result
    }

    fn unify_inner(&mut self, a: Ty, b: Ty) -> Result<(), UnifyError> {
        let mut work = vec![(a, b)];
        while let Some((x, y)) = work.pop() {
            let x = self.find(x);
            let y = self.find(y);
            if x == y {
                continue;
            }
            match (self.shapes[x.index()].clone(), self.shapes[y.index()].clone()) {
                (Shape::Var, _) => {
                    if self.occurs(x, y) {
                        return Err(UnifyError::Infinite);
                    }
                    self.set_parent(x.0, y.0);
                }
                (_, Shape::Var) => {
                    if self.occurs(y, x) {
                        return Err(UnifyError::Infinite);
                    }
                    self.set_parent(y.0, x.0);
                }
                // Classes are merged before their children are unified, so every pair of
                // classes is unified at most once however much the terms share.
                (Shape::List(p), Shape::List(q)) => {
                    self.set_parent(x.0, y.0);
                    work.push((p, q));
                }
                (Shape::Func(p1, r1), Shape::Func(p2, r2)) => {
                    self.set_parent(x.0, y.0);
                    work.push((r1, r2));
                    work.push((p1, p2));
                }
                (Shape::Record(f1), Shape::Record(f2)) => {
                    if f1.len() != f2.len() || f1.iter().zip(f2.iter()).any(|(p, q)| p.0 != q.0) {
                        return Err(UnifyError::Mismatch);
                    }
                    self.set_parent(x.0, y.0);
                    work.extend(f1.iter().zip(f2.iter()).rev().map(|(p, q)| (p.1, q.1)));
                }
                _ => return Err(UnifyError::Mismatch),
            }
        }
        Ok(())
    }

    fn next_epoch(&mut self) -> u32 {
        if self.epoch == u32::MAX {
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.epoch = 0;
        }
        self.epoch += 1;
        self.epoch
    }

    /// Whether some term reachable from `t` satisfies `pred` (each class visited once).
    fn reaches(&mut self, t: Ty, pred: impl Fn(Ty, &Shape) -> bool) -> bool {
        let epoch = self.next_epoch();
        let mut stack = vec![t];
        let mut children = Vec::new();
        while let Some(n) = stack.pop() {
            let n = self.find(n);
            if self.marks[n.index()] == epoch {
                continue;
            }
            self.marks[n.index()] = epoch;
            let shape = &self.shapes[n.index()];
            if pred(n, shape) {
                return true;
            }
            children.clear();
            shape.children(&mut children);
            stack.extend(children.iter().rev());
        }
        false
    }

    /// Whether the root variable `v` occurs in `t`.
    fn occurs(&mut self, v: Ty, t: Ty) -> bool {
        self.reaches(t, |n, _| n == v)
    }

    /// Whether a function type occurs anywhere in `t`.
    pub(super) fn contains_func(&mut self, t: Ty) -> bool {
        self.reaches(t, |_, shape| matches!(shape, Shape::Func(..)))
    }

    /// How many parameters a function of type `t` takes, as far as its type is known.
    pub(super) fn param_count(&mut self, t: Ty) -> usize {
        let mut count = 0;
        let mut cur = t;
        // Bounded: an acyclic term's return chain has at most `len()` links.
        while count <= self.len() {
            match self.shape(cur) {
                Shape::Func(_, r) => {
                    count += 1;
                    cur = r;
                }
                _ => break,
            }
        }
        count
    }

    /// `t` for messages: `(Int, String) -> Bool`, unknown parts as `_`, cut short when huge.
    pub(super) fn display(&mut self, t: Ty) -> String {
        let mut out = String::new();
        self.write(t, &mut out, 0);
        out
    }

    fn write(&mut self, t: Ty, out: &mut String, depth: usize) {
        const MAX_DEPTH: usize = 12;
        const MAX_LEN: usize = 240;
        if depth > MAX_DEPTH || out.len() > MAX_LEN {
            out.push('…');
            return;
        }
        match self.shape(t) {
            Shape::Var => out.push('_'),
            Shape::Int => out.push_str("Int"),
            Shape::Bool => out.push_str("Bool"),
            Shape::String => out.push_str("String"),
            Shape::Unit => out.push_str("Unit"),
            Shape::ResourceId => out.push_str("ResourceId"),
            Shape::List(e) => {
                out.push('[');
                self.write(e, out, depth + 1);
                out.push(']');
            }
            Shape::Record(fields) => {
                out.push('{');
                for (i, (name, ft)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if out.len() > MAX_LEN {
                        out.push('…');
                        break;
                    }
                    let _ = write!(out, "{name}: ");
                    self.write(*ft, out, depth + 1);
                }
                out.push('}');
            }
            Shape::Func(a, r) => {
                // Uncurried like `Type`'s Display: (A, B) -> C.
                out.push('(');
                self.write(a, out, depth + 1);
                let mut ret = r;
                let mut params = 1;
                while let Shape::Func(a, r) = self.shape(ret) {
                    if params > MAX_DEPTH || out.len() > MAX_LEN {
                        out.push_str(", …");
                        break;
                    }
                    out.push_str(", ");
                    self.write(a, out, depth + 1);
                    ret = r;
                    params += 1;
                }
                out.push_str(") -> ");
                self.write(ret, out, depth + 1);
            }
        }
    }

    /// The raw head of a representative (for the output pass, which walks roots itself).
    pub(super) fn root_shape(&self, root: Ty) -> &Shape {
        &self.shapes[root.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unify_binds_and_shares() {
        let mut t = Table::new();
        let a = t.fresh();
        let la = t.list(a);
        let li = t.list(Table::INT);
        assert_eq!(t.unify(la, li), Ok(()));
        assert_eq!(t.find(a), Table::INT);
        assert_eq!(t.display(la), "[Int]");
    }

    #[test]
    fn failed_unify_leaves_types_untouched() {
        let mut t = Table::new();
        let a = t.fresh();
        let f1 = t.func_n(&[a, Table::INT], Table::BOOL);
        let f2 = t.func_n(&[Table::STRING, Table::STRING], Table::BOOL);
        assert_eq!(t.unify(f1, f2), Err(UnifyError::Mismatch));
        assert_eq!(t.display(f1), "(_, Int) -> Bool");
        assert_eq!(t.display(f2), "(String, String) -> Bool");
    }

    #[test]
    fn occurs_check() {
        let mut t = Table::new();
        let a = t.fresh();
        let la = t.list(a);
        assert_eq!(t.unify(a, la), Err(UnifyError::Infinite));
        assert!(matches!(t.shape(a), Shape::Var));
    }

    #[test]
    fn shared_terms_unify_in_linear_time() {
        // x_{n+1} = {a: x_n, b: x_n}: 2^200 as trees, 200 classes here.
        let mut t = Table::new();
        let (mut x, mut y) = (t.fresh(), t.fresh());
        for _ in 0..200 {
            x = t.record(vec![("a".into(), x), ("b".into(), x)]);
            y = t.record(vec![("b".into(), y), ("a".into(), y)]);
        }
        assert_eq!(t.unify(x, y), Ok(()));
        assert!(!t.contains_func(x));
    }

    #[test]
    fn records_need_the_same_fields() {
        let mut t = Table::new();
        let r1 = t.record(vec![("a".into(), Table::INT)]);
        let r2 = t.record(vec![("b".into(), Table::INT)]);
        assert_eq!(t.unify(r1, r2), Err(UnifyError::Mismatch));
    }

    #[test]
    fn curried_display_and_param_count() {
        let mut t = Table::new();
        let inner = t.func(Table::STRING, Table::BOOL);
        let f = t.func(Table::INT, inner);
        assert_eq!(t.display(f), "(Int, String) -> Bool");
        assert_eq!(t.param_count(f), 2);
    }
}
