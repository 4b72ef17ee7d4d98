//! [`PersistentStore`]: the store in one redb database file (`--store PATH`). Crash-safe: a
//! transaction is one redb write transaction, committed with immediate durability (fsync) when the
//! closure returns `Ok`, so a committed transaction survives `kill -9` and power loss, and an
//! uncommitted one leaves no trace.
//!
//! Owns the database layout and nothing else; it must never check capabilities or operation rules,
//! and never commit a transaction whose closure failed or panicked.
//!
//! # Layout
//!
//! Values are [`super::codec`] records; ids are the 32 raw bytes of a [`ResourceId`].
//!
//! | table                    | kind     | key                | value                          |
//! |--------------------------|----------|--------------------|--------------------------------|
//! | `registers/<domain>`     | table    | register id        | encoded register               |
//! | `index`                  | table    | register id        | domain name (`&str`)           |
//! | `relationships`          | table    | relationship id    | encoded relationship           |
//! | `relationships/outgoing` | multimap | source register id | relationship ids               |
//! | `relationships/incoming` | multimap | target register id | relationship ids               |
//! | `meta`                   | table    | name (`&str`)      | `u64`                          |
//!
//! One `registers/<domain>` table per domain that holds registers (a table left empty by a register
//! moving away is deleted). `meta` holds `format` (the layout version, 1), `next_nonce` and
//! `next_relationship` (the next value each counter hands out; absent means 0).

use super::codec;
use super::{Store, Txn};
use crate::error::{ResourceError, VmError};
use crate::types::{
    DomainId, RegisterFilter, Relationship, RelationshipDirection, RelationshipId, RelationshipType,
    ResourceId, ResourceRegister,
};
use redb::{
    Database, Key, MultimapTableDefinition, ReadOnlyMultimapTable, ReadOnlyTable, ReadTransaction,
    ReadableDatabase, ReadableMultimapTable, ReadableTable, ReadableTableMetadata, TableDefinition,
    TableHandle, Value, WriteTransaction,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The layout version stored under `meta/format`.
pub const LAYOUT_VERSION: u64 = 1;

const REGISTERS_PREFIX: &str = "registers/";
const INDEX: TableDefinition<&[u8; 32], &str> = TableDefinition::new("index");
const RELATIONSHIPS: TableDefinition<u64, &[u8]> = TableDefinition::new("relationships");
const OUTGOING: MultimapTableDefinition<&[u8; 32], u64> =
    MultimapTableDefinition::new("relationships/outgoing");
const INCOMING: MultimapTableDefinition<&[u8; 32], u64> =
    MultimapTableDefinition::new("relationships/incoming");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const META_FORMAT: &str = "format";
const META_NONCE: &str = "next_nonce";
const META_RELATIONSHIP: &str = "next_relationship";

type RegisterTable<'a> = TableDefinition<'a, &'static [u8; 32], &'static [u8]>;

fn table_name(domain: &str) -> String {
    format!("{REGISTERS_PREFIX}{domain}")
}

/// The definition of a domain's register table; `name` is never empty (it has the prefix).
fn registers(name: &str) -> RegisterTable<'_> {
    TableDefinition::new(name)
}

fn store_error(msg: String) -> VmError {
    VmError::ResourceError(ResourceError::Store(msg))
}

/// Maps a redb error to a store error naming what was being done.
fn failed<E: Display>(doing: &'static str) -> impl FnOnce(E) -> VmError {
    move |e| store_error(format!("{doing}: {e}"))
}

/// Read access shared by write transactions and read snapshots.
trait View {
    type Table<'s, K: Key + 'static, V: Value + 'static>: ReadableTable<K, V>
    where
        Self: 's;
    type Multimap<'s, K: Key + 'static, V: Key + 'static>: ReadableMultimapTable<K, V>
    where
        Self: 's;

    /// Opens a table that exists (the fixed tables, or a domain table the caller has seen listed).
    fn table<'s, K: Key + 'static, V: Value + 'static>(
        &'s self,
        def: TableDefinition<'_, K, V>,
    ) -> Result<Self::Table<'s, K, V>, VmError>;
    fn multimap<'s, K: Key + 'static, V: Key + 'static>(
        &'s self,
        def: MultimapTableDefinition<'_, K, V>,
    ) -> Result<Self::Multimap<'s, K, V>, VmError>;
    fn table_names(&self) -> Result<Vec<String>, VmError>;
}

