//! Snapshots of paused RISC-V guests: the whole guest state at an instruction boundary (registers,
//! pc, writable memory, program break, fuel and counters, and the ELF itself), saved to bytes and
//! resumed later, in this process or another, on normal (fast) code.
//!
//! A snapshot is taken from a [`GuestDebugger`]: its debuggable code keeps every register in its
//! global at every instruction boundary, so a pause there is the complete guest state. Resuming
//! needs no debuggable code: the dispatcher starts the region at the saved pc, and a region is a
//! correct translation from any entry pc (`causeway_riscv::layout`). The system interface's
//! `ecall`s complete inside their instruction, so a paused guest never has a host call half done:
//! when it is paused before an `ecall`, that call is made by whoever resumes it.
//!
//! Owns the snapshot format and its checks. It must never run guest code itself (the engine does)
//! nor trust a file: every length is checked before anything is allocated, and a corrupted,
//! truncated or foreign file is a [`SnapshotError`].
//!
//! The format (little-endian): the magic `CWSNAP\r\n`, a format version (u32), the payload length
//! (u64), the SHA-256 of the payload, then the payload: the ELF, the guest limits, the fuel, the pc,
//! the globals, the system state and the writable memory as runs of non-zero pages.

use super::debug::GuestDebugger;
use super::system::SystemState;
use super::{guest_end, Guest, GuestEnd, GuestError, GuestIo, GuestOptions};
use causeway_engine::instance::Instance;
use causeway_engine::ir::Rights;
use causeway_engine::jit::OptLevel;
use causeway_riscv::layout::{self, GuestLimits};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

const MAGIC: &[u8; 8] = b"CWSNAP\r\n";
const VERSION: u32 = 1;
const PAGE: u64 = 4096;
/// The largest stack or heap size a snapshot may name.
const MAX_LIMIT: u64 = 1 << 32;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a Causeway snapshot (its first bytes are not the snapshot magic)")]
    Foreign,
    #[error("a snapshot of format version {0}; this Causeway reads version {VERSION}")]
    Version(u32),
    #[error("the snapshot is truncated: {0}")]
    Truncated(String),
    #[error("the snapshot is corrupted: its checksum does not match its contents")]
    Corrupted,
    #[error("the snapshot is invalid: {0}")]
    Invalid(String),
    #[error("the guest is not paused at an instruction boundary: {0}")]
    NotPaused(String),
    #[error(transparent)]
    Guest(#[from] GuestError),
}

/// The fuel of a metered run at the pause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotFuel {
    /// The run's whole budget (what metered counters count from).
    pub budget: u64,
    /// What is left of it.
    pub remaining: u64,
}

/// A run of writable guest memory: the pages of `[base, base + size)` that are not all zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedMemory {
    pub base: u64,
    pub size: u64,
    /// `(offset in the run, one page of bytes)`, in increasing order.
    pub pages: Vec<(u64, Vec<u8>)>,
}

/// A guest's state at an instruction boundary, apart from its code and its fuel: what moves from
/// one instance to another (into a snapshot file, or from normal into debuggable code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestState {
    /// The pc of the next instruction.
    pub pc: u64,
    /// The guest machine's globals (`layout`: the registers, the reservation, the exit status).
    pub globals: Vec<i64>,
    pub system: SystemState,
    pub memory: Vec<SavedMemory>,
}

/// A paused guest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The guest's ELF: a snapshot resumes on its own.
    pub elf: Vec<u8>,
    pub limits: GuestLimits,
    /// `None`: the run is unmetered.
    pub fuel: Option<SnapshotFuel>,
    pub state: GuestState,
}

impl GuestState {
    /// The state of `instance`, whose globals and memory hold all of it (at an instruction
    /// boundary of debuggable code, or stopped in the dispatcher), about to run `pc`.
    pub(super) fn capture(instance: &Instance, system: SystemState, pc: u64) -> Result<GuestState, String> {
        let mut globals = instance.globals().to_vec();
        globals[layout::G_PC.0 as usize] = pc as i64;
        let memory = writable_runs(instance.memory())
            .into_iter()
            .map(|(base, size)| save_run(instance.memory(), base, size))
            .collect::<Result<_, _>>()?;
        Ok(GuestState {
            pc,
            globals,
            system,
            memory,
        })
    }

    /// Puts the state into `instance`, a fresh instance of `guest` made with this state's system
    /// state, after checking that it fits the guest.
    pub(super) fn restore(&self, guest: &Guest, instance: &mut Instance) -> Result<(), SnapshotError> {
        if !guest.translator.is_instruction_start(self.pc) {
            return Err(SnapshotError::Invalid(format!(
                "pc {:#x} is not the start of an instruction of the guest",
                self.pc
            )));
        }
        if self.globals.len() != instance.globals().len() {
            return Err(SnapshotError::Invalid(format!(
                "{} globals, but the guest has {}",
                self.globals.len(),
                instance.globals().len()
            )));
        }
        let runs = writable_runs(instance.memory());
        let saved: Vec<(u64, u64)> = self.memory.iter().map(|m| (m.base, m.size)).collect();
        if runs != saved {
            return Err(SnapshotError::Invalid(format!(
                "its writable memory {saved:x?} is not the guest's {runs:x?}"
            )));
        }
        for run in &self.memory {
            restore_run(instance, run)?;
        }
        for (g, &v) in self.globals.iter().enumerate() {
            instance.set_global(causeway_engine::ir::GlobalId(g as u32), v);
        }
        instance.set_global(layout::G_PC, self.pc as i64);
        Ok(())
    }
}

