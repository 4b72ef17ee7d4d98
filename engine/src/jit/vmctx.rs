//! The guest ABI: the `VmContext` that every JIT function receives as its first argument, the libcall
//! signatures JIT code calls back into the engine with, and the codes those libcalls take.
//!
//! `VmContext` is `repr(C)`; JIT code addresses its fields by the `OFFSET_*` constants below, which are
//! checked against the real layout by a compile-time assertion. This module owns the layout only: never logic.

use crate::exec::Counters;
use std::mem::offset_of;
use std::sync::atomic::AtomicI64;

/// One entry of the indirect-call table.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TableEntry {
    /// Native address of the function's body.
    pub code: usize,
    /// Interned signature id (see `jit::CompiledModule`).
    pub sig: u64,
}

/// `host_call(vmctx, import, values, loc_id)`: the one host-call trampoline. `values` holds the
/// arguments on entry and receives the results. Returns only when the guest may continue.
pub type HostCallFn = unsafe extern "C" fn(*mut VmContext, u32, *mut i64, u32);
/// `stop(vmctx, reason, payload)`: the slow path of check points and traps raised in software.
/// For `STOP_CHECK` it returns when the guest may continue; for `STOP_TRAP` it never returns.
pub type StopFn = unsafe extern "C" fn(*mut VmContext, u32, u64);

/// The `import` that asks `host_call` for the code of a dynamic slot instead of calling a host
/// function: `values[0]` holds the slot on entry and receives the native code address.
pub const RESOLVE_IMPORT: u32 = u32::MAX;

/// `stop` reason: a check point saw negative fuel or the interrupt flag.
pub const STOP_CHECK: u32 = 1;
/// `stop` reason: a trap terminator; payload = `trap code << 32 | loc id`.
pub const STOP_TRAP: u32 = 2;
/// `stop` reason: an enabled breakpoint site; payload = site id.
pub const STOP_SITE: u32 = 3;

/// The per-instance context block JIT code runs against.
#[repr(C)]
pub struct VmContext {
    /// Host address of guest address 0.
    pub mem_base: *mut u8,
    pub counters: Counters,
    /// Set nonzero (to `i64::MAX`) by another thread to stop the run at the next check point; metered
    /// code stops when its fuel is below this word, so it is 0 when no interrupt is pending. It lives
    /// outside the context (shared with `InterruptHandle`s) so that a handle can outlive the instance.
    pub interrupt: *const AtomicI64,
    /// Set nonzero by a debugger that wrote the spilled variables of the current frame: debuggable
    /// code reloads them after the breakpoint site returns.
    pub debug_reload: u32,
    pub globals: *mut i64,
    pub table: *const TableEntry,
    pub table_len: u64,
    pub host_call: HostCallFn,
    pub stop: StopFn,
    /// At a breakpoint site in debuggable code: the address of the current frame's spilled variables.
    pub debug_frame: *mut i64,
    /// Engine-side run state (`instance::RunState`), opaque to JIT code.
    pub run_state: *mut u8,
    /// Lowest stack pointer a JIT function may run at: the guest stack's limit plus the headroom that
    /// libcalls and host functions need. Function prologues trap `StackOverflow` below it, so guest
    /// recursion can never leave Rust code called from the guest without stack.
    pub stack_limit: usize,
    /// Native code address per dynamic slot (0 until the slot is resolved); see `ir::DynamicDecl`.
    pub dyn_table: *const usize,
}

pub const OFFSET_MEM_BASE: i32 = 0;
pub const OFFSET_FUEL: i32 = 8;
pub const OFFSET_DEPTH: i32 = 16;
pub const OFFSET_DEPTH_LIMIT: i32 = 24;
pub const OFFSET_INTERRUPT: i32 = 32;
pub const OFFSET_DEBUG_RELOAD: i32 = 40;
pub const OFFSET_GLOBALS: i32 = 48;
pub const OFFSET_TABLE: i32 = 56;
pub const OFFSET_TABLE_LEN: i32 = 64;
pub const OFFSET_HOST_CALL: i32 = 72;
pub const OFFSET_STOP: i32 = 80;
pub const OFFSET_DEBUG_FRAME: i32 = 88;
pub const OFFSET_STACK_LIMIT: i32 = 104;
pub const OFFSET_DYN_TABLE: i32 = 112;

/// Checks the offsets above against the compiler's layout (also run as a unit test).
pub const fn layout_matches() -> bool {
    offset_of!(VmContext, mem_base) == OFFSET_MEM_BASE as usize
        && offset_of!(VmContext, counters) + offset_of!(Counters, fuel) == OFFSET_FUEL as usize
        && offset_of!(VmContext, counters) + offset_of!(Counters, depth) == OFFSET_DEPTH as usize
        && offset_of!(VmContext, counters) + offset_of!(Counters, depth_limit) == OFFSET_DEPTH_LIMIT as usize
        && offset_of!(VmContext, interrupt) == OFFSET_INTERRUPT as usize
        && offset_of!(VmContext, debug_reload) == OFFSET_DEBUG_RELOAD as usize
        && offset_of!(VmContext, globals) == OFFSET_GLOBALS as usize
        && offset_of!(VmContext, table) == OFFSET_TABLE as usize
        && offset_of!(VmContext, table_len) == OFFSET_TABLE_LEN as usize
        && offset_of!(VmContext, host_call) == OFFSET_HOST_CALL as usize
        && offset_of!(VmContext, stop) == OFFSET_STOP as usize
        && offset_of!(VmContext, debug_frame) == OFFSET_DEBUG_FRAME as usize
        && offset_of!(VmContext, stack_limit) == OFFSET_STACK_LIMIT as usize
        && offset_of!(VmContext, dyn_table) == OFFSET_DYN_TABLE as usize
}

const _: () = assert!(layout_matches());
