//! The decoded RISC-V instruction vocabulary shared by the decoder, the encoder and the lifter; its
//! assembler-like text form lives in `display`.
//!
//! Owns only plain data and its printing: it must never decode, encode, touch guest state or know about
//! compressed encodings (a compressed instruction is always represented by its base expansion).

mod display;

/// The base integer register width the instruction stream is decoded for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Xlen {
    X32,
    X64,
}

impl Xlen {
    /// Register width in bits.
    pub const fn bits(self) -> u32 {
        match self {
            Xlen::X32 => 32,
            Xlen::X64 => 64,
        }
    }
}

/// An integer register number, `0..=31`.
pub type Reg = u8;

/// ABI names of the integer registers, indexed by register number.
pub const REG_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6",
    "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BranchCond {
    Eq,
    Ne,
    Lt,
    Ge,
    Ltu,
    Geu,
}

impl BranchCond {
    pub const ALL: [BranchCond; 6] = [Self::Eq, Self::Ne, Self::Lt, Self::Ge, Self::Ltu, Self::Geu];

    pub const fn mnemonic(self) -> &'static str {
        match self {
            BranchCond::Eq => "beq",
            BranchCond::Ne => "bne",
            BranchCond::Lt => "blt",
            BranchCond::Ge => "bge",
            BranchCond::Ltu => "bltu",
            BranchCond::Geu => "bgeu",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadWidth {
    B,
    H,
    W,
    D,
    Bu,
    Hu,
    Wu,
}

impl LoadWidth {
    /// Every width; `D` and `Wu` exist only on RV64.
    pub const ALL: [LoadWidth; 7] = [Self::B, Self::H, Self::W, Self::D, Self::Bu, Self::Hu, Self::Wu];

    /// Bytes read from memory.
    pub const fn bytes(self) -> u32 {
        match self {
            LoadWidth::B | LoadWidth::Bu => 1,
            LoadWidth::H | LoadWidth::Hu => 2,
            LoadWidth::W | LoadWidth::Wu => 4,
            LoadWidth::D => 8,
        }
    }

    /// Whether the loaded value is sign-extended to XLEN (`D` counts as signed: on RV64 it fills the
    /// register, so either answer gives the same result).
    pub const fn signed(self) -> bool {
        matches!(self, LoadWidth::B | LoadWidth::H | LoadWidth::W | LoadWidth::D)
    }

    pub const fn mnemonic(self) -> &'static str {
        match self {
            LoadWidth::B => "lb",
            LoadWidth::H => "lh",
            LoadWidth::W => "lw",
            LoadWidth::D => "ld",
            LoadWidth::Bu => "lbu",
            LoadWidth::Hu => "lhu",
            LoadWidth::Wu => "lwu",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoreWidth {
    B,
    H,
    W,
    D,
}

impl StoreWidth {
    /// Every width; `D` exists only on RV64.
    pub const ALL: [StoreWidth; 4] = [Self::B, Self::H, Self::W, Self::D];

    /// Bytes written to memory.
    pub const fn bytes(self) -> u32 {
        match self {
            StoreWidth::B => 1,
            StoreWidth::H => 2,
            StoreWidth::W => 4,
            StoreWidth::D => 8,
        }
    }

    pub const fn mnemonic(self) -> &'static str {
        match self {
            StoreWidth::B => "sb",
            StoreWidth::H => "sh",
            StoreWidth::W => "sw",
            StoreWidth::D => "sd",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AluOp {
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
}

impl AluOp {
    pub const ALL: [AluOp; 18] = [
        Self::Add,
        Self::Sub,
        Self::Sll,
        Self::Slt,
        Self::Sltu,
        Self::Xor,
        Self::Srl,
        Self::Sra,
        Self::Or,
        Self::And,
        Self::Mul,
        Self::Mulh,
        Self::Mulhsu,
        Self::Mulhu,
        Self::Div,
        Self::Divu,
        Self::Rem,
        Self::Remu,
    ];

    /// The register-register mnemonic (without a `w` suffix).
    pub const fn mnemonic(self) -> &'static str {
        match self {
            AluOp::Add => "add",
            AluOp::Sub => "sub",
            AluOp::Sll => "sll",
            AluOp::Slt => "slt",
            AluOp::Sltu => "sltu",
            AluOp::Xor => "xor",
            AluOp::Srl => "srl",
            AluOp::Sra => "sra",
            AluOp::Or => "or",
            AluOp::And => "and",
            AluOp::Mul => "mul",
            AluOp::Mulh => "mulh",
            AluOp::Mulhsu => "mulhsu",
            AluOp::Mulhu => "mulhu",
            AluOp::Div => "div",
            AluOp::Divu => "divu",
            AluOp::Rem => "rem",
            AluOp::Remu => "remu",
        }
    }

    /// Whether this op exists as an `Inst::OpImm` (with `word` selecting the RV64 `*iw` form).
    pub const fn has_imm_form(self, word: bool) -> bool {
        match self {
            AluOp::Add | AluOp::Sll | AluOp::Srl | AluOp::Sra => true,
            AluOp::Slt | AluOp::Sltu | AluOp::Xor | AluOp::Or | AluOp::And => !word,
            _ => false,
        }
    }

    /// Whether this op has an RV64 `*w` register-register form.
    pub const fn has_word_form(self) -> bool {
        matches!(
            self,
            AluOp::Add
                | AluOp::Sub
                | AluOp::Sll
                | AluOp::Srl
                | AluOp::Sra
                | AluOp::Mul
                | AluOp::Div
                | AluOp::Divu
                | AluOp::Rem
                | AluOp::Remu
        )
    }

    /// Whether the immediate form takes a shift amount rather than a signed 12-bit immediate.
    pub const fn is_shift(self) -> bool {
        matches!(self, AluOp::Sll | AluOp::Srl | AluOp::Sra)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AmoOp {
    Swap,
    Add,
    Xor,
    And,
    Or,
    Min,
    Max,
    Minu,
    Maxu,
}

impl AmoOp {
    pub const ALL: [AmoOp; 9] = [
        Self::Swap,
        Self::Add,
        Self::Xor,
        Self::And,
        Self::Or,
        Self::Min,
        Self::Max,
        Self::Minu,
        Self::Maxu,
    ];

    pub const fn mnemonic(self) -> &'static str {
        match self {
            AmoOp::Swap => "amoswap",
            AmoOp::Add => "amoadd",
            AmoOp::Xor => "amoxor",
            AmoOp::And => "amoand",
            AmoOp::Or => "amoor",
            AmoOp::Min => "amomin",
            AmoOp::Max => "amomax",
            AmoOp::Minu => "amominu",
            AmoOp::Maxu => "amomaxu",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CsrOp {
    Rw,
    Rs,
    Rc,
}

impl CsrOp {
    pub const ALL: [CsrOp; 3] = [Self::Rw, Self::Rs, Self::Rc];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CsrSrc {
    Reg(Reg),
    /// The 5-bit zero-extended `zimm` of the `csrr?i` forms.
    Imm(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Inst {
    /// `imm` is the final value: `imm20 << 12`, sign-extended to 64 bits.
    Lui {
        rd: Reg,
        imm: i64,
    },
    /// Same immediate convention as `Lui`; the result is `pc + imm`.
    Auipc {
        rd: Reg,
        imm: i64,
    },
    Jal {
        rd: Reg,
        offset: i64,
    },
    Jalr {
        rd: Reg,
        rs1: Reg,
        offset: i64,
    },
    Branch {
        cond: BranchCond,
        rs1: Reg,
        rs2: Reg,
        offset: i64,
    },
    Load {
        width: LoadWidth,
        rd: Reg,
        rs1: Reg,
        offset: i64,
    },
    /// Stores `x[rs2]` to `x[rs1] + offset`.
    Store {
        width: StoreWidth,
        rs1: Reg,
        rs2: Reg,
        offset: i64,
    },
    /// addi slti sltiu xori ori andi slli srli srai; `word`: addiw slliw srliw sraiw (RV64 only).
    /// For shifts `imm` is the shift amount.
    OpImm {
        op: AluOp,
        rd: Reg,
        rs1: Reg,
        imm: i64,
        word: bool,
    },
    /// R-type including M; `word`: the RV64 `*w` forms.
    Op {
        op: AluOp,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        word: bool,
    },
    /// `word`: lr.w, otherwise lr.d (RV64 only).
    Lr {
        word: bool,
        rd: Reg,
        rs1: Reg,
        aq: bool,
        rl: bool,
    },
    Sc {
        word: bool,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        aq: bool,
        rl: bool,
    },
    Amo {
        op: AmoOp,
        word: bool,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
        aq: bool,
        rl: bool,
    },
    /// Any `fence` (every pred/succ/fm), treated as a no-op.
    Fence,
    /// `fence.i` (Zifencei).
    FenceI,
    Ecall,
    Ebreak,
    Csr {
        op: CsrOp,
        rd: Reg,
        src: CsrSrc,
        csr: u16,
    },
    /// Anything outside RV32/RV64 I, M, A, C, Zicsr, Zifencei (F/D and their compressed forms, reserved
    /// encodings, the all-zero halfword, privileged instructions).
    Illegal,
}

/// A decoded instruction and its length in bytes (2 for compressed, 4 otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decoded {
    pub inst: Inst,
    pub len: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_names_follow_the_abi() {
        assert_eq!(REG_NAMES[0], "zero");
        assert_eq!(REG_NAMES[8], "s0");
        assert_eq!(REG_NAMES[10], "a0");
        assert_eq!(REG_NAMES[18], "s2");
        assert_eq!(REG_NAMES[31], "t6");
    }

    #[test]
    fn widths() {
        assert_eq!(Xlen::X32.bits(), 32);
        assert_eq!(Xlen::X64.bits(), 64);
        assert_eq!(LoadWidth::Hu.bytes(), 2);
        assert!(!LoadWidth::Wu.signed());
        assert!(LoadWidth::W.signed());
        assert_eq!(StoreWidth::D.bytes(), 8);
    }
}
