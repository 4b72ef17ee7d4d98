//! The stores: every behaviour of the `Store`/`Txn` traits checked against both `MemoryStore` and
//! `PersistentStore` (the latter in a temporary directory), all-or-nothing transactions (also under
//! panics and as a property over every failure point), persistence across reopen, crash safety
//! under SIGKILL (a child process re-executed from this binary), and the codec's rejection of
//! malformed bytes.
//!
//! Never touches files outside its temporary directories.

use causeway_runtime::error::{ResourceError, VmError};
use causeway_runtime::store::codec::{
    self, decode_register, decode_relationship, encode_register, encode_relationship,
};
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::store::persistent::PersistentStore;
use causeway_runtime::store::{self, Store, Txn};
use causeway_runtime::types::{
    DomainId, OwnerId, RegisterFilter, RegisterState, Relationship, RelationshipDirection, RelationshipType,
    ResourceId, ResourceRegister,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const STATES: [RegisterState; 4] = [
    RegisterState::Active,
    RegisterState::Locked,
    RegisterState::Frozen,
    RegisterState::Consumed,
];

/// A memory store and a persistent one (in a temporary directory that outlives it).
struct Subjects {
    stores: Vec<(&'static str, Box<dyn Store>)>,
    _dir: TempDir,
}

fn subjects() -> Subjects {
    let dir = TempDir::new().expect("temp dir");
    let persistent = PersistentStore::open(dir.path().join("store.redb")).expect("open persistent store");
    Subjects {
        stores: vec![
            ("memory", Box::new(MemoryStore::new())),
            ("persistent", Box::new(persistent)),
        ],
        _dir: dir,
    }
}

fn register(n: u64, kind: &str, owner: u8, domain: &str, state: RegisterState) -> ResourceRegister {
    let owner = OwnerId([owner; 32]);
    let domain = DomainId::new(domain);
    let data = n.to_le_bytes().to_vec();
    ResourceRegister {
        id: ResourceId::derive(kind, n as u128, &data, &owner, &domain, n),
        kind: kind.to_owned(),
        quantity: n as u128 * 10,
        data,
        owner,
        domain,
        state,
        version: 1,
        nonce: n,
    }
}

fn injected() -> VmError {
    VmError::ResourceError(ResourceError::InvalidArgument("injected failure".to_owned()))
}

fn is_store_error(e: &VmError) -> bool {
    matches!(e, VmError::ResourceError(ResourceError::Store(_)))
}

fn put_all(store: &dyn Store, registers: &[ResourceRegister]) {
    store::transact(store, |t| registers.iter().try_for_each(|r| t.put(r.clone()))).expect("commit");
}

/// Ids whose relationships a dump always includes (the property test relates these).
fn pool_id(i: u8) -> ResourceId {
    ResourceId([i; 32])
}
const POOL: u8 = 12;

/// The next nonce and relationship id, read without consuming them (by a transaction that fails).
fn peek_counters(store: &dyn Store) -> (u64, u64) {
    let mut seen = None;
    let r = store.transact(&mut |t| {
        let n = t.next_nonce()?;
        let rel = t.put_relationship(&pool_id(0), &pool_id(0), &RelationshipType::Contains)?;
        seen = Some((n, rel));
        Err(injected())
    });
    assert_eq!(r, Err(injected()));
    seen.expect("the peeking transaction ran")
}

/// Everything a store holds, in canonical bytes: domains, every register (codec-encoded) with its
/// outgoing relationships, the relationships of the pool ids, and the counters.
fn dump(store: &dyn Store) -> Vec<u8> {
    let mut out = store::read(store, |t| {
        let mut out = Vec::new();
        for d in t.domains()? {
            out.extend_from_slice(&(d.0.len() as u32).to_le_bytes());
            out.extend_from_slice(d.0.as_bytes());
        }
        let registers = t.list(&RegisterFilter::default())?;
        let mut sources: BTreeSet<ResourceId> = registers.iter().map(|r| r.id).collect();
        sources.extend((0..POOL).map(pool_id));
        for r in &registers {
            out.extend(encode_register(r)?);
        }
        for id in sources {
            for rel in t.relationships(&id, RelationshipDirection::Outgoing)? {
                out.extend(encode_relationship(&rel)?);
            }
        }
        Ok(out)
    })
    .expect("dump");
    let (nonce, rel) = peek_counters(store);
    out.extend_from_slice(&nonce.to_le_bytes());
    out.extend_from_slice(&rel.to_le_bytes());
    out
}

fn sorted(mut v: Vec<ResourceRegister>) -> Vec<ResourceRegister> {
    v.sort_by(|a, b| (&a.domain, &a.id).cmp(&(&b.domain, &b.id)));
    v
}

/// A varied population: 3 domains, 3 kinds, 3 owners, every state.
fn population() -> Vec<ResourceRegister> {
    (0..24)
        .map(|n| {
            let kind = ["coin", "deed", "ticket"][n as usize % 3];
            let domain = ["alpha", "beta", "gamma"][n as usize / 8];
            register(n, kind, (n % 3) as u8 + 1, domain, STATES[n as usize % 4])
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Basic behaviour
// ---------------------------------------------------------------------------------------------

#[test]
fn put_get_and_list_with_every_filter_field() {
    let all = population();
    for (name, store) in subjects().stores {
        let store = store.as_ref();
        put_all(store, &all);
        store::read(store, |t| {
            for r in &all {
                assert_eq!(t.get(&r.id)?.as_ref(), Some(r), "{name}");
            }
            assert_eq!(t.get(&ResourceId([0xee; 32]))?, None, "{name}");
            assert_eq!(
                t.list(&RegisterFilter::default())?,
                sorted(all.clone()),
                "{name}: list all"
            );
            let filters = [
                RegisterFilter {
                    kind: Some("deed".into()),
                    ..Default::default()
                },
                RegisterFilter {
                    kind: Some("nothing".into()),
                    ..Default::default()
                },
                RegisterFilter {
                    owner: Some(OwnerId([2; 32])),
                    ..Default::default()
                },
                RegisterFilter {
                    domain: Some(DomainId::new("beta")),
                    ..Default::default()
                },
                RegisterFilter {
                    domain: Some(DomainId::new("nowhere")),
                    ..Default::default()
                },
                RegisterFilter {
                    state: Some(RegisterState::Frozen),
                    ..Default::default()
                },
                RegisterFilter {
                    kind: Some("coin".into()),
                    owner: Some(OwnerId([1; 32])),
                    domain: Some(DomainId::new("gamma")),
                    state: Some(RegisterState::Active),
                },
            ];
            for f in &filters {
                let want = sorted(all.iter().filter(|r| f.matches(r)).cloned().collect());
                assert_eq!(t.list(f)?, want, "{name}: {f:?}");
            }
            assert_eq!(
                t.domains()?,
                vec![
                    DomainId::new("alpha"),
                    DomainId::new("beta"),
                    DomainId::new("gamma")
                ],
                "{name}"
            );
            Ok(())
        })
        .unwrap();
    }
}

#[test]
fn an_empty_store_is_empty() {
    for (name, store) in subjects().stores {
        store::read(store.as_ref(), |t| {
            assert_eq!(t.list(&RegisterFilter::default())?, vec![], "{name}");
            assert_eq!(t.domains()?, vec![], "{name}");
            assert_eq!(
                t.relationships(&pool_id(1), RelationshipDirection::Both)?,
                vec![],
                "{name}"
            );
            Ok(())
        })
        .unwrap();
    }
}

#[test]
fn a_transaction_reads_its_own_pending_writes() {
    let all = population();
    for (name, store) in subjects().stores {
        let store = store.as_ref();
        put_all(store, &all[..12]);
        store::transact(store, |t| {
            let mut moved = all[0].clone();
            moved.domain = DomainId::new("zeta");
            moved.version += 1;
            t.put(moved.clone())?;
            for r in &all[12..] {
                t.put(r.clone())?;
            }
            assert_eq!(t.get(&moved.id)?, Some(moved.clone()), "{name}");
            assert_eq!(t.get(&all[20].id)?.as_ref(), Some(&all[20]), "{name}");
            let mut want: Vec<_> = all[1..].to_vec();
            want.push(moved.clone());
            assert_eq!(t.list(&RegisterFilter::default())?, sorted(want), "{name}");
            let zeta = RegisterFilter {
                domain: Some(DomainId::new("zeta")),
                ..Default::default()
            };
            assert_eq!(t.list(&zeta)?, vec![moved.clone()], "{name}");
            let alpha = RegisterFilter {
                domain: Some(DomainId::new("alpha")),
                ..Default::default()
            };
            assert_eq!(t.list(&alpha)?, sorted(all[1..8].to_vec()), "{name}");
            assert_eq!(t.domains()?.len(), 4, "{name}");
            let a = t.put_relationship(&all[1].id, &all[2].id, &RelationshipType::Contains)?;
            assert_eq!(
                t.relationships(&all[1].id, RelationshipDirection::Outgoing)?
                    .len(),
                1,
                "{name}"
            );
            assert_eq!(
                t.relationships(&all[2].id, RelationshipDirection::Incoming)?[0].id,
                a,
                "{name}"
            );
            Ok(())
        })
        .unwrap();
    }
}

#[test]
fn a_register_that_changes_domain_moves_tables() {
    for (name, store) in subjects().stores {
        let store = store.as_ref();
        let a = register(1, "coin", 1, "a", RegisterState::Active);
        let other = register(2, "coin", 1, "c", RegisterState::Active);
        put_all(store, &[a.clone(), other.clone()]);
        let mut b = a.clone();
        b.domain = DomainId::new("b");
        b.version = 2;
        put_all(store, std::slice::from_ref(&b));
        store::read(store, |t| {
            assert_eq!(t.get(&a.id)?, Some(b.clone()), "{name}");
            assert_eq!(
                t.domains()?,
                vec![DomainId::new("b"), DomainId::new("c")],
                "{name}"
            );
            let in_a = RegisterFilter {
                domain: Some(DomainId::new("a")),
                ..Default::default()
            };
            assert_eq!(t.list(&in_a)?, vec![], "{name}");
            let in_b = RegisterFilter {
                domain: Some(DomainId::new("b")),
                ..Default::default()
            };
            assert_eq!(t.list(&in_b)?, vec![b.clone()], "{name}");
            assert_eq!(
                t.list(&RegisterFilter::default())?,
                vec![b.clone(), other.clone()],
                "{name}"
            );
            Ok(())
        })
        .unwrap();
        // And back again, in the same transaction as another write to the old table.
        store::transact(store, |t| {
            t.put(a.clone())?;
            t.put(register(3, "coin", 1, "a", RegisterState::Active))
        })
        .unwrap();
        store::read(store, |t| {
            assert_eq!(
                t.domains()?,
                vec![DomainId::new("a"), DomainId::new("c")],
                "{name}"
            );
            assert_eq!(t.get(&a.id)?, Some(a.clone()), "{name}");
            Ok(())
        })
        .unwrap();
    }
}

#[test]
fn relationships_by_direction() {
    let [r1, r2, r3] = [1, 2, 3].map(|n| register(n, "coin", 1, "d", RegisterState::Active));
    for (name, store) in subjects().stores {
        let store = store.as_ref();
        put_all(store, &[r1.clone(), r2.clone(), r3.clone()]);
        let ids = store::transact(store, |t| {
            Ok([
                t.put_relationship(&r1.id, &r2.id, &RelationshipType::Contains)?,
                t.put_relationship(&r2.id, &r3.id, &RelationshipType::DependsOn)?,
                t.put_relationship(&r3.id, &r1.id, &RelationshipType::Custom("witness".into()))?,
            ])
        })
        .unwrap();
        // A self-relationship in a later transaction.
        let self_id = store::transact(store, |t| {
            t.put_relationship(&r1.id, &r1.id, &RelationshipType::DerivedFrom)
        })
        .unwrap();
        assert!(
            ids[0] < ids[1] && ids[1] < ids[2] && ids[2] < self_id,
            "{name}: ids increase"
        );
        let rel = |id, s: &ResourceRegister, t: &ResourceRegister, kind| Relationship {
            id,
            source: s.id,
            target: t.id,
            kind,
        };
        let r1_r2 = rel(ids[0], &r1, &r2, RelationshipType::Contains);
        let r2_r3 = rel(ids[1], &r2, &r3, RelationshipType::DependsOn);
        let r3_r1 = rel(ids[2], &r3, &r1, RelationshipType::Custom("witness".into()));
        let r1_r1 = rel(self_id, &r1, &r1, RelationshipType::DerivedFrom);
        store::read(store, |t| {
            use RelationshipDirection::*;
            assert_eq!(
                t.relationships(&r1.id, Outgoing)?,
                vec![r1_r2.clone(), r1_r1.clone()],
                "{name}"
            );
            assert_eq!(
                t.relationships(&r1.id, Incoming)?,
                vec![r3_r1.clone(), r1_r1.clone()],
                "{name}"
            );
            assert_eq!(
                t.relationships(&r1.id, Both)?,
                vec![r1_r2.clone(), r3_r1.clone(), r1_r1.clone()],
                "{name}: the self-relationship once"
            );
            assert_eq!(t.relationships(&r2.id, Outgoing)?, vec![r2_r3.clone()], "{name}");
            assert_eq!(t.relationships(&r2.id, Incoming)?, vec![r1_r2.clone()], "{name}");
            assert_eq!(
                t.relationships(&r3.id, Both)?,
                vec![r2_r3.clone(), r3_r1.clone()],
                "{name}"
            );
            assert_eq!(t.relationships(&pool_id(7), Both)?, vec![], "{name}");
            Ok(())
        })
        .unwrap();
    }
}

#[test]
fn nonces_are_unique_within_a_store() {
    for (name, store) in subjects().stores {
        let store = store.as_ref();
        let mut seen = BTreeSet::new();
        for _ in 0..5 {
            let batch = store::transact(store, |t| {
                (0..7).map(|_| t.next_nonce()).collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
            for n in batch {
                assert!(seen.insert(n), "{name}: nonce {n} handed out twice");
            }
        }
    }
}

#[test]
fn threads_transacting_at_once_are_serialized() {
    let counter = register(0, "counter", 1, "d", RegisterState::Active);
    for (name, store) in subjects().stores {
        let store = store.as_ref();
        put_all(store, std::slice::from_ref(&counter));
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..25 {
                        store::transact(store, |t| {
                            let mut c = t.get(&counter.id)?.expect("counter");
                            c.quantity += 1;
                            c.version += 1;
                            t.put(c)?;
                            t.next_nonce().map(drop)
                        })
                        .unwrap();
                    }
                });
            }
        });
        let c = store::read(store, |t| t.get(&counter.id)).unwrap().unwrap();
        assert_eq!(c.quantity, counter.quantity + 100, "{name}: lost updates");
        assert_eq!(peek_counters(store).0, 100, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// All or nothing
// ---------------------------------------------------------------------------------------------

/// Several kinds of write: new registers, an overwrite, a domain move, a relationship, nonces.
fn many_writes(t: &mut dyn Txn, all: &[ResourceRegister]) -> Result<(), VmError> {
    for n in 100..110 {
        t.put(register(n, "coin", 9, "delta", RegisterState::Active))?;
    }
    let mut changed = all[3].clone();
    changed.quantity += 1;
    changed.state = RegisterState::Consumed;
    t.put(changed)?;
    let mut moved = all[5].clone();
    moved.domain = DomainId::new("gamma");
    t.put(moved)?;
    t.put_relationship(&all[0].id, &all[1].id, &RelationshipType::DependsOn)?;
    t.next_nonce()?;
    t.next_nonce()?;
    Ok(())
}

#[test]
fn a_failed_transaction_leaves_the_store_exactly_as_before() {
    let all = population();
    for (name, store) in subjects().stores {
        let store = store.as_ref();
        put_all(store, &all);
        store::transact(store, |t| {
            t.put_relationship(&all[0].id, &all[2].id, &RelationshipType::Contains)
        })
        .unwrap();
        let before = dump(store);
        let r = store.transact(&mut |t| {
            many_writes(t, &all)?;
            Err(injected())
        });
        assert_eq!(r, Err(injected()), "{name}: the closure's error comes back");
        assert_eq!(dump(store), before, "{name}: a failed transaction left a trace");
        // The same writes commit when the closure succeeds (so the test above was meaningful).
        store.transact(&mut |t| many_writes(t, &all)).unwrap();
        assert_ne!(dump(store), before, "{name}");
    }
}

#[test]
fn a_panicking_transaction_leaves_the_store_exactly_as_before_and_usable() {
    let all = population();
    for (name, store) in subjects().stores {
        let store = store.as_ref();
        put_all(store, &all);
        let before = dump(store);
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            store.transact(&mut |t| {
                many_writes(t, &all)?;
                panic!("injected panic inside a transaction ({name})");
            })
        }));
        let payload = r.expect_err("the panic propagates");
        let msg = payload.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.contains("injected panic"),
            "{name}: the original panic payload, got {msg:?}"
        );
        assert_eq!(
            dump(store),
            before,
            "{name}: a panicking transaction left a trace"
        );
        // Still usable (no poisoned lock, no stuck write transaction), for reads and writes.
        let r = panic::catch_unwind(AssertUnwindSafe(|| {
            store.read(&mut |_| panic::resume_unwind(Box::new("quiet panic in a read")))
        }));
        assert!(r.is_err(), "{name}");
        store.transact(&mut |t| many_writes(t, &all)).unwrap();
        assert_ne!(dump(store), before, "{name}");
    }
}

#[derive(Clone, Debug)]
enum Op {
    Put {
        id: u8,
        kind: u8,
        owner: u8,
        domain: u8,
        state: u8,
        quantity: u128,
        data: Vec<u8>,
    },
    Relate {
        source: u8,
        target: u8,
        kind: u8,
    },
    Nonce,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..POOL, 0u8..3, 0u8..3, 0u8..5, 0u8..4, any::<u128>(), prop::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(id, kind, owner, domain, state, quantity, data)| Op::Put {
                id, kind, owner, domain, state, quantity, data
            }),
        1 => (0..POOL, 0..POOL, 0u8..5).prop_map(|(source, target, kind)| Op::Relate { source, target, kind }),
        1 => Just(Op::Nonce),
    ]
}

