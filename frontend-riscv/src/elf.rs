//! Guest ELF loading: turns the bytes of a static, soft-float, little-endian RISC-V executable into
//! the segments, entry point and symbols the engine maps and runs.
//!
//! Owns every validation of the guest file. The file is hostile input: this module must never panic,
//! never allocate more than the file size plus the configured limits, and never hand the engine a
//! segment layout (overlap, W+X, out-of-range address) it would have to re-check. It must never map
//! memory or touch the engine itself: it only describes what to map.

use std::borrow::Cow;
use std::mem::{align_of, size_of};
use std::ops::Range;

use object::elf::{self, FileHeader32, FileHeader64};
use object::read::elf::{FileHeader, ProgramHeader, Sym};
use object::LittleEndian;

#[cfg(test)]
mod tests;

/// The guest page size: segment overlap is judged on whole pages because guest memory rights
/// are per page.
pub const PAGE_SIZE: u64 = 4096;

/// Highest guest address (exclusive) an ELF64 segment may reach. Above 2^47 the guest would
/// collide with the host's own address-space layout, and no real RV64 Linux program goes there.
pub const ELF64_ADDRESS_LIMIT: u64 = 1 << 47;

/// Highest guest address (exclusive) an ELF32 segment may reach.
pub const ELF32_ADDRESS_LIMIT: u64 = 1 << 32;

const LE: LittleEndian = LittleEndian;

/// The ELF class of the guest, which fixes XLEN (the lifter maps it to RV32 or RV64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElfClass {
    Elf32,
    Elf64,
}

impl ElfClass {
    /// Exclusive upper bound of the guest address space segments may occupy.
    pub fn address_limit(self) -> u64 {
        match self {
            ElfClass::Elf32 => ELF32_ADDRESS_LIMIT,
            ElfClass::Elf64 => ELF64_ADDRESS_LIMIT,
        }
    }
}

/// Resource limits applied before anything is allocated, so a hostile file cannot make the loader
/// (or the engine mapping its segments) exhaust host memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfLimits {
    pub max_file_size: usize,
    /// Bound on the sum of all loaded segments' `p_memsz`.
    pub max_memory: u64,
    pub max_segments: usize,
}

impl Default for ElfLimits {
    fn default() -> Self {
        ElfLimits {
            max_file_size: 64 << 20,
            max_memory: 1 << 30,
            max_segments: 64,
        }
    }
}

/// Guest access rights of a segment. There is deliberately no writable+executable variant: the
/// engine caches translated code and does not support self-modifying code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rights {
    Read,
    ReadWrite,
    ReadExecute,
}

/// One loadable segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub mem_size: u64,
    /// Bytes from the file; `data.len() <= mem_size` and the rest of the segment is zero (bss).
    pub data: Vec<u8>,
    pub rights: Rights,
}

/// A symbol from `.symtab`, only ever used as a debugging hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub addr: u64,
    pub size: u64,
    pub is_function: bool,
}

/// A validated guest executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestElf {
    pub class: ElfClass,
    pub entry: u64,
    /// Sorted by `vaddr`; no two segments share a page.
    pub segments: Vec<Segment>,
    /// Sorted by `addr`; empty when the file has no (or an unreadable) `.symtab`.
    pub symbols: Vec<Symbol>,
    /// `EF_RISCV_RVC`: the program may contain compressed instructions.
    pub rvc: bool,
}

