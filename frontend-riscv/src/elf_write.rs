//! A tiny static-ELF writer for tests, fuzzing and the random-instruction generator: builds a
//! little-endian, soft-float, `EM_RISCV` `ET_EXEC` file with one `PT_LOAD` per segment and nothing
//! else (no sections, no symbols).
//!
//! Owns only the file layout. It must never validate or repair what it is given: writing exactly
//! the requested headers is what lets tests build malformed files for the loader on purpose. The
//! output must stay mappable by Linux and qemu-user, since differential tests run it there too.

use std::mem::size_of;

use object::elf;

use crate::elf::{ElfClass, PAGE_SIZE};

/// One segment to write as a `PT_LOAD` program header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteSegment {
    pub vaddr: u64,
    pub data: Vec<u8>,
    /// Written verbatim as `p_memsz`; a valid file needs `mem_size >= data.len()`.
    pub mem_size: u64,
    /// `PF_R | PF_W | PF_X` bits, written verbatim as `p_flags`.
    pub flags: u32,
}

/// Offsets into the file produced by [`write_elf`], for tests that patch headers by hand.
pub mod file_layout {
    /// Size of the ELF header, which is also where the program headers start.
    pub fn header_size(class: super::ElfClass) -> usize {
        match class {
            super::ElfClass::Elf32 => 52,
            super::ElfClass::Elf64 => 64,
        }
    }

    /// Size of one program header.
    pub fn program_header_size(class: super::ElfClass) -> usize {
        match class {
            super::ElfClass::Elf32 => 32,
            super::ElfClass::Elf64 => 56,
        }
    }

    /// File offset of program header `index`.
    pub fn program_header_offset(class: super::ElfClass, index: usize) -> usize {
        header_size(class) + index * program_header_size(class)
    }
}

/// Writes a static executable whose segments are laid out so that `p_offset ≡ p_vaddr (mod 4096)`,
/// the congruence the kernel's `mmap`-based loader needs.
///
/// # Panics
/// When a value does not fit the class (an ELF32 address or size above `u32::MAX`) or there are
/// more than 65534 segments: those are bugs in the caller, not properties of a file.
pub fn write_elf(class: ElfClass, entry: u64, segments: &[WriteSegment]) -> Vec<u8> {
    let phnum = u16::try_from(segments.len())
        .ok()
        .filter(|&n| n < elf::PN_XNUM)
        .expect("write_elf: too many segments for e_phnum");
    let mut out = Out {
        class,
        bytes: Vec::new(),
    };

    out.bytes.extend_from_slice(&elf::ELFMAG);
    out.bytes.push(match class {
        ElfClass::Elf32 => elf::ELFCLASS32,
        ElfClass::Elf64 => elf::ELFCLASS64,
    });
    out.bytes
        .extend_from_slice(&[elf::ELFDATA2LSB, elf::EV_CURRENT, elf::ELFOSABI_SYSV]);
    out.bytes.resize(size_of::<elf::Ident>(), 0); // e_ident padding
    out.u16(elf::ET_EXEC);
    out.u16(elf::EM_RISCV);
    out.u32(u32::from(elf::EV_CURRENT));
    out.word(entry);
    out.word(file_layout::header_size(class) as u64); // e_phoff
    out.word(0); // e_shoff
    out.u32(elf::EF_RISCV_RVC | elf::EF_RISCV_FLOAT_ABI_SOFT);
    out.u16(file_layout::header_size(class) as u16);
    out.u16(file_layout::program_header_size(class) as u16);
    out.u16(phnum);
    out.u16(0); // e_shentsize: there are no section headers
    out.u16(0); // e_shnum
    out.u16(elf::SHN_UNDEF); // e_shstrndx
    debug_assert_eq!(out.bytes.len(), file_layout::header_size(class));

    // Data goes after the whole header block, each segment at the first offset congruent to its
    // address, so the kernel can map file pages straight onto guest pages.
    let mut offsets = Vec::with_capacity(segments.len());
    let mut end = file_layout::program_header_offset(class, segments.len()) as u64;
    for seg in segments {
        let offset = end + (seg.vaddr.wrapping_sub(end) % PAGE_SIZE);
        offsets.push(offset);
        end = offset + seg.data.len() as u64;
    }

    for (seg, &offset) in segments.iter().zip(&offsets) {
        out.u32(elf::PT_LOAD);
        if class == ElfClass::Elf64 {
            out.u32(seg.flags);
        }
        out.word(offset);
        out.word(seg.vaddr);
        out.word(seg.vaddr); // p_paddr
        out.word(seg.data.len() as u64);
        out.word(seg.mem_size);
        if class == ElfClass::Elf32 {
            out.u32(seg.flags);
        }
        out.word(PAGE_SIZE);
    }

    for (seg, &offset) in segments.iter().zip(&offsets) {
        let offset = usize::try_from(offset).expect("write_elf: file too large for the host");
        out.bytes.resize(offset, 0);
        out.bytes.extend_from_slice(&seg.data);
    }
    out.bytes
}

