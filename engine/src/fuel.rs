//! Fuel and check-point rules, shared by the interpreter and the JIT so that both tiers charge exactly
//! the same fuel and stop at exactly the same places.
//!
//! The rules:
//! - Entering a block charges the block's whole static cost ([`block_cost`]) at once.
//! - *Check points* are the entry block at every call and every *loop header* (a block that is the
//!   target of an edge from itself or a later block in layout order, counting only edges out of
//!   blocks reachable from the entry: front ends leave unreachable code after `return`, and its
//!   jumps are no loops). At a check point, after charging,
//!   the run stops with `OutOfFuel` if the remaining fuel is negative, or with `Interrupted` if the
//!   interrupt flag is set. Every cycle in the control-flow graph contains such an edge, so a loop
//!   always reaches a check point.
//! - A check point with an interrupt exit (`Block::on_interrupt`) that finds the interrupt flag set
//!   refunds its block's charge and enters the exit instead of stopping; the flag stays set.
//! - On entry to a function, the call depth is incremented and checked *before* the entry block is
//!   charged; returning decrements it.
//!
//! This module must stay free of any execution machinery: it only computes static facts.

use crate::ir::{Block, Function, InstKind, Metering};

/// The fuel an instruction costs under `metering`.
pub fn inst_cost(metering: Metering, kind: &InstKind) -> u64 {
    match (metering, kind) {
        (Metering::PerInst, InstKind::Mark) => 0,
        (Metering::PerInst, _) => 1,
        (Metering::PerMark, InstKind::Mark) => 1,
        (Metering::PerMark, _) => 0,
    }
}

/// The fuel a terminator costs under `metering`.
pub fn terminator_cost(metering: Metering) -> u64 {
    match metering {
        Metering::PerInst => 1,
        Metering::PerMark => 0,
    }
}

/// The fuel charged when a block is entered.
pub fn block_cost(metering: Metering, block: &Block) -> u64 {
    block
        .insts
        .iter()
        .map(|i| inst_cost(metering, &i.kind))
        .sum::<u64>()
        + terminator_cost(metering)
}

/// For each block of `func`, whether it is a check point (the entry block or a loop header).
pub fn check_points(func: &Function) -> Vec<bool> {
    let mut is_check = vec![false; func.blocks.len()];
    if let Some(first) = is_check.first_mut() {
        *first = true;
    }
    let reachable = reachable(func);
    for (from, block) in func.blocks.iter().enumerate() {
        if !reachable[from] {
            continue;
        }
        for succ in block.term.successors() {
            let to = succ.0 as usize;
            if to <= from && to < is_check.len() {
                is_check[to] = true;
            }
        }
    }
    is_check
}

/// Which blocks of `func` the entry block reaches.
fn reachable(func: &Function) -> Vec<bool> {
    let mut seen = vec![false; func.blocks.len()];
    let mut work = vec![0usize];
    while let Some(b) = work.pop() {
        if b >= seen.len() || seen[b] {
            continue;
        }
        seen[b] = true;
        work.extend(func.blocks[b].term.successors().into_iter().map(|s| s.0 as usize));
    }
    seen
}