/// Why a guest file was refused. Segment indices are program-header indices, so they match
/// `readelf -l` output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    #[error("file is {size} bytes, above the {limit}-byte limit")]
    FileTooLarge { size: usize, limit: usize },
    #[error(
        "truncated file: the {what} needs bytes {start:#x}..{end:#x} but the file has only {file_size} bytes"
    )]
    Truncated {
        what: &'static str,
        start: u64,
        end: u64,
        file_size: usize,
    },
    #[error("not an ELF file (magic {magic:02x?}, expected [7f, 45, 4c, 46])")]
    NotElf { magic: [u8; 4] },
    #[error("unsupported ELF class {0} (expected 1 = ELF32 or 2 = ELF64)")]
    UnsupportedClass(u8),
    #[error("unsupported ELF data encoding {0}: only little-endian (1) files are supported")]
    NotLittleEndian(u8),
    #[error("unsupported ELF version {0} (expected 1)")]
    UnsupportedVersion(u8),
    #[error("machine {machine} is not RISC-V (EM_RISCV = 243)")]
    WrongMachine { machine: u16 },
    #[error(
        "position-independent/dynamic executables (ET_DYN) are not supported: link with -static -no-pie"
    )]
    PositionIndependent,
    #[error("ELF type {0} is not an executable (expected ET_EXEC = 2)")]
    NotExecutable(u16),
    #[error("hard-float ABI not supported ({abi} float ABI, e_flags {flags:#x}): build for ilp32/lp64")]
    HardFloatAbi { abi: &'static str, flags: u32 },
    #[error("RVE (16-register) ABI not supported (e_flags {flags:#x})")]
    RveNotSupported { flags: u32 },
    #[error("RV64ILP32 ABI not supported (e_flags {flags:#x})")]
    Rv64Ilp32NotSupported { flags: u32 },
    #[error("bad e_phentsize {found} (expected {expected} for this ELF class)")]
    BadProgramHeaderSize { found: u16, expected: usize },
    #[error("program header table offset {offset:#x} is not {align}-byte aligned")]
    MisalignedProgramHeaders { offset: u64, align: usize },
    #[error(
        "dynamically linked executable ({header} program header): only static executables are supported"
    )]
    DynamicallyLinked { header: &'static str },
    #[error("no program headers (e_phoff or e_phnum is 0)")]
    NoProgramHeaders,
    #[error("no loadable segment (no PT_LOAD with p_memsz > 0)")]
    NoSegments,
    #[error("too many loadable segments: more than the limit of {limit}")]
    TooManySegments { limit: usize },
    #[error("total segment memory size exceeds the limit of {limit:#x} bytes (reached {total:#x})")]
    MemoryLimitExceeded { total: u64, limit: u64 },
    #[error("segment {index}: p_filesz {file_size:#x} exceeds p_memsz {mem_size:#x}")]
    FileSizeExceedsMemSize {
        index: usize,
        file_size: u64,
        mem_size: u64,
    },
    #[error(
        "segment {index}: file bytes at offset {offset:#x} (+{file_size:#x}) lie beyond the end of the {file_len}-byte file"
    )]
    SegmentOutsideFile {
        index: usize,
        offset: u64,
        file_size: u64,
        file_len: usize,
    },
    #[error(
        "segment {index}: {vaddr:#x} + {mem_size:#x} goes beyond the {limit:#x} guest address space limit"
    )]
    SegmentOutOfAddressSpace {
        index: usize,
        vaddr: u64,
        mem_size: u64,
        limit: u64,
    },
    #[error(
        "segment {index} at {vaddr:#x} is writable and executable: self-modifying code is not supported"
    )]
    WritableAndExecutable { index: usize, vaddr: u64 },
    #[error("segments {first:#x?} and {second:#x?} overlap once rounded to 4 KiB pages")]
    OverlappingSegments { first: Range<u64>, second: Range<u64> },
    #[error("entry point {entry:#x} is not inside any executable segment")]
    EntryOutsideCode { entry: u64 },
    #[error("malformed ELF file: {0}")]
    Malformed(object::read::Error),
}