fn apply(t: &mut dyn Txn, op: &Op) -> Result<(), VmError> {
    match op {
        Op::Put {
            id,
            kind,
            owner,
            domain,
            state,
            quantity,
            data,
        } => t.put(ResourceRegister {
            id: pool_id(*id),
            kind: ["coin", "deed", ""][*kind as usize].to_owned(),
            quantity: *quantity,
            data: data.clone(),
            owner: OwnerId([*owner; 32]),
            domain: DomainId::new(["a", "b", "c/with/slashes", "Ω", ""][*domain as usize]),
            state: STATES[*state as usize],
            version: 7,
            nonce: u64::from(*id),
        }),
        Op::Relate { source, target, kind } => {
            let kind = match kind {
                0 => RelationshipType::Contains,
                1 => RelationshipType::DependsOn,
                2 => RelationshipType::DerivedFrom,
                3 => RelationshipType::Custom(String::new()),
                _ => RelationshipType::Custom("custom".into()),
            };
            t.put_relationship(&pool_id(*source), &pool_id(*target), &kind)
                .map(drop)
        }
        Op::Nonce => t.next_nonce().map(drop),
    }
}

/// For every k, a transaction that runs the first k steps and fails at step k (by an error or a
/// panic) leaves each store's dump unchanged; then the whole batch commits on both stores and they
/// agree.
#[test]
fn property_a_transaction_failing_at_any_step_changes_nothing() {
    let subjects = subjects();
    let stores: Vec<&dyn Store> = subjects.stores.iter().map(|(_, s)| s.as_ref()).collect();
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (prop::collection::vec(op(), 1..10), any::<bool>());
    runner
        .run(&strategy, |(ops, by_panic)| {
            for (si, store) in stores.iter().enumerate() {
                let before = dump(*store);
                for k in 0..=ops.len() {
                    let run = || {
                        store.transact(&mut |t| {
                            for op in &ops[..k] {
                                apply(t, op)?;
                            }
                            if by_panic {
                                // `resume_unwind` unwinds without running the panic hook (no noise).
                                panic::resume_unwind(Box::new(k));
                            }
                            Err(injected())
                        })
                    };
                    let r = panic::catch_unwind(AssertUnwindSafe(run));
                    match r {
                        Ok(r) => prop_assert_eq!(r, Err(injected())),
                        Err(p) => prop_assert_eq!(p.downcast_ref::<usize>(), Some(&k)),
                    }
                    prop_assert!(
                        dump(*store) == before,
                        "store {} changed after failing at step {}",
                        si,
                        k
                    );
                }
                store
                    .transact(&mut |t| ops.iter().try_for_each(|op| apply(t, op)))
                    .unwrap();
            }
            prop_assert!(
                dump(stores[0]) == dump(stores[1]),
                "memory and persistent stores disagree"
            );
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------------------------

#[test]
fn data_survives_drop_and_reopen() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("store.redb");
    let all = population();
    let before = {
        let store = PersistentStore::open(&path).unwrap();
        put_all(&store, &all);
        store::transact(&store, |t| {
            t.put_relationship(&all[3].id, &all[4].id, &RelationshipType::Contains)
        })
        .unwrap();
        store::transact(&store, |t| t.next_nonce()).unwrap();
        dump(&store)
    };
    let verified = PersistentStore::open_verified(&path).unwrap();
    assert_eq!(dump(&verified), before);
    drop(verified);
    let store = PersistentStore::open(&path).unwrap();
    assert_eq!(dump(&store), before);
    assert_eq!(
        store::read(&store, |t| t.list(&RegisterFilter::default())).unwrap(),
        sorted(all)
    );
}

#[test]
fn nonces_and_relationship_ids_stay_unique_across_reopen() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("store.redb");
    let mut nonces = BTreeSet::new();
    let mut rels = BTreeSet::new();
    for _ in 0..3 {
        let store = PersistentStore::open(&path).unwrap();
        for _ in 0..3 {
            let (n, r) = store::transact(&store, |t| {
                Ok((
                    t.next_nonce()?,
                    t.put_relationship(&pool_id(1), &pool_id(2), &RelationshipType::Contains)?,
                ))
            })
            .unwrap();
            assert!(nonces.insert(n), "nonce {n} reused");
            assert!(rels.insert(r), "relationship id {r} reused");
        }
    }
    assert_eq!(nonces.len(), 9);
}

#[test]
fn opening_fails_cleanly_on_a_store_in_use_or_a_file_that_is_not_a_store() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("store.redb");
    let store = PersistentStore::open(&path).unwrap();
    let e = PersistentStore::open(&path).expect_err("a store open twice");
    assert!(is_store_error(&e), "{e}");
    drop(store);
    let junk = dir.path().join("junk");
    std::fs::write(
        &junk,
        b"this is not a redb database, just some bytes ....................",
    )
    .unwrap();
    let e = PersistentStore::open(&junk).expect_err("garbage is not a store");
    assert!(is_store_error(&e), "{e}");
    let e = PersistentStore::open(dir.path()).expect_err("a directory is not a store");
    assert!(is_store_error(&e), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Crash safety
// ---------------------------------------------------------------------------------------------

/// Names the store the crash child commits into; set only in the child.
const CRASH_ENV: &str = "CAUSEWAY_CRASH_CHILD";
/// Registers per crash-test transaction.
const CRASH_N: u64 = 5;
const PROGRESS: ResourceId = ResourceId([0xff; 32]);
/// What the crash child prints once its store is open.
const CHILD_READY: &str = "causeway-crash-child-ready";

fn crash_register(txn: u64, i: u64, nonce: u64) -> ResourceRegister {
    let mut id = [0xc5; 32];
    id[..8].copy_from_slice(&txn.to_le_bytes());
    id[8..16].copy_from_slice(&i.to_le_bytes());
    ResourceRegister {
        id: ResourceId(id),
        kind: "crash".into(),
        quantity: u128::from(txn),
        // Large enough that a commit spans several pages.
        data: vec![txn as u8 ^ i as u8; 3000],
        owner: OwnerId([1; 32]),
        domain: DomainId::new(format!("d{}", txn % 3)),
        state: RegisterState::Active,
        version: 1,
        nonce,
    }
}

/// Not a test on its own: with `CAUSEWAY_CRASH_CHILD` set, commits transactions into that store
/// forever (until the parent test kills the process).
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CRASH_ENV) else {
        return;
    };
    let store = PersistentStore::open(Path::new(&path)).expect("child: open");
    println!("{CHILD_READY}");
    let mut next = store::read(&store, |t| t.get(&PROGRESS))
        .unwrap()
        .map_or(0, |p| p.quantity as u64);
    loop {
        store::transact(&store, |t| {
            for i in 0..CRASH_N {
                let nonce = t.next_nonce()?;
                t.put(crash_register(next, i, nonce))?;
            }
            let mut progress = crash_register(next, 0, 0);
            progress.id = PROGRESS;
            progress.kind = "progress".into();
            progress.quantity = u128::from(next + 1);
            progress.data.clear();
            t.put(progress)
        })
        .expect("child: commit");
        next += 1;
    }
}