/// `View` for both redb transaction kinds: the same calls, different table types.
macro_rules! impl_view {
    ($txn:ty, $table:ty, $multimap:ty) => {
        impl View for $txn {
            type Table<'s, K: Key + 'static, V: Value + 'static> = $table;
            type Multimap<'s, K: Key + 'static, V: Key + 'static> = $multimap;

            fn table<'s, K: Key + 'static, V: Value + 'static>(
                &'s self,
                def: TableDefinition<'_, K, V>,
            ) -> Result<Self::Table<'s, K, V>, VmError> {
                self.open_table(def).map_err(failed("open table"))
            }
            fn multimap<'s, K: Key + 'static, V: Key + 'static>(
                &'s self,
                def: MultimapTableDefinition<'_, K, V>,
            ) -> Result<Self::Multimap<'s, K, V>, VmError> {
                self.open_multimap_table(def).map_err(failed("open table"))
            }
            fn table_names(&self) -> Result<Vec<String>, VmError> {
                Ok(self
                    .list_tables()
                    .map_err(failed("list tables"))?
                    .map(|t| t.name().to_owned())
                    .collect())
            }
        }
    };
}

impl_view!(
    WriteTransaction,
    redb::Table<'s, K, V>,
    redb::MultimapTable<'s, K, V>
);
impl_view!(ReadTransaction, ReadOnlyTable<K, V>, ReadOnlyMultimapTable<K, V>);

/// The domains that have a register table, in order.
fn domain_tables(view: &impl View) -> Result<Vec<DomainId>, VmError> {
    let mut domains: Vec<DomainId> = view
        .table_names()?
        .into_iter()
        .filter_map(|name| name.strip_prefix(REGISTERS_PREFIX).map(DomainId::new))
        .collect();
    domains.sort();
    Ok(domains)
}

fn decode_in(domain: &DomainId, bytes: &[u8]) -> Result<ResourceRegister, VmError> {
    let r = codec::decode_register(bytes)?;
    if r.domain != *domain {
        return Err(store_error(format!(
            "register {} in the table of domain {domain} claims domain {}",
            r.id, r.domain
        )));
    }
    Ok(r)
}

fn get(view: &impl View, id: &ResourceId) -> Result<Option<ResourceRegister>, VmError> {
    let domain = match view.table(INDEX)?.get(&id.0).map_err(failed("read index"))? {
        Some(d) => DomainId::new(d.value()),
        None => return Ok(None),
    };
    let name = table_name(&domain.0);
    let table = view.table(registers(&name))?;
    let bytes = table
        .get(&id.0)
        .map_err(failed("read register"))?
        .ok_or_else(|| {
            store_error(format!(
                "the index places register {id} in domain {domain}, whose table lacks it"
            ))
        })?;
    decode_in(&domain, bytes.value()).map(Some)
}

fn list(view: &impl View, filter: &RegisterFilter) -> Result<Vec<ResourceRegister>, VmError> {
    let mut out = Vec::new();
    for domain in domain_tables(view)? {
        if filter.domain.as_ref().is_some_and(|d| *d != domain) {
            continue;
        }
        let name = table_name(&domain.0);
        let table = view.table(registers(&name))?;
        for entry in table.iter().map_err(failed("scan registers"))? {
            let (_, bytes) = entry.map_err(failed("scan registers"))?;
            let r = decode_in(&domain, bytes.value())?;
            if filter.matches(&r) {
                out.push(r);
            }
        }
    }
    // Tables come in domain order and keys in byte order, which is id order; sorting again is a
    // cheap guarantee of the trait's contract.
    out.sort_by(|a, b| (&a.domain, &a.id).cmp(&(&b.domain, &b.id)));
    Ok(out)
}

fn domains(view: &impl View) -> Result<Vec<DomainId>, VmError> {
    let mut out = Vec::new();
    for domain in domain_tables(view)? {
        let name = table_name(&domain.0);
        if !view
            .table(registers(&name))?
            .is_empty()
            .map_err(failed("read registers"))?
        {
            out.push(domain);
        }
    }
    Ok(out)
}

