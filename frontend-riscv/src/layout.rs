//! The guest's machine as IR sees it: the memory map (segments, stack, program break), the globals
//! that hold the registers, the imports of the system interface, the dynamic slots (one per
//! halfword of code) and the dispatcher that runs region after region.
//!
//! This is the one definition of those numbers: the lifter and the runtime both read them here. It
//! must never translate instructions (that is `lift.rs`) nor implement system calls (the runtime).

use crate::elf::{GuestElf, Rights as SegRights};
use crate::inst::Xlen;
use causeway_engine::ir::builder::FunctionBuilder;
use causeway_engine::ir::{
    AddrWidth, BinOp, Cond, DataInit, DynamicDecl, Global, GlobalId, Import, ImportId, ImportKind,
    MemoryDecl, Metering, Module, Operand, RegionDecl, Rights, Signature, TrapCode, Type,
};

/// Globals: x1..x31 are g0..g30 (see `lift::reg_global`), then these.
pub const G_PC: GlobalId = GlobalId(31);
/// The load-reserved address of `lr`, or -1.
pub const G_RESERVATION: GlobalId = GlobalId(32);
/// The exit status, set by the `ecall` host function when the guest exits.
pub const G_EXIT: GlobalId = GlobalId(33);
/// The value `lr` loaded: `sc` succeeds only if memory still holds it (as qemu-user does).
pub const G_RESERVED_VALUE: GlobalId = GlobalId(34);
const GLOBALS: usize = 35;

/// `ecall(a7, a0, a1, a2, a3, a4, a5, pc) -> (a0, exited)`.
pub const IMPORT_ECALL: ImportId = ImportId(0);
/// `counter(csr) -> value`: the cycle, time and instret CSRs.
pub const IMPORT_COUNTER: ImportId = ImportId(1);
pub const ECALL_IMPORT_NAME: &str = "riscv.ecall";
pub const COUNTER_IMPORT_NAME: &str = "riscv.counter";

/// The pc a region returns when the guest has exited (odd, so no instruction has it).
pub const EXIT_PC: i64 = -1;
/// Region calls nest natively while the IR call depth is below this; deeper calls go back through
/// the dispatcher, so guest recursion is bounded by guest memory only, as on hardware.
pub const MAX_NESTED_CALLS: i64 = 2048;
/// The name of the dispatcher, the module's one function.
pub const ENTRY: &str = "riscv_run";

const PAGE: u64 = 4096;

/// Where things are in a guest's address space, and its code.
#[derive(Clone, Debug)]
pub struct Layout {
    pub xlen: Xlen,
    /// The size of the guest address space: every address at or above it faults.
    pub space: u64,
    pub entry: u64,
    /// The executable range `[code_lo, code_hi)`: one dynamic slot per halfword.
    pub code_lo: u64,
    pub code_hi: u64,
    /// The bytes of `[code_lo, code_hi)`, zero where no executable segment is.
    code: Vec<u8>,
    /// Executable segments, `(start, end)`.
    exec: Vec<(u64, u64)>,
    pub stack_top: u64,
    pub stack_size: u64,
    /// The initial program break and the highest it may go.
    pub brk_start: u64,
    pub brk_limit: u64,
}

/// Sizes a guest gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestLimits {
    pub stack_size: u64,
    /// The most the program break may grow.
    pub heap_size: u64,
}