/// Checks that the store holds exactly transactions 0..k, each complete, and returns k.
fn committed_prefix(store: &PersistentStore) -> u64 {
    let registers = store::read(store, |t| t.list(&RegisterFilter::default())).unwrap();
    let progress = registers
        .iter()
        .find(|r| r.id == PROGRESS)
        .map_or(0, |p| p.quantity as u64);
    let mut per_txn: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for r in registers.iter().filter(|r| r.id != PROGRESS) {
        let txn = u64::from_le_bytes(r.id.0[..8].try_into().unwrap());
        let i = u64::from_le_bytes(r.id.0[8..16].try_into().unwrap());
        assert_eq!(
            *r,
            crash_register(txn, i, r.nonce),
            "register {i} of transaction {txn} is damaged"
        );
        per_txn.entry(txn).or_default().insert(i);
    }
    let present: Vec<u64> = per_txn.keys().copied().collect();
    if present != (0..progress).collect::<Vec<_>>() {
        let stray: Vec<_> = present.iter().filter(|t| **t >= progress).collect();
        let missing: Vec<_> = (0..progress).filter(|t| !per_txn.contains_key(t)).collect();
        panic!("transactions present are not 0..{progress}: stray {stray:?}, missing {missing:?}");
    }
    for (txn, is) in &per_txn {
        assert_eq!(is.len() as u64, CRASH_N, "transaction {txn} is partial: {is:?}");
    }
    assert_eq!(
        peek_counters(store).0,
        progress * CRASH_N,
        "the nonce counter disagrees with the data"
    );
    progress
}

