//! Loader tests: round trips through `write_elf`, one crafted or patched file per refusal, real
//! linker output, and mutation fuzzing. Owns no production code and must never need a cross
//! compiler or qemu: the gcc-built inputs are checked in under `tests/data`.

use super::*;
use crate::elf_write::{file_layout, write_elf, WriteSegment};
use object::elf::{PF_R, PF_W, PF_X};
use proptest::prelude::*;

const RV64_EXIT7: &[u8] = include_bytes!("../../tests/data/exit7-rv64.elf");
const RV32_EXIT7: &[u8] = include_bytes!("../../tests/data/exit7-rv32.elf");

const CLASSES: [ElfClass; 2] = [ElfClass::Elf32, ElfClass::Elf64];

fn seg(vaddr: u64, data: &[u8], mem_size: u64, flags: u32) -> WriteSegment {
    WriteSegment {
        vaddr,
        data: data.to_vec(),
        mem_size,
        flags,
    }
}

fn code(vaddr: u64) -> WriteSegment {
    seg(vaddr, &[0x13, 0, 0, 0, 0x73, 0, 0, 0], 8, PF_R | PF_X)
}

/// Code at 0x10000 and data with bss at 0x20100, written data-first to check the loader sorts.
fn two_segments(class: ElfClass) -> Vec<u8> {
    write_elf(
        class,
        0x10004,
        &[seg(0x20100, &[9; 16], 0x1000, PF_R | PF_W), code(0x10000)],
    )
}

fn load_default(bytes: &[u8]) -> Result<GuestElf, ElfError> {
    load(bytes, &ElfLimits::default())
}

fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
    bytes[at..at + value.len()].copy_from_slice(value);
}

/// Writes an address-sized field of `class`.
fn put_word(bytes: &mut [u8], class: ElfClass, at: usize, value: u64) {
    match class {
        ElfClass::Elf32 => put(bytes, at, &(value as u32).to_le_bytes()),
        ElfClass::Elf64 => put(bytes, at, &value.to_le_bytes()),
    }
}

// ELF header field offsets that differ between the classes.
fn e_phoff(class: ElfClass) -> usize {
    if class == ElfClass::Elf32 {
        28
    } else {
        32
    }
}
fn e_flags(class: ElfClass) -> usize {
    if class == ElfClass::Elf32 {
        36
    } else {
        48
    }
}
fn e_phentsize(class: ElfClass) -> usize {
    if class == ElfClass::Elf32 {
        42
    } else {
        54
    }
}
fn e_phnum(class: ElfClass) -> usize {
    e_phentsize(class) + 2
}
const E_TYPE: usize = 16;
const E_MACHINE: usize = 18;

/// Offset of `p_offset` within a program header.
fn p_offset(class: ElfClass) -> usize {
    if class == ElfClass::Elf32 {
        4
    } else {
        8
    }
}

#[test]
fn round_trip() {
    for class in CLASSES {
        let elf = load_default(&two_segments(class)).unwrap();
        assert_eq!(elf.class, class);
        assert_eq!(elf.entry, 0x10004);
        assert!(elf.rvc);
        assert!(elf.symbols.is_empty());
        assert_eq!(
            elf.segments,
            vec![
                Segment {
                    vaddr: 0x10000,
                    mem_size: 8,
                    data: code(0).data,
                    rights: Rights::ReadExecute
                },
                Segment {
                    vaddr: 0x20100,
                    mem_size: 0x1000,
                    data: vec![9; 16],
                    rights: Rights::ReadWrite
                },
            ]
        );
    }
}

#[test]
fn rights_follow_flags() {
    let cases = [
        (0, Rights::Read),
        (PF_R, Rights::Read),
        (PF_X, Rights::ReadExecute),
        (PF_W, Rights::ReadWrite),
    ];
    for (flags, rights) in cases {
        let file = write_elf(
            ElfClass::Elf64,
            0x10000,
            &[code(0x10000), seg(0x30000, &[1], 1, flags)],
        );
        assert_eq!(
            load_default(&file).unwrap().segments[1].rights,
            rights,
            "flags {flags:#x}"
        );
    }
}