fn relationships(
    view: &impl View,
    id: &ResourceId,
    direction: RelationshipDirection,
) -> Result<Vec<Relationship>, VmError> {
    let mut ids = BTreeSet::new();
    let mut collect = |def| -> Result<(), VmError> {
        for rid in view
            .multimap(def)?
            .get(&id.0)
            .map_err(failed("read relationship index"))?
        {
            ids.insert(rid.map_err(failed("read relationship index"))?.value());
        }
        Ok(())
    };
    if direction.outgoing() {
        collect(OUTGOING)?;
    }
    if direction.incoming() {
        collect(INCOMING)?;
    }
    let table = view.table(RELATIONSHIPS)?;
    let mut out = Vec::with_capacity(ids.len());
    for rid in ids {
        let bytes = table
            .get(rid)
            .map_err(failed("read relationship"))?
            .ok_or_else(|| store_error(format!("relationship {rid} is indexed but missing")))?;
        out.push(codec::decode_relationship(bytes.value())?);
    }
    Ok(out)
}

type IndexTable<'t> = redb::Table<'t, &'static [u8; 32], &'static str>;
type DomainTable<'t> = redb::Table<'t, &'static [u8; 32], &'static [u8]>;
type IdIndex<'t> = redb::MultimapTable<'t, &'static [u8; 32], u64>;

/// Opens a table into `slot` unless it is open already; redb refuses to open a table twice in one
/// transaction, so a [`Writer`] opens each one at most once and keeps it.
fn lazy<T>(slot: &mut Option<T>, open: impl FnOnce() -> Result<T, VmError>) -> Result<&mut T, VmError> {
    if slot.is_none() {
        *slot = Some(open()?);
    }
    slot.as_mut()
        .ok_or_else(|| store_error("a table just opened is missing".to_owned()))
}

/// The tables a write transaction has opened so far, each opened on first use and kept until the
/// transaction ends.
#[derive(Default)]
struct Open<'t> {
    index: Option<IndexTable<'t>>,
    /// `registers/<domain>`, by domain name.
    registers: BTreeMap<String, DomainTable<'t>>,
    relationships: Option<redb::Table<'t, u64, &'static [u8]>>,
    outgoing: Option<IdIndex<'t>>,
    incoming: Option<IdIndex<'t>>,
    meta: Option<redb::Table<'t, &'static str, u64>>,
    /// What the last `get` found in the index (the register's domain, or `None`: absent), kept for
    /// a `put` of the same register that follows; every `put` clears it.
    last_lookup: Option<(ResourceId, Option<DomainId>)>,
}

impl<'t> Open<'t> {
    fn index(&mut self, txn: &'t WriteTransaction) -> Result<&mut IndexTable<'t>, VmError> {
        lazy(&mut self.index, || {
            txn.open_table(INDEX).map_err(failed("open index"))
        })
    }

    fn registers(
        &mut self,
        txn: &'t WriteTransaction,
        domain: &str,
    ) -> Result<&mut DomainTable<'t>, VmError> {
        if !self.registers.contains_key(domain) {
            let table = txn
                .open_table(registers(&table_name(domain)))
                .map_err(failed("open registers"))?;
            self.registers.insert(domain.to_owned(), table);
        }
        self.registers
            .get_mut(domain)
            .ok_or_else(|| store_error(format!("the table of domain {domain} just opened is missing")))
    }

    fn relationships(
        &mut self,
        txn: &'t WriteTransaction,
    ) -> Result<&mut redb::Table<'t, u64, &'static [u8]>, VmError> {
        lazy(&mut self.relationships, || {
            txn.open_table(RELATIONSHIPS)
                .map_err(failed("open relationships"))
        })
    }

    fn id_index(&mut self, txn: &'t WriteTransaction, outgoing: bool) -> Result<&mut IdIndex<'t>, VmError> {
        let (slot, def) = if outgoing {
            (&mut self.outgoing, OUTGOING)
        } else {
            (&mut self.incoming, INCOMING)
        };
        lazy(slot, || {
            txn.open_multimap_table(def)
                .map_err(failed("open relationship index"))
        })
    }

    fn meta(
        &mut self,
        txn: &'t WriteTransaction,
    ) -> Result<&mut redb::Table<'t, &'static str, u64>, VmError> {
        lazy(&mut self.meta, || {
            txn.open_table(META).map_err(failed("open meta table"))
        })
    }
}

/// A write transaction's `Txn`. Keeps every table it opens until [`Writer::finish`], and the
/// counters in memory until then.
struct Writer<'t> {
    txn: &'t WriteTransaction,
    /// In a `RefCell` because reads (`&self`) open tables too.
    open: RefCell<Open<'t>>,
    /// The next nonce to hand out, once this transaction has handed out one.
    next_nonce: Option<u64>,
    /// The next relationship id, once this transaction has handed out one.
    next_relationship: Option<u64>,
}

