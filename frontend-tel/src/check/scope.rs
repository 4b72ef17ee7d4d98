//! Lexical scopes of local bindings (let, var, parameters, lambda and clause parameters, `for`
//! variables): which binding a name means at a point of the program.
//!
//! Owns only locals; flows, built-ins and effects are looked up by the checker after a local
//! lookup fails (locals shadow them). Must never type anything itself.

use super::unify::Ty;
use crate::ast::NodeId;
use std::collections::HashMap;

#[derive(Clone, Copy, Debug)]
pub(super) struct Local {
    /// The binding site.
    pub id: NodeId,
    pub ty: Ty,
    pub mutable: bool,
    /// How many lambdas enclose the binding: a `var` may only be assigned at the same depth
    /// (lambdas capture by value).
    pub lambda_depth: u32,
}

/// A stack of bindings with a per-name index, so lookups cost O(1) however many locals are live.
#[derive(Default)]
pub(super) struct Scope<'p> {
    locals: Vec<(&'p str, Local)>,
    by_name: HashMap<&'p str, Vec<usize>>,
    marks: Vec<usize>,
}

impl<'p> Scope<'p> {
    pub(super) fn push(&mut self) {
        self.marks.push(self.locals.len());
    }

    pub(super) fn pop(&mut self) {
        let mark = self.marks.pop().unwrap_or(0);
        while self.locals.len() > mark {
            if let Some((name, _)) = self.locals.pop() {
                if let Some(stack) = self.by_name.get_mut(name) {
                    stack.pop();
                    if stack.is_empty() {
                        self.by_name.remove(name);
                    }
                }
            }
        }
    }

    pub(super) fn bind(&mut self, name: &'p str, local: Local) {
        self.by_name.entry(name).or_default().push(self.locals.len());
        self.locals.push((name, local));
    }

    pub(super) fn lookup(&self, name: &str) -> Option<Local> {
        let &i = self.by_name.get(name)?.last()?;
        self.locals.get(i).map(|(_, local)| *local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::unify::Table;

    fn local(id: u32) -> Local {
        Local {
            id: NodeId(id),
            ty: Table::INT,
            mutable: false,
            lambda_depth: 0,
        }
    }

    #[test]
    fn inner_bindings_shadow_until_popped() {
        let mut s = Scope::default();
        s.push();
        s.bind("x", local(1));
        s.push();
        s.bind("x", local(2));
        s.bind("y", local(3));
        assert_eq!(s.lookup("x").map(|l| l.id), Some(NodeId(2)));
        s.pop();
        assert_eq!(s.lookup("x").map(|l| l.id), Some(NodeId(1)));
        assert!(s.lookup("y").is_none());
        s.pop();
        assert!(s.lookup("x").is_none());
    }
}
