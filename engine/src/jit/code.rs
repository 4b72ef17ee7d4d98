//! Code memory: the executable mapping that holds one compiled module, and patching inside it.
//!
//! Owns the mmap and its W^X protections: code is written while the mapping is read-write, then the
//! mapping becomes read-execute. Breakpoint patching flips the mapping to read-write and back while
//! the instance that owns the code is paused. Must never hand out a writable pointer into live code.

use memmap2::MmapMut;

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("allocating {0} bytes of code memory failed: {1}")]
    Alloc(usize, String),
    #[error("changing code memory protection failed: {0}")]
    Protect(String),
    #[error("patch of {len} bytes at {offset:#x} lies outside the code")]
    Patch { offset: usize, len: usize },
}

pub struct CodeMemory {
    map: MmapMut,
    len: usize,
}

impl CodeMemory {
    /// Copies `code` into a fresh mapping, lets `fixup` patch relocations in it, then makes it executable.
    pub fn new(code: &[u8], fixup: impl FnOnce(&mut [u8], usize)) -> Result<CodeMemory, CodeError> {
        let len = code.len().max(1);
        let mut map = MmapMut::map_anon(len).map_err(|e| CodeError::Alloc(len, e.to_string()))?;
        map[..code.len()].copy_from_slice(code);
        let base = map.as_ptr() as usize;
        fixup(&mut map[..code.len()], base);
        let mem = CodeMemory { map, len };
        mem.protect(region::Protection::READ_EXECUTE)?;
        Ok(mem)
    }

    fn protect(&self, prot: region::Protection) -> Result<(), CodeError> {
        // SAFETY: the range is exactly our own mapping; no other object lives in it.
        unsafe { region::protect(self.map.as_ptr(), self.len, prot) }
            .map_err(|e| CodeError::Protect(e.to_string()))
    }

    pub fn base(&self) -> usize {
        self.map.as_ptr() as usize
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
        &self.map[offset..offset + len]
    }

    /// Overwrites `bytes` at `offset`. The caller guarantees no thread is executing this code (its
    /// instance is paused: stopped inside a libcall or not running at all).
    pub fn patch(&mut self, offset: usize, bytes: &[u8]) -> Result<(), CodeError> {
        self.patch_many(&[(offset, bytes)])
    }

    /// Writes each `(offset, bytes)` into the code, making it writable once for all of them (a
    /// protection change costs far more than the writes).
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
        self.protect(region::Protection::READ_WRITE)?;
        let ptr = self.map.as_mut_ptr();
        for &(offset, bytes) in writes {
            // SAFETY: offset+len is inside the mapping (checked above), now writable, and nobody
            // runs it.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.add(offset), bytes.len()) };
        }
        self.protect(region::Protection::READ_EXECUTE)
    }
}
