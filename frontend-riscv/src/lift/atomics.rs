//! The A extension on a single hart, as qemu-user runs it: `lr` reserves an address and remembers
//! the value, `sc` is a compare-and-swap against it, AMOs are load-op-store, and a misaligned `lr`
//! or AMO traps. Must never be used for plain loads and stores (those may be misaligned).

use super::{RegionBuilder, TRAP_MISALIGNED_ATOMIC};
use crate::inst::{AmoOp, Reg};
use crate::layout::{G_RESERVATION, G_RESERVED_VALUE};
use causeway_engine::ir::{BinOp, Cond, MemWidth, Operand, Type, UnOp};

impl RegionBuilder<'_> {
    /// `lr`: the reserved address (taken before the load may overwrite rs1, when rd == rs1) and
    /// the value loaded.
    pub(super) fn load_reserved(&mut self, word: bool, rd: Reg, rs1: Reg) {
        let (w, bytes) = if word {
            (MemWidth::S32, 4)
        } else {
            (MemWidth::B64, 8)
        };
        let addr = self.address(rs1);
        self.check_aligned(addr, bytes);
        let value = self.scratch(Type::I64, 15);
        self.b.load(w, value, self.r(rs1), 0);
        self.b.global_set(G_RESERVATION, addr);
        self.b.global_set(G_RESERVED_VALUE, value);
        self.set_wide(rd, value);
    }

    /// `sc` as qemu-user does it: it succeeds if the address is the reserved one and memory still
    /// holds the value `lr` loaded (a compare-and-swap); the reservation ends either way.
    pub(super) fn store_conditional(&mut self, word: bool, rd: Reg, rs1: Reg, rs2: Reg) {
        let addr = self.address(rs1);
        let resv = self.scratch(Type::I64, 0);
        let same = self.scratch(Type::I64, 1);
        self.b.global_get(resv, G_RESERVATION);
        self.b.icmp(Cond::Eq, same, resv, addr);
        self.b.global_set(G_RESERVATION, Operand::Imm(-1));
        let (check, store, fail, done) = (
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
            self.b.create_block(),
        );
        self.b.brif(same, check, fail);
        self.b.switch_to_block(check);
        let (now, reserved) = (self.scratch(Type::I64, 15), self.scratch(Type::I64, 16));
        let load_w = if word { MemWidth::S32 } else { MemWidth::B64 };
        self.b.load(load_w, now, self.r(rs1), 0);
        self.b.global_get(reserved, G_RESERVED_VALUE);
        self.b.icmp(Cond::Eq, same, now, reserved);
        self.b.brif(same, store, fail);
        self.b.switch_to_block(store);
        let w = if word { MemWidth::U32 } else { MemWidth::B64 };
        self.b.store(w, self.r(rs1), 0, self.r(rs2));
        self.b.iconst(self.w(rd), 0);
        self.b.jump(done);
        self.b.switch_to_block(fail);
        self.b.iconst(self.w(rd), 1);
        self.b.jump(done);
        self.b.switch_to_block(done);
    }

    /// Traps [`TRAP_MISALIGNED_ATOMIC`] unless `addr` is a multiple of `bytes`.
    fn check_aligned(&mut self, addr: Operand, bytes: u32) {
        let low = self.scratch(Type::I64, 14);
        self.b
            .binary(BinOp::And, low, addr, Operand::Imm(bytes as i64 - 1));
        let (trap, go) = (self.b.create_block(), self.b.create_block());
        self.b.brif(low, trap, go);
        self.b.switch_to_block(trap);
        self.b.trap(TRAP_MISALIGNED_ATOMIC);
        self.b.switch_to_block(go);
    }

    pub(super) fn amo(&mut self, op: AmoOp, word: bool, rd: Reg, rs1: Reg, rs2: Reg) {
        let (load_w, store_w) = if word {
            (MemWidth::S32, MemWidth::U32)
        } else {
            (MemWidth::B64, MemWidth::B64)
        };
        let xty = self.xty;
        let addr = self.address(rs1);
        self.check_aligned(addr, store_w.bytes());
        let old = self.tmp(0);
        let new = self.tmp(1);
        self.b.load(load_w, old, self.r(rs1), 0);
        // Compare at the access width: RV64 `.w` operands are the low halves, sign- or zero-extended.
        let src = self.r(rs2);
        let src = if word && xty == Type::I64 {
            let s = self.tmp(2);
            let ext = if matches!(op, AmoOp::Minu | AmoOp::Maxu) {
                UnOp::Zext32
            } else {
                UnOp::Sext32
            };
            self.b.unary(ext, s, src);
            Operand::Var(s)
        } else {
            src
        };
        let cmp_old = if word && xty == Type::I64 && matches!(op, AmoOp::Minu | AmoOp::Maxu) {
            let o = self.tmp(3);
            self.b.unary(UnOp::Zext32, o, old);
            o
        } else {
            old
        };
        match op {
            AmoOp::Swap => self.b.copy(new, src),
            AmoOp::Add => self.b.binary(BinOp::Add, new, old, src),
            AmoOp::Xor => self.b.binary(BinOp::Xor, new, old, src),
            AmoOp::And => self.b.binary(BinOp::And, new, old, src),
            AmoOp::Or => self.b.binary(BinOp::Or, new, old, src),
            AmoOp::Min | AmoOp::Max | AmoOp::Minu | AmoOp::Maxu => {
                let cond = match op {
                    AmoOp::Min => Cond::LtS,
                    AmoOp::Max => Cond::GtS,
                    AmoOp::Minu => Cond::LtU,
                    _ => Cond::GtU,
                };
                let keep = self.scratch(Type::I64, 12);
                self.b.icmp(cond, keep, cmp_old, src);
                self.b.select(new, keep, old, src);
            }
        }
        self.b.store(store_w, self.r(rs1), 0, new);
        self.b.copy(self.w(rd), old);
    }
}
