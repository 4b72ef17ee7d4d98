//! Region discovery: the instructions reachable from a region's entry by direct control flow
//! (branches, jumps, and followed calls), within the region budgets, and the basic-block leaders.
//!
//! Owns which code a region contains; it must never emit IR or decide register sets.

use super::{Translator, INLINE_BUDGET, MAX_LINKS, MAX_REGION_INSTS};
use crate::inst::{Decoded, Inst};
use crate::layout::Layout;
use std::collections::{BTreeMap, BTreeSet};

/// The instructions of a region, found by following direct control flow from its entry.
pub(crate) struct RegionCode<'a> {
    pub(super) layout: &'a Layout,
    pub(super) insts: BTreeMap<u64, Decoded>,
    /// Pcs that start a basic block.
    pub(super) leaders: BTreeSet<u64>,
    /// The calls (`jal` with a link register) the region follows into their callee.
    pub(super) followed: BTreeSet<u64>,
    /// The return addresses of those calls: where an indirect jump may go on in the region.
    pub(super) links: BTreeSet<u64>,
}

impl RegionCode<'_> {
    pub(super) fn next_pc(&self, pc: u64) -> u64 {
        self.layout.wrap_pc(pc + self.insts[&pc].len as u64)
    }

    pub(super) fn target(&self, pc: u64, offset: i64) -> u64 {
        self.layout.wrap_pc(pc.wrapping_add(offset as u64))
    }
}

impl Translator {
    pub(super) fn discover(&self, entry: u64) -> RegionCode<'_> {
        let mut insts = BTreeMap::new();
        let mut leaders = BTreeSet::from([entry]);
        let (mut followed, mut links) = (BTreeSet::new(), BTreeSet::new());
        let mut work = vec![entry];
        // Callees are explored after the code that calls them, so a budget spent on callees never
        // cuts the caller short.
        let mut callees = Vec::new();
        let (max_insts, inline_budget) = if self.debuggable {
            (super::MAX_DEBUGGABLE_REGION_INSTS, 0)
        } else {
            (MAX_REGION_INSTS, INLINE_BUDGET)
        };
        while let Some(start) = work.pop().or_else(|| callees.pop()) {
            let mut pc = start;
            loop {
                if insts.contains_key(&pc) {
                    leaders.insert(pc);
                    break;
                }
                if insts.len() >= max_insts {
                    break;
                }
                let Some(d) = self.decode_at(pc) else { break };
                insts.insert(pc, d);
                let next = self.layout.wrap_pc(pc + d.len as u64);
                let mut target = |t: u64, work: &mut Vec<u64>| {
                    if leaders.insert(t) {
                        work.push(t);
                    }
                };
                match d.inst {
                    Inst::Branch { offset, .. } => {
                        target(self.layout.wrap_pc(pc.wrapping_add(offset as u64)), &mut work);
                        target(next, &mut work);
                        break;
                    }
                    Inst::Jal { rd: 0, offset } => {
                        target(self.layout.wrap_pc(pc.wrapping_add(offset as u64)), &mut work);
                        break;
                    }
                    Inst::Jal { offset, .. } => {
                        target(next, &mut work);
                        let callee = self.layout.wrap_pc(pc.wrapping_add(offset as u64));
                        if insts.len() < inline_budget
                            && links.len() < MAX_LINKS
                            && self.layout.fetch(callee).is_some()
                        {
                            followed.insert(pc);
                            links.insert(next);
                            target(callee, &mut callees);
                        }
                        break;
                    }
                    // After a call and an `ecall`, the region goes on at the next instruction;
                    // after an indirect jump, wherever it went.
                    Inst::Jalr { rd: 1.., .. } | Inst::Ecall => {
                        target(next, &mut work);
                        break;
                    }
                    Inst::Jalr { .. } => break,
                    Inst::Ebreak | Inst::Illegal => break,
                    _ => pc = next,
                }
            }
        }
        RegionCode {
            layout: &self.layout,
            insts,
            leaders,
            followed,
            links,
        }
    }
}
