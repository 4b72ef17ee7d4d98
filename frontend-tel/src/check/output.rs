//! Turning inference terms into the concrete [`Type`]s of the checker's output: variables nothing
//! constrained become `Unit`, and types too deep or too large to hand on are rejected.
//!
//! Owns the output limits. Must never unify (inference is over when this runs) and never build a
//! `Type` before measuring it: a `Type` is a tree, and trees of shared terms can be exponential,
//! and deep ones overflow the stack of whoever drops, clones or prints them.

use super::checker::{diag, CResult};
use super::unify::{Shape, Table, Ty};
use crate::diag::{Diag, ErrorKind, Span};
use crate::types::Type;

/// The deepest type the checker hands on (the lowering and `Type`'s own Drop/Display recurse).
pub(super) const MAX_TYPE_DEPTH: u32 = 512;
/// The largest single type, in `Type` nodes.
pub(super) const MAX_TYPE_SIZE: u64 = 1 << 16;
/// All types of one program together, in `Type` nodes (bounds the output's memory).
pub(super) const MAX_TOTAL_SIZE: u64 = 1 << 22;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    New,
    Open,
    Done,
}

/// Measures and builds output types, memoizing depth and size per class.
pub(super) struct Zonker {
    state: Vec<State>,
    depth: Vec<u32>,
    size: Vec<u64>,
    total: u64,
}

impl Zonker {
    pub(super) fn new(table: &Table) -> Zonker {
        let n = table.len();
        Zonker {
            state: vec![State::New; n],
            depth: vec![0; n],
            size: vec![0; n],
            total: 0,
        }
    }

    /// The concrete type of `t`, charged to the program's total; `span` is blamed if too big.
    pub(super) fn zonk(&mut self, table: &mut Table, t: Ty, span: Span) -> CResult<Type> {
        let root = table.find(t);
        let (depth, size) = self.measure(table, root, span)?;
        if depth > MAX_TYPE_DEPTH {
            return Err(too_large(
                span,
                format!("its type nests deeper than {MAX_TYPE_DEPTH} levels"),
            ));
        }
        if size > MAX_TYPE_SIZE {
            return Err(too_large(
                span,
                format!("its type has more than {MAX_TYPE_SIZE} parts"),
            ));
        }
        self.total = self.total.saturating_add(size);
        if self.total > MAX_TOTAL_SIZE {
            return Err(too_large(
                span,
                "the program's types together are too large".to_string(),
            ));
        }
        Ok(build(table, root))
    }

    /// Depth and tree size of the class `root` (a post-order walk with an explicit stack).
    fn measure(&mut self, table: &mut Table, root: Ty, span: Span) -> CResult<(u32, u64)> {
        let mut stack = vec![(root, false)];
        let mut children = Vec::new();
        while let Some((n, expanded)) = stack.pop() {
            let i = n.index();
            if expanded {
                children.clear();
                table.root_shape(n).children(&mut children);
                let (mut depth, mut size) = (0u32, 1u64);
                for c in &children {
                    let c = table.find(*c).index();
                    depth = depth.max(self.depth[c]);
                    size = size.saturating_add(self.size[c]);
                }
                self.depth[i] = depth.saturating_add(1);
                self.size[i] = size;
                self.state[i] = State::Done;
                continue;
            }
            match self.state[i] {
                State::Done => continue,
                // Reached again from inside its own subterms: unification's occurs check
                // should make this impossible; refuse rather than loop.
                State::Open => return Err(too_large(span, "its type is infinite".to_string())),
                State::New => {}
            }
            self.state[i] = State::Open;
            stack.push((n, true));
            children.clear();
            table.root_shape(n).children(&mut children);
            for c in children.iter().rev() {
                let c = table.find(*c);
                stack.push((c, false));
            }
        }
        Ok((self.depth[root.index()], self.size[root.index()]))
    }
}

fn too_large(span: Span, why: String) -> Box<Diag> {
    diag(
        ErrorKind::TypeMismatch,
        span,
        format!("type too large to compile: {why}"),
    )
}

/// Recursion is bounded by [`MAX_TYPE_DEPTH`]: only measured classes get here.
fn build(table: &mut Table, t: Ty) -> Type {
    match table.shape(t) {
        Shape::Var | Shape::Unit => Type::Unit,
        Shape::Int => Type::Int,
        Shape::Bool => Type::Bool,
        Shape::String => Type::String,
        Shape::ResourceId => Type::ResourceId,
        Shape::List(e) => Type::List(Box::new(build(table, e))),
        Shape::Func(a, r) => Type::Func(Box::new(build(table, a)), Box::new(build(table, r))),
        // Already sorted by name.
        Shape::Record(fields) => Type::Record(
            fields
                .iter()
                .map(|(n, ft)| (n.to_string(), build(table, *ft)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unconstrained_variables_become_unit() {
        let mut t = Table::new();
        let a = t.fresh();
        let f = t.func(a, Table::INT);
        let mut z = Zonker::new(&t);
        let ty = z.zonk(&mut t, f, Span::default()).expect("small type");
        assert_eq!(ty, Type::func(&[Type::Unit], Type::Int));
    }

    #[test]
    fn exponential_trees_are_refused_not_built() {
        let mut t = Table::new();
        let mut x = Table::INT;
        for _ in 0..64 {
            x = t.record(vec![("a".into(), x), ("b".into(), x)]);
        }
        let mut z = Zonker::new(&t);
        let err = z.zonk(&mut t, x, Span::default()).expect_err("2^64 nodes");
        assert_eq!(err.kind, ErrorKind::TypeMismatch);
    }

    #[test]
    fn deep_types_are_refused() {
        let mut t = Table::new();
        let mut x = Table::INT;
        for _ in 0..100_000 {
            x = t.list(x);
        }
        let mut z = Zonker::new(&t);
        assert!(z.zonk(&mut t, x, Span::default()).is_err());
    }
}
