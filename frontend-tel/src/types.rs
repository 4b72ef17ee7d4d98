//! TEL types, as the checker infers them and the lowering and value printer read them.
//!
//! Function types are curried (`(A, B) -> C` is `Func(A, Func(B, C))`) so that the SPEC's "same
//! type" rule is plain structural equality. Record fields are kept sorted by name (records are
//! structural); the order a record *prints* in is a property of the value, not of its type.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Int,
    Bool,
    String,
    Unit,
    ResourceId,
    /// Fields sorted by name, no duplicates, at least one.
    Record(Vec<(String, Type)>),
    List(Box<Type>),
    /// One parameter, curried.
    Func(Box<Type>, Box<Type>),
    /// An inference variable (only while checking; the checker's output has none: unconstrained
    /// variables default to `Unit`).
    Var(u32),
}

impl Type {
    /// `(params) -> ret`, curried. No parameters means `() -> ret`, modelled as `(Unit) -> ret`.
    pub fn func(params: &[Type], ret: Type) -> Type {
        if params.is_empty() {
            return Type::Func(Box::new(Type::Unit), Box::new(ret));
        }
        params
            .iter()
            .rev()
            .fold(ret, |acc, p| Type::Func(Box::new(p.clone()), Box::new(acc)))
    }

    /// A record type from fields in any order (sorted here).
    pub fn record(mut fields: Vec<(String, Type)>) -> Type {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        Type::Record(fields)
    }

    /// The slot of field `name` in a record value of this type (fields are laid out sorted).
    pub fn field_slot(&self, name: &str) -> Option<(usize, &Type)> {
        match self {
            Type::Record(fields) => fields
                .iter()
                .enumerate()
                .find(|(_, (n, _))| n == name)
                .map(|(i, (_, t))| (i, t)),
            _ => None,
        }
    }

    /// Whether values of this type are heap pointers (strings, lists, records, functions).
    pub fn is_heap(&self) -> bool {
        matches!(
            self,
            Type::String | Type::Record(_) | Type::List(_) | Type::Func(..)
        )
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Int => f.write_str("Int"),
            Type::Bool => f.write_str("Bool"),
            Type::String => f.write_str("String"),
            Type::Unit => f.write_str("Unit"),
            Type::ResourceId => f.write_str("ResourceId"),
            Type::Record(fields) => {
                f.write_str("{")?;
                for (i, (n, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}: {t}")?;
                }
                f.write_str("}")
            }
            Type::List(t) => write!(f, "[{t}]"),
            Type::Func(a, r) => {
                // Print curried types uncurried: (A, B) -> C.
                let mut params = vec![a.as_ref()];
                let mut ret = r.as_ref();
                while let Type::Func(a, r) = ret {
                    params.push(a);
                    ret = r;
                }
                f.write_str("(")?;
                for (i, p) in params.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                write!(f, ") -> {ret}")
            }
            Type::Var(v) => write!(f, "?{v}"),
        }
    }
}