/// Kills (SIGKILL) and reaps the child however the test ends, so that no commit loop outlives it.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn committed_transactions_survive_sigkill_and_partial_ones_never_appear() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("crash.redb");
    let exe = std::env::current_exe().unwrap();
    let mut seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut committed = 0;
    let mut rounds_with_progress = 0;
    const ROUNDS: u32 = 8;
    for round in 0..ROUNDS {
        let mut child = KillOnDrop(
            Command::new(&exe)
                .args(["store::crash_child", "--exact", "--test-threads=1", "--nocapture"])
                .env(CRASH_ENV, &path)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("spawn the crash child"),
        );
        let child = &mut child.0;
        // Wait until the child has the store open, so that every round kills it mid-work.
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let ready = stdout
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains(CHILD_READY));
        assert!(
            ready,
            "round {round}: the crash child ended without opening the store: {:?}",
            child.wait()
        );
        std::thread::sleep(Duration::from_millis(10 + random() % 250));
        if let Ok(Some(status)) = child.try_wait() {
            panic!("round {round}: the crash child exited by itself ({status})");
        }
        child.kill().expect("SIGKILL the child");
        child.wait().unwrap();
        let store = PersistentStore::open(&path).expect("reopen after SIGKILL");
        let now = committed_prefix(&store);
        assert!(
            now >= committed,
            "round {round}: committed transactions were lost ({committed} -> {now})"
        );
        if now > committed {
            rounds_with_progress += 1;
        }
        committed = now;
    }
    eprintln!("crash test: {committed} transactions committed over {ROUNDS} SIGKILLed runs");
    assert!(
        rounds_with_progress >= ROUNDS / 2,
        "the child committed in only {rounds_with_progress} of {ROUNDS} rounds ({committed} transactions)"
    );
}

