//! Guest memory: one virtual reservation per instance, with regions inside it mapped with their rights.
//!
//! Owns the reservation (an anonymous `PROT_NONE` mapping) and the page protections. For 32-bit guests
//! the reservation covers the whole 4 GiB address space plus a guard, so JIT code needs no bounds
//! check: every access outside a granted region faults and the signal handler turns the fault into a
//! `MemoryAccess` trap. For 64-bit guests JIT code checks the address against [`GuestMemory::size`].
//!
//! Host-side accessors ([`GuestMemory::read`], [`GuestMemory::write`]) enforce the same rights in
//! software; the interpreter uses [`GuestMemory::load`]/[`GuestMemory::store`], which do too.
//! This module must never hand out a pointer outside the reservation.

use crate::ir::{AddrWidth, MemWidth, MemoryDecl, Rights};
use std::collections::BTreeMap;
use std::ptr::NonNull;

/// The host page size regions are aligned to.
pub const PAGE: u64 = 4096;
/// Bytes past the end of the address space that stay inaccessible, so that an access of up to 8 bytes
/// starting at the last address faults instead of touching memory outside the reservation.
const GUARD: u64 = 64 * 1024;
/// Largest address space a 64-bit guest may ask for (the reservation is virtual, but bounded).
pub const MAX_A64_SIZE: u64 = 1 << 36;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MemoryError {
    #[error("guest memory reservation of {0} bytes failed: {1}")]
    Reserve(u64, String),
    #[error("region {base:#x}+{size:#x} is not page-aligned or lies outside the address space")]
    BadRegion { base: u64, size: u64 },
    #[error("region {base:#x}+{size:#x} overlaps an existing region")]
    Overlap { base: u64, size: u64 },
    #[error("no region starts at {0:#x}")]
    NoRegion(u64),
    #[error("access of {len} bytes at {addr:#x} is outside the regions granted {needed}")]
    Access {
        addr: u64,
        len: u64,
        needed: &'static str,
    },
    #[error("address space of {0:#x} bytes is larger than the limit {MAX_A64_SIZE:#x}")]
    TooLarge(u64),
    #[error("changing the protection of {base:#x}+{size:#x} failed: {message}")]
    Protect { base: u64, size: u64, message: String },
}

/// One instance's guest address space.
pub struct GuestMemory {
    base: NonNull<u8>,
    reserved: usize,
    width: AddrWidth,
    /// Region base -> (size, rights). Regions never overlap.
    regions: BTreeMap<u64, (u64, Rights)>,
}

// SAFETY: the reservation is owned exclusively by this value; moving it between threads moves that
// ownership (guest code runs on at most one thread at a time).
unsafe impl Send for GuestMemory {}

