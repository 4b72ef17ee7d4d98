//! The IR printer: renders modules, functions, instructions and terminators in the canonical text
//! form that [`super::parse::parse_module`] reads back.
//!
//! Owns the canonical spelling of every construct (see the grammar in `parse.rs`). For every module
//! that passes the verifier and spells its stores canonically (`MemWidth::store_of_bytes`),
//! `parse_module(&print_module(m)) == Ok(m)`.
//!
//! The printer must never fail, panic or validate: it prints whatever it is given, invalid modules
//! included (an out-of-range function or import id prints as `@<invalid func N>`), because the
//! verifier uses it to render the instruction an error is about.

use super::{
    AddrWidth, Block, FuncId, Function, ImportId, ImportKind, Inst, InstKind, MemWidth, Metering, Module,
    Operand, Signature, SourceLoc, Terminator, Type, Var,
};
use std::fmt::{self, Write};

/// Prints a whole module: directives first, then the functions, each preceded by a blank line.
pub fn print_module(m: &Module) -> String {
    let mut out = String::new();
    match m.memory.addr {
        AddrWidth::A32 => out.push_str("memory a32\n"),
        AddrWidth::A64 { size } => {
            let _ = writeln!(out, "memory a64 {size:#x}");
        }
    }
    let metering = match m.metering {
        Metering::PerInst => "per_inst",
        Metering::PerMark => "per_mark",
    };
    let _ = writeln!(out, "metering {metering}");
    for r in &m.memory.regions {
        let _ = writeln!(out, "region {:#x} {:#x} {}", r.base, r.size, r.rights.name());
    }
    for d in &m.memory.data {
        let _ = writeln!(out, "data {:#x} {}", d.addr, quote_bytes(&d.bytes));
    }
    for (i, g) in m.globals.iter().enumerate() {
        let _ = writeln!(out, "global g{i}: {} = {}", g.ty.name(), g.init);
    }
    for imp in &m.imports {
        let kind = match imp.kind {
            ImportKind::Effect => "effect",
            ImportKind::Helper => "helper",
        };
        let _ = writeln!(
            out,
            "import {kind} {}{}",
            name_text(&imp.name),
            print_signature(&imp.sig)
        );
    }
    if !m.table.is_empty() {
        let entries: Vec<String> = m.table.iter().map(|&f| func_ref(m, f)).collect();
        let _ = writeln!(out, "table [{}]", entries.join(", "));
    }
    if let Some(d) = &m.dynamic {
        let _ = writeln!(out, "dynamic {} {}", d.slots, print_signature(&d.sig));
    }
    for f in &m.funcs {
        out.push('\n');
        out.push_str(&print_function(m, f));
    }
    out
}

/// Prints one function (`m` resolves the names of callees and imports).
pub fn print_function(m: &Module, f: &Function) -> String {
    let mut out = String::new();
    let params: Vec<String> = f
        .sig
        .params
        .iter()
        .enumerate()
        .map(|(i, t)| format!("v{i}: {}", t.name()))
        .collect();
    let _ = writeln!(
        out,
        "func {}({}) -> {} {{",
        name_text(&f.name),
        params.join(", "),
        type_list(&f.sig.results)
    );
    let first_local = f.sig.params.len();
    if f.vars.len() > first_local {
        let vars: Vec<String> = f
            .vars
            .iter()
            .enumerate()
            .skip(first_local)
            .map(|(i, t)| format!("v{i}: {}", t.name()))
            .collect();
        let _ = writeln!(out, "    vars {}", vars.join(", "));
    }
    for (i, b) in f.blocks.iter().enumerate() {
        match b.on_interrupt {
            Some(exit) => {
                let _ = writeln!(out, "block{i} interrupt block{}:", exit.0);
            }
            None => {
                let _ = writeln!(out, "block{i}:");
            }
        }
        for inst in &b.insts {
            let _ = writeln!(out, "    {}", print_inst(m, inst));
        }
        let _ = writeln!(out, "    {}", print_block_terminator(b));
    }
    out.push_str("}\n");
    out
}