impl<'t> Writer<'t> {
    fn new(txn: &'t WriteTransaction) -> Writer<'t> {
        Writer {
            txn,
            open: RefCell::new(Open::default()),
            next_nonce: None,
            next_relationship: None,
        }
    }

    /// Hands out the next value of a `meta` counter, read from `meta` on first use.
    fn bump(&mut self, nonce: bool) -> Result<u64, VmError> {
        let (cached, key, what) = if nonce {
            (self.next_nonce, META_NONCE, "nonces")
        } else {
            (self.next_relationship, META_RELATIONSHIP, "relationship ids")
        };
        let n = match cached {
            Some(n) => n,
            None => self
                .open
                .get_mut()
                .meta(self.txn)?
                .get(key)
                .map_err(failed("read counter"))?
                .map_or(0, |v| v.value()),
        };
        let next = n
            .checked_add(1)
            .ok_or_else(|| store_error(format!("{what} exhausted: the counter reached u64::MAX")))?;
        if nonce {
            self.next_nonce = Some(next);
        } else {
            self.next_relationship = Some(next);
        }
        Ok(n)
    }

    /// Readies the transaction for commit: writes the counters to `meta`, deletes the domain tables
    /// left empty by registers moving away, and closes every table.
    fn finish(self) -> Result<(), VmError> {
        let Writer {
            txn,
            open,
            next_nonce,
            next_relationship,
        } = self;
        let mut open = open.into_inner();
        for (key, value) in [(META_NONCE, next_nonce), (META_RELATIONSHIP, next_relationship)] {
            if let Some(value) = value {
                open.meta(txn)?
                    .insert(key, value)
                    .map_err(failed("write counter"))?;
            }
        }
        for table in std::mem::take(&mut open.registers).into_values() {
            if table.is_empty().map_err(failed("read registers"))? {
                txn.delete_table(table)
                    .map_err(failed("delete empty domain table"))?;
            }
        }
        Ok(())
    }
}

impl Txn for Writer<'_> {
    fn get(&self, id: &ResourceId) -> Result<Option<ResourceRegister>, VmError> {
        let mut open = self.open.borrow_mut();
        open.last_lookup = None;
        let found = open
            .index(self.txn)?
            .get(&id.0)
            .map_err(failed("read index"))?
            .map(|d| DomainId::new(d.value()));
        open.last_lookup = Some((*id, found.clone()));
        let Some(domain) = found else {
            return Ok(None);
        };
        let table = open.registers(self.txn, &domain.0)?;
        let bytes = table
            .get(&id.0)
            .map_err(failed("read register"))?
            .ok_or_else(|| {
                store_error(format!(
                    "the index places register {id} in domain {domain}, whose table lacks it"
                ))
            })?;
        decode_in(&domain, bytes.value()).map(Some)
    }

    fn put(&mut self, register: ResourceRegister) -> Result<(), VmError> {
        let bytes = codec::encode_register(&register)?;
        let txn = self.txn;
        let open = self.open.get_mut();
        let domain = register.domain.0.as_str();
        let cached = open.last_lookup.take().filter(|(id, _)| *id == register.id);
        let index = open.index(txn)?;
        let found = match cached {
            Some((_, found)) => found,
            None => index
                .get(&register.id.0)
                .map_err(failed("read index"))?
                .map(|d| DomainId::new(d.value())),
        };
        // `None`: the index already places the register in its domain.
        let moved_from = match found {
            Some(d) if d.0 == domain => None,
            Some(d) => Some(Some(d.0)),
            None => Some(None),
        };
        if let Some(moved_from) = moved_from {
            index
                .insert(&register.id.0, domain)
                .map_err(failed("write index"))?;
            if let Some(old) = moved_from {
                // The register moves domain: out of its old table (deleted by `finish` if this
                // leaves it empty).
                open.registers(txn, &old)?
                    .remove(&register.id.0)
                    .map_err(failed("remove register"))?;
            }
        }
        open.registers(txn, domain)?
            .insert(&register.id.0, bytes.as_slice())
            .map_err(failed("write register"))?;
        Ok(())
    }