#[test]
fn pure_bss_segment_ignores_its_offset() {
    let mut file = write_elf(
        ElfClass::Elf64,
        0x10000,
        &[code(0x10000), seg(0x30000, &[], 0x5000, PF_R | PF_W)],
    );
    let ph = file_layout::program_header_offset(ElfClass::Elf64, 1);
    put_word(
        &mut file,
        ElfClass::Elf64,
        ph + p_offset(ElfClass::Elf64),
        u64::MAX,
    );
    let bss = &load_default(&file).unwrap().segments[1];
    assert_eq!((bss.data.len(), bss.mem_size), (0, 0x5000));
}

#[test]
fn ignores_non_load_and_empty_segments() {
    // An empty PT_LOAD is skipped, and a PT_GNU_STACK with nonsense fields is not looked at.
    let mut file = write_elf(
        ElfClass::Elf64,
        0x10000,
        &[code(0x10000), seg(0x10000, &[], 0, PF_W | PF_X)],
    );
    assert_eq!(load_default(&file).unwrap().segments.len(), 1);
    let ph = file_layout::program_header_offset(ElfClass::Elf64, 1);
    put(&mut file, ph, &elf::PT_GNU_STACK.to_le_bytes());
    put_word(&mut file, ElfClass::Elf64, ph + 40, u64::MAX);
    assert_eq!(load_default(&file).unwrap().segments.len(), 1);
}

#[test]
fn accepts_misaligned_input_slices() {
    let file = two_segments(ElfClass::Elf64);
    let mut shifted = vec![0u8];
    shifted.extend_from_slice(&file);
    assert_eq!(load_default(&shifted[1..]), load_default(&file));
}

#[test]
fn refuses_bad_identification() {
    let file = two_segments(ElfClass::Elf64);
    let patched = |at: usize, byte: u8| {
        let mut f = file.clone();
        f[at] = byte;
        load_default(&f).unwrap_err()
    };
    assert_eq!(
        patched(1, b'X'),
        ElfError::NotElf {
            magic: [0x7f, b'X', b'L', b'F']
        }
    );
    assert_eq!(patched(4, 3), ElfError::UnsupportedClass(3));
    assert_eq!(patched(5, 2), ElfError::NotLittleEndian(2));
    assert_eq!(patched(6, 0), ElfError::UnsupportedVersion(0));
}

#[test]
fn refuses_other_machines_and_types() {
    for class in CLASSES {
        let mut file = two_segments(class);
        put(&mut file, E_MACHINE, &elf::EM_X86_64.to_le_bytes());
        let err = load_default(&file).unwrap_err();
        assert_eq!(err, ElfError::WrongMachine { machine: 62 });
        assert!(err.to_string().contains("62"), "{err}");

        let mut file = two_segments(class);
        put(&mut file, E_TYPE, &elf::ET_DYN.to_le_bytes());
        let err = load_default(&file).unwrap_err();
        assert_eq!(err, ElfError::PositionIndependent);
        assert!(err.to_string().contains("position-independent"), "{err}");
        put(&mut file, E_TYPE, &elf::ET_REL.to_le_bytes());
        assert_eq!(
            load_default(&file).unwrap_err(),
            ElfError::NotExecutable(elf::ET_REL)
        );
    }
}

#[test]
fn refuses_unsupported_abis() {
    for class in CLASSES {
        let with_flags = |flags: u32| {
            let mut file = two_segments(class);
            put(&mut file, e_flags(class), &flags.to_le_bytes());
            load_default(&file)
        };
        for (bits, abi) in [(2, "single"), (4, "double"), (6, "quad")] {
            let err = with_flags(1 | bits).unwrap_err();
            assert_eq!(err, ElfError::HardFloatAbi { abi, flags: 1 | bits });
            assert!(err.to_string().contains("hard-float ABI not supported"), "{err}");
        }
        assert_eq!(with_flags(9).unwrap_err(), ElfError::RveNotSupported { flags: 9 });
        assert_eq!(
            with_flags(0x21).unwrap_err(),
            ElfError::Rv64Ilp32NotSupported { flags: 0x21 }
        );
        assert!(!with_flags(0).unwrap().rvc);
    }
}

#[test]
fn refuses_dynamic_linking() {
    for (p_type, header) in [(elf::PT_INTERP, "PT_INTERP"), (elf::PT_DYNAMIC, "PT_DYNAMIC")] {
        for class in CLASSES {
            let mut file = two_segments(class);
            put(
                &mut file,
                file_layout::program_header_offset(class, 0),
                &p_type.to_le_bytes(),
            );
            let err = load_default(&file).unwrap_err();
            assert_eq!(err, ElfError::DynamicallyLinked { header });
            assert!(err.to_string().contains("dynamically linked"), "{err}");
        }
    }
}