/// Parses and validates a guest executable.
pub fn load(bytes: &[u8], limits: &ElfLimits) -> Result<GuestElf, ElfError> {
    if bytes.len() > limits.max_file_size {
        return Err(ElfError::FileTooLarge {
            size: bytes.len(),
            limit: limits.max_file_size,
        });
    }
    let class = check_ident(bytes)?;
    // `object` reads headers in place and refuses misaligned data; callers may hand us any slice
    // (a sub-slice, an include_bytes!), so realign with a copy when needed. A fresh heap buffer
    // is aligned for every header type on all hosts we support.
    let data: Cow<'_, [u8]> = if bytes.as_ptr().cast::<u64>().is_aligned() {
        Cow::Borrowed(bytes)
    } else {
        Cow::Owned(bytes.to_vec())
    };
    match class {
        ElfClass::Elf32 => load_class::<FileHeader32<LittleEndian>>(&data, limits, class),
        ElfClass::Elf64 => load_class::<FileHeader64<LittleEndian>>(&data, limits, class),
    }
}

/// Checks `e_ident` by hand so each refusal gets its own error rather than `object`'s generic
/// "unsupported header".
fn check_ident(bytes: &[u8]) -> Result<ElfClass, ElfError> {
    // Field positions within `e_ident`; `object` has the struct but no way to read it unchecked.
    const CLASS: usize = 4;
    const DATA: usize = 5;
    const VERSION: usize = 6;
    let ident_size = size_of::<elf::Ident>();
    let Some(ident) = bytes.get(..ident_size) else {
        return Err(truncated("ELF identification", 0, ident_size, bytes.len()));
    };
    let magic = [ident[0], ident[1], ident[2], ident[3]];
    if magic != elf::ELFMAG {
        return Err(ElfError::NotElf { magic });
    }
    let class = match ident[CLASS] {
        elf::ELFCLASS32 => ElfClass::Elf32,
        elf::ELFCLASS64 => ElfClass::Elf64,
        other => return Err(ElfError::UnsupportedClass(other)),
    };
    if ident[DATA] != elf::ELFDATA2LSB {
        return Err(ElfError::NotLittleEndian(ident[DATA]));
    }
    if ident[VERSION] != elf::EV_CURRENT {
        return Err(ElfError::UnsupportedVersion(ident[VERSION]));
    }
    Ok(class)
}

fn truncated(what: &'static str, start: u64, len: usize, file_size: usize) -> ElfError {
    ElfError::Truncated {
        what,
        start,
        end: start.saturating_add(len as u64),
        file_size,
    }
}

fn load_class<Elf: FileHeader<Endian = LittleEndian>>(
    data: &[u8],
    limits: &ElfLimits,
    class: ElfClass,
) -> Result<GuestElf, ElfError> {
    let header_size = size_of::<Elf>();
    if data.len() < header_size {
        return Err(truncated("ELF header", 0, header_size, data.len()));
    }
    let header = Elf::parse(data).map_err(ElfError::Malformed)?;
    check_header(header)?;
    let rvc = header.e_flags(LE) & elf::EF_RISCV_RVC != 0;
    let entry: u64 = header.e_entry(LE).into();

    let program_headers = program_headers(header, data)?;
    for ph in program_headers {
        match ph.p_type(LE) {
            elf::PT_INTERP => return Err(ElfError::DynamicallyLinked { header: "PT_INTERP" }),
            elf::PT_DYNAMIC => return Err(ElfError::DynamicallyLinked { header: "PT_DYNAMIC" }),
            _ => {}
        }
    }

    let mut segments = Vec::new();
    let mut total_memory = 0u64;
    for (index, ph) in program_headers.iter().enumerate() {
        let mem_size: u64 = ph.p_memsz(LE).into();
        if ph.p_type(LE) != elf::PT_LOAD || mem_size == 0 {
            continue;
        }
        if segments.len() >= limits.max_segments {
            return Err(ElfError::TooManySegments {
                limit: limits.max_segments,
            });
        }
        // Limits are checked before the copy below so a hostile file cannot make us allocate.
        total_memory = total_memory.saturating_add(mem_size);
        if total_memory > limits.max_memory {
            return Err(ElfError::MemoryLimitExceeded {
                total: total_memory,
                limit: limits.max_memory,
            });
        }
        segments.push(load_segment(index, ph, data, class)?);
    }
    if segments.is_empty() {
        return Err(ElfError::NoSegments);
    }
    segments.sort_by_key(|s| s.vaddr);
    check_overlap(&segments)?;

    let in_code =
        |s: &Segment| s.rights == Rights::ReadExecute && (s.vaddr..s.vaddr + s.mem_size).contains(&entry);
    if !segments.iter().any(in_code) {
        return Err(ElfError::EntryOutsideCode { entry });
    }

    let symbols = read_symbols(header, data);
    Ok(GuestElf {
        class,
        entry,
        segments,
        symbols,
        rvc,
    })
}

