//! Stores of resource registers and their relationships, behind one trait with all-or-nothing
//! transactions. Two implementations: [`memory::MemoryStore`] (the default) and
//! [`persistent::PersistentStore`] on redb (crash-safe; `--store PATH`).
//!
//! Every change goes through [`Store::transact`]: the closure's writes become visible together when
//! it returns `Ok`, and not at all when it returns `Err` (or panics). All domains of a store live in
//! one database, so a transaction may touch any number of domains. Stores never check capabilities or
//! operation rules; that is `crate::resources`' job.

pub mod codec;
pub mod memory;
pub mod persistent;

use crate::error::VmError;
use crate::types::{
    DomainId, RegisterFilter, Relationship, RelationshipDirection, RelationshipId, ResourceId,
    ResourceRegister,
};

/// Reads and writes inside one transaction.
pub trait Txn {
    fn get(&self, id: &ResourceId) -> Result<Option<ResourceRegister>, VmError>;
    /// Inserts or replaces a register (in its domain's table).
    fn put(&mut self, register: ResourceRegister) -> Result<(), VmError>;
    /// Registers matching `filter`, ordered by domain then id.
    fn list(&self, filter: &RegisterFilter) -> Result<Vec<ResourceRegister>, VmError>;
    /// The names of the domains that hold registers.
    fn domains(&self) -> Result<Vec<DomainId>, VmError>;
    /// A creation nonce never handed out before by this store.
    fn next_nonce(&mut self) -> Result<u64, VmError>;
    fn put_relationship(
        &mut self,
        source: &ResourceId,
        target: &ResourceId,
        kind: &crate::types::RelationshipType,
    ) -> Result<RelationshipId, VmError>;
    fn relationships(
        &self,
        id: &ResourceId,
        direction: RelationshipDirection,
    ) -> Result<Vec<Relationship>, VmError>;
}

/// A store of registers. Implementations are shared between threads.
pub trait Store: Send + Sync {
    /// Runs `f` in a transaction: commits its writes if it returns `Ok`, discards them otherwise.
    fn transact(&self, f: &mut dyn FnMut(&mut dyn Txn) -> Result<(), VmError>) -> Result<(), VmError>;
    /// Runs `f` against a consistent read-only view (writes inside it are discarded).
    fn read(&self, f: &mut dyn FnMut(&dyn Txn) -> Result<(), VmError>) -> Result<(), VmError>;
}

/// `Store::transact` with a result value.
pub fn transact<R>(
    store: &dyn Store,
    mut f: impl FnMut(&mut dyn Txn) -> Result<R, VmError>,
) -> Result<R, VmError> {
    let mut out = None;
    store.transact(&mut |txn| {
        out = Some(f(txn)?);
        Ok(())
    })?;
    Ok(out.expect("a committed transaction ran its closure"))
}

/// `Store::read` with a result value.
pub fn read<R>(store: &dyn Store, mut f: impl FnMut(&dyn Txn) -> Result<R, VmError>) -> Result<R, VmError> {
    let mut out = None;
    store.read(&mut |txn| {
        out = Some(f(txn)?);
        Ok(())
    })?;
    Ok(out.expect("a read ran its closure"))
}
