//! Capabilities: unforgeable tokens for rights over a resource, a domain, a memory region or an
//! effect. Only the [`CapabilityManager`] mints them; it can attenuate them to fewer rights or a
//! narrower target, and revoke them (and everything attenuated from them) with immediate effect.
//!
//! A `Capability` value is a token: its fields are private, and the manager checks every presented
//! token against its own registry, so neither a hand-made nor a tampered nor a revoked token passes.
//! This module decides "may this context do that"; it must never touch resources or stores.

use crate::error::{CapabilityError, Right};
use crate::types::{DomainId, ExecutionContext, OwnerId, ResourceId};
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

/// A set of rights.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rights(u16);

impl Rights {
    pub const NONE: Rights = Rights(0);
    pub const ALL: Rights = Rights((1 << Right::ALL.len()) - 1);

    pub fn of(rights: &[Right]) -> Rights {
        Rights(rights.iter().fold(0, |acc, r| acc | 1 << *r as u16))
    }
    pub fn contains(self, r: Right) -> bool {
        self.0 & (1 << r as u16) != 0
    }
    pub fn is_subset_of(self, other: Rights) -> bool {
        self.0 & !other.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Right> {
        Right::ALL.into_iter().filter(move |r| self.contains(*r))
    }
    /// Parses `read,create,...` (the CLI's `--caps`); `all` is every right.
    pub fn parse_list(s: &str) -> Result<Rights, String> {
        if s.trim() == "all" {
            return Ok(Rights::ALL);
        }
        let mut rights = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            rights.push(Right::from_name(part).ok_or_else(|| {
                let known: Vec<_> = Right::ALL.iter().map(|r| r.name()).collect();
                format!("unknown right `{part}` (known: {}, all)", known.join(", "))
            })?);
        }
        Ok(Rights::of(&rights))
    }
}

impl fmt::Debug for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|r| r.name())).finish()
    }
}

/// What a capability is over.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum CapabilityTarget {
    /// Everything: every domain, resource, region and effect.
    Any,
    /// Every resource in a domain, and the domain itself.
    Domain(DomainId),
    Resource(ResourceId),
    /// A region of one VM instance's guest memory, by its base address.
    Region {
        instance: u64,
        base: u64,
    },
    /// An effect, by name.
    Effect(String),
}

/// What an operation touches; a capability covers it when its target does.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Access<'a> {
    Resource {
        id: &'a ResourceId,
        domain: &'a DomainId,
    },
    Domain(&'a DomainId),
    Region {
        instance: u64,
        base: u64,
    },
    Effect(&'a str),
}

impl Access<'_> {
    fn describe(&self) -> String {
        match self {
            Access::Resource { id, domain } => format!("resource {id} in domain {domain}"),
            Access::Domain(d) => format!("domain {d}"),
            Access::Region { instance, base } => format!("region {base:#x} of instance {instance}"),
            Access::Effect(e) => format!("effect `{e}`"),
        }
    }
}

impl CapabilityTarget {
    fn covers(&self, access: &Access<'_>) -> bool {
        match (self, access) {
            (CapabilityTarget::Any, _) => true,
            (CapabilityTarget::Domain(d), Access::Resource { domain, .. }) => d == *domain,
            (CapabilityTarget::Domain(d), Access::Domain(a)) => d == *a,
            (CapabilityTarget::Resource(r), Access::Resource { id, .. }) => r == *id,
            (CapabilityTarget::Region { instance, base }, Access::Region { instance: i, base: b }) => {
                instance == i && base == b
            }
            (CapabilityTarget::Effect(e), Access::Effect(a)) => e == a,
            _ => false,
        }
    }

    /// Whether `narrower` lies within this target (attenuation may only narrow).
    fn contains(&self, narrower: &CapabilityTarget) -> bool {
        match (self, narrower) {
            (CapabilityTarget::Any, _) => true,
            (a, b) if a == b => true,
            _ => false,
        }
    }
}

/// An unforgeable capability token (see the module docs).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Capability {
    id: u128,
    issuer: u64,
    target: CapabilityTarget,
    rights: Rights,
}

impl Capability {
    pub fn target(&self) -> &CapabilityTarget {
        &self.target
    }
    pub fn rights(&self) -> Rights {
        self.rights
    }
    fn label(&self) -> String {
        format!("{:032x}", self.id)
    }
}

struct Record {
    target: CapabilityTarget,
    rights: Rights,
    parent: Option<u128>,
    revoked: bool,
}

/// Mints, attenuates, revokes and checks capabilities. One per runtime (shared by its adapters).
pub struct CapabilityManager {
    issuer: u64,
    records: RwLock<HashMap<u128, Record>>,
    counter: AtomicU64,
    random: RandomState,
}

static NEXT_ISSUER: AtomicU64 = AtomicU64::new(1);

