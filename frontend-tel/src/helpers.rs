//! TEL's run-time helpers: the host functions that compiled TEL code calls synchronously (`helper`
//! imports) for work that is better done in Rust than in IR: string concatenation, string equality,
//! counting the scalar values of bytes a host wrote. Both tiers call the same helpers, so they agree.
//!
//! Helpers see guest memory and globals only through the engine's `HostCtx`; they allocate with the
//! same bump pointer (`G_HEAP_PTR`) as compiled code and never write outside the heap. Must never
//! touch resources or effects.

use crate::layout::*;
use causeway_engine::host::{HostCtx, HostOutcome, Linker};
use causeway_engine::memory::GuestMemory;

/// Defines every helper a lowered TEL module may import.
pub fn define_helpers(linker: &mut Linker) {
    linker.define("tel_concat", |ctx, args, results| {
        results[0] = concat(ctx, args[0], args[1])?;
        Ok(HostOutcome::Return)
    });
    linker.define("tel_str_eq", |ctx, args, results| {
        results[0] = (read_str_bytes(&ctx.memory, args[0])? == read_str_bytes(&ctx.memory, args[1])?) as i64;
        Ok(HostOutcome::Return)
    });
    linker.define("tel_count_chars", |ctx, args, results| {
        let bytes = read_str_bytes(&ctx.memory, args[0])?;
        let s =
            std::str::from_utf8(&bytes).map_err(|_| "InvalidArgument: resource data is not UTF-8 text")?;
        results[0] = s.chars().count() as i64;
        Ok(HostOutcome::Return)
    });
}

/// Reads a word of guest memory.
pub fn word(mem: &GuestMemory, addr: i64, offset: i32) -> Result<i64, String> {
    let ea = mem.effective_addr(addr, offset);
    mem.load(ea, causeway_engine::ir::MemWidth::B64)
        .ok_or_else(|| format!("TEL value at {ea:#x} is outside guest memory"))
}

/// The bytes of the string object at `s`.
pub fn read_str_bytes(mem: &GuestMemory, s: i64) -> Result<Vec<u8>, String> {
    let len = word(mem, s, STR_LEN)?;
    let ea = mem.effective_addr(s, STR_BYTES);
    mem.read(ea, len as usize)
        .map_err(|e| format!("TEL string at {s:#x}: {e}"))
}

/// `size` bytes from the heap (8-aligned), or `None` past its end.
pub fn alloc(ctx: &mut HostCtx<'_>, size: u64) -> Option<i64> {
    let p = ctx.globals[G_HEAP_PTR as usize];
    let np = (p as u64).checked_add(size.div_ceil(8) * 8)?;
    if np > ctx.globals[G_HEAP_END as usize] as u64 {
        return None;
    }
    ctx.globals[G_HEAP_PTR as usize] = np as i64;
    Some(p)
}

/// A new string object holding `s`; 0 when the heap is full (the caller traps `OutOfMemory`).
pub fn new_string(ctx: &mut HostCtx<'_>, s: &str) -> Result<i64, String> {
    let Some(p) = alloc(ctx, string_object_size(s.len() as u64)) else {
        return Ok(0);
    };
    let mut bytes = Vec::with_capacity(STR_BYTES as usize + s.len());
    for w in [TAG_STRING, s.len() as i64, s.chars().count() as i64] {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    bytes.extend_from_slice(s.as_bytes());
    ctx.memory.write(p as u64, &bytes).map_err(|e| e.to_string())?;
    Ok(p)
}

fn concat(ctx: &mut HostCtx<'_>, a: i64, b: i64) -> Result<i64, String> {
    let (la, ca) = (word(&ctx.memory, a, STR_LEN)?, word(&ctx.memory, a, STR_CHARS)?);
    let (lb, cb) = (word(&ctx.memory, b, STR_LEN)?, word(&ctx.memory, b, STR_CHARS)?);
    let len = la as u64 + lb as u64;
    let Some(p) = alloc(ctx, string_object_size(len)) else {
        return Ok(0);
    };
    let mut bytes = Vec::with_capacity(STR_BYTES as usize + len as usize);
    for w in [TAG_STRING, len as i64, ca + cb] {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    bytes.extend(read_str_bytes(&ctx.memory, a)?);
    bytes.extend(read_str_bytes(&ctx.memory, b)?);
    ctx.memory.write(p as u64, &bytes).map_err(|e| e.to_string())?;
    Ok(p)
}