// ---------------------------------------------------------------------------------------------
// Codec
// ---------------------------------------------------------------------------------------------

fn sample_register() -> ResourceRegister {
    ResourceRegister {
        id: ResourceId([0xab; 32]),
        kind: "coin".into(),
        quantity: 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10,
        data: vec![1, 2, 3],
        owner: OwnerId([0xcd; 32]),
        domain: DomainId::new("dé"),
        state: RegisterState::Frozen,
        version: 9,
        nonce: 0x1122_3344_5566_7788,
    }
}

fn sample_relationship() -> Relationship {
    Relationship {
        id: 0x42,
        source: ResourceId([1; 32]),
        target: ResourceId([2; 32]),
        kind: RelationshipType::Custom("witness".into()),
    }
}

#[test]
fn codec_layout_is_the_documented_one() {
    let r = sample_register();
    let mut want = vec![codec::FORMAT_VERSION, codec::RECORD_REGISTER];
    want.extend([0xab; 32]);
    want.extend(4u32.to_le_bytes());
    want.extend(b"coin");
    want.extend(r.quantity.to_le_bytes());
    want.extend(3u32.to_le_bytes());
    want.extend([1, 2, 3]);
    want.extend([0xcd; 32]);
    want.extend(3u32.to_le_bytes());
    want.extend("dé".as_bytes());
    want.push(2);
    want.extend(9u64.to_le_bytes());
    want.extend(r.nonce.to_le_bytes());
    assert_eq!(encode_register(&r).unwrap(), want);
    assert_eq!(decode_register(&want).unwrap(), r);

    let rel = sample_relationship();
    let mut want = vec![1, 2];
    want.extend(0x42u64.to_le_bytes());
    want.extend([1; 32]);
    want.extend([2; 32]);
    want.push(3);
    want.extend(7u32.to_le_bytes());
    want.extend(b"witness");
    assert_eq!(encode_relationship(&rel).unwrap(), want);
    assert_eq!(decode_relationship(&want).unwrap(), rel);
    for (kind, tag) in [
        (RelationshipType::Contains, 0),
        (RelationshipType::DependsOn, 1),
        (RelationshipType::DerivedFrom, 2),
    ] {
        let bytes = encode_relationship(&Relationship { kind, ..rel.clone() }).unwrap();
        assert_eq!(bytes.len(), 2 + 8 + 64 + 1);
        assert_eq!(bytes[bytes.len() - 1], tag);
    }
}