impl Default for GuestLimits {
    fn default() -> Self {
        GuestLimits {
            stack_size: 8 << 20,
            heap_size: 256 << 20,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("the program has no executable segment")]
    NoCode,
    #[error("no room for a {size:#x}-byte stack beside the program's segments")]
    NoStack { size: u64 },
    #[error("the executable segments span {0:#x} bytes, more than the {1:#x} this engine translates")]
    CodeTooLarge(u64, u64),
}

/// `v` rounded up to a page (saturating: limits an embedder gives may be anything).
fn round_up(v: u64) -> u64 {
    v.div_ceil(PAGE).saturating_mul(PAGE)
}

impl Layout {
    pub fn new(elf: &GuestElf, limits: &GuestLimits) -> Result<Layout, LayoutError> {
        let xlen = match elf.class {
            crate::elf::ElfClass::Elf32 => Xlen::X32,
            crate::elf::ElfClass::Elf64 => Xlen::X64,
        };
        let exec: Vec<(u64, u64)> = elf
            .segments
            .iter()
            .filter(|s| s.rights == SegRights::ReadExecute)
            .map(|s| (s.vaddr, s.vaddr + s.mem_size))
            .collect();
        let (code_lo, code_hi) = match (exec.first(), exec.last()) {
            (Some(a), Some(b)) => (a.0 & !1, (b.1 + 1) & !1),
            _ => return Err(LayoutError::NoCode),
        };
        let max_code = causeway_engine::ir::verify::MAX_DYNAMIC_SLOTS * 2;
        if code_hi - code_lo > max_code {
            return Err(LayoutError::CodeTooLarge(code_hi - code_lo, max_code));
        }
        let mut code = vec![0u8; (code_hi - code_lo) as usize];
        for s in elf.segments.iter().filter(|s| s.rights == SegRights::ReadExecute) {
            let at = (s.vaddr - code_lo) as usize;
            code[at..at + s.data.len()].copy_from_slice(&s.data);
        }
        let seg_end = elf
            .segments
            .iter()
            .map(|s| round_up(s.vaddr + s.mem_size))
            .max()
            .unwrap_or(0);
        let overlaps = |lo: u64, hi: u64| {
            elf.segments
                .iter()
                .any(|s| s.vaddr < hi && lo < round_up(s.vaddr + s.mem_size))
        };
        let stack_size = round_up(limits.stack_size.max(PAGE));
        // RV64 guests get the smaller of 2 GiB and 4 GiB that holds their segments: below 2^31, JIT
        // code bounds-checks an access against an immediate instead of a constant in memory.
        let space: u64 = match xlen {
            Xlen::X64
                if seg_end
                    .saturating_add(stack_size)
                    .saturating_add(round_up(limits.heap_size))
                    .saturating_add(4 * PAGE)
                    <= 1 << 31 =>
            {
                1 << 31
            }
            _ => 1 << 32,
        };
        // The stack sits high, away from the segments, the break and address 0.
        let fits = |top: u64| {
            top <= space
                && top
                    .checked_sub(stack_size)
                    .is_some_and(|low| low >= 16 * PAGE && !overlaps(low, top))
        };
        let stack_top = [space / 8 * 7, space / 4]
            .into_iter()
            .filter(|&top| top > seg_end)
            .find(|&top| fits(top))
            .or_else(|| {
                Some(round_up(seg_end + PAGE).saturating_add(stack_size))
                    .filter(|&top| fits(top) && top < space)
            })
            .ok_or(LayoutError::NoStack { size: stack_size })?;
        let brk_start = seg_end;
        let room = if brk_start < stack_top - stack_size {
            stack_top - stack_size - PAGE - brk_start
        } else {
            space.saturating_sub(PAGE + brk_start)
        };
        Ok(Layout {
            xlen,
            space,
            entry: elf.entry,
            code_lo,
            code_hi,
            code,
            exec,
            stack_top,
            stack_size,
            brk_start,
            brk_limit: brk_start + room.min(round_up(limits.heap_size)),
        })
    }

    /// Number of dynamic slots: one per halfword of `[code_lo, code_hi)`.
    pub fn slots(&self) -> u64 {
        (self.code_hi - self.code_lo) / 2
    }

    pub fn slot_pc(&self, slot: u64) -> u64 {
        self.code_lo + 2 * slot
    }

    /// The slot of `pc`, if it is a halfword of the code range.
    pub fn slot_of(&self, pc: u64) -> Option<u64> {
        let off = pc.checked_sub(self.code_lo)?;
        (pc < self.code_hi && off % 2 == 0).then_some(off / 2)
    }

    /// A pc as the guest computes it: RV32 pcs wrap at 32 bits.
    pub fn wrap_pc(&self, pc: u64) -> u64 {
        match self.xlen {
            Xlen::X32 => pc & 0xffff_ffff,
            Xlen::X64 => pc,
        }
    }

    /// The 32 bits at `pc` if `pc` is in an executable segment (bytes past a segment's end read as
    /// zero: a 4-byte instruction cut off there decodes as whatever those zeros make it).
    pub fn fetch(&self, pc: u64) -> Option<u32> {
        let (_, end) = *self.exec.iter().find(|&&(lo, hi)| lo <= pc && pc < hi)?;
        let mut word = [0u8; 4];
        for (i, byte) in word.iter_mut().enumerate() {
            let at = pc + i as u64;
            if at < end {
                *byte = self.code[(at - self.code_lo) as usize];
            }
        }
        let w = u32::from_le_bytes(word);
        // A 4-byte instruction whose upper half lies past the segment cannot be fetched.
        if w & 3 == 3 && pc + 2 >= end {
            return None;
        }
        Some(w)
    }