impl Snapshot {
    /// The state of `dbg`'s paused guest, loaded from `elf` with `limits`. A metered run's budget
    /// is `budget` (`None`: the resumed run is unmetered), of which `dbg` has spent
    /// [`GuestDebugger::fuel_used`].
    pub fn take(
        dbg: &GuestDebugger,
        elf: &[u8],
        limits: GuestLimits,
        budget: Option<u64>,
    ) -> Result<Snapshot, SnapshotError> {
        if !dbg.is_paused() {
            let why = dbg
                .failed()
                .map(str::to_string)
                .or_else(|| dbg.ended().map(|e| format!("{e:?}")));
            return Err(SnapshotError::NotPaused(why.unwrap_or_default()));
        }
        let fuel = match budget {
            None => None,
            Some(budget) => {
                let used = dbg.fuel_used().ok_or_else(|| {
                    SnapshotError::NotPaused("a metered snapshot needs a metered guest".into())
                })?;
                let remaining = budget.checked_sub(used).ok_or_else(|| {
                    SnapshotError::NotPaused(format!("{used} fuel spent, more than the budget {budget}"))
                })?;
                Some(SnapshotFuel { budget, remaining })
            }
        };
        let system = dbg
            .system_state()
            .map_err(|e| SnapshotError::NotPaused(e.to_string()))?;
        let state = GuestState::capture(&dbg.instance, system, dbg.pc()).map_err(SnapshotError::NotPaused)?;
        Ok(Snapshot {
            elf: elf.to_vec(),
            limits,
            fuel,
            state,
        })
    }

    /// Runs the guest from the snapshot to its end on normal code, its output going to `io`.
    pub fn resume(
        &self,
        io: GuestIo,
        interpreter: bool,
        opt_level: OptLevel,
    ) -> Result<GuestEnd, SnapshotError> {
        let options = GuestOptions {
            fuel: self.fuel.map(|f| f.remaining),
            interpreter,
            opt_level,
            limits: self.limits,
            ..Default::default()
        };
        let guest = Guest::load(&self.elf, options)?;
        let budget = self.fuel.map(|f| f.budget);
        let (mut instance, _) = guest.instantiate_from(io, HashMap::new(), budget, self.state.system)?;
        self.state.restore(&guest, &mut instance)?;
        let stop = instance
            .call(layout::ENTRY, &[])
            .map_err(|e| GuestError::Run(e.to_string()))?;
        Ok(guest_end(&instance, stop)?)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Writer::default();
        p.bytes(&self.elf);
        p.u64(self.limits.stack_size);
        p.u64(self.limits.heap_size);
        match self.fuel {
            None => p.u8(0),
            Some(f) => {
                p.u8(1);
                p.u64(f.budget);
                p.u64(f.remaining);
            }
        }
        let state = &self.state;
        p.u64(state.pc);
        p.u32(state.globals.len() as u32);
        for &g in &state.globals {
            p.u64(g as u64);
        }
        p.u64(state.system.brk);
        p.u64(state.system.brk_mapped);
        p.u64(state.system.counter as u64);
        p.u32(state.memory.len() as u32);
        for run in &state.memory {
            p.u64(run.base);
            p.u64(run.size);
            p.u32(run.pages.len() as u32);
            for (offset, page) in &run.pages {
                p.u64(*offset);
                p.0.extend_from_slice(page);
            }
        }
        let payload = p.0;
        let mut out = Vec::with_capacity(payload.len() + 52);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&Sha256::digest(&payload));
        out.extend_from_slice(&payload);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(SnapshotError::Foreign);
        }
        let mut header = Reader(&bytes[MAGIC.len()..]);
        let version = header.u32()?;
        if version != VERSION {
            return Err(SnapshotError::Version(version));
        }
        let len = header.u64()?;
        let sum = header.take(32)?;
        let payload = header.0;
        if (payload.len() as u64) < len {
            return Err(SnapshotError::Truncated(format!(
                "{} bytes of payload, the header says {len}",
                payload.len()
            )));
        }
        if payload.len() as u64 != len {
            return Err(SnapshotError::Invalid("bytes after the payload".into()));
        }
        if Sha256::digest(payload).as_slice() != sum {
            return Err(SnapshotError::Corrupted);
        }
        let mut r = Reader(payload);
        let elf = r.bytes()?.to_vec();
        let limits = GuestLimits {
            stack_size: r.u64()?,
            heap_size: r.u64()?,
        };
        // A guest address space is at most 4 GiB: larger limits are no guest's.
        if limits.stack_size > MAX_LIMIT || limits.heap_size > MAX_LIMIT {
            return Err(SnapshotError::Invalid(format!(
                "guest limits {limits:?} exceed a guest address space"
            )));
        }
        let fuel = match r.u8()? {
            0 => None,
            1 => Some(SnapshotFuel {
                budget: r.u64()?,
                remaining: r.u64()?,
            }),
            t => return Err(SnapshotError::Invalid(format!("fuel tag {t}"))),
        };
        let pc = r.u64()?;
        let count = r.count(8)?;
        let globals = (0..count)
            .map(|_| r.u64().map(|g| g as i64))
            .collect::<Result<_, _>>()?;
        let system = SystemState {
            brk: r.u64()?,
            brk_mapped: r.u64()?,
            counter: r.u64()? as i64,
        };
        let runs = r.count(20)?;
        let mut memory = Vec::with_capacity(runs);
        for _ in 0..runs {
            let (base, size) = (r.u64()?, r.u64()?);
            let count = r.count(8 + PAGE as usize)?;
            let mut pages = Vec::with_capacity(count);
            for _ in 0..count {
                let offset = r.u64()?;
                let ends_inside = offset.checked_add(PAGE).is_some_and(|end| end <= size);
                if offset % PAGE != 0 || !ends_inside || pages.last().is_some_and(|(o, _)| *o >= offset) {
                    return Err(SnapshotError::Invalid(format!(
                        "page at offset {offset:#x} of the memory at {base:#x}"
                    )));
                }
                pages.push((offset, r.take(PAGE as usize)?.to_vec()));
            }
            memory.push(SavedMemory { base, size, pages });
        }
        if !r.0.is_empty() {
            return Err(SnapshotError::Invalid("bytes after the memory".into()));
        }
        Ok(Snapshot {
            elf,
            limits,
            fuel,
            state: GuestState {
                pc,
                globals,
                system,
                memory,
            },
        })
    }
}

