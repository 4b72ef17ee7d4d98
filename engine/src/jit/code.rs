//! Code memory: the executable mapping that holds one compiled module, and patching inside it.
//!
//! Owns the mappings and their W^X protections. Normal code is written while its mapping is
//! read-write, then the mapping becomes read-execute for good (patching, which normal code never
//! needs, would flip it to read-write and back). Debuggable code lives in a shared memory file
//! mapped twice: read-execute where it runs, read-write where breakpoints are patched, so that
//! setting one costs no protection change (two system calls and a TLB flush, tens of microseconds).
//! The writable alias of debuggable code is the price of that; its address is never handed out.
//! Must never hand out a writable pointer into live code; patches happen only while the instance
//! that owns the code is paused.

use memmap2::{Mmap, MmapMut, MmapOptions};
use std::os::fd::FromRawFd;

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("allocating {0} bytes of code memory failed: {1}")]
    Alloc(usize, String),
    #[error("changing code memory protection failed: {0}")]
    Protect(String),
    #[error("patch of {len} bytes at {offset:#x} lies outside the code")]
    Patch { offset: usize, len: usize },
}

enum Mapping {
    /// Anonymous memory, read-execute once written.
    Private(MmapMut),
    /// One shared memory file, mapped read-execute (`exec`) and read-write (`writer`).
    Aliased { exec: Mmap, writer: MmapMut },
}

pub struct CodeMemory {
    mapping: Mapping,
    len: usize,
}

impl CodeMemory {
    /// Copies `code` into a fresh mapping, lets `fixup` patch relocations in it (given the address
    /// the code runs at), then makes it executable. `patchable` code gets a writable alias (see the
    /// module doc).
    pub fn new(
        code: &[u8],
        patchable: bool,
        fixup: impl FnOnce(&mut [u8], usize),
    ) -> Result<CodeMemory, CodeError> {
        let len = code.len().max(1);
        let alloc = |e: std::io::Error| CodeError::Alloc(len, e.to_string());
        // Where a memory file cannot be mapped executable (a hardened kernel, a sandbox), patchable
        // code falls back to a private mapping whose protection patches flip.
        let aliased = if patchable { Self::aliased(len).ok() } else { None };
        let Some((exec, mut writer)) = aliased else {
            let mut map = MmapMut::map_anon(len).map_err(alloc)?;
            map[..code.len()].copy_from_slice(code);
            let base = map.as_ptr() as usize;
            fixup(&mut map[..code.len()], base);
            let mem = CodeMemory {
                mapping: Mapping::Private(map),
                len,
            };
            mem.protect(region::Protection::READ_EXECUTE)?;
            return Ok(mem);
        };
        writer[..code.len()].copy_from_slice(code);
        fixup(&mut writer[..code.len()], exec.as_ptr() as usize);
        Ok(CodeMemory {
            mapping: Mapping::Aliased { exec, writer },
            len,
        })
    }

    /// A fresh memory file of `len` bytes, mapped read-execute and read-write.
    fn aliased(len: usize) -> std::io::Result<(Mmap, MmapMut)> {
        // SAFETY: memfd_create takes a NUL-terminated name and flags; it returns a new descriptor or -1.
        let fd = unsafe { libc::memfd_create(c"causeway-code".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let file = unsafe { std::fs::File::from_raw_fd(fd) };
        file.set_len(len as u64)?;
        // The file is ours alone (an unnamed memory file): nobody changes it behind these maps.
        // SAFETY: both mappings cover exactly the file's length, which only this function sets.
        unsafe {
            Ok((
                MmapOptions::new().len(len).map_exec(&file)?,
                MmapOptions::new().len(len).map_mut(&file)?,
            ))
        }
    }

    fn protect(&self, prot: region::Protection) -> Result<(), CodeError> {
        // SAFETY: the range is exactly our own mapping; no other object lives in it.
        unsafe { region::protect(self.exec_ptr(), self.len, prot) }
            .map_err(|e| CodeError::Protect(e.to_string()))
    }

    fn exec_ptr(&self) -> *const u8 {
        match &self.mapping {
            Mapping::Private(map) => map.as_ptr(),
            Mapping::Aliased { exec, .. } => exec.as_ptr(),
        }
    }

    pub fn base(&self) -> usize {
        self.exec_ptr() as usize
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn contains(&self, addr: usize) -> bool {
        addr >= self.base() && addr < self.base() + self.len
    }

    pub fn bytes(&self, offset: usize, len: usize) -> &[u8] {
        match &self.mapping {
            Mapping::Private(map) => &map[offset..offset + len],
            Mapping::Aliased { exec, .. } => &exec[offset..offset + len],
        }
    }

    /// Overwrites `bytes` at `offset`. The caller guarantees no thread is executing this code (its
    /// instance is paused: stopped inside a libcall or not running at all).
    pub fn patch(&mut self, offset: usize, bytes: &[u8]) -> Result<(), CodeError> {
        self.patch_many(&[(offset, bytes)])
    }

    /// Writes each `(offset, bytes)` into the code: through the writable alias of patchable code, or
    /// making a private mapping writable once for all of them.
    pub fn patch_many(&mut self, writes: &[(usize, &[u8])]) -> Result<(), CodeError> {
        for &(offset, bytes) in writes {
            if offset.checked_add(bytes.len()).is_none_or(|end| end > self.len) {
                return Err(CodeError::Patch {
                    offset,
                    len: bytes.len(),
                });
            }
        }
        if writes.is_empty() {
            return Ok(());
        }
        if let Mapping::Aliased { writer, .. } = &mut self.mapping {
            for &(offset, bytes) in writes {
                writer[offset..offset + bytes.len()].copy_from_slice(bytes);
            }
            return Ok(());
        }
        self.protect(region::Protection::READ_WRITE)?;
        // The private mapping, which `&mut self` owns and which is writable now.
        let ptr = self.exec_ptr() as *mut u8;
        for &(offset, bytes) in writes {
            // The range is inside the mapping (checked above), which is writable now.
            // SAFETY: in bounds and writable; no thread runs this code while its instance is paused.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.add(offset), bytes.len()) };
        }
        self.protect(region::Protection::READ_EXECUTE)
    }
}