impl Default for CapabilityManager {
    fn default() -> Self {
        CapabilityManager::new()
    }
}

impl CapabilityManager {
    pub fn new() -> CapabilityManager {
        CapabilityManager {
            issuer: NEXT_ISSUER.fetch_add(1, Ordering::Relaxed),
            records: RwLock::new(HashMap::new()),
            counter: AtomicU64::new(0),
            random: RandomState::new(),
        }
    }

    /// A fresh, unguessable token id.
    fn fresh_id(&self) -> u128 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut h = self.random.build_hasher();
        h.write_u64(n);
        let hi = h.finish();
        h.write_u64(hi);
        ((hi as u128) << 64 | h.finish() as u128) ^ n as u128
    }

    fn insert(&self, target: CapabilityTarget, rights: Rights, parent: Option<u128>) -> Capability {
        let id = self.fresh_id();
        let mut records = self.records.write().unwrap_or_else(|e| e.into_inner());
        records.insert(
            id,
            Record {
                target: target.clone(),
                rights,
                parent,
                revoked: false,
            },
        );
        Capability {
            id,
            issuer: self.issuer,
            target,
            rights,
        }
    }

    /// Mints a new capability.
    pub fn mint(&self, target: CapabilityTarget, rights: Rights) -> Capability {
        self.insert(target, rights, None)
    }

    /// A context with every right over everything: what the CLI's default run uses.
    pub fn full_context(&self, caller: OwnerId, domain: DomainId) -> ExecutionContext {
        self.context(caller, domain, Rights::ALL)
    }

    /// A context with `rights` over everything.
    pub fn context(&self, caller: OwnerId, domain: DomainId, rights: Rights) -> ExecutionContext {
        ExecutionContext {
            caller,
            domain,
            logical_time: 0,
            fuel: None,
            capabilities: vec![self.mint(CapabilityTarget::Any, rights)],
        }
    }

    /// A new capability with a subset of `cap`'s rights over its target or a narrower one. Revoking
    /// `cap` revokes it too.
    pub fn attenuate(
        &self,
        cap: &Capability,
        rights: Rights,
        target: Option<CapabilityTarget>,
    ) -> Result<Capability, CapabilityError> {
        self.validate(cap)?;
        if !rights.is_subset_of(cap.rights) {
            return Err(CapabilityError::Attenuation(format!(
                "{rights:?} is not a subset of {:?}",
                cap.rights
            )));
        }
        let target = target.unwrap_or_else(|| cap.target.clone());
        if !cap.target.contains(&target) {
            return Err(CapabilityError::Attenuation(format!(
                "{target:?} is not within {:?}",
                cap.target
            )));
        }
        Ok(self.insert(target, rights, Some(cap.id)))
    }

    /// Revokes `cap` and everything attenuated from it, at once: contexts that still hold the token
    /// fail their next check.
    pub fn revoke(&self, cap: &Capability) -> Result<(), CapabilityError> {
        self.validate_issued(cap)?;
        let mut records = self.records.write().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = records.get_mut(&cap.id) {
            r.revoked = true;
        }
        Ok(())
    }

    fn validate_issued(&self, cap: &Capability) -> Result<(), CapabilityError> {
        let records = self.records.read().unwrap_or_else(|e| e.into_inner());
        match records.get(&cap.id) {
            Some(r) if cap.issuer == self.issuer && r.target == cap.target && r.rights == cap.rights => {
                Ok(())
            }
            _ => Err(CapabilityError::Forged(cap.label())),
        }
    }

    /// Checks that `cap` was issued here, unchanged, and that neither it nor an ancestor is revoked.
    pub fn validate(&self, cap: &Capability) -> Result<(), CapabilityError> {
        self.validate_issued(cap)?;
        let records = self.records.read().unwrap_or_else(|e| e.into_inner());
        let mut at = Some(cap.id);
        while let Some(id) = at {
            let r = records
                .get(&id)
                .ok_or_else(|| CapabilityError::Forged(cap.label()))?;
            if r.revoked {
                return Err(CapabilityError::Revoked(cap.label()));
            }
            at = r.parent;
        }
        Ok(())
    }

    /// Whether `ctx` holds a valid capability with `right` covering `access`. The error names the
    /// missing right (or the revoked token that would have granted it).
    pub fn check(
        &self,
        ctx: &ExecutionContext,
        right: Right,
        access: Access<'_>,
    ) -> Result<(), CapabilityError> {
        let mut revoked = None;
        for cap in ctx
            .capabilities
            .iter()
            .filter(|c| c.rights.contains(right) && c.target.covers(&access))
        {
            match self.validate(cap) {
                Ok(()) => return Ok(()),
                Err(e @ CapabilityError::Revoked(_)) => revoked = Some(e),
                Err(_) => {}
            }
        }
        Err(revoked.unwrap_or(CapabilityError::Missing {
            right,
            target: access.describe(),
        }))
    }
}
