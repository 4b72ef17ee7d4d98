//! The run-time layout of TEL values: the one definition that the lowering (which emits loads and
//! stores), the helpers (which build strings) and the value reader (which prints results) share.
//!
//! Every TEL value is one 64-bit word. `Int` is itself; `Bool` is 0 or 1; `Unit` is 0; a
//! `ResourceId` is the runtime's resource handle. Strings, lists, records and functions are guest
//! addresses of heap objects, each starting with a tag word:
//!
//! | object | words |
//! | --- | --- |
//! | string | `TAG_STRING`, byte length, scalar count, UTF-8 bytes (padded to 8) |
//! | list | `TAG_LIST`, length, elements |
//! | record | `TAG_RECORD`, shape address, slots (fields sorted by name) |
//! | closure | `TAG_CLOSURE`, table index of its code, arity, captured values |
//! | handler | `TAG_HANDLER`, next handler, clause count, (effect id, clause table index) per clause, captures |
//! | cell | `TAG_CELL`, value (a `var` that a handler clause may assign) |
//!
//! A record *shape* (static data) lists the fields in the order of the literal that built the value:
//! field count, then (name string address, slot) per field. A partial application is a closure whose
//! code is a generated adapter and whose captures are the function and the arguments given so far.
//!
//! Guest memory: nothing below `DATA_BASE` (null stays invalid), static data (string literals, flow
//! closures, shapes) read-only from `DATA_BASE`, then the heap, read-write, up to the configured limit.
//! Allocation bumps the `HEAP_PTR` global; past the heap's end the program stops with `OutOfMemory`.

/// Bytes per word.
pub const WORD: i64 = 8;

pub const TAG_STRING: i64 = 1;
pub const TAG_LIST: i64 = 2;
pub const TAG_RECORD: i64 = 3;
pub const TAG_CLOSURE: i64 = 4;
pub const TAG_HANDLER: i64 = 5;
pub const TAG_CELL: i64 = 6;

/// String: byte length, scalar count, bytes.
pub const STR_LEN: i32 = 8;
pub const STR_CHARS: i32 = 16;
pub const STR_BYTES: i32 = 24;
/// List: length, elements.
pub const LIST_LEN: i32 = 8;
pub const LIST_ELEMS: i32 = 16;
/// Record: shape, slots.
pub const REC_SHAPE: i32 = 8;
pub const REC_SLOTS: i32 = 16;
/// Closure: code (table index), arity, captures.
pub const CLO_CODE: i32 = 8;
pub const CLO_ARITY: i32 = 16;
pub const CLO_ENV: i32 = 24;
/// Handler record: next, clause count, clauses (effect id, code), then captures.
pub const HND_NEXT: i32 = 8;
pub const HND_COUNT: i32 = 16;
pub const HND_CLAUSES: i32 = 24;
/// Cell: value.
pub const CELL_VALUE: i32 = 8;

/// Guest memory layout.
pub const PAGE: u64 = 4096;
pub const DATA_BASE: u64 = 0x1_0000;

/// Globals of every TEL module, by index.
pub const G_HEAP_PTR: u32 = 0;
/// The innermost installed handler record (0: none).
pub const G_HANDLERS: u32 = 1;
/// While an aborting clause unwinds: the handler record it belongs to (0: not unwinding).
pub const G_UNWIND: u32 = 2;
/// The aborting clause's value.
pub const G_ABORT_VALUE: u32 = 3;
/// The heap's end (exclusive): allocation past it is `OutOfMemory`.
pub const G_HEAP_END: u32 = 4;
/// Set by a `@perform_E` that found no TEL clause: the `perform` site then calls the host itself,
/// so that a failing host effect reports that site's position.
pub const G_PERFORM_MISS: u32 = 5;
pub const GLOBAL_COUNT: usize = 6;

/// The default heap limit (the embedder may configure another).
pub const DEFAULT_HEAP_SIZE: u64 = 64 << 20;

/// Bytes of a string object holding `len` bytes (header plus padded bytes).
pub fn string_object_size(len: u64) -> u64 {
    STR_BYTES as u64 + len.div_ceil(8) * 8
}

/// Trap codes of TEL's run-time errors (`TrapCode::User(n)`); arithmetic errors use the engine's own.
pub const TRAP_INDEX_OUT_OF_BOUNDS: u16 = 1;
pub const TRAP_OUT_OF_MEMORY: u16 = 2;