#[test]
fn refuses_bad_program_header_tables() {
    for class in CLASSES {
        let mut file = two_segments(class);
        put(&mut file, e_phentsize(class), &40u16.to_le_bytes());
        let expected = file_layout::program_header_size(class);
        assert_eq!(
            load_default(&file).unwrap_err(),
            ElfError::BadProgramHeaderSize { found: 40, expected }
        );

        let mut file = two_segments(class);
        put(&mut file, e_phnum(class), &1000u16.to_le_bytes());
        assert!(matches!(
            load_default(&file).unwrap_err(),
            ElfError::Truncated {
                what: "program header table",
                ..
            }
        ));

        let mut file = two_segments(class);
        put_word(&mut file, class, e_phoff(class), 2);
        assert_eq!(
            load_default(&file).unwrap_err(),
            ElfError::MisalignedProgramHeaders {
                offset: 2,
                align: align_of_program_header(class)
            }
        );

        let mut file = two_segments(class);
        put(&mut file, e_phnum(class), &0u16.to_le_bytes());
        assert_eq!(load_default(&file).unwrap_err(), ElfError::NoProgramHeaders);
    }
}

fn align_of_program_header(class: ElfClass) -> usize {
    match class {
        ElfClass::Elf32 => align_of::<elf::ProgramHeader32<LittleEndian>>(),
        ElfClass::Elf64 => align_of::<elf::ProgramHeader64<LittleEndian>>(),
    }
}

#[test]
fn refuses_files_without_segments() {
    for class in CLASSES {
        assert_eq!(
            load_default(&write_elf(class, 0, &[])).unwrap_err(),
            ElfError::NoProgramHeaders
        );
        let empty = write_elf(class, 0x10000, &[seg(0x10000, &[], 0, PF_R | PF_X)]);
        assert_eq!(load_default(&empty).unwrap_err(), ElfError::NoSegments);
    }
}

#[test]
fn every_truncation_is_an_error() {
    for class in CLASSES {
        let file = two_segments(class);
        for len in 0..file.len() {
            assert!(
                load_default(&file[..len]).is_err(),
                "{class:?} truncated to {len} bytes loaded"
            );
        }
    }
}

#[test]
fn refuses_overlapping_segments() {
    let cases = [
        (0x10800, 0x10800..0x10810), // same page, disjoint bytes
        (0x10000, 0x10000..0x10010), // identical start
        (0x0fff8, 0x0fff8..0x10008), // sorted before the code segment, crossing into its page
        (0x10ff0, 0x10ff0..0x11000), // last bytes of the page
    ];
    for (vaddr, range) in cases {
        let file = write_elf(
            ElfClass::Elf64,
            0x10000,
            &[code(0x10000), seg(vaddr, &[0; 16], 16, PF_R)],
        );
        let err = load_default(&file).unwrap_err();
        let code_range = 0x10000..0x10008;
        let (first, second) = if vaddr < 0x10000 {
            (range, code_range)
        } else {
            (code_range, range)
        };
        assert_eq!(err, ElfError::OverlappingSegments { first, second });
        assert!(err.to_string().contains("0x10000..0x10008"), "{err}");
    }
    // Adjacent pages are fine.
    let file = write_elf(
        ElfClass::Elf64,
        0x10000,
        &[code(0x10000), seg(0x11000, &[0; 16], 16, PF_R)],
    );
    assert!(load_default(&file).is_ok());
}

#[test]
fn refuses_writable_code() {
    let file = write_elf(
        ElfClass::Elf32,
        0x10000,
        &[seg(0x10000, &[0; 8], 8, PF_R | PF_W | PF_X)],
    );
    let err = load_default(&file).unwrap_err();
    assert_eq!(
        err,
        ElfError::WritableAndExecutable {
            index: 0,
            vaddr: 0x10000
        }
    );
    assert!(
        err.to_string().contains("self-modifying code is not supported"),
        "{err}"
    );
}

