//! The assembler-like text form of [`Inst`]: GNU `objdump -M no-aliases` syntax with `, ` separators,
//! ABI register names and pc-relative jump/branch targets (`+12`).
//!
//! Owns printing only; it must never panic, even on hand-built values with out-of-range registers, and
//! never print pseudo-instructions (the text names exactly the decoded instruction).

use std::fmt;

use super::{AluOp, CsrOp, CsrSrc, Inst, Reg, REG_NAMES};

/// A hand-built `Inst` may carry an out-of-range register; printing must not panic on it.
fn reg_name(r: Reg) -> &'static str {
    REG_NAMES.get(usize::from(r)).copied().unwrap_or("x?")
}

/// Names of the CSRs a user-mode guest is likely to touch plus the common supervisor and machine ones,
/// spelled as the GNU disassembler does; the hpmcounters are handled by `write_csr`.
fn csr_name(csr: u16) -> Option<&'static str> {
    let name = match csr {
        0x001 => "fflags",
        0x002 => "frm",
        0x003 => "fcsr",
        0xc00 => "cycle",
        0xc01 => "time",
        0xc02 => "instret",
        0xc80 => "cycleh",
        0xc81 => "timeh",
        0xc82 => "instreth",
        0x100 => "sstatus",
        0x104 => "sie",
        0x105 => "stvec",
        0x106 => "scounteren",
        0x140 => "sscratch",
        0x141 => "sepc",
        0x142 => "scause",
        0x143 => "stval",
        0x144 => "sip",
        0x180 => "satp",
        0x300 => "mstatus",
        0x301 => "misa",
        0x302 => "medeleg",
        0x303 => "mideleg",
        0x304 => "mie",
        0x305 => "mtvec",
        0x306 => "mcounteren",
        0x340 => "mscratch",
        0x341 => "mepc",
        0x342 => "mcause",
        0x343 => "mtval",
        0x344 => "mip",
        0xb00 => "mcycle",
        0xb02 => "minstret",
        0xb80 => "mcycleh",
        0xb82 => "minstreth",
        0xf11 => "mvendorid",
        0xf12 => "marchid",
        0xf13 => "mimpid",
        0xf14 => "mhartid",
        _ => return None,
    };
    Some(name)
}

/// Unnamed CSRs print as their number, which the assembler accepts back.
fn write_csr(f: &mut fmt::Formatter<'_>, csr: u16) -> fmt::Result {
    match (csr_name(csr), csr) {
        (Some(name), _) => f.write_str(name),
        (None, 0xc03..=0xc1f) => write!(f, "hpmcounter{}", csr - 0xc00),
        (None, 0xc83..=0xc9f) => write!(f, "hpmcounter{}h", csr - 0xc80),
        (None, _) => write!(f, "{csr:#x}"),
    }
}

/// The `.aq`/`.rl`/`.aqrl` ordering suffix of the A extension.
fn ordering(aq: bool, rl: bool) -> &'static str {
    match (aq, rl) {
        (false, false) => "",
        (true, false) => ".aq",
        (false, true) => ".rl",
        (true, true) => ".aqrl",
    }
}

fn width_suffix(word: bool) -> &'static str {
    if word {
        ".w"
    } else {
        ".d"
    }
}

/// The 20-bit field as the assembler writes it (`lui a0, 0xfffff` for -4096).
fn upper_field(imm: i64) -> u64 {
    ((imm >> 12) as u64) & 0xf_ffff
}