/// Prints one instruction on one line, without indentation, with its `#LOC` suffix if it has one.
pub fn print_inst(m: &Module, inst: &Inst) -> String {
    let mut s = inst_body(m, &inst.kind);
    push_loc(&mut s, inst.loc);
    s
}

/// Prints a terminator on one line, without indentation, with a `#LOC` suffix if `loc` is set.
pub fn print_terminator(term: &Terminator, loc: Option<SourceLoc>) -> String {
    let mut s = match term {
        Terminator::Jump(b) => format!("jump block{}", b.0),
        Terminator::Brif { cond, then, else_ } => {
            format!("brif {}, block{}, block{}", Op(*cond), then.0, else_.0)
        }
        Terminator::BrTable {
            index,
            targets,
            default,
        } => {
            let targets: Vec<String> = targets.iter().map(|b| format!("block{}", b.0)).collect();
            format!(
                "br_table {}, [{}], block{}",
                Op(*index),
                targets.join(", "),
                default.0
            )
        }
        Terminator::Return(vals) if vals.is_empty() => "return".to_string(),
        Terminator::Return(vals) => format!("return {}", operands(vals)),
        Terminator::Trap(code) => format!("trap {}", code.name()),
    };
    push_loc(&mut s, loc);
    s
}

/// Prints a block's terminator with the block's `term_loc`.
pub fn print_block_terminator(b: &Block) -> String {
    print_terminator(&b.term, b.term_loc)
}

/// Prints a signature as `(T, ...) -> (T, ...)`.
pub fn print_signature(sig: &Signature) -> String {
    format!("{} -> {}", type_list(&sig.params), type_list(&sig.results))
}

/// The `@name` spelling of a function or import name: bare when it consists only of ASCII letters,
/// digits, `_` and `.` (and is not empty), otherwise quoted like a data string: `@"a b"`.
pub fn name_text(name: &str) -> String {
    if is_bare_name(name) {
        format!("@{name}")
    } else {
        format!("@{}", quote_bytes(name.as_bytes()))
    }
}

/// Whether a name prints without quotes.
pub(crate) fn is_bare_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(is_name_byte)
}

/// Bytes allowed in a bare `@name` (also the identifier continuation bytes of the lexer).
pub(crate) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

/// A double-quoted string literal: printable ASCII as-is except `"` and `\`; `\n`, `\t`, `\\`, `\"`;
/// `\xHH` for every other byte.
pub fn quote_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('"');
    s
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&print_module(self))
    }
}

/// Displays an operand: `vN` or a decimal immediate.
struct Op(Operand);

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Operand::Var(v) => write!(f, "v{}", v.0),
            Operand::Imm(i) => write!(f, "{i}"),
        }
    }
}

fn operands(ops: &[Operand]) -> String {
    let v: Vec<String> = ops.iter().map(|&o| Op(o).to_string()).collect();
    v.join(", ")
}

fn type_list(types: &[Type]) -> String {
    let v: Vec<&str> = types.iter().map(|t| t.name()).collect();
    format!("({})", v.join(", "))
}

fn push_loc(s: &mut String, loc: Option<SourceLoc>) {
    if let Some(SourceLoc(l)) = loc {
        let _ = write!(s, " #{l:#x}");
    }
}

fn func_ref(m: &Module, f: FuncId) -> String {
    match m.funcs.get(f.0 as usize) {
        Some(func) => name_text(&func.name),
        None => format!("@<invalid func {}>", f.0),
    }
}

fn import_ref(m: &Module, i: ImportId) -> String {
    match m.imports.get(i.0 as usize) {
        Some(imp) => name_text(&imp.name),
        None => format!("@<invalid import {}>", i.0),
    }
}

