//! Fuzz target: snapshots from hostile bytes. The fuzzer's bytes are framed as a snapshot payload
//! with a correct checksum, so they reach the decoder's length checks and the resume's checks of
//! pc, globals, program break and memory, then a (fuel-bounded) run. Any of them may refuse the
//! snapshot; none may panic, hang or crash the host.
//!
//! Owns only these properties; well-formed snapshots are tested in `tests/all/snapshot.rs`.

#![no_main]

use causeway_runtime::riscv::{GuestIo, Snapshot};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let mut file = b"CWSNAP\r\n".to_vec();
    file.extend_from_slice(&1u32.to_le_bytes());
    file.extend_from_slice(&(data.len() as u64).to_le_bytes());
    file.extend_from_slice(&Sha256::digest(data));
    file.extend_from_slice(data);
    let Ok(mut snapshot) = Snapshot::from_bytes(&file) else {
        return;
    };
    assert_eq!(
        Snapshot::from_bytes(&snapshot.to_bytes()).ok().as_ref(),
        Some(&snapshot)
    );
    // Bounded: a hostile guest may loop forever.
    snapshot.fuel = Some(causeway_runtime::riscv::SnapshotFuel {
        budget: 100_000,
        remaining: 100_000,
    });
    let _ = snapshot.resume(GuestIo::capture().0, false, Default::default());
});