impl fmt::Display for Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = reg_name;
        match *self {
            Inst::Lui { rd, imm } => write!(f, "lui {}, {:#x}", r(rd), upper_field(imm)),
            Inst::Auipc { rd, imm } => write!(f, "auipc {}, {:#x}", r(rd), upper_field(imm)),
            Inst::Jal { rd, offset } => write!(f, "jal {}, {offset:+}", r(rd)),
            Inst::Jalr { rd, rs1, offset } => write!(f, "jalr {}, {offset}({})", r(rd), r(rs1)),
            Inst::Branch {
                cond,
                rs1,
                rs2,
                offset,
            } => {
                write!(f, "{} {}, {}, {offset:+}", cond.mnemonic(), r(rs1), r(rs2))
            }
            Inst::Load {
                width,
                rd,
                rs1,
                offset,
            } => {
                write!(f, "{} {}, {offset}({})", width.mnemonic(), r(rd), r(rs1))
            }
            Inst::Store {
                width,
                rs1,
                rs2,
                offset,
            } => {
                write!(f, "{} {}, {offset}({})", width.mnemonic(), r(rs2), r(rs1))
            }
            Inst::OpImm {
                op,
                rd,
                rs1,
                imm,
                word,
            } => {
                // sltu is the one op whose immediate form does not simply append `i`.
                let base = if op == AluOp::Sltu { "slti" } else { op.mnemonic() };
                let tail = match (op, word) {
                    (AluOp::Sltu, _) => "u",
                    (_, true) => "iw",
                    (_, false) => "i",
                };
                write!(f, "{base}{tail} {}, {}, {imm}", r(rd), r(rs1))
            }
            Inst::Op {
                op,
                rd,
                rs1,
                rs2,
                word,
            } => {
                let w = if word { "w" } else { "" };
                write!(f, "{}{w} {}, {}, {}", op.mnemonic(), r(rd), r(rs1), r(rs2))
            }
            Inst::Lr {
                word,
                rd,
                rs1,
                aq,
                rl,
            } => {
                write!(
                    f,
                    "lr{}{} {}, ({})",
                    width_suffix(word),
                    ordering(aq, rl),
                    r(rd),
                    r(rs1)
                )
            }
            Inst::Sc {
                word,
                rd,
                rs1,
                rs2,
                aq,
                rl,
            } => {
                let (w, o) = (width_suffix(word), ordering(aq, rl));
                write!(f, "sc{w}{o} {}, {}, ({})", r(rd), r(rs2), r(rs1))
            }
            Inst::Amo {
                op,
                word,
                rd,
                rs1,
                rs2,
                aq,
                rl,
            } => {
                let (w, o) = (width_suffix(word), ordering(aq, rl));
                write!(f, "{}{w}{o} {}, {}, ({})", op.mnemonic(), r(rd), r(rs2), r(rs1))
            }
            Inst::Fence => f.write_str("fence"),
            Inst::FenceI => f.write_str("fence.i"),
            Inst::Ecall => f.write_str("ecall"),
            Inst::Ebreak => f.write_str("ebreak"),
            Inst::Csr { op, rd, src, csr } => {
                let name = match op {
                    CsrOp::Rw => "csrrw",
                    CsrOp::Rs => "csrrs",
                    CsrOp::Rc => "csrrc",
                };
                let i = if matches!(src, CsrSrc::Imm(_)) { "i" } else { "" };
                write!(f, "{name}{i} {}, ", r(rd))?;
                write_csr(f, csr)?;
                match src {
                    CsrSrc::Reg(rs1) => write!(f, ", {}", r(rs1)),
                    CsrSrc::Imm(z) => write!(f, ", {z}"),
                }
            }
            Inst::Illegal => f.write_str("illegal"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{AmoOp, BranchCond, LoadWidth};
    use super::*;

    #[test]
    fn display_examples() {
        let addi = |rd, rs1, imm| Inst::OpImm {
            op: AluOp::Add,
            rd,
            rs1,
            imm,
            word: false,
        };
        let csr = |op, rd, src, csr| Inst::Csr { op, rd, src, csr };
        let cases = [
            (addi(10, 2, 16), "addi a0, sp, 16"),
            (
                Inst::OpImm {
                    op: AluOp::Sltu,
                    rd: 10,
                    rs1: 2,
                    imm: -1,
                    word: false,
                },
                "sltiu a0, sp, -1",
            ),
            (
                Inst::OpImm {
                    op: AluOp::Sra,
                    rd: 10,
                    rs1: 2,
                    imm: 3,
                    word: true,
                },
                "sraiw a0, sp, 3",
            ),
            (
                Inst::Load {
                    width: LoadWidth::W,
                    rd: 15,
                    rs1: 8,
                    offset: -8,
                },
                "lw a5, -8(s0)",
            ),
            (
                Inst::Branch {
                    cond: BranchCond::Eq,
                    rs1: 10,
                    rs2: 0,
                    offset: 12,
                },
                "beq a0, zero, +12",
            ),
            (Inst::Jal { rd: 1, offset: -4 }, "jal ra, -4"),
            (Inst::Lui { rd: 10, imm: -4096 }, "lui a0, 0xfffff"),
            (
                Inst::Amo {
                    op: AmoOp::Add,
                    word: true,
                    rd: 10,
                    rs1: 12,
                    rs2: 11,
                    aq: true,
                    rl: true,
                },
                "amoadd.w.aqrl a0, a1, (a2)",
            ),
            (csr(CsrOp::Rs, 10, CsrSrc::Reg(0), 0xc00), "csrrs a0, cycle, zero"),
            (
                csr(CsrOp::Rs, 10, CsrSrc::Reg(0), 0xc05),
                "csrrs a0, hpmcounter5, zero",
            ),
            (
                csr(CsrOp::Rs, 10, CsrSrc::Reg(0), 0xc9f),
                "csrrs a0, hpmcounter31h, zero",
            ),
            (csr(CsrOp::Rw, 0, CsrSrc::Imm(5), 0x7c0), "csrrwi zero, 0x7c0, 5"),
            (Inst::Illegal, "illegal"),
            // Out-of-range registers only come from hand-built values; they must still print.
            (Inst::Jal { rd: 40, offset: 0 }, "jal x?, +0"),
        ];
        for (inst, text) in cases {
            assert_eq!(inst.to_string(), text);
        }
    }
}