impl GuestMemory {
    /// Reserves the address space and creates the declared regions with their data.
    pub fn new(decl: &MemoryDecl) -> Result<GuestMemory, MemoryError> {
        let size = match decl.addr {
            AddrWidth::A32 => 1u64 << 32,
            AddrWidth::A64 { size } => {
                if size > MAX_A64_SIZE {
                    return Err(MemoryError::TooLarge(size));
                }
                size.div_ceil(PAGE) * PAGE
            }
        };
        let reserved = (size + GUARD) as usize;
        // SAFETY: a fresh anonymous PROT_NONE mapping aliases nothing; only Drop unmaps it.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reserved,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(MemoryError::Reserve(
                reserved as u64,
                std::io::Error::last_os_error().to_string(),
            ));
        }
        let base = NonNull::new(ptr as *mut u8).expect("mmap never returns null on success");
        let mut mem = GuestMemory {
            base,
            reserved,
            width: decl.addr,
            regions: BTreeMap::new(),
        };
        for r in &decl.regions {
            mem.map_region(r.base, r.size, r.rights)?;
        }
        for d in &decl.data {
            mem.write_privileged(d.addr, &d.bytes)?;
        }
        Ok(mem)
    }

    /// The host address of guest address 0.
    pub fn base_ptr(&self) -> *mut u8 {
        self.base.as_ptr()
    }

    /// The size of the guest address space (4 GiB for 32-bit guests).
    pub fn size(&self) -> u64 {
        match self.width {
            AddrWidth::A32 => 1 << 32,
            AddrWidth::A64 { size } => size,
        }
    }

    pub fn width(&self) -> AddrWidth {
        self.width
    }

    /// Whether `addr` lies in this reservation's host address range (guards included).
    pub fn contains_host_addr(&self, addr: usize) -> bool {
        let start = self.base.as_ptr() as usize;
        addr >= start && addr < start + self.reserved
    }

    /// Maps a new region `[base, base+size)` with `rights`; its contents start zeroed.
    pub fn map_region(&mut self, base: u64, size: u64, rights: Rights) -> Result<(), MemoryError> {
        if !base.is_multiple_of(PAGE)
            || !size.is_multiple_of(PAGE)
            || size == 0
            || base.checked_add(size).is_none_or(|e| e > self.size())
        {
            return Err(MemoryError::BadRegion { base, size });
        }
        let overlaps = self
            .regions
            .range(..base + size)
            .next_back()
            .is_some_and(|(&b, &(s, _))| b + s > base);
        if overlaps {
            return Err(MemoryError::Overlap { base, size });
        }
        self.protect(base, size, rights)?;
        self.regions.insert(base, (size, rights));
        Ok(())
    }

    /// Changes the rights of the region that starts at `base`.
    pub fn set_rights(&mut self, base: u64, rights: Rights) -> Result<(), MemoryError> {
        let (size, _) = *self.regions.get(&base).ok_or(MemoryError::NoRegion(base))?;
        self.protect(base, size, rights)?;
        self.regions.insert(base, (size, rights));
        Ok(())
    }

    /// Removes the region that starts at `base`; its pages are discarded and become inaccessible.
    pub fn unmap_region(&mut self, base: u64) -> Result<(), MemoryError> {
        let (size, _) = self.regions.remove(&base).ok_or(MemoryError::NoRegion(base))?;
        // SAFETY: [base, base+size) is inside our reservation; MADV_DONTNEED only zero-fills it.
        unsafe {
            libc::madvise(
                self.base.as_ptr().add(base as usize) as *mut _,
                size as usize,
                libc::MADV_DONTNEED,
            );
        }
        self.protect(base, size, Rights::None)?;
        Ok(())
    }

    /// The regions: (base, size, rights), by address.
    pub fn regions(&self) -> impl Iterator<Item = (u64, u64, Rights)> + '_ {
        self.regions.iter().map(|(&b, &(s, r))| (b, s, r))
    }

    fn protect(&mut self, base: u64, size: u64, rights: Rights) -> Result<(), MemoryError> {
        let prot = match rights {
            Rights::None => region::Protection::NONE,
            Rights::Read => region::Protection::READ,
            Rights::ReadWrite => region::Protection::READ_WRITE,
        };
        // SAFETY: a page-aligned range inside our own reservation (it can still fail: max_map_count).
        unsafe { region::protect(self.base.as_ptr().add(base as usize), size as usize, prot) }.map_err(|e| {
            MemoryError::Protect {
                base,
                size,
                message: e.to_string(),
            }
        })
    }

    /// Whether every byte of `[addr, addr+len)` lies in regions with at least `needed` rights.
    pub fn check(&self, addr: u64, len: u64, needed: Rights) -> bool {
        let Some(end) = addr.checked_add(len) else {
            return false;
        };
        if end > self.size() {
            return false;
        }
        let mut at = addr;
        while at < end {
            match self.regions.range(..=at).next_back() {
                Some((&b, &(s, r))) if b + s > at && r >= needed => at = b + s,
                _ => return false,
            }
        }
        true
    }

    fn access_error(addr: u64, len: usize, needed: Rights) -> MemoryError {
        let needed = if needed == Rights::ReadWrite {
            "write access"
        } else {
            "read access"
        };
        MemoryError::Access {
            addr,
            len: len as u64,
            needed,
        }
    }

    /// Reads guest memory with the guest's rights (the region must be readable).
    pub fn read(&self, addr: u64, len: usize) -> Result<Vec<u8>, MemoryError> {
        if !self.check(addr, len as u64, Rights::Read) {
            return Err(Self::access_error(addr, len, Rights::Read));
        }
        let mut out = vec![0; len];
        // SAFETY: `check` proved the whole range lies in readable regions inside the reservation.
        unsafe {
            std::ptr::copy_nonoverlapping(self.base.as_ptr().add(addr as usize), out.as_mut_ptr(), len)
        };
        Ok(out)
    }

    /// Writes guest memory with the guest's rights (the region must be writable).
    pub fn write(&mut self, addr: u64, bytes: &[u8]) -> Result<(), MemoryError> {
        if !self.check(addr, bytes.len() as u64, Rights::ReadWrite) {
            return Err(Self::access_error(addr, bytes.len(), Rights::ReadWrite));
        }
        // SAFETY: `check` proved the whole range lies in writable regions inside the reservation.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.as_ptr().add(addr as usize), bytes.len())
        };
        Ok(())
    }

    /// Writes into any mapped region, read-only ones included (loading code and constant data).
    pub fn write_privileged(&mut self, addr: u64, bytes: &[u8]) -> Result<(), MemoryError> {
        if !self.check(addr, bytes.len() as u64, Rights::None) {
            return Err(Self::access_error(addr, bytes.len(), Rights::None));
        }
        let mut at = addr;
        let end = addr + bytes.len() as u64;
        while at < end {
            let (&b, &(s, r)) = self.regions.range(..=at).next_back().expect("checked above");
            let chunk_end = end.min(b + s);
            if r != Rights::ReadWrite {
                self.protect(b, s, Rights::ReadWrite)?;
            }
            let src = &bytes[(at - addr) as usize..(chunk_end - addr) as usize];
            // SAFETY: [at, chunk_end) lies in region b, now writable, inside the reservation.
            unsafe {
                std::ptr::copy_nonoverlapping(src.as_ptr(), self.base.as_ptr().add(at as usize), src.len())
            };
            if r != Rights::ReadWrite {
                self.protect(b, s, r)?;
            }
            at = chunk_end;
        }
        Ok(())
    }

    /// The effective address of a guest access: `addr + offset`, wrapping at the address width.
    pub fn effective_addr(&self, addr: i64, offset: i32) -> u64 {
        match self.width {
            AddrWidth::A32 => (addr as u32).wrapping_add(offset as u32) as u64,
            AddrWidth::A64 { .. } => (addr as u64).wrapping_add(offset as i64 as u64),
        }
    }

    /// A guest load with the guest's semantics (the interpreter's path): `None` is a `MemoryAccess` trap.
    pub fn load(&self, ea: u64, width: MemWidth) -> Option<i64> {
        let n = width.bytes() as u64;
        if !self.check(ea, n, Rights::Read) {
            return None;
        }
        let mut buf = [0u8; 8];
        // SAFETY: `check` proved [ea, ea+n) lies in readable regions inside the reservation.
        unsafe {
            std::ptr::copy_nonoverlapping(self.base.as_ptr().add(ea as usize), buf.as_mut_ptr(), n as usize)
        };
        let raw = u64::from_le_bytes(buf);
        Some(match width {
            MemWidth::S8 => raw as u8 as i8 as i64,
            MemWidth::U8 => raw as u8 as i64,
            MemWidth::S16 => raw as u16 as i16 as i64,
            MemWidth::U16 => raw as u16 as i64,
            MemWidth::S32 => raw as u32 as i32 as i64,
            MemWidth::U32 => raw as u32 as i64,
            MemWidth::B64 => raw as i64,
        })
    }

    /// A guest store with the guest's semantics: `false` is a `MemoryAccess` trap.
    pub fn store(&mut self, ea: u64, width: MemWidth, value: i64) -> bool {
        let n = width.bytes() as usize;
        if !self.check(ea, n as u64, Rights::ReadWrite) {
            return false;
        }
        let bytes = value.to_le_bytes();
        // SAFETY: `check` proved [ea, ea+n) lies in writable regions inside the reservation.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.as_ptr().add(ea as usize), n) };
        true
    }
}