#[test]
fn codec_rejects_truncations_extensions_and_damaged_fields() {
    let reg = encode_register(&sample_register()).unwrap();
    let rel = encode_relationship(&sample_relationship()).unwrap();
    for len in 0..reg.len() {
        let e = decode_register(&reg[..len]).expect_err("a truncated register");
        assert!(is_store_error(&e), "{e}");
    }
    for len in 0..rel.len() {
        let e = decode_relationship(&rel[..len]).expect_err("a truncated relationship");
        assert!(is_store_error(&e), "{e}");
    }
    let mut longer = reg.clone();
    longer.push(0);
    assert!(is_store_error(&decode_register(&longer).unwrap_err()));
    let mut longer = rel.clone();
    longer.push(0);
    assert!(is_store_error(&decode_relationship(&longer).unwrap_err()));
    // Each record read as the other kind.
    assert!(is_store_error(&decode_register(&rel).unwrap_err()));
    assert!(is_store_error(&decode_relationship(&reg).unwrap_err()));
    let damaged = |at: usize, byte: u8, bytes: &[u8]| {
        let mut b = bytes.to_vec();
        b[at] = byte;
        b
    };
    // Unknown format version.
    let e = decode_register(&damaged(0, 2, &reg)).unwrap_err();
    assert!(e.to_string().contains("format version 2"), "{e}");
    // Unknown state tag (the state byte sits before version and nonce).
    assert!(is_store_error(
        &decode_register(&damaged(reg.len() - 17, 4, &reg)).unwrap_err()
    ));
    // Invalid UTF-8 in the kind.
    let e = decode_register(&damaged(2 + 32 + 4, 0xff, &reg)).unwrap_err();
    assert!(e.to_string().contains("UTF-8"), "{e}");
    // A length prefix far beyond the input.
    let e = decode_register(&damaged(2 + 32 + 3, 0xff, &reg)).unwrap_err();
    assert!(is_store_error(&e), "{e}");
    // Unknown relationship kind tag.
    assert!(is_store_error(
        &decode_relationship(&damaged(2 + 8 + 64, 9, &rel)).unwrap_err()
    ));
}