    fn list(&self, filter: &RegisterFilter) -> Result<Vec<ResourceRegister>, VmError> {
        let mut open = self.open.borrow_mut();
        let mut out = Vec::new();
        for domain in domain_tables(self.txn)? {
            if filter.domain.as_ref().is_some_and(|d| *d != domain) {
                continue;
            }
            let table = open.registers(self.txn, &domain.0)?;
            for entry in table.iter().map_err(failed("scan registers"))? {
                let (_, bytes) = entry.map_err(failed("scan registers"))?;
                let r = decode_in(&domain, bytes.value())?;
                if filter.matches(&r) {
                    out.push(r);
                }
            }
        }
        out.sort_by(|a, b| (&a.domain, &a.id).cmp(&(&b.domain, &b.id)));
        Ok(out)
    }

    fn domains(&self) -> Result<Vec<DomainId>, VmError> {
        let mut open = self.open.borrow_mut();
        let mut out = Vec::new();
        for domain in domain_tables(self.txn)? {
            if !open
                .registers(self.txn, &domain.0)?
                .is_empty()
                .map_err(failed("read registers"))?
            {
                out.push(domain);
            }
        }
        Ok(out)
    }

    fn next_nonce(&mut self) -> Result<u64, VmError> {
        self.bump(true)
    }

    fn put_relationship(
        &mut self,
        source: &ResourceId,
        target: &ResourceId,
        kind: &RelationshipType,
    ) -> Result<RelationshipId, VmError> {
        let id = self.bump(false)?;
        let rel = Relationship {
            id,
            source: *source,
            target: *target,
            kind: kind.clone(),
        };
        let bytes = codec::encode_relationship(&rel)?;
        let txn = self.txn;
        let open = self.open.get_mut();
        open.relationships(txn)?
            .insert(id, bytes.as_slice())
            .map_err(failed("write relationship"))?;
        open.id_index(txn, true)?
            .insert(&source.0, id)
            .map_err(failed("write relationship index"))?;
        open.id_index(txn, false)?
            .insert(&target.0, id)
            .map_err(failed("write relationship index"))?;
        Ok(id)
    }

    fn relationships(
        &self,
        id: &ResourceId,
        direction: RelationshipDirection,
    ) -> Result<Vec<Relationship>, VmError> {
        let mut open = self.open.borrow_mut();
        let mut ids = BTreeSet::new();
        for outgoing in [true, false] {
            let wanted = if outgoing {
                direction.outgoing()
            } else {
                direction.incoming()
            };
            if !wanted {
                continue;
            }
            for rid in open
                .id_index(self.txn, outgoing)?
                .get(&id.0)
                .map_err(failed("read relationship index"))?
            {
                ids.insert(rid.map_err(failed("read relationship index"))?.value());
            }
        }
        let table = open.relationships(self.txn)?;
        let mut out = Vec::with_capacity(ids.len());
        for rid in ids {
            let bytes = table
                .get(rid)
                .map_err(failed("read relationship"))?
                .ok_or_else(|| store_error(format!("relationship {rid} is indexed but missing")))?;
            out.push(codec::decode_relationship(bytes.value())?);
        }
        Ok(out)
    }
}

/// A read snapshot's `Txn`; its writes fail (`Store::read` hands out `&dyn Txn`, so they cannot be
/// reached).
struct Reader {
    txn: ReadTransaction,
}

fn read_only() -> VmError {
    store_error("a read-only view cannot write".to_owned())
}

impl Txn for Reader {
    fn get(&self, id: &ResourceId) -> Result<Option<ResourceRegister>, VmError> {
        get(&self.txn, id)
    }
    fn put(&mut self, _: ResourceRegister) -> Result<(), VmError> {
        Err(read_only())
    }
    fn list(&self, filter: &RegisterFilter) -> Result<Vec<ResourceRegister>, VmError> {
        list(&self.txn, filter)
    }
    fn domains(&self) -> Result<Vec<DomainId>, VmError> {
        domains(&self.txn)
    }
    fn next_nonce(&mut self) -> Result<u64, VmError> {
        Err(read_only())
    }
    fn put_relationship(
        &mut self,
        _: &ResourceId,
        _: &ResourceId,
        _: &RelationshipType,
    ) -> Result<RelationshipId, VmError> {
        Err(read_only())
    }
    fn relationships(
        &self,
        id: &ResourceId,
        direction: RelationshipDirection,
    ) -> Result<Vec<Relationship>, VmError> {
        relationships(&self.txn, id, direction)
    }
}

