//! What a proof talks about: resource commitments (the hidden resources' fields as field elements,
//! opened inside circuits) and owner keys (the secret behind an owner id).
//!
//! Owns the mapping from registers to field elements and the derivation of commitment nonces. It
//! must never decide what an operation may do (that is the circuits' job) or touch a store.

use super::poseidon::{digest_bytes, hash, Tag};
use crate::error::ZkError;
use crate::types::{DomainId, OwnerId, ResourceId, ResourceRegister};
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField, UniformRand};
use ark_serialize::CanonicalDeserialize;
use std::fmt;

/// A field element as 32 little-endian bytes (the form public inputs and keys travel in).
pub(crate) fn fr_to_bytes(x: Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&x.into_bigint().to_bytes_le());
    out
}

/// The field element of 32 little-endian bytes, if they are its canonical form (below the modulus).
pub(crate) fn fr_from_bytes(bytes: &[u8; 32]) -> Option<Fr> {
    Fr::deserialize_compressed(&bytes[..]).ok()
}

pub(crate) fn id_field(id: &ResourceId) -> Fr {
    Fr::from_le_bytes_mod_order(&id.0)
}

pub(crate) fn owner_field(owner: &OwnerId) -> Fr {
    Fr::from_le_bytes_mod_order(&owner.0)
}

pub(crate) fn kind_field(kind: &str) -> Fr {
    digest_bytes(Tag::Kind, kind.as_bytes())
}

pub(crate) fn data_field(data: &[u8]) -> Fr {
    digest_bytes(Tag::Data, data)
}

pub(crate) fn domain_field(domain: &DomainId) -> Fr {
    digest_bytes(Tag::Domain, domain.0.as_bytes())
}

/// An owner's secret. Its public key is `Poseidon(secret)` and its owner id `Poseidon(public key)`
/// (32 little-endian bytes), so a circuit can show knowledge of the secret behind an owner id in two
/// permutations. Owners whose id is the SHA-256 of some other key can hold resources but cannot
/// prove anything about them.
#[derive(Clone, PartialEq, Eq)]
pub struct OwnerKey {
    secret: Fr,
}

impl OwnerKey {
    /// A fresh key from the operating system's randomness.
    pub fn generate() -> OwnerKey {
        OwnerKey {
            secret: Fr::rand(&mut ark_std::rand::rngs::OsRng),
        }
    }

    /// A key derived from `seed` by one Poseidon hash: for tests, examples and seeds with as much
    /// entropy as a key (a passphrase would fall to an offline dictionary attack on its owner id).
    pub fn from_seed(seed: &[u8]) -> OwnerKey {
        OwnerKey {
            secret: digest_bytes(Tag::Secret, seed),
        }
    }

    /// The key of [`OwnerKey::to_bytes`]'s output.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<OwnerKey, ZkError> {
        fr_from_bytes(bytes)
            .map(|secret| OwnerKey { secret })
            .ok_or_else(|| ZkError::MalformedKey("an owner secret is not a canonical field element".into()))
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        fr_to_bytes(self.secret)
    }

    pub fn public_key(&self) -> [u8; 32] {
        fr_to_bytes(self.public_key_field())
    }

    pub fn owner_id(&self) -> OwnerId {
        OwnerId(fr_to_bytes(hash(Tag::Owner, &[self.public_key_field()])))
    }

    fn public_key_field(&self) -> Fr {
        hash(Tag::PublicKey, &[self.secret])
    }

    pub(crate) fn secret(&self) -> Fr {
        self.secret
    }
}

impl fmt::Debug for OwnerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OwnerKey(owner {})", self.owner_id().to_hex())
    }
}

/// The prover's key for commitment nonces: a register version's nonce is `Poseidon(key, id,
/// version)`, so the prover re-opens any commitment it made without storing nonces, while anyone
/// without the key learns nothing from a commitment (it hides).
#[derive(Clone)]
pub(crate) struct NonceKey(Fr);

impl NonceKey {
    pub(crate) fn generate() -> NonceKey {
        NonceKey(Fr::rand(&mut ark_std::rand::rngs::OsRng))
    }

    pub(crate) fn to_bytes(&self) -> [u8; 32] {
        fr_to_bytes(self.0)
    }

    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Result<NonceKey, ZkError> {
        fr_from_bytes(bytes)
            .map(NonceKey)
            .ok_or_else(|| ZkError::MalformedKey("a nonce key is not a canonical field element".into()))
    }

    fn nonce(&self, register: &ResourceRegister) -> Fr {
        hash(
            Tag::Nonce,
            &[self.0, id_field(&register.id), Fr::from(register.version)],
        )
    }
}

/// A register version as a circuit sees it: the fields its commitment hides, plus the nonce.
/// `quantity` is a field element so that tests can try openings outside the 128-bit range.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Opening {
    pub id: Fr,
    pub kind: Fr,
    pub quantity: Fr,
    pub data: Fr,
    pub owner: Fr,
    pub domain: Fr,
    pub nonce: Fr,
}

impl Opening {
    pub(crate) fn of(register: &ResourceRegister, key: &NonceKey) -> Opening {
        Opening {
            id: id_field(&register.id),
            kind: kind_field(&register.kind),
            quantity: Fr::from(register.quantity),
            data: data_field(&register.data),
            owner: owner_field(&register.owner),
            domain: domain_field(&register.domain),
            nonce: key.nonce(register),
        }
    }

    /// The order in which fields are hashed (after the tag), here and in `circuit::OpeningVar`.
    pub(crate) fn fields(&self) -> [Fr; 7] {
        [
            self.id,
            self.kind,
            self.quantity,
            self.data,
            self.owner,
            self.domain,
            self.nonce,
        ]
    }

    pub(crate) fn commitment(&self) -> Fr {
        hash(Tag::Commitment, &self.fields())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_keys_round_trip_and_redact() {
        let key = OwnerKey::from_seed(b"alice");
        assert_eq!(OwnerKey::from_bytes(&key.to_bytes()).unwrap(), key);
        assert_ne!(key.owner_id(), OwnerKey::from_seed(b"bob").owner_id());
        assert!(!format!("{key:?}").contains(&format!("{:?}", key.secret)));
        assert!(OwnerKey::from_bytes(&[0xff; 32]).is_err());
    }

    #[test]
    fn field_bytes_are_canonical() {
        let x = Fr::from(123456789u64);
        assert_eq!(fr_from_bytes(&fr_to_bytes(x)), Some(x));
        assert_eq!(fr_from_bytes(&[0xff; 32]), None);
    }
}