fn check_header<Elf: FileHeader<Endian = LittleEndian>>(header: &Elf) -> Result<(), ElfError> {
    let machine = header.e_machine(LE);
    if machine != elf::EM_RISCV {
        return Err(ElfError::WrongMachine { machine });
    }
    match header.e_type(LE) {
        elf::ET_EXEC => {}
        elf::ET_DYN => return Err(ElfError::PositionIndependent),
        other => return Err(ElfError::NotExecutable(other)),
    }
    let flags = header.e_flags(LE);
    let abi = match flags & elf::EF_RISCV_FLOAT_ABI {
        elf::EF_RISCV_FLOAT_ABI_SOFT => None,
        elf::EF_RISCV_FLOAT_ABI_SINGLE => Some("single"),
        elf::EF_RISCV_FLOAT_ABI_DOUBLE => Some("double"),
        _ => Some("quad"),
    };
    if let Some(abi) = abi {
        return Err(ElfError::HardFloatAbi { abi, flags });
    }
    if flags & elf::EF_RISCV_RVE != 0 {
        return Err(ElfError::RveNotSupported { flags });
    }
    // An ELF32 file of RV64 code: we would run it as RV32 and silently compute wrong results.
    if flags & elf::EF_RISCV_RV64ILP32 != 0 {
        return Err(ElfError::Rv64Ilp32NotSupported { flags });
    }
    Ok(())
}

/// Validates the program header table's placement ourselves before asking `object` for it, so
/// each defect gets a precise error instead of `object`'s catch-all message.
fn program_headers<'data, Elf: FileHeader<Endian = LittleEndian>>(
    header: &Elf,
    data: &'data [u8],
) -> Result<&'data [Elf::ProgramHeader], ElfError> {
    let offset: u64 = header.e_phoff(LE).into();
    // Handles PN_XNUM (count stored in section 0); its only failure is a malformed section 0.
    let count = header.phnum(LE, data).map_err(ElfError::Malformed)?;
    if offset == 0 || count == 0 {
        return Err(ElfError::NoProgramHeaders);
    }
    let entry_size = size_of::<Elf::ProgramHeader>();
    let found = header.e_phentsize(LE);
    if usize::from(found) != entry_size {
        return Err(ElfError::BadProgramHeaderSize {
            found,
            expected: entry_size,
        });
    }
    let table_len = count.saturating_mul(entry_size);
    let in_file = offset
        .checked_add(table_len as u64)
        .is_some_and(|end| end <= data.len() as u64);
    if !in_file {
        return Err(truncated("program header table", offset, table_len, data.len()));
    }
    let align = align_of::<Elf::ProgramHeader>();
    if !offset.is_multiple_of(align as u64) {
        return Err(ElfError::MisalignedProgramHeaders { offset, align });
    }
    header.program_headers(LE, data).map_err(ElfError::Malformed)
}

