//! Register dataflow of one region: which guest registers are *dirty* (written since the region last
//! synchronised them with their globals, on every path) and which IR variables must hold their
//! guest value (*live*) at each instruction.
//!
//! The lifter writes back only dirty registers (on edges whose target has fewer dirty ones, at exits
//! and before calls) and loads only live ones (on region entry and after calls), so a loop with a
//! call in it does not store and reload registers it never touches. Dirtiness is a *must* property:
//! a register is dirty at a merge only if every incoming path wrote it, so a written-back variable
//! always holds the guest's value. This module decides sets only; it must never emit IR.

use super::RegionCode;
use crate::inst::{Inst, Reg};
use std::collections::HashMap;

/// A set of guest registers: bit `r` is `x{r}` (bit 0, `x0`, is never set).
pub type RegSet = u32;

pub const ALL: RegSet = !1;

pub fn bit(r: Reg) -> RegSet {
    if r == 0 {
        0
    } else {
        1 << r
    }
}

/// Where control goes after an instruction, as far as registers are concerned.
#[derive(Clone, Debug, Default)]
pub struct Node {
    pub uses: RegSet,
    pub defs: RegSet,
    /// A call: the callee may read and write every register, so dirty registers are written back
    /// before it and live ones reloaded after it.
    pub call: bool,
    /// Successors inside the region (for a call: the continuation).
    pub succs: Vec<u64>,
    /// Whether some path leaves the region from here (writing back the dirty registers).
    pub exits: bool,
}

/// The registers an instruction reads and the one it writes (0: none).
pub fn reg_uses(inst: &Inst) -> (Vec<Reg>, Reg) {
    match *inst {
        Inst::Lui { rd, .. } | Inst::Auipc { rd, .. } | Inst::Jal { rd, .. } => (vec![], rd),
        Inst::Jalr { rd, rs1, .. } => (vec![rs1], rd),
        Inst::Branch { rs1, rs2, .. } => (vec![rs1, rs2], 0),
        Inst::Load { rd, rs1, .. } => (vec![rs1], rd),
        Inst::Store { rs1, rs2, .. } => (vec![rs1, rs2], 0),
        Inst::OpImm { rd, rs1, .. } => (vec![rs1], rd),
        Inst::Op { rd, rs1, rs2, .. } => (vec![rs1, rs2], rd),
        Inst::Lr { rd, rs1, .. } => (vec![rs1], rd),
        Inst::Sc { rd, rs1, rs2, .. } | Inst::Amo { rd, rs1, rs2, .. } => (vec![rs1, rs2], rd),
        Inst::Ecall => (vec![17, 10, 11, 12, 13, 14, 15], 10),
        Inst::Csr { rd, .. } => (vec![], rd),
        Inst::Fence | Inst::FenceI | Inst::Ebreak | Inst::Illegal => (vec![], 0),
    }
}

/// The node of the instruction at `pc`.
pub fn node(code: &RegionCode<'_>, pc: u64) -> Node {
    let d = code.insts[&pc];
    let (uses, def) = reg_uses(&d.inst);
    let mut n = Node {
        uses: uses.into_iter().map(bit).fold(0, |a, b| a | b),
        defs: bit(def),
        ..Node::default()
    };
    let next = code.next_pc(pc);
    let to = |t: u64, n: &mut Node| {
        if code.insts.contains_key(&t) {
            n.succs.push(t);
        } else {
            n.exits = true;
        }
    };
    match d.inst {
        Inst::Branch { offset, .. } => {
            to(code.target(pc, offset), &mut n);
            to(next, &mut n);
        }
        Inst::Jal { rd: 0, offset } => to(code.target(pc, offset), &mut n),
        // A followed call is a jump into the callee.
        Inst::Jal { offset, .. } if code.followed.contains(&pc) => to(code.target(pc, offset), &mut n),
        Inst::Jal { .. } | Inst::Jalr { rd: 1.., .. } => {
            n.call = true;
            to(next, &mut n);
        }
        // An indirect jump may return to any followed call, or leave.
        Inst::Jalr { .. } => {
            n.exits = true;
            for &link in &code.links {
                to(link, &mut n);
            }
        }
        Inst::Ecall => {
            n.exits = true;
            to(next, &mut n);
        }
        Inst::Ebreak | Inst::Illegal => {}
        _ => to(next, &mut n),
    }
    n
}

/// The facts the lifter needs, per instruction pc.
pub struct Flow {
    pub nodes: HashMap<u64, Node>,
    /// Dirty registers on entry to each instruction.
    pub dirty_in: HashMap<u64, RegSet>,
    /// Registers whose variables must hold the guest values on entry to each instruction.
    pub live_in: HashMap<u64, RegSet>,
}

impl Flow {
    pub fn analyze(code: &RegionCode<'_>, entry: u64) -> Flow {
        let order: Vec<u64> = code.insts.keys().copied().collect();
        let nodes: HashMap<u64, Node> = order.iter().map(|&pc| (pc, node(code, pc))).collect();
        let mut preds: HashMap<u64, Vec<u64>> = HashMap::new();
        for &pc in &order {
            for &s in &nodes[&pc].succs {
                preds.entry(s).or_default().push(pc);
            }
        }
        let mut flow = Flow {
            dirty_in: order
                .iter()
                .map(|&pc| (pc, if pc == entry { 0 } else { ALL }))
                .collect(),
            live_in: order.iter().map(|&pc| (pc, 0)).collect(),
            nodes,
        };
        // Forward, must: intersect over predecessors. Sets only shrink, so this terminates.
        let mut changed = true;
        while changed {
            changed = false;
            for &pc in &order {
                let mut set = if pc == entry { 0 } else { ALL };
                for p in preds.get(&pc).map(Vec::as_slice).unwrap_or(&[]) {
                    set &= flow.dirty_out(*p);
                }
                if set != flow.dirty_in[&pc] {
                    flow.dirty_in.insert(pc, set);
                    changed = true;
                }
            }
        }
        // Backward, may: what is read later, by an instruction or a write-back, before being
        // written. Sets only grow, so this terminates.
        changed = true;
        while changed {
            changed = false;
            for &pc in order.iter().rev() {
                let n = &flow.nodes[&pc];
                let live = if n.call {
                    // The write-back before the call reads the dirty registers; everything the
                    // continuation needs is reloaded after it.
                    n.uses | flow.dirty_in[&pc]
                } else {
                    let out = flow.dirty_out(pc);
                    let mut after = if n.exits { out } else { 0 };
                    for s in &n.succs {
                        after |= flow.live_in[s] | (out & !flow.dirty_in[s]);
                    }
                    n.uses | (after & !n.defs)
                };
                if live != flow.live_in[&pc] {
                    flow.live_in.insert(pc, live);
                    changed = true;
                }
            }
        }
        flow
    }

    /// Dirty registers after the instruction at `pc` (none after a call: it writes them back and
    /// reloads).
    pub fn dirty_out(&self, pc: u64) -> RegSet {
        let n = &self.nodes[&pc];
        if n.call {
            0
        } else {
            self.dirty_in[&pc] | n.defs
        }
    }
}