/// The writable memory of a guest as maximal runs `(base, size)` of adjacent writable regions
/// (the heap grows one region per `brk`; a resumed guest maps it as one).
fn writable_runs(memory: &causeway_engine::memory::GuestMemory) -> Vec<(u64, u64)> {
    let mut regions: Vec<(u64, u64)> = memory
        .regions()
        .filter(|&(_, _, rights)| rights == Rights::ReadWrite)
        .map(|(base, size, _)| (base, size))
        .collect();
    regions.sort_unstable();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for (base, size) in regions {
        match runs.last_mut() {
            Some((b, s)) if *b + *s == base => *s += size,
            _ => runs.push((base, size)),
        }
    }
    runs
}

fn save_run(
    memory: &causeway_engine::memory::GuestMemory,
    base: u64,
    size: u64,
) -> Result<SavedMemory, String> {
    let mut pages = Vec::new();
    for offset in (0..size).step_by(PAGE as usize) {
        let page = memory
            .read(base + offset, PAGE as usize)
            .map_err(|e| format!("reading guest memory: {e}"))?;
        if page.iter().any(|&b| b != 0) {
            pages.push((offset, page));
        }
    }
    Ok(SavedMemory { base, size, pages })
}

/// Writes a saved run into a fresh instance, whose memory is zero except where the ELF initialized
/// it: those bytes are cleared, then the saved pages written (never the whole run: a hostile
/// snapshot's stack could be gigabytes).
fn restore_run(
    instance: &mut causeway_engine::instance::Instance,
    run: &SavedMemory,
) -> Result<(), SnapshotError> {
    let fail =
        |e: causeway_engine::memory::MemoryError| SnapshotError::Invalid(format!("restoring memory: {e}"));
    let module = instance.module().clone();
    let mut memory = instance.memory_mut();
    let end = run.base + run.size;
    for init in &module.memory.data {
        let lo = init.addr.max(run.base);
        let hi = (init.addr + init.bytes.len() as u64).min(end);
        if lo < hi {
            memory.write(lo, &vec![0u8; (hi - lo) as usize]).map_err(fail)?;
        }
    }
    for (offset, page) in &run.pages {
        memory.write(run.base + offset, page).map_err(fail)?;
    }
    Ok(())
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
}

/// Reads the payload, checking every length against what is left before taking it.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        if self.0.len() < n {
            return Err(SnapshotError::Truncated(format!(
                "{n} bytes needed, {} left",
                self.0.len()
            )));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }
    fn u64(&mut self) -> Result<u64, SnapshotError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }
    fn bytes(&mut self) -> Result<&'a [u8], SnapshotError> {
        let n = self.u64()?;
        let n = usize::try_from(n).map_err(|_| SnapshotError::Truncated(format!("{n} bytes")))?;
        self.take(n)
    }
    /// A count of items of at least `item` bytes each, refused if the rest cannot hold them.
    fn count(&mut self, item: usize) -> Result<usize, SnapshotError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(item) > self.0.len() {
            return Err(SnapshotError::Truncated(format!(
                "{n} items of {item} bytes, {} bytes left",
                self.0.len()
            )));
        }
        Ok(n)
    }
}
