//! The resource model's data types: resource registers, their ids, domains, owners, states,
//! relationships and filters, and the `ExecutionContext` every interface call carries.
//!
//! Owns plain data and its invariants (ids derived from defining fields and a creation nonce; limits
//! on sizes). It must never touch a store or check capabilities.

use crate::capability::Capability;
use sha2::{Digest, Sha256};
use std::fmt;

/// Largest `data` a register may hold.
pub const MAX_DATA_LEN: usize = 64 * 1024;
/// Longest kind or domain name.
pub const MAX_NAME_LEN: usize = 256;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A resource register's id: SHA-256 of its defining fields and a creation nonce. Ids never collide
/// (the nonce is unique per store) and never change (updates and transfers keep them).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId(pub [u8; 32]);

/// The seed calls register ids `RegisterId`; they are the same thing.
pub type RegisterId = ResourceId;

impl ResourceId {
    /// The id of a register created with these fields and this store-unique creation nonce.
    pub fn derive(
        kind: &str,
        quantity: u128,
        data: &[u8],
        owner: &OwnerId,
        domain: &DomainId,
        nonce: u64,
    ) -> ResourceId {
        let mut h = Sha256::new();
        h.update(b"causeway.resource.v1");
        for field in [
            kind.as_bytes(),
            &quantity.to_le_bytes(),
            data,
            &owner.0,
            domain.0.as_bytes(),
            &nonce.to_le_bytes(),
        ] {
            h.update((field.len() as u64).to_le_bytes());
            h.update(field);
        }
        ResourceId(h.finalize().into())
    }

    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    pub fn from_hex(s: &str) -> Option<ResourceId> {
        unhex32(s).map(ResourceId)
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex()[..16])
    }
}

impl fmt::Debug for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceId({})", self.to_hex())
    }
}

/// The owner of a register: the SHA-256 hash of the owner's public key (so that proofs can show
/// authorization without revealing the key).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct OwnerId(pub [u8; 32]);

impl OwnerId {
    pub fn from_public_key(key: &[u8]) -> OwnerId {
        OwnerId(Sha256::digest(key).into())
    }
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
    pub fn from_hex(s: &str) -> Option<OwnerId> {
        unhex32(s).map(OwnerId)
    }
}

/// A domain, named by a string; domains come into being on first use.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct DomainId(pub String);

impl DomainId {
    pub fn new(name: impl Into<String>) -> DomainId {
        DomainId(name.into())
    }
}

impl fmt::Display for DomainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lifecycle state of a register. Consumed registers stay as tombstones so their ids are never reused.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RegisterState {
    Active,
    Locked,
    Frozen,
    Consumed,
}

impl RegisterState {
    pub fn name(self) -> &'static str {
        match self {
            RegisterState::Active => "active",
            RegisterState::Locked => "locked",
            RegisterState::Frozen => "frozen",
            RegisterState::Consumed => "consumed",
        }
    }
    pub fn from_name(s: &str) -> Option<RegisterState> {
        [
            RegisterState::Active,
            RegisterState::Locked,
            RegisterState::Frozen,
            RegisterState::Consumed,
        ]
        .into_iter()
        .find(|r| r.name() == s)
    }
}

impl fmt::Display for RegisterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a caller supplies to create or update a resource (the seed's `ResourceData`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResourceData {
    pub kind: String,
    pub quantity: u128,
    pub data: Vec<u8>,
    /// `None` means the caller of the context.
    pub owner: Option<OwnerId>,
}

/// A resource register.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResourceRegister {
    pub id: ResourceId,
    pub kind: String,
    pub quantity: u128,
    pub data: Vec<u8>,
    pub owner: OwnerId,
    pub domain: DomainId,
    pub state: RegisterState,
    /// Incremented by every change.
    pub version: u64,
    /// The creation nonce the id was derived from.
    pub nonce: u64,
}

impl ResourceRegister {
    pub fn resource_data(&self) -> ResourceData {
        ResourceData {
            kind: self.kind.clone(),
            quantity: self.quantity,
            data: self.data.clone(),
            owner: Some(self.owner),
        }
    }
}

pub type RelationshipId = u64;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum RelationshipType {
    /// The source contains the target.
    Contains,
    /// The source depends on the target.
    DependsOn,
    /// The target was derived from the source (split, merge).
    DerivedFrom,
    Custom(String),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RelationshipDirection {
    /// Relationships whose source is the register.
    Outgoing,
    /// Relationships whose target is the register.
    Incoming,
    Both,
}

impl RelationshipDirection {
    /// Whether relationships whose source is the register are included.
    pub fn outgoing(self) -> bool {
        matches!(
            self,
            RelationshipDirection::Outgoing | RelationshipDirection::Both
        )
    }
    /// Whether relationships whose target is the register are included.
    pub fn incoming(self) -> bool {
        matches!(
            self,
            RelationshipDirection::Incoming | RelationshipDirection::Both
        )
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Relationship {
    pub id: RelationshipId,
    pub source: ResourceId,
    pub target: ResourceId,
    pub kind: RelationshipType,
}

/// Filters for listing registers; every `Some` field must match.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RegisterFilter {
    pub kind: Option<String>,
    pub owner: Option<OwnerId>,
    pub domain: Option<DomainId>,
    pub state: Option<RegisterState>,
}

impl RegisterFilter {
    pub fn matches(&self, r: &ResourceRegister) -> bool {
        self.kind.as_ref().is_none_or(|k| *k == r.kind)
            && self.owner.is_none_or(|o| o == r.owner)
            && self.domain.as_ref().is_none_or(|d| *d == r.domain)
            && self.state.is_none_or(|s| s == r.state)
    }
}

/// Who is calling, where, when, with which capabilities and how much fuel.
#[derive(Clone, Debug)]
pub struct ExecutionContext {
    pub caller: OwnerId,
    pub domain: DomainId,
    /// Deterministic logical time (TEL's `now()`).
    pub logical_time: u64,
    /// Fuel budget for programs run under this context; `None` runs unmetered.
    pub fuel: Option<u64>,
    pub capabilities: Vec<Capability>,
}