fn defs_prefix(dsts: &[Var]) -> String {
    if dsts.is_empty() {
        String::new()
    } else {
        let v: Vec<String> = dsts.iter().map(|d| format!("v{}", d.0)).collect();
        format!("{} = ", v.join(", "))
    }
}

fn address(addr: Operand, offset: i32) -> String {
    match offset {
        0 => format!("[{}]", Op(addr)),
        o if o > 0 => format!("[{} + {o}]", Op(addr)),
        o => format!("[{} - {}]", Op(addr), (o as i64).unsigned_abs()),
    }
}

fn inst_body(m: &Module, kind: &InstKind) -> String {
    match kind {
        InstKind::Const { dst, imm } => format!("v{} = iconst {imm}", dst.0),
        InstKind::Copy { dst, src } => format!("v{} = copy {}", dst.0, Op(*src)),
        InstKind::Binary { op, dst, a, b } => format!("v{} = {} {}, {}", dst.0, op.name(), Op(*a), Op(*b)),
        InstKind::Unary { op, dst, a } => format!("v{} = {} {}", dst.0, op.name(), Op(*a)),
        InstKind::Icmp { cond, dst, a, b } => {
            format!("v{} = icmp {} {}, {}", dst.0, cond.name(), Op(*a), Op(*b))
        }
        InstKind::Select { dst, cond, a, b } => {
            format!("v{} = select {}, {}, {}", dst.0, Op(*cond), Op(*a), Op(*b))
        }
        InstKind::Load {
            width,
            dst,
            addr,
            offset,
        } => {
            format!("v{} = load.{} {}", dst.0, width.name(), address(*addr, *offset))
        }
        InstKind::Store {
            width,
            addr,
            offset,
            value,
        } => {
            let w = MemWidth::store_of_bytes(width.bytes()).unwrap_or(*width);
            format!("store.{} {}, {}", w.name(), address(*addr, *offset), Op(*value))
        }
        InstKind::GlobalGet { dst, global } => format!("v{} = global.get g{}", dst.0, global.0),
        InstKind::GlobalSet { global, value } => format!("global.set g{}, {}", global.0, Op(*value)),
        InstKind::Call { func, args, dsts } => {
            format!(
                "{}call {}({})",
                defs_prefix(dsts),
                func_ref(m, *func),
                operands(args)
            )
        }
        InstKind::CallIndirect {
            sig,
            index,
            args,
            dsts,
        } => format!(
            "{}call_indirect {}, {}({})",
            defs_prefix(dsts),
            print_signature(sig),
            Op(*index),
            operands(args)
        ),
        InstKind::CallDyn { slot, args, dsts } => {
            format!("{}call_dyn {}({})", defs_prefix(dsts), Op(*slot), operands(args))
        }
        InstKind::HostCall { import, args, dsts } => {
            format!(
                "{}hostcall {}({})",
                defs_prefix(dsts),
                import_ref(m, *import),
                operands(args)
            )
        }
        InstKind::Mark => "mark".to_string(),
        InstKind::Depth { dst } => format!("{} = depth", Op(Operand::Var(*dst))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{
        BinOp, BlockId, Cond, DataInit, Global, GlobalId, Import, MemoryDecl, RegionDecl, Rights, TrapCode,
        UnOp,
    };

    fn inst(kind: InstKind) -> Inst {
        Inst { kind, loc: None }
    }

    fn v(n: u32) -> Operand {
        Operand::Var(Var(n))
    }

    #[test]
    fn prints_a_hand_built_module() {
        let sig = Signature {
            params: vec![Type::I64, Type::I32],
            results: vec![Type::I64],
        };
        let main = Function {
            name: "main".into(),
            sig: sig.clone(),
            vars: vec![Type::I64, Type::I32, Type::I64, Type::I32],
            blocks: vec![
                Block {
                    insts: vec![
                        Inst {
                            kind: InstKind::Const {
                                dst: Var(2),
                                imm: -42,
                            },
                            loc: Some(SourceLoc(0x1000)),
                        },
                        inst(InstKind::Copy {
                            dst: Var(2),
                            src: Operand::Imm(7),
                        }),
                        inst(InstKind::Binary {
                            op: BinOp::MulHighSU,
                            dst: Var(2),
                            a: v(0),
                            b: Operand::Imm(-5),
                        }),
                        inst(InstKind::Unary {
                            op: UnOp::ExtendU,
                            dst: Var(2),
                            a: v(1),
                        }),
                        inst(InstKind::Icmp {
                            cond: Cond::GeU,
                            dst: Var(3),
                            a: v(0),
                            b: v(2),
                        }),
                        inst(InstKind::Select {
                            dst: Var(2),
                            cond: v(3),
                            a: v(0),
                            b: Operand::Imm(7),
                        }),
                        inst(InstKind::Load {
                            width: MemWidth::U16,
                            dst: Var(2),
                            addr: v(1),
                            offset: 16,
                        }),
                        inst(InstKind::Load {
                            width: MemWidth::B64,
                            dst: Var(2),
                            addr: v(1),
                            offset: -4,
                        }),
                        inst(InstKind::Load {
                            width: MemWidth::S8,
                            dst: Var(2),
                            addr: Operand::Imm(4096),
                            offset: 0,
                        }),
                        inst(InstKind::Store {
                            width: MemWidth::S32,
                            addr: v(1),
                            offset: i32::MIN,
                            value: v(3),
                        }),
                        inst(InstKind::Store {
                            width: MemWidth::S8,
                            addr: v(1),
                            offset: i32::MAX,
                            value: v(3),
                        }),
                        inst(InstKind::GlobalGet {
                            dst: Var(2),
                            global: GlobalId(0),
                        }),
                        inst(InstKind::GlobalSet {
                            global: GlobalId(0),
                            value: Operand::Imm(1),
                        }),
                        inst(InstKind::Call {
                            func: FuncId(1),
                            args: vec![],
                            dsts: vec![],
                        }),
                        inst(InstKind::Call {
                            func: FuncId(0),
                            args: vec![v(0), Operand::Imm(1)],
                            dsts: vec![Var(2)],
                        }),
                        inst(InstKind::CallIndirect {
                            sig: Signature {
                                params: vec![],
                                results: vec![Type::I32, Type::I64],
                            },
                            index: Operand::Imm(0),
                            args: vec![],
                            dsts: vec![Var(3), Var(2)],
                        }),
                        inst(InstKind::HostCall {
                            import: ImportId(0),
                            args: vec![v(2)],
                            dsts: vec![],
                        }),
                        Inst {
                            kind: InstKind::Mark,
                            loc: Some(SourceLoc(0x1004)),
                        },
                    ],
                    term: Terminator::Brif {
                        cond: v(3),
                        then: BlockId(1),
                        else_: BlockId(0),
                    },
                    term_loc: Some(SourceLoc(255)),
                    on_interrupt: None,
                },
                Block {
                    insts: vec![],
                    term: Terminator::Return(vec![v(2)]),
                    term_loc: None,
                    on_interrupt: None,
                },
            ],
        };
        let other = Function {
            name: "a b\"".into(),
            sig: Signature::default(),
            vars: vec![],
            blocks: vec![Block {
                insts: vec![],
                term: Terminator::Trap(TrapCode::User(9)),
                term_loc: None,
                on_interrupt: None,
            }],
        };
        let m = Module {
            memory: MemoryDecl {
                addr: AddrWidth::A64 { size: 1 << 32 },
                regions: vec![RegionDecl {
                    base: 0x1000,
                    size: 0x2000,
                    rights: Rights::Read,
                }],
                data: vec![DataInit {
                    addr: 0x1000,
                    bytes: vec![b'a', 0, 0x7f, b'\\', b'"', b'\n', b'\t', 0xff],
                }],
            },
            metering: Metering::PerMark,
            globals: vec![Global {
                ty: Type::I32,
                init: -1,
            }],
            imports: vec![Import {
                name: "log".into(),
                kind: ImportKind::Effect,
                sig: Signature::default(),
            }],
            funcs: vec![main, other],
            table: vec![],
            dynamic: None,
        };
        let expected = r#"memory a64 0x100000000
metering per_mark
region 0x1000 0x2000 r
data 0x1000 "a\x00\x7f\\\"\n\t\xff"
global g0: i32 = -1
import effect @log() -> ()

func @main(v0: i64, v1: i32) -> (i64) {
    vars v2: i64, v3: i32
block0:
    v2 = iconst -42 #0x1000
    v2 = copy 7
    v2 = mulh_su v0, -5
    v2 = extend_u v1
    v3 = icmp ge_u v0, v2
    v2 = select v3, v0, 7
    v2 = load.u16 [v1 + 16]
    v2 = load.64 [v1 - 4]
    v2 = load.s8 [4096]
    store.u32 [v1 - 2147483648], v3
    store.u8 [v1 + 2147483647], v3
    v2 = global.get g0
    global.set g0, 1
    call @"a b\""()
    v2 = call @main(v0, 1)
    v3, v2 = call_indirect () -> (i32, i64), 0()
    hostcall @log(v2)
    mark #0x1004
    brif v3, block1, block0 #0xff
block1:
    return v2
}

func @"a b\""() -> () {
block0:
    trap user9
}
"#;
        assert_eq!(print_module(&m), expected);
        assert_eq!(m.to_string(), expected);
        assert_eq!(
            print_function(&m, &m.funcs[1]),
            "func @\"a b\\\"\"() -> () {\nblock0:\n    trap user9\n}\n"
        );
    }

    #[test]
    fn prints_invalid_modules_without_panicking() {
        let f = Function {
            name: String::new(),
            sig: Signature {
                params: vec![Type::I64, Type::I64],
                results: vec![],
            },
            vars: vec![],
            blocks: vec![Block {
                insts: vec![
                    inst(InstKind::Call {
                        func: FuncId(7),
                        args: vec![],
                        dsts: vec![Var(99)],
                    }),
                    inst(InstKind::HostCall {
                        import: ImportId(3),
                        args: vec![],
                        dsts: vec![],
                    }),
                ],
                term: Terminator::BrTable {
                    index: Operand::Imm(-1),
                    targets: vec![],
                    default: BlockId(42),
                },
                term_loc: None,
                on_interrupt: None,
            }],
        };
        let m = Module {
            funcs: vec![f],
            table: vec![FuncId(5)],
            ..Module::default()
        };
        let text = print_module(&m);
        assert!(text.contains("table [@<invalid func 5>]"), "{text}");
        assert!(
            text.contains("func @\"\"(v0: i64, v1: i64) -> () {\nblock0:\n"),
            "{text}"
        );
        assert!(
            text.contains("    v99 = call @<invalid func 7>()\n    hostcall @<invalid import 3>()\n"),
            "{text}"
        );
        assert!(text.contains("    br_table -1, [], block42\n"), "{text}");
    }

    #[test]
    fn names_and_strings() {
        assert_eq!(name_text("f.x_1"), "@f.x_1");
        assert_eq!(name_text("9"), "@9");
        assert_eq!(name_text(""), "@\"\"");
        assert_eq!(name_text("é"), "@\"\\xc3\\xa9\"");
        assert_eq!(quote_bytes(b" ~\x1f\x80"), "\" ~\\x1f\\x80\"");
        assert_eq!(
            print_signature(&Signature {
                params: vec![Type::I32, Type::I64],
                results: vec![]
            }),
            "(i32, i64) -> ()"
        );
    }
}