#[test]
fn refuses_file_size_above_mem_size() {
    let file = write_elf(
        ElfClass::Elf64,
        0x10000,
        &[code(0x10000), seg(0x20000, &[0; 16], 8, PF_R)],
    );
    let err = load_default(&file).unwrap_err();
    assert_eq!(
        err,
        ElfError::FileSizeExceedsMemSize {
            index: 1,
            file_size: 16,
            mem_size: 8
        }
    );
}

#[test]
fn refuses_segment_data_outside_the_file() {
    for class in CLASSES {
        let mut file = two_segments(class);
        let ph = file_layout::program_header_offset(class, 1);
        put_word(&mut file, class, ph + p_offset(class), 0xffff_fff0);
        let err = load_default(&file).unwrap_err();
        let file_len = file.len();
        assert_eq!(
            err,
            ElfError::SegmentOutsideFile {
                index: 1,
                offset: 0xffff_fff0,
                file_size: 8,
                file_len
            }
        );
    }
}

#[test]
fn refuses_huge_memory() {
    let huge = seg(0x100000, &[], 1 << 31, PF_R | PF_W);
    let file = write_elf(ElfClass::Elf64, 0x10000, &[code(0x10000), huge]);
    let err = load_default(&file).unwrap_err();
    assert_eq!(
        err,
        ElfError::MemoryLimitExceeded {
            total: (1 << 31) + 8,
            limit: 1 << 30
        }
    );
}

#[test]
fn refuses_addresses_outside_the_guest_address_space() {
    let limits = ElfLimits {
        max_memory: u64::MAX,
        ..ElfLimits::default()
    };
    let cases = [
        (ElfClass::Elf32, 0xffff_f000, 0x2000, 1 << 32),
        (ElfClass::Elf64, (1 << 47) - 0x1000, 0x1001, 1 << 47),
        (ElfClass::Elf64, u64::MAX - 0xfff, 0x2000, 1 << 47),
    ];
    for (class, vaddr, mem_size, limit) in cases {
        let file = write_elf(class, 0x10000, &[code(0x10000), seg(vaddr, &[], mem_size, PF_R)]);
        let err = load(&file, &limits).unwrap_err();
        assert_eq!(
            err,
            ElfError::SegmentOutOfAddressSpace {
                index: 1,
                vaddr,
                mem_size,
                limit
            }
        );
    }
    // Ending exactly at the limit is allowed.
    let file = write_elf(
        ElfClass::Elf32,
        0x10000,
        &[code(0x10000), seg(0xffff_f000, &[], 0x1000, PF_R)],
    );
    assert!(load_default(&file).is_ok());
}

#[test]
fn refuses_too_many_segments() {
    let segments: Vec<_> = (0..65).map(|i| code(0x10000 + i * 0x1000)).collect();
    let file = write_elf(ElfClass::Elf64, 0x10000, &segments);
    assert_eq!(
        load_default(&file).unwrap_err(),
        ElfError::TooManySegments { limit: 64 }
    );
    assert_eq!(
        load_default(&write_elf(ElfClass::Elf64, 0x10000, &segments[..64]))
            .unwrap()
            .segments
            .len(),
        64
    );
}

#[test]
fn refuses_oversized_files() {
    let file = two_segments(ElfClass::Elf64);
    let limits = ElfLimits {
        max_file_size: 100,
        ..ElfLimits::default()
    };
    assert_eq!(
        load(&file, &limits).unwrap_err(),
        ElfError::FileTooLarge {
            size: file.len(),
            limit: 100
        }
    );
}

#[test]
fn refuses_entry_outside_code() {
    // 0x20100 is mapped but not executable; 0x10008 is one past the code.
    for entry in [0x20100, 0x10008, 0xfffc, 0] {
        let mut file = two_segments(ElfClass::Elf64);
        put_word(&mut file, ElfClass::Elf64, 24, entry);
        assert_eq!(
            load_default(&file).unwrap_err(),
            ElfError::EntryOutsideCode { entry }
        );
    }
}

