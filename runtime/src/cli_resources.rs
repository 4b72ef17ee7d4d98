//! `causeway resources --store PATH [--domain D] [--json]`: lists the registers of a persistent store,
//! as a table (one register per line) or as JSON. The command-line tool only parses arguments and
//! prints what [`list_resources`] returns.
//!
//! The listing runs as the store's owner (the CLI's owner, with every right:
//! `CapabilityManager::full_context`) through `ResourceManager::list`, so it sees what any fully
//! privileged caller sees: every register of every domain (tombstones included), in domain then id
//! order.
//!
//! It never creates a store: a missing path, a directory, an empty file (which opening would turn into
//! a fresh store), a file that is not a store, and a store in use elsewhere are errors naming the path
//! and the reason. A domain without registers is an empty listing, not an error.
//!
//! JSON: an array with one object per line, `{"id", "kind", "quantity", "owner", "domain", "state",
//! "version", "nonce", "data_len"}`. `id` and `owner` are the full 64-digit hex; `quantity` is a
//! decimal *string*, because it is a `u128` and JSON readers commonly hold numbers in an `f64`, which
//! would silently round quantities above 2^53. Strings are escaped by [`json_string`].

use crate::capability::CapabilityManager;
use crate::error::{ResourceError, VmError};
use crate::ir_host::cli_owner;
use crate::resources::ResourceManager;
use crate::store::persistent::PersistentStore;
use crate::types::{DomainId, RegisterFilter, ResourceRegister};
use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;

/// Hex digits of the owner shown in the table (the JSON has all 64).
pub const OWNER_PREFIX: usize = 16;

fn store_error(msg: String) -> VmError {
    ResourceError::Store(msg).into()
}

/// Checks that `path` is a non-empty file before opening it, so that listing never creates a store.
fn check_store_file(path: &Path) -> Result<(), VmError> {
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(store_error(format!(
                "no store at {shown}: the file does not exist"
            )))
        }
        Err(e) => return Err(store_error(format!("cannot read {shown}: {e}"))),
    };
    if meta.is_dir() {
        return Err(store_error(format!("{shown} is a directory, not a store file")));
    }
    if meta.len() == 0 {
        return Err(store_error(format!("{shown} is an empty file, not a store")));
    }
    Ok(())
}

/// The registers of the store at `path` (of `domain` only, when given), rendered as a table or as
/// JSON (see the module docs). Errors name the path and what is wrong with it.
pub fn list_resources(path: &Path, domain: Option<&str>, json: bool) -> Result<String, VmError> {
    if domain == Some("") {
        return Err(ResourceError::InvalidArgument("the domain name is empty".into()).into());
    }
    check_store_file(path)?;
    let store = PersistentStore::open(path)?;
    let caps = Arc::new(CapabilityManager::new());
    let ctx = caps.full_context(cli_owner(), DomainId::new(domain.unwrap_or("local")));
    let manager = ResourceManager::new(Arc::new(store), caps);
    let filter = RegisterFilter {
        domain: domain.map(DomainId::new),
        ..Default::default()
    };
    let registers = manager.list(Some(filter), &ctx)?;
    Ok(if json {
        render_json(&registers)
    } else if registers.is_empty() {
        match domain {
            Some(d) => format!(
                "no registers in domain `{}` of {}\n",
                printable(d),
                path.display()
            ),
            None => format!("no registers in {}\n", path.display()),
        }
    } else {
        render_table(&registers)
    })
}

/// `s` with control characters and backslashes escaped, so that a name always stays on its line and
/// in its column.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// One line per register under a header: id (hex), kind, quantity, owner (hex prefix), domain,
/// state, version; columns padded to their widest cell, numbers right-aligned.
pub fn render_table(registers: &[ResourceRegister]) -> String {
    const HEADER: [&str; 7] = ["ID", "KIND", "QUANTITY", "OWNER", "DOMAIN", "STATE", "VERSION"];
    const RIGHT_ALIGNED: [bool; 7] = [false, false, true, false, false, false, true];
    let rows: Vec<[String; 7]> = registers
        .iter()
        .map(|r| {
            [
                r.id.to_hex(),
                printable(&r.kind),
                r.quantity.to_string(),
                r.owner.to_hex()[..OWNER_PREFIX].to_owned(),
                printable(&r.domain.0),
                r.state.to_string(),
                r.version.to_string(),
            ]
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = HEADER.map(str::to_owned);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = widths[i] - cell.chars().count();
            if RIGHT_ALIGNED[i] {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `s` as a JSON string literal: quotes, backslashes and control characters escaped (RFC 8259).
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if c < '\u{20}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON array of the registers, one object per line (see the module docs for the fields).
pub fn render_json(registers: &[ResourceRegister]) -> String {
    if registers.is_empty() {
        return "[]\n".to_owned();
    }
    let mut out = String::from("[\n");
    for (i, r) in registers.iter().enumerate() {
        let _ = write!(
            out,
            "  {{\"id\": \"{}\", \"kind\": {}, \"quantity\": \"{}\", \"owner\": \"{}\", \"domain\": {}, \
             \"state\": \"{}\", \"version\": {}, \"nonce\": {}, \"data_len\": {}}}",
            r.id.to_hex(),
            json_string(&r.kind),
            r.quantity,
            r.owner.to_hex(),
            json_string(&r.domain.0),
            r.state,
            r.version,
            r.nonce,
            r.data.len()
        );
        out.push_str(if i + 1 < registers.len() { ",\n" } else { "\n" });
    }
    out.push_str("]\n");
    out
}
