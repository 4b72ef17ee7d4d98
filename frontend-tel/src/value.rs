//! TEL values as the embedder sees them: read out of guest memory by type (to print `main`'s result
//! or pass a performed effect's arguments to a host handler) and written into it (`main`'s
//! arguments, a host handler's answer). Printing uses TEL literal syntax.
//!
//! Must never run code; reads are bounds-checked through the engine's memory API, so a corrupt
//! value is an error, not a crash.

use crate::helpers::{alloc, new_string, read_str_bytes, word};
use crate::layout::*;
use crate::types::Type;
use causeway_engine::host::HostCtx;
use causeway_engine::memory::GuestMemory;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Bool(bool),
    Str(String),
    Unit,
    /// A resource, by the runtime's handle for it, and how the runtime names it when printed.
    Resource(i64, String),
    /// Fields in the order of the literal that built the record.
    Record(Vec<(String, Value)>),
    List(Vec<Value>),
    Function,
}

/// Deepest value nesting read or written (values built by programs are bounded by type depth, but a
/// host must not be able to make us recurse without bound).
const MAX_DEPTH: usize = 256;

/// Reads the value `raw` of type `ty`; `resource` names a resource handle for printing.
pub fn read_value(
    mem: &GuestMemory,
    ty: &Type,
    raw: i64,
    resource: &dyn Fn(i64) -> String,
) -> Result<Value, String> {
    read_at(mem, ty, raw, resource, 0)
}

fn read_at(
    mem: &GuestMemory,
    ty: &Type,
    raw: i64,
    resource: &dyn Fn(i64) -> String,
    depth: usize,
) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err("value nested too deeply".into());
    }
    Ok(match ty {
        Type::Int => Value::Int(raw),
        Type::Bool => Value::Bool(raw != 0),
        Type::Unit | Type::Var(_) => Value::Unit,
        Type::ResourceId => Value::Resource(raw, resource(raw)),
        Type::Func(..) => Value::Function,
        Type::String => {
            let bytes = read_str_bytes(mem, raw)?;
            Value::Str(String::from_utf8(bytes).map_err(|_| "a TEL string that is not UTF-8".to_string())?)
        }
        Type::List(elem) => {
            let n = word(mem, raw, LIST_LEN)?;
            let mut items = Vec::new();
            for i in 0..n {
                let e = word(
                    mem,
                    raw,
                    LIST_ELEMS + 8 * i32::try_from(i).map_err(|_| "list too long")?,
                )?;
                items.push(read_at(mem, elem, e, resource, depth + 1)?);
            }
            Value::List(items)
        }
        Type::Record(fields) => {
            let shape = word(mem, raw, REC_SHAPE)?;
            let n = word(mem, shape, 0)?;
            if n as usize != fields.len() {
                return Err(format!("record shape with {n} fields for type {ty}"));
            }
            let mut out = Vec::with_capacity(fields.len());
            for i in 0..fields.len() as i32 {
                let name = String::from_utf8(read_str_bytes(mem, word(mem, shape, 8 + 16 * i)?)?)
                    .map_err(|_| "a field name that is not UTF-8".to_string())?;
                let slot = word(mem, shape, 16 + 16 * i)?;
                let fty = &fields
                    .get(slot as usize)
                    .ok_or("record shape slot out of range")?
                    .1;
                let v = word(mem, raw, REC_SLOTS + 8 * slot as i32)?;
                out.push((name, read_at(mem, fty, v, resource, depth + 1)?));
            }
            Value::Record(out)
        }
    })
}

/// Writes `v` of type `ty` into the instance's heap; the raw word that represents it.
pub fn write_value(ctx: &mut HostCtx<'_>, ty: &Type, v: &Value) -> Result<i64, String> {
    write_at(ctx, ty, v, 0)
}

fn write_at(ctx: &mut HostCtx<'_>, ty: &Type, v: &Value, depth: usize) -> Result<i64, String> {
    if depth > MAX_DEPTH {
        return Err("value nested too deeply".into());
    }
    let oom = || "OutOfMemory: the TEL heap is full".to_string();
    let words = |ctx: &mut HostCtx<'_>, ws: &[i64]| -> Result<i64, String> {
        let p = alloc(ctx, 8 * ws.len() as u64).ok_or_else(oom)?;
        let bytes: Vec<u8> = ws.iter().flat_map(|w| w.to_le_bytes()).collect();
        ctx.memory.write(p as u64, &bytes).map_err(|e| e.to_string())?;
        Ok(p)
    };
    Ok(match (ty, v) {
        (Type::Int, Value::Int(n)) => *n,
        (Type::Bool, Value::Bool(b)) => *b as i64,
        (Type::Unit, Value::Unit) => 0,
        (Type::ResourceId, Value::Resource(h, _)) => *h,
        (Type::String, Value::Str(s)) => match new_string(ctx, s)? {
            0 => return Err(oom()),
            p => p,
        },
        (Type::List(elem), Value::List(items)) => {
            let mut ws = vec![TAG_LIST, items.len() as i64];
            for it in items {
                ws.push(write_at(ctx, elem, it, depth + 1)?);
            }
            words(ctx, &ws)?
        }
        (Type::Record(fields), Value::Record(vals)) => {
            if vals.len() != fields.len() {
                return Err(format!("a record of {} fields for type {ty}", vals.len()));
            }
            let mut shape = vec![vals.len() as i64];
            let mut slots = vec![0i64; fields.len()];
            for (name, val) in vals {
                let (slot, fty) = ty
                    .field_slot(name)
                    .ok_or_else(|| format!("no field `{name}` in {ty}"))?;
                slots[slot] = write_at(ctx, fty, val, depth + 1)?;
                let n = match new_string(ctx, name)? {
                    0 => return Err(oom()),
                    p => p,
                };
                shape.extend([n, slot as i64]);
            }
            let shape = words(ctx, &shape)?;
            let mut ws = vec![TAG_RECORD, shape];
            ws.extend(slots);
            words(ctx, &ws)?
        }
        (ty, v) => return Err(format!("a value {v} where TEL expects {ty}")),
    })
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Unit => f.write_str("unit"),
            Value::Str(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\t' => f.write_str("\\t")?,
                        c if c.is_control() => write!(f, "\\u{{{:x}}}", c as u32)?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"")
            }
            Value::Resource(_, name) => f.write_str(name),
            Value::Record(fields) => {
                f.write_str("{")?;
                for (i, (n, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}: {v}")?;
                }
                f.write_str("}")
            }
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Function => f.write_str("<function>"),
        }
    }
}