/// Mutable access to an instance's guest memory that cannot replace the memory itself: JIT code
/// holds the reservation's base address and size, so the embedder and host functions get the
/// methods, never a `&mut GuestMemory` they could swap out.
pub struct GuestMemoryMut<'a>(&'a mut GuestMemory);

impl<'a> GuestMemoryMut<'a> {
    pub(crate) fn new(memory: &'a mut GuestMemory) -> GuestMemoryMut<'a> {
        GuestMemoryMut(memory)
    }
    pub fn write(&mut self, addr: u64, bytes: &[u8]) -> Result<(), MemoryError> {
        self.0.write(addr, bytes)
    }
    pub fn write_privileged(&mut self, addr: u64, bytes: &[u8]) -> Result<(), MemoryError> {
        self.0.write_privileged(addr, bytes)
    }
    pub fn map_region(&mut self, base: u64, size: u64, rights: Rights) -> Result<(), MemoryError> {
        self.0.map_region(base, size, rights)
    }
    pub fn set_rights(&mut self, base: u64, rights: Rights) -> Result<(), MemoryError> {
        self.0.set_rights(base, rights)
    }
    pub fn unmap_region(&mut self, base: u64) -> Result<(), MemoryError> {
        self.0.unmap_region(base)
    }
}

impl std::ops::Deref for GuestMemoryMut<'_> {
    type Target = GuestMemory;
    fn deref(&self) -> &GuestMemory {
        self.0
    }
}

impl Drop for GuestMemory {
    fn drop(&mut self) {
        // SAFETY: we own exactly this mapping; no pointer into it outlives the instance.
        unsafe {
            libc::munmap(self.base.as_ptr() as *mut _, self.reserved);
        }
    }
}