/// Little-endian field writer; `word` is the class's address-sized field.
struct Out {
    class: ElfClass,
    bytes: Vec<u8>,
}

impl Out {
    fn u16(&mut self, v: u16) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    fn word(&mut self, v: u64) {
        match self.class {
            ElfClass::Elf32 => {
                let v = u32::try_from(v).expect("write_elf: value does not fit an ELF32 field");
                self.u32(v);
            }
            ElfClass::Elf64 => self.bytes.extend_from_slice(&v.to_le_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    /// `li a7, 93; li a0, 42; ecall`: exit(42) through the Linux syscall ABI.
    const EXIT42: [u32; 3] = [0x05d0_0893, 0x02a0_0513, 0x0000_0073];

    fn exit42(class: ElfClass) -> Vec<u8> {
        let code: Vec<u8> = EXIT42.iter().flat_map(|i| i.to_le_bytes()).collect();
        let text = WriteSegment {
            vaddr: 0x10000,
            mem_size: code.len() as u64,
            data: code,
            flags: elf::PF_R | elf::PF_X,
        };
        // A data segment with bss after the code checks multi-segment layout maps under qemu too.
        let data = WriteSegment {
            vaddr: 0x20010,
            data: vec![1, 2, 3],
            mem_size: 0x3000,
            flags: elf::PF_R | elf::PF_W,
        };
        write_elf(class, 0x10000, &[text, data])
    }

    fn read_u64(bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
    }

    #[test]
    fn offsets_are_congruent_to_addresses() {
        let file = exit42(ElfClass::Elf64);
        for index in 0..2 {
            let ph = file_layout::program_header_offset(ElfClass::Elf64, index);
            let (offset, vaddr) = (read_u64(&file, ph + 8), read_u64(&file, ph + 16));
            assert_eq!(offset % PAGE_SIZE, vaddr % PAGE_SIZE, "segment {index}");
        }
        assert_eq!(
            file.len() as u64,
            read_u64(&file, file_layout::program_header_offset(ElfClass::Elf64, 1) + 8) + 3
        );
    }

    fn run_under_qemu(class: ElfClass, qemu: &str) {
        // One directory per test: the two qemu tests run in parallel and each removes its own.
        let dir = std::env::temp_dir().join(format!("causeway-elf-write-{}-{qemu}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("exit42");
        std::fs::write(&path, exit42(class)).unwrap();
        // qemu-user, like execve, refuses files without execute permission.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let status = match Command::new(qemu).arg(&path).status() {
            Ok(status) => status,
            Err(e) => {
                println!("note: skipping the qemu check, cannot run {qemu}: {e}");
                let _ = std::fs::remove_dir_all(&dir);
                return;
            }
        };
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(status.code(), Some(42), "{qemu} exit status");
    }

    #[test]
    fn runs_under_qemu_riscv64() {
        run_under_qemu(ElfClass::Elf64, "qemu-riscv64");
    }

    #[test]
    fn runs_under_qemu_riscv32() {
        run_under_qemu(ElfClass::Elf32, "qemu-riscv32");
    }
}
