//! [`MemoryStore`], the default store: every domain's registers, the relationships and the counters
//! in memory, behind one mutex.
//!
//! A transaction runs its closure against an overlay: pending writes layered over the committed
//! state, which reads consult first. The overlay is applied (which cannot fail) only when the closure
//! returns `Ok`; on `Err`, or when the closure panics, it is dropped and the committed state is
//! exactly as before. Owns in-memory storage only: it must never check capabilities or operation
//! rules, and never let a failed or panicking transaction leave a trace.
//!
//! The mutex is held for the whole of a transaction or read, so transactions are serializable and
//! reads are consistent snapshots. A closure must not call back into the same store (that would
//! deadlock, as nested write transactions do in any database).

use super::{Store, Txn};
use crate::error::{ResourceError, VmError};
use crate::types::{
    DomainId, RegisterFilter, Relationship, RelationshipDirection, RelationshipId, RelationshipType,
    ResourceId, ResourceRegister,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};

/// The committed state.
#[derive(Default)]
struct State {
    /// One table per domain; a domain without registers has no table.
    tables: BTreeMap<DomainId, BTreeMap<ResourceId, ResourceRegister>>,
    /// Which table holds each register.
    index: HashMap<ResourceId, DomainId>,
    relationships: BTreeMap<RelationshipId, Relationship>,
    outgoing: HashMap<ResourceId, BTreeSet<RelationshipId>>,
    incoming: HashMap<ResourceId, BTreeSet<RelationshipId>>,
    next_nonce: u64,
    next_relationship: RelationshipId,
}

impl State {
    fn get(&self, id: &ResourceId) -> Option<&ResourceRegister> {
        self.tables.get(self.index.get(id)?)?.get(id)
    }

    /// Applies a finished overlay's changes. Infallible, so a commit is all-or-nothing.
    fn apply(&mut self, changes: Changes) {
        for (id, register) in changes.writes {
            match self.index.get_mut(&id) {
                // Same domain: the index is already right.
                Some(domain) if *domain == register.domain => {}
                Some(domain) => {
                    let old = std::mem::replace(domain, register.domain.clone());
                    if let Some(table) = self.tables.get_mut(&old) {
                        table.remove(&id);
                        if table.is_empty() {
                            self.tables.remove(&old);
                        }
                    }
                }
                None => {
                    self.index.insert(id, register.domain.clone());
                }
            }
            match self.tables.get_mut(&register.domain) {
                Some(table) => {
                    table.insert(id, register);
                }
                None => {
                    let domain = register.domain.clone();
                    self.tables.insert(domain, BTreeMap::from([(id, register)]));
                }
            }
        }
        for rel in changes.relationships {
            self.outgoing.entry(rel.source).or_default().insert(rel.id);
            self.incoming.entry(rel.target).or_default().insert(rel.id);
            self.relationships.insert(rel.id, rel);
        }
        self.next_nonce = changes.next_nonce;
        self.next_relationship = changes.next_relationship;
    }
}

/// What a transaction wants to change.
struct Changes {
    writes: BTreeMap<ResourceId, ResourceRegister>,
    relationships: Vec<Relationship>,
    next_nonce: u64,
    next_relationship: RelationshipId,
}

/// A transaction's view: its pending changes over the committed state.
struct Overlay<'a> {
    base: &'a State,
    changes: Changes,
}

impl<'a> Overlay<'a> {
    fn new(base: &'a State) -> Overlay<'a> {
        Overlay {
            base,
            changes: Changes {
                writes: BTreeMap::new(),
                relationships: Vec::new(),
                next_nonce: base.next_nonce,
                next_relationship: base.next_relationship,
            },
        }
    }
}

fn exhausted(what: &str) -> VmError {
    VmError::ResourceError(ResourceError::Store(format!(
        "{what} exhausted: the counter reached u64::MAX"
    )))
}

impl Txn for Overlay<'_> {
    fn get(&self, id: &ResourceId) -> Result<Option<ResourceRegister>, VmError> {
        Ok(self.changes.writes.get(id).or_else(|| self.base.get(id)).cloned())
    }

    fn put(&mut self, register: ResourceRegister) -> Result<(), VmError> {
        self.changes.writes.insert(register.id, register);
        Ok(())
    }