fn any_register() -> impl Strategy<Value = ResourceRegister> {
    (
        any::<[u8; 32]>(),
        ".{0,12}",
        any::<u128>(),
        prop::collection::vec(any::<u8>(), 0..64),
        any::<[u8; 32]>(),
        ".{0,12}",
        0usize..4,
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(
            |(id, kind, quantity, data, owner, domain, state, version, nonce)| ResourceRegister {
                id: ResourceId(id),
                kind,
                quantity,
                data,
                owner: OwnerId(owner),
                domain: DomainId(domain),
                state: STATES[state],
                version,
                nonce,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn codec_round_trips_registers(r in any_register()) {
        let bytes = encode_register(&r).unwrap();
        prop_assert_eq!(decode_register(&bytes).unwrap(), r);
    }

    /// Random bytes never panic the decoder; whatever it accepts is canonical (re-encodes to the
    /// same bytes).
    #[test]
    fn codec_survives_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200), header in any::<bool>()) {
        let mut bytes = bytes;
        if header && bytes.len() >= 2 {
            bytes[0] = codec::FORMAT_VERSION;
            bytes[1] = if bytes.len() % 2 == 0 { codec::RECORD_REGISTER } else { codec::RECORD_RELATIONSHIP };
        }
        match decode_register(&bytes) {
            Ok(r) => prop_assert_eq!(encode_register(&r).unwrap(), bytes.clone()),
            Err(e) => prop_assert!(is_store_error(&e)),
        }
        match decode_relationship(&bytes) {
            Ok(r) => prop_assert_eq!(encode_relationship(&r).unwrap(), bytes.clone()),
            Err(e) => prop_assert!(is_store_error(&e)),
        }
    }

    /// A valid encoding with one byte changed decodes to an error or to a value that re-encodes to
    /// exactly the changed bytes; it never panics.
    #[test]
    fn codec_survives_damaged_encodings(r in any_register(), at in any::<usize>(), byte in any::<u8>()) {
        let mut bytes = encode_register(&r).unwrap();
        let at = at % bytes.len();
        bytes[at] = byte;
        match decode_register(&bytes) {
            Ok(d) => prop_assert_eq!(encode_register(&d).unwrap(), bytes),
            Err(e) => prop_assert!(is_store_error(&e)),
        }
    }
}