/// The redb-backed store (see the module docs).
pub struct PersistentStore {
    db: Database,
    path: PathBuf,
}

impl std::fmt::Debug for PersistentStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersistentStore")
            .field("path", &self.path)
            .finish()
    }
}

impl PersistentStore {
    /// Opens the store at `path`, creating it if the file does not exist (or is empty). After a
    /// crash, opening repairs the file back to its last committed transaction. Fails if the file is
    /// not a store, is of an unknown layout version, or is open elsewhere (in this process or
    /// another).
    pub fn open(path: impl AsRef<Path>) -> Result<PersistentStore, VmError> {
        Self::open_with(path, false)
    }

    /// [`PersistentStore::open`], verifying every page's checksum first: a file altered outside the
    /// store then fails to open with an error instead of being trusted. Reads the whole file.
    pub fn open_verified(path: impl AsRef<Path>) -> Result<PersistentStore, VmError> {
        Self::open_with(path, true)
    }

    fn open_with(path: impl AsRef<Path>, verify: bool) -> Result<PersistentStore, VmError> {
        let path = path.as_ref().to_path_buf();
        let db = Database::builder()
            .set_check_integrity_on_open(verify)
            .create(&path)
            .map_err(|e| store_error(format!("cannot open store {}: {e}", path.display())))?;
        let txn = db.begin_write().map_err(failed("begin transaction"))?;
        {
            let mut meta = txn.open_table(META).map_err(failed("open meta table"))?;
            let format = meta
                .get(META_FORMAT)
                .map_err(failed("read layout version"))?
                .map(|v| v.value());
            match format {
                Some(LAYOUT_VERSION) => {}
                Some(v) => {
                    return Err(store_error(format!(
                        "store {} has layout version {v}; this build reads version {LAYOUT_VERSION}",
                        path.display()
                    )))
                }
                None => {
                    let names = txn.table_names()?;
                    if names.iter().any(|n| n != META.name()) {
                        return Err(store_error(format!(
                            "{} is a redb database but not a Causeway store (it has no layout version)",
                            path.display()
                        )));
                    }
                    meta.insert(META_FORMAT, LAYOUT_VERSION)
                        .map_err(failed("write layout version"))?;
                }
            }
        }
        // Create the fixed tables, so that read snapshots can always open them.
        txn.open_table(INDEX).map_err(failed("create index"))?;
        txn.open_table(RELATIONSHIPS)
            .map_err(failed("create relationships"))?;
        txn.open_multimap_table(OUTGOING)
            .map_err(failed("create relationship index"))?;
        txn.open_multimap_table(INCOMING)
            .map_err(failed("create relationship index"))?;
        txn.commit().map_err(failed("initialize store"))?;
        Ok(PersistentStore { db, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Store for PersistentStore {
    fn transact(&self, f: &mut dyn FnMut(&mut dyn Txn) -> Result<(), VmError>) -> Result<(), VmError> {
        let txn = self.db.begin_write().map_err(failed("begin transaction"))?;
        // The writer (and every table it holds open) is gone by the time the transaction commits
        // or aborts.
        let outcome = {
            let mut writer = Writer::new(&txn);
            match panic::catch_unwind(AssertUnwindSafe(|| f(&mut writer))) {
                Ok(Ok(())) => Ok(writer.finish()),
                Ok(Err(e)) => Ok(Err(e)),
                Err(payload) => Err(payload),
            }
        };
        match outcome {
            Ok(Ok(())) => txn.commit().map_err(failed("commit")),
            // The closure's error (or finishing's) is the one to report; an abort that fails also
            // leaves nothing committed.
            Ok(Err(e)) => {
                let _ = txn.abort();
                Err(e)
            }
            Err(payload) => {
                let _ = txn.abort();
                panic::resume_unwind(payload)
            }
        }
    }

    fn read(&self, f: &mut dyn FnMut(&dyn Txn) -> Result<(), VmError>) -> Result<(), VmError> {
        let txn = self.db.begin_read().map_err(failed("begin read"))?;
        f(&Reader { txn })
    }
}