    fn list(&self, filter: &RegisterFilter) -> Result<Vec<ResourceRegister>, VmError> {
        let writes = &self.changes.writes;
        let tables: Box<dyn Iterator<Item = &BTreeMap<ResourceId, ResourceRegister>>> = match &filter.domain {
            Some(d) => Box::new(self.base.tables.get(d).into_iter()),
            None => Box::new(self.base.tables.values()),
        };
        let mut out: Vec<ResourceRegister> = tables
            .flat_map(|t| t.values())
            .filter(|r| !writes.contains_key(&r.id) && filter.matches(r))
            .cloned()
            .collect();
        if !writes.is_empty() {
            out.extend(writes.values().filter(|r| filter.matches(r)).cloned());
            out.sort_by(|a, b| (&a.domain, &a.id).cmp(&(&b.domain, &b.id)));
        }
        Ok(out)
    }

    fn domains(&self) -> Result<Vec<DomainId>, VmError> {
        let writes = &self.changes.writes;
        let mut domains: BTreeSet<DomainId> = writes.values().map(|r| r.domain.clone()).collect();
        for (d, table) in &self.base.tables {
            // A committed domain stays unless every one of its registers moved away in this overlay.
            if !domains.contains(d) && table.keys().any(|id| !writes.contains_key(id)) {
                domains.insert(d.clone());
            }
        }
        Ok(domains.into_iter().collect())
    }

    fn next_nonce(&mut self) -> Result<u64, VmError> {
        let n = self.changes.next_nonce;
        self.changes.next_nonce = n.checked_add(1).ok_or_else(|| exhausted("nonces"))?;
        Ok(n)
    }

    fn put_relationship(
        &mut self,
        source: &ResourceId,
        target: &ResourceId,
        kind: &RelationshipType,
    ) -> Result<RelationshipId, VmError> {
        let id = self.changes.next_relationship;
        self.changes.next_relationship = id.checked_add(1).ok_or_else(|| exhausted("relationship ids"))?;
        self.changes.relationships.push(Relationship {
            id,
            source: *source,
            target: *target,
            kind: kind.clone(),
        });
        Ok(id)
    }

    fn relationships(
        &self,
        id: &ResourceId,
        direction: RelationshipDirection,
    ) -> Result<Vec<Relationship>, VmError> {
        let outgoing = direction.outgoing();
        let incoming = direction.incoming();
        let mut ids = BTreeSet::new();
        if outgoing {
            ids.extend(self.base.outgoing.get(id).into_iter().flatten());
        }
        if incoming {
            ids.extend(self.base.incoming.get(id).into_iter().flatten());
        }
        // Pending relationships have ids above every committed one, so the result stays in id order.
        let mut out: Vec<Relationship> = ids
            .into_iter()
            .filter_map(|rid| self.base.relationships.get(rid))
            .cloned()
            .collect();
        out.extend(
            self.changes
                .relationships
                .iter()
                .filter(|r| (outgoing && r.source == *id) || (incoming && r.target == *id))
                .cloned(),
        );
        Ok(out)
    }
}

/// The in-memory store (see the module docs).
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is only ever changed by `State::apply`, which does not panic, so a poisoned
        // mutex still guards a consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MemoryStore")
            .field("domains", &state.tables.len())
            .field("registers", &state.index.len())
            .field("relationships", &state.relationships.len())
            .finish()
    }
}

impl Store for MemoryStore {
    fn transact(&self, f: &mut dyn FnMut(&mut dyn Txn) -> Result<(), VmError>) -> Result<(), VmError> {
        let mut state = self.lock();
        let mut overlay = Overlay::new(&state);
        match panic::catch_unwind(AssertUnwindSafe(|| f(&mut overlay))) {
            Ok(Ok(())) => {
                let changes = overlay.changes;
                state.apply(changes);
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(payload) => {
                // Discard the overlay and release the lock before the panic continues.
                drop(overlay);
                drop(state);
                panic::resume_unwind(payload)
            }
        }
    }

    fn read(&self, f: &mut dyn FnMut(&dyn Txn) -> Result<(), VmError>) -> Result<(), VmError> {
        let state = self.lock();
        let overlay = Overlay::new(&state);
        match panic::catch_unwind(AssertUnwindSafe(|| f(&overlay))) {
            Ok(result) => result,
            Err(payload) => {
                drop(overlay);
                drop(state);
                panic::resume_unwind(payload)
            }
        }
    }
}