#[test]
fn loads_gcc_output() {
    for (bytes, class, entry, text_size) in [
        (RV64_EXIT7, ElfClass::Elf64, 0x100b0, 0xba),
        (RV32_EXIT7, ElfClass::Elf32, 0x10074, 0x7e),
    ] {
        let elf = load_default(bytes).unwrap();
        assert_eq!((elf.class, elf.entry, elf.rvc), (class, entry, true));
        assert_eq!(elf.segments.len(), 1, "PT_RISCV_ATTRIBUTES must be ignored");
        let text = &elf.segments[0];
        assert_eq!(
            (text.vaddr, text.mem_size, text.rights),
            (0x10000, text_size, Rights::ReadExecute)
        );
        assert_eq!(text.data.len() as u64, text_size);
        let start = elf
            .symbols
            .iter()
            .find(|s| s.name == "_start")
            .expect("_start symbol");
        assert_eq!((start.addr, start.size, start.is_function), (entry, 10, true));
        assert!(elf.symbols.windows(2).all(|w| w[0].addr <= w[1].addr));
        assert!(elf
            .symbols
            .iter()
            .all(|s| !s.name.starts_with("$x") && !s.name.ends_with(".o")));
    }
}

#[test]
fn bad_symbol_tables_only_lose_symbols() {
    // e_shentsize, then e_shoff pointing past the end: each breaks the section table.
    let mut bad_entsize = RV64_EXIT7.to_vec();
    put(&mut bad_entsize, 58, &1u16.to_le_bytes());
    let mut bad_offset = RV64_EXIT7.to_vec();
    put_word(&mut bad_offset, ElfClass::Elf64, 40, 0xffff_0000);
    for file in [bad_entsize, bad_offset] {
        let elf = load_default(&file).unwrap();
        assert!(elf.symbols.is_empty());
        // The text segment starts at file offset 0, so its bytes include the patched header.
        let (seg, good) = (&elf.segments[0], &load_default(RV64_EXIT7).unwrap().segments[0]);
        assert_eq!(
            (seg.vaddr, seg.mem_size, seg.rights),
            (good.vaddr, good.mem_size, good.rights)
        );
    }
}

#[test]
fn truncated_gcc_output_never_panics() {
    for bytes in [RV64_EXIT7, RV32_EXIT7] {
        let text_end = load_default(bytes).unwrap().segments[0].data.len();
        for len in 0..bytes.len() {
            let result = load_default(&bytes[..len]);
            // Past the code only the section table is cut, which costs symbols, not the load.
            assert_eq!(result.is_ok(), len >= text_end, "truncated to {len}: {result:?}");
        }
    }
}

proptest! {
    #[test]
    fn mutated_files_never_panic(
        class in prop::sample::select(CLASSES.to_vec()),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut file = two_segments(class);
        for (at, byte) in edits {
            let at = at.index(file.len());
            file[at] = byte;
        }
        let _ = load_default(&file);
        let _ = load_default(&file[..cut.index(file.len() + 1)]);
    }

    #[test]
    fn mutated_gcc_output_never_panics(
        gcc64 in any::<bool>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut file = if gcc64 { RV64_EXIT7.to_vec() } else { RV32_EXIT7.to_vec() };
        for (at, byte) in edits {
            let at = at.index(file.len());
            file[at] = byte;
        }
        let _ = load_default(&file);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = load_default(&bytes);
    }

    /// Any page-disjoint layout `write_elf` can express loads back exactly.
    #[test]
    fn write_then_load_round_trips(
        class in prop::sample::select(CLASSES.to_vec()),
        layout in prop::collection::vec((1u64..4, 0u64..4096, prop::collection::vec(any::<u8>(), 0..64), 0u64..0x3000, 0u32..8), 1..6),
    ) {
        let mut page = 0x10u64;
        let mut segments = Vec::new();
        for (gap, offset, data, extra, flags) in layout {
            let flags = if flags & (PF_W | PF_X) == PF_W | PF_X { flags & !PF_W } else { flags };
            let vaddr = page * PAGE_SIZE + offset;
            let mem_size = data.len() as u64 + extra + 1;
            page = (vaddr + mem_size).div_ceil(PAGE_SIZE) + gap;
            segments.push(seg(vaddr, &data, mem_size, flags));
        }
        segments.push(code(page * PAGE_SIZE));
        let file = write_elf(class, page * PAGE_SIZE, &segments);
        let elf = load_default(&file).unwrap();
        prop_assert_eq!(elf.segments.len(), segments.len());
        for (loaded, written) in elf.segments.iter().zip(&segments) {
            prop_assert_eq!(loaded.vaddr, written.vaddr);
            prop_assert_eq!(loaded.mem_size, written.mem_size);
            prop_assert_eq!(&loaded.data, &written.data);
        }
    }
}