fn load_segment<Ph: ProgramHeader<Endian = LittleEndian>>(
    index: usize,
    ph: &Ph,
    data: &[u8],
    class: ElfClass,
) -> Result<Segment, ElfError> {
    let vaddr: u64 = ph.p_vaddr(LE).into();
    let mem_size: u64 = ph.p_memsz(LE).into();
    let (offset, file_size) = ph.file_range(LE);
    if file_size > mem_size {
        return Err(ElfError::FileSizeExceedsMemSize {
            index,
            file_size,
            mem_size,
        });
    }
    let limit = class.address_limit();
    if vaddr.checked_add(mem_size).is_none_or(|end| end > limit) {
        return Err(ElfError::SegmentOutOfAddressSpace {
            index,
            vaddr,
            mem_size,
            limit,
        });
    }
    let outside_file = || ElfError::SegmentOutsideFile {
        index,
        offset,
        file_size,
        file_len: data.len(),
    };
    // A pure-bss segment reads nothing, so its offset is irrelevant (the kernel ignores it too).
    let bytes = if file_size == 0 {
        &[][..]
    } else {
        let start = usize::try_from(offset).map_err(|_| outside_file())?;
        let len = usize::try_from(file_size).map_err(|_| outside_file())?;
        start
            .checked_add(len)
            .and_then(|end| data.get(start..end))
            .ok_or_else(outside_file)?
    };
    let flags = ph.p_flags(LE);
    let rights = match (flags & elf::PF_W != 0, flags & elf::PF_X != 0) {
        (true, true) => return Err(ElfError::WritableAndExecutable { index, vaddr }),
        (false, true) => Rights::ReadExecute,
        (true, false) => Rights::ReadWrite,
        (false, false) => Rights::Read,
    };
    Ok(Segment {
        vaddr,
        mem_size,
        data: bytes.to_vec(),
        rights,
    })
}

/// Refuses any shared page: guest memory rights are per page, and a page shared by, say, code and
/// data would have to be both writable and executable.
fn check_overlap(sorted: &[Segment]) -> Result<(), ElfError> {
    // Callers have checked vaddr + mem_size against the address limit, so none of this overflows.
    let page_start = |s: &Segment| s.vaddr & !(PAGE_SIZE - 1);
    let page_end = |s: &Segment| (s.vaddr + s.mem_size).div_ceil(PAGE_SIZE) * PAGE_SIZE;
    for pair in sorted.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        // With no overlap so far, the previous segment's end is the highest end seen.
        if page_start(b) < page_end(a) {
            return Err(ElfError::OverlappingSegments {
                first: a.vaddr..a.vaddr + a.mem_size,
                second: b.vaddr..b.vaddr + b.mem_size,
            });
        }
    }
    Ok(())
}

/// Reads `.symtab`. Symbols are only debugging hints, so any defect in the section or symbol
/// tables yields no symbols rather than failing the load.
fn read_symbols<Elf: FileHeader<Endian = LittleEndian>>(header: &Elf, data: &[u8]) -> Vec<Symbol> {
    let Ok(sections) = header.sections(LE, data) else {
        return Vec::new();
    };
    let Ok(table) = sections.symbols(LE, data, elf::SHT_SYMTAB) else {
        return Vec::new();
    };
    let mut symbols = Vec::new();
    for sym in table.iter() {
        // Section and file symbols name no code or data; TLS values are offsets, not addresses.
        let kind = sym.st_type();
        if sym.is_undefined(LE) || matches!(kind, elf::STT_SECTION | elf::STT_FILE | elf::STT_TLS) {
            continue;
        }
        let Ok(name) = table.symbol_name(LE, sym) else {
            return Vec::new();
        };
        if name.is_empty() || is_mapping_symbol(name) {
            continue;
        }
        symbols.push(Symbol {
            name: String::from_utf8_lossy(name).into_owned(),
            addr: sym.st_value(LE).into(),
            size: sym.st_size(LE).into(),
            is_function: kind == elf::STT_FUNC,
        });
    }
    symbols.sort_by(|a, b| a.addr.cmp(&b.addr).then_with(|| a.name.cmp(&b.name)));
    symbols
}

/// RISC-V mapping symbols (`$x`, `$xrv64i2p1...`, `$d`) mark code/data boundaries and ISA changes;
/// as names they would only shadow the real function at the same address.
fn is_mapping_symbol(name: &[u8]) -> bool {
    match name {
        [b'$', b'x' | b'd', rest @ ..] => {
            rest.is_empty() || rest.starts_with(b".") || rest.starts_with(b"rv")
        }
        _ => false,
    }
}
