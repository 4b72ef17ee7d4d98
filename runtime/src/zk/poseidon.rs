//! The one SNARK-friendly hash of the ZK module: Poseidon over BN254's scalar field, natively and as
//! an R1CS gadget, with the same parameters and the same absorb order on both sides.
//!
//! Owns the Poseidon parameters and the domain tags that keep its uses apart. Every hash in `zk`
//! goes through here; nothing else picks parameters or tags.

use ark_bn254::Fr;
use ark_crypto_primitives::sponge::constraints::CryptographicSpongeVar;
use ark_crypto_primitives::sponge::poseidon::constraints::PoseidonSpongeVar;
use ark_crypto_primitives::sponge::poseidon::{find_poseidon_ark_and_mds, PoseidonConfig, PoseidonSponge};
use ark_crypto_primitives::sponge::CryptographicSponge;
use ark_ff::PrimeField;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::r1cs::{ConstraintSystemRef, SynthesisError};
use std::sync::OnceLock;

/// Width 5 (rate 4, capacity 1), x^5 S-boxes, 8 full and 60 partial rounds: the parameters of
/// circomlib's Poseidon for t = 5 on BN254 (128-bit security), with round constants and MDS matrix
/// from the Grain LFSR of the Poseidon paper. Rate 4 opens a commitment (8 elements) in two
/// permutations and hashes a key (2 elements) in one.
const RATE: usize = 4;
const FULL_ROUNDS: u64 = 8;
const PARTIAL_ROUNDS: u64 = 60;
const ALPHA: u64 = 5;

/// What a hash is for; the first element of every hash, so that no two uses can collide.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Tag {
    Commitment = 1,
    PublicKey = 2,
    Owner = 3,
    Nonce = 4,
    Kind = 5,
    Data = 6,
    Domain = 7,
    Secret = 8,
}

impl Tag {
    pub(crate) fn field(self) -> Fr {
        Fr::from(self as u64)
    }
}

pub(crate) fn config() -> &'static PoseidonConfig<Fr> {
    static CONFIG: OnceLock<PoseidonConfig<Fr>> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            Fr::MODULUS_BIT_SIZE as u64,
            RATE,
            FULL_ROUNDS,
            PARTIAL_ROUNDS,
            0,
        );
        PoseidonConfig::new(
            FULL_ROUNDS as usize,
            PARTIAL_ROUNDS as usize,
            ALPHA,
            mds,
            ark,
            RATE,
            1,
        )
    })
}

/// `H(tag, inputs..)`: one field element.
pub(crate) fn hash(tag: Tag, inputs: &[Fr]) -> Fr {
    let mut sponge = PoseidonSponge::new(config());
    let mut all = Vec::with_capacity(inputs.len() + 1);
    all.push(tag.field());
    all.extend_from_slice(inputs);
    sponge.absorb(&all);
    sponge.squeeze_field_elements::<Fr>(1)[0]
}

/// [`hash`] inside a circuit.
pub(crate) fn hash_var(
    cs: &ConstraintSystemRef<Fr>,
    tag: Tag,
    inputs: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut sponge = PoseidonSpongeVar::new(cs.clone(), config());
    let mut all = Vec::with_capacity(inputs.len() + 1);
    all.push(FpVar::Constant(tag.field()));
    all.extend_from_slice(inputs);
    sponge.absorb(&all)?;
    Ok(sponge.squeeze_field_elements(1)?.remove(0))
}

/// A field element standing for a byte string (a kind, a data payload, a domain name): the hash of
/// its length and its bytes in 31-byte chunks (each below the modulus). Only computed outside
/// circuits: circuits carry the digest.
pub(crate) fn digest_bytes(tag: Tag, bytes: &[u8]) -> Fr {
    let mut elements = Vec::with_capacity(bytes.len() / 31 + 2);
    elements.push(Fr::from(bytes.len() as u64));
    elements.extend(bytes.chunks(31).map(Fr::from_le_bytes_mod_order));
    hash(tag, &elements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::alloc::AllocVar;
    use ark_r1cs_std::R1CSVar;
    use ark_relations::r1cs::ConstraintSystem;

    #[test]
    fn gadget_agrees_with_native_hash() {
        let inputs: Vec<Fr> = (1..=7u64).map(Fr::from).collect();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<FpVar<Fr>> = inputs
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
            .collect();
        let out = hash_var(&cs, Tag::Commitment, &vars).unwrap();
        assert_eq!(out.value().unwrap(), hash(Tag::Commitment, &inputs));
        assert!(cs.is_satisfied().unwrap());
        assert_ne!(hash(Tag::Commitment, &inputs), hash(Tag::Owner, &inputs));
    }

    #[test]
    fn byte_digests_separate_lengths_and_tags() {
        assert_ne!(digest_bytes(Tag::Data, b""), digest_bytes(Tag::Data, b"\0"));
        assert_ne!(digest_bytes(Tag::Data, b"gold"), digest_bytes(Tag::Kind, b"gold"));
        let long = vec![7u8; 100];
        assert_ne!(
            digest_bytes(Tag::Data, &long),
            digest_bytes(Tag::Data, &long[..99])
        );
    }
}
