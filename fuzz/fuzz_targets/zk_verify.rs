//! Fuzz target: proofs from hostile bytes. `ZkProof::from_bytes` and `zk::verify` must accept or
//! refuse any bytes without panicking, and no proof made of fuzzer bytes may verify (that would be
//! a forgery). The mutated bytes start as the serialized form, so the fuzzer reaches the curve-point
//! decoding and the pairing check, not only the framing.
//!
//! Owns only these properties of verification; proving is tested in `tests/all/zk.rs`.

#![no_main]

use causeway_runtime::capability::{CapabilityManager, Rights};
use causeway_runtime::ops::ResourceOperation;
use causeway_runtime::types::{DomainId, OwnerId, ResourceId};
use causeway_runtime::zk::{verify, ZkKeys, ZkProof};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn keys() -> &'static ZkKeys {
    static KEYS: OnceLock<ZkKeys> = OnceLock::new();
    KEYS.get_or_init(ZkKeys::new)
}

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = ZkProof::from_bytes(data) else {
        return;
    };
    // The operation the proof claims to be of, over registers the fuzzer cannot know.
    let id = ResourceId([7; 32]);
    let op = match proof.operation_type {
        causeway_runtime::ops::OperationType::Transfer => ResourceOperation::Transfer {
            id,
            target: DomainId::new("vault"),
        },
        causeway_runtime::ops::OperationType::Split => ResourceOperation::Split { id, amount: 5 },
        _ => ResourceOperation::Consume { id },
    };
    let ctx = CapabilityManager::new().context(OwnerId([1; 32]), DomainId::new("main"), Rights::NONE);
    if let Ok(valid) = verify(keys(), &op, &proof, &ctx) {
        assert!(!valid, "a proof made of fuzzer bytes verified: {proof:?}");
    }
});