    /// The IR module: memory map, registers, imports, slots and the dispatcher.
    pub fn module(&self, elf: &GuestElf) -> Module {
        let xty = match self.xlen {
            Xlen::X32 => Type::I32,
            Xlen::X64 => Type::I64,
        };
        let mut regions = Vec::new();
        let mut data = Vec::new();
        for s in &elf.segments {
            let base = s.vaddr & !(PAGE - 1);
            let rights = match s.rights {
                SegRights::ReadWrite => Rights::ReadWrite,
                // Code is never writable: a store into it traps (no self-modifying code).
                SegRights::Read | SegRights::ReadExecute => Rights::Read,
            };
            regions.push(RegionDecl {
                base,
                size: round_up(s.vaddr + s.mem_size) - base,
                rights,
            });
            if !s.data.is_empty() {
                data.push(DataInit {
                    addr: s.vaddr,
                    bytes: s.data.clone(),
                });
            }
        }
        regions.push(RegionDecl {
            base: self.stack_top - self.stack_size,
            size: self.stack_size,
            rights: Rights::ReadWrite,
        });
        let mut globals = vec![Global { ty: xty, init: 0 }; 31];
        globals[1].init = (self.stack_top - 64) as i64; // sp (x2), above argc = 0, argv = envp = auxv = NULL
        globals.extend([
            Global {
                ty: Type::I64,
                init: self.entry as i64,
            },
            Global {
                ty: Type::I64,
                init: -1,
            },
            Global {
                ty: Type::I64,
                init: 0,
            },
            Global {
                ty: Type::I64,
                init: 0,
            },
        ]);
        debug_assert_eq!(globals.len(), GLOBALS);
        let addr = match self.xlen {
            Xlen::X32 => AddrWidth::A32,
            Xlen::X64 => AddrWidth::A64 { size: self.space },
        };
        Module {
            memory: MemoryDecl { addr, regions, data },
            metering: Metering::PerMark,
            globals,
            imports: vec![
                Import {
                    name: ECALL_IMPORT_NAME.into(),
                    kind: ImportKind::Effect,
                    sig: Signature {
                        params: vec![Type::I64; 8],
                        results: vec![Type::I64; 2],
                    },
                },
                Import {
                    name: COUNTER_IMPORT_NAME.into(),
                    kind: ImportKind::Helper,
                    sig: Signature {
                        params: vec![Type::I64],
                        results: vec![Type::I64],
                    },
                },
            ],
            funcs: vec![self.dispatcher()],
            table: Vec::new(),
            dynamic: Some(DynamicDecl {
                slots: self.slots(),
                sig: crate::lift::region_signature(),
            }),
        }
    }

    /// `riscv_run() -> exit status`: runs the region at `G_PC`, then the one at the pc it returns,
    /// until the guest exits. A pc outside the code traps as the fetch fault it is, with the pc in
    /// `G_PC`.
    fn dispatcher(&self) -> causeway_engine::ir::Function {
        let mut b = FunctionBuilder::new(
            ENTRY,
            Signature {
                params: Vec::new(),
                results: vec![Type::I64],
            },
        );
        let [pc, off, c] = [b.var(Type::I64), b.var(Type::I64), b.var(Type::I64)];
        let (head, run, exit, fault) = (
            b.create_block(),
            b.create_block(),
            b.create_block(),
            b.create_block(),
        );
        b.global_get(pc, G_PC);
        b.jump(head);
        b.switch_to_block(head);
        b.icmp(Cond::Eq, c, pc, Operand::Imm(EXIT_PC));
        let check = b.create_block();
        b.brif(c, exit, check);
        b.switch_to_block(check);
        b.binary(BinOp::Sub, off, pc, Operand::Imm(self.code_lo as i64));
        b.icmp(
            Cond::GeU,
            c,
            off,
            Operand::Imm((self.code_hi - self.code_lo) as i64),
        );
        b.brif(c, fault, run);
        b.switch_to_block(run);
        b.binary(BinOp::ShrU, off, off, Operand::Imm(1));
        b.call_dyn(off, [], [pc]);
        // The pc to run next, in its global: an interrupt stops the run at `head` with the whole
        // guest state in globals (regions leave through their interrupt exits, see `lift`).
        b.global_set(G_PC, pc);
        b.jump(head);
        b.switch_to_block(exit);
        b.global_get(c, G_EXIT);
        b.ret([Operand::Var(c)]);
        b.switch_to_block(fault);
        b.global_set(G_PC, pc);
        b.trap(TrapCode::MemoryAccess);
        b.finish()
    }
}
