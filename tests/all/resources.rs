//! The `ResourceManager` (`causeway_runtime::resources`): every public method's success and its
//! denial without each capability it needs (table-driven), revocation, bad input (a precise error
//! each), verification, all-or-nothing batches and cross-domain transfers under fault injection, and
//! conservation of quantity, against the memory store and the persistent store. Every failure is
//! checked to leave the store byte-for-byte unchanged (`store_dump`).

use causeway_runtime::capability::{Capability, CapabilityManager, CapabilityTarget, Rights};
use causeway_runtime::error::{
    CapabilityError, CrossDomainError, ExecutionError, ResourceError, Right, VmError,
};
use causeway_runtime::ops::{ExecutionResult, ResourceOperation as Op};
use causeway_runtime::resources::{phase, FaultHook, ResourceManager};
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::store::persistent::PersistentStore;
use causeway_runtime::store::{self, Store, Txn};
use causeway_runtime::types::{
    DomainId, ExecutionContext, OwnerId, RegisterFilter, RegisterState, RelationshipDirection,
    RelationshipType, ResourceData, ResourceId, ResourceRegister, MAX_DATA_LEN, MAX_NAME_LEN,
};
use causeway_tests::store_dump;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

// ---------------------------------------------------------------------------------------------
// Fixture

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Memory,
    Persistent,
}

const BACKENDS: [Backend; 2] = [Backend::Memory, Backend::Persistent];

fn alice() -> OwnerId {
    OwnerId::from_public_key(b"alice")
}
fn bob() -> OwnerId {
    OwnerId::from_public_key(b"bob")
}
fn dom(name: &str) -> DomainId {
    DomainId::new(name)
}
fn alpha() -> DomainId {
    dom("alpha")
}
fn beta() -> DomainId {
    dom("beta")
}

/// An id no store hands out.
const UNKNOWN: ResourceId = ResourceId([0xee; 32]);

fn data(kind: &str, quantity: u128) -> ResourceData {
    ResourceData {
        kind: kind.into(),
        quantity,
        data: vec![1, 2, 3],
        owner: None,
    }
}

fn create_op(kind: &str, quantity: u128, owner: OwnerId, domain: &str) -> Op {
    Op::Create {
        data: ResourceData {
            owner: Some(owner),
            ..data(kind, quantity)
        },
        domain: Some(dom(domain)),
    }
}

fn open_store(backend: Backend) -> (Arc<dyn Store>, Option<tempfile::TempDir>) {
    match backend {
        Backend::Memory => (Arc::new(MemoryStore::new()), None),
        Backend::Persistent => {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = PersistentStore::open(dir.path().join("store.redb")).expect("open store");
            (Arc::new(store), Some(dir))
        }
    }
}

/// A store seeded with registers in every situation the tests need, a manager over it, and a
/// context with every right (`admin`).
struct Fx {
    rm: ResourceManager,
    caps: Arc<CapabilityManager>,
    admin: ExecutionContext,
    /// gold 100, alice, alpha.
    gold_a: ResourceId,
    /// gold 50, alice, alpha: mergeable with `gold_a`.
    gold_a2: ResourceId,
    /// gold 30, bob, alpha.
    gold_b: ResourceId,
    /// silver 10, alice, alpha.
    silver_a: ResourceId,
    /// gold 40, alice, beta.
    gold_beta: ResourceId,
    /// gold 5, alice, alpha, in the named state.
    locked: ResourceId,
    frozen: ResourceId,
    consumed: ResourceId,
    /// big u128::MAX / 2 + 1, alice, alpha, twice: their merge overflows.
    huge1: ResourceId,
    huge2: ResourceId,
    // Dropped last: the persistent store's directory.
    _dir: Option<tempfile::TempDir>,
}

impl Fx {
    fn new(backend: Backend) -> Fx {
        Fx::with_hook(backend, None)
    }

    fn with_hook(backend: Backend, hook: Option<FaultHook>) -> Fx {
        let (store, dir) = open_store(backend);
        let caps = Arc::new(CapabilityManager::new());
        let mut rm = ResourceManager::new(store, caps.clone());
        if let Some(hook) = hook {
            rm = rm.with_fault_injection(hook);
        }
        let admin = caps.full_context(alice(), alpha());
        let half = u128::MAX / 2 + 1;
        let seed = [
            create_op("gold", 100, alice(), "alpha"),
            create_op("gold", 50, alice(), "alpha"),
            create_op("gold", 30, bob(), "alpha"),
            create_op("silver", 10, alice(), "alpha"),
            create_op("gold", 40, alice(), "beta"),
            create_op("gold", 5, alice(), "alpha"),
            create_op("gold", 5, alice(), "alpha"),
            create_op("gold", 5, alice(), "alpha"),
            create_op("big", half, alice(), "alpha"),
            create_op("big", half, alice(), "alpha"),
        ];
        let ids: Vec<ResourceId> = rm
            .execute_batch(&seed, &admin)
            .expect("seed")
            .iter()
            .map(|r| r.created[0])
            .collect();
        let fx = Fx {
            rm,
            caps,
            admin,
            gold_a: ids[0],
            gold_a2: ids[1],
            gold_b: ids[2],
            silver_a: ids[3],
            gold_beta: ids[4],
            locked: ids[5],
            frozen: ids[6],
            consumed: ids[7],
            huge1: ids[8],
            huge2: ids[9],
            _dir: dir,
        };
        fx.set_state(fx.locked, RegisterState::Locked);
        fx.set_state(fx.frozen, RegisterState::Frozen);
        fx.rm
            .execute(&Op::Consume { id: fx.consumed }, &fx.admin)
            .expect("consume");
        fx.rm
            .create_relationship(&fx.gold_a, &fx.silver_a, RelationshipType::Contains, &fx.admin)
            .expect("relate");
        fx
    }

    fn get(&self, id: ResourceId) -> ResourceRegister {
        self.rm.get(&id, &self.admin).expect("get").expect("exists")
    }

    fn set_state(&self, id: ResourceId, state: RegisterState) {
        let mut r = self.get(id);
        r.state = state;
        self.rm.update_register(&r, &self.admin).expect("set state");
    }

    fn dump(&self) -> Vec<u8> {
        store_dump(&**self.rm.store())
    }

    /// A context of alice in alpha holding exactly `caps`.
    fn ctx(&self, caps: Vec<Capability>) -> ExecutionContext {
        ExecutionContext {
            caller: alice(),
            domain: alpha(),
            logical_time: 0,
            fuel: None,
            capabilities: caps,
        }
    }

    fn all_registers(&self) -> Vec<ResourceRegister> {
        self.rm.list(None, &self.admin).expect("list")
    }
}

fn all_but(right: Right) -> Rights {
    Rights::of(&Right::ALL.into_iter().filter(|r| *r != right).collect::<Vec<_>>())
}

fn is_missing(e: &VmError, right: Right) -> bool {
    matches!(e, VmError::CapabilityError(CapabilityError::Missing { right: r, .. }) if *r == right)
}

/// What a capability's `Missing` error names as the target (see `Access::describe`).
fn describes(target: &CapabilityTarget) -> String {
    match target {
        CapabilityTarget::Resource(id) => format!("resource {id}"),
        CapabilityTarget::Domain(d) => format!("domain {d}"),
        other => format!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Capabilities, table-driven

type Needs = fn(&Fx) -> Vec<(Right, CapabilityTarget)>;
type Call = fn(&Fx, &ExecutionContext) -> Result<(), VmError>;

/// A public method (or operation) and the capabilities it needs.
struct CapCase {
    name: &'static str,
    needs: Needs,
    call: Call,
}

fn res(id: ResourceId) -> CapabilityTarget {
    CapabilityTarget::Resource(id)
}
fn domain_target(name: &str) -> CapabilityTarget {
    CapabilityTarget::Domain(dom(name))
}

fn exec(fx: &Fx, ctx: &ExecutionContext, op: Op) -> Result<(), VmError> {
    fx.rm.execute(&op, ctx).map(|_| ())
}

fn cap_cases() -> Vec<CapCase> {
    vec![
        CapCase {
            name: "execute Create",
            needs: |_| vec![(Right::Create, domain_target("alpha"))],
            call: |fx, ctx| exec(fx, ctx, create_op("gold", 1, alice(), "alpha")),
        },
        CapCase {
            name: "execute Create in the context's domain",
            needs: |_| vec![(Right::Create, domain_target("alpha"))],
            call: |fx, ctx| {
                exec(
                    fx,
                    ctx,
                    Op::Create {
                        data: data("gold", 1),
                        domain: None,
                    },
                )
            },
        },
        CapCase {
            name: "create",
            needs: |_| vec![(Right::Create, domain_target("beta"))],
            call: |fx, ctx| fx.rm.create(data("gold", 1), Some(beta()), ctx).map(|_| ()),
        },
        CapCase {
            name: "execute Update",
            needs: |fx| vec![(Right::Write, res(fx.gold_a))],
            call: |fx, ctx| {
                exec(
                    fx,
                    ctx,
                    Op::Update {
                        id: fx.gold_a,
                        data: data("gold", 7),
                    },
                )
            },
        },
        CapCase {
            name: "execute Delete",
            needs: |fx| vec![(Right::Delete, res(fx.gold_a))],
            call: |fx, ctx| exec(fx, ctx, Op::Delete { id: fx.gold_a }),
        },
        CapCase {
            name: "execute Consume",
            needs: |fx| vec![(Right::Delete, res(fx.gold_a))],
            call: |fx, ctx| exec(fx, ctx, Op::Consume { id: fx.gold_a }),
        },
        CapCase {
            name: "execute Transfer",
            needs: |fx| {
                vec![
                    (Right::Transfer, res(fx.gold_a)),
                    (Right::Transfer, domain_target("beta")),
                ]
            },
            call: |fx, ctx| {
                exec(
                    fx,
                    ctx,
                    Op::Transfer {
                        id: fx.gold_a,
                        target: beta(),
                    },
                )
            },
        },
        CapCase {
            name: "execute Split",
            needs: |fx| {
                vec![
                    (Right::Write, res(fx.gold_a)),
                    (Right::Create, domain_target("alpha")),
                ]
            },
            call: |fx, ctx| {
                exec(
                    fx,
                    ctx,
                    Op::Split {
                        id: fx.gold_a,
                        amount: 10,
                    },
                )
            },
        },
        CapCase {
            name: "execute Merge",
            needs: |fx| {
                vec![
                    (Right::Delete, res(fx.gold_a)),
                    (Right::Delete, res(fx.gold_a2)),
                    (Right::Create, domain_target("alpha")),
                ]
            },
            call: |fx, ctx| {
                exec(
                    fx,
                    ctx,
                    Op::Merge {
                        a: fx.gold_a,
                        b: fx.gold_a2,
                    },
                )
            },
        },
        CapCase {
            name: "execute_batch",
            needs: |fx| {
                vec![
                    (Right::Write, res(fx.gold_a)),
                    (Right::Create, domain_target("alpha")),
                    (Right::Transfer, res(fx.gold_a2)),
                    (Right::Transfer, domain_target("beta")),
                ]
            },
            call: |fx, ctx| {
                let ops = [
                    Op::Split {
                        id: fx.gold_a,
                        amount: 10,
                    },
                    Op::Transfer {
                        id: fx.gold_a2,
                        target: beta(),
                    },
                ];
                fx.rm
                    .execute_batch_indexed(&ops, ctx)
                    .map(|_| ())
                    .map_err(|e| e.error)
            },
        },
        CapCase {
            name: "get",
            needs: |fx| vec![(Right::Read, res(fx.gold_a))],
            call: |fx, ctx| fx.rm.get(&fx.gold_a, ctx).map(|_| ()),
        },
        CapCase {
            name: "get of an unknown id",
            needs: |_| vec![(Right::Read, res(UNKNOWN))],
            call: |fx, ctx| fx.rm.get(&UNKNOWN, ctx).map(|_| ()),
        },
        CapCase {
            name: "update_register",
            needs: |fx| vec![(Right::Write, res(fx.gold_a))],
            call: |fx, ctx| {
                let mut r = fx.get(fx.gold_a);
                r.quantity = 1;
                fx.rm.update_register(&r, ctx)
            },
        },
        CapCase {
            name: "create_relationship",
            needs: |fx| vec![(Right::Write, res(fx.gold_a))],
            call: |fx, ctx| {
                fx.rm
                    .create_relationship(&fx.gold_a, &fx.gold_b, RelationshipType::DependsOn, ctx)
                    .map(|_| ())
            },
        },
        CapCase {
            name: "relationships",
            needs: |fx| vec![(Right::Read, res(fx.gold_a))],
            call: |fx, ctx| {
                fx.rm
                    .relationships(&fx.gold_a, RelationshipDirection::Both, ctx)
                    .map(|_| ())
            },
        },
        CapCase {
            name: "transfer_cross_domain",
            needs: |fx| {
                vec![
                    (Right::Transfer, res(fx.gold_a)),
                    (Right::Create, domain_target("beta")),
                ]
            },
            call: |fx, ctx| {
                fx.rm
                    .transfer_cross_domain(&fx.gold_a, &alpha(), &beta(), ctx)
                    .map(|_| ())
            },
        },
    ]
}

/// A target like `t` that does not cover it.
fn decoy(fx: &Fx, t: &CapabilityTarget) -> CapabilityTarget {
    match t {
        CapabilityTarget::Resource(_) => res(fx.silver_a),
        _ => domain_target("gamma"),
    }
}

/// Runs `case` on a fresh fixture with the capabilities `caps` builds; checks the outcome with
/// `expect` and, on failure, that nothing changed.
fn run_cap_case(
    backend: Backend,
    case: &CapCase,
    caps: impl Fn(&Fx, &[(Right, CapabilityTarget)]) -> Vec<Capability>,
    expect: impl Fn(&Fx, &[(Right, CapabilityTarget)], &Result<(), VmError>) -> bool,
    variant: &str,
) {
    let fx = Fx::new(backend);
    let needs = (case.needs)(&fx);
    let ctx = fx.ctx(caps(&fx, &needs));
    let before = fx.dump();
    let got = (case.call)(&fx, &ctx);
    assert!(
        expect(&fx, &needs, &got),
        "{backend:?} {} ({variant}): unexpected {got:?}",
        case.name
    );
    if got.is_err() {
        assert!(
            fx.dump() == before,
            "{backend:?} {} ({variant}): a denied call changed the store",
            case.name
        );
    }
}

fn capability_table(backend: Backend) {
    for case in &cap_cases() {
        // Exactly the needed capabilities, each with its one right over its one target, suffice.
        run_cap_case(
            backend,
            case,
            |fx, needs| {
                needs
                    .iter()
                    .map(|(r, t)| fx.caps.mint(t.clone(), Rights::of(&[*r])))
                    .collect()
            },
            |_, _, got| got.is_ok(),
            "minimal capabilities",
        );
        let labels = (case.needs)(&Fx::new(Backend::Memory));
        for (i, (label, _)) in labels.iter().enumerate() {
            // One capability with every right but this one.
            run_cap_case(
                backend,
                case,
                |fx, needs| vec![fx.caps.mint(CapabilityTarget::Any, all_but(needs[i].0))],
                |_, needs, got| got.as_ref().is_err_and(|e| is_missing(e, needs[i].0)),
                &format!("all rights but {label}"),
            );
            // Every right but this one everywhere, and this one over everything else the call
            // needs and over a decoy, but not over this target.
            run_cap_case(
                backend,
                case,
                |fx, needs| {
                    let (right, target) = &needs[i];
                    let mut caps = vec![fx.caps.mint(CapabilityTarget::Any, all_but(*right))];
                    for (j, (r, t)) in needs.iter().enumerate() {
                        if j != i && r == right && t != target {
                            caps.push(fx.caps.mint(t.clone(), Rights::of(&[*r])));
                        }
                    }
                    caps.push(fx.caps.mint(decoy(fx, target), Rights::ALL));
                    caps
                },
                |_, needs, got| {
                    let (right, target) = &needs[i];
                    match got {
                        Err(VmError::CapabilityError(CapabilityError::Missing { right: r, target: t })) => {
                            r == right && t.starts_with(&describes(target))
                        }
                        _ => false,
                    }
                },
                &format!("need {i} only over another target"),
            );
            // The minimal capabilities, with this one revoked.
            run_cap_case(
                backend,
                case,
                |fx, needs| {
                    let caps: Vec<Capability> = needs
                        .iter()
                        .map(|(r, t)| fx.caps.mint(t.clone(), Rights::of(&[*r])))
                        .collect();
                    fx.caps.revoke(&caps[i]).expect("revoke");
                    caps
                },
                |_, _, got| matches!(got, Err(VmError::CapabilityError(CapabilityError::Revoked(_)))),
                &format!("need {i} revoked"),
            );
            // The minimal capabilities, this one attenuated from a parent that is then revoked.
            run_cap_case(
                backend,
                case,
                |fx, needs| {
                    let parent = fx.caps.mint(CapabilityTarget::Any, Rights::ALL);
                    let mut caps = Vec::new();
                    for (j, (r, t)) in needs.iter().enumerate() {
                        caps.push(if j == i {
                            fx.caps
                                .attenuate(&parent, Rights::of(&[*r]), Some(t.clone()))
                                .expect("attenuate")
                        } else {
                            fx.caps.mint(t.clone(), Rights::of(&[*r]))
                        });
                    }
                    fx.caps.revoke(&parent).expect("revoke");
                    caps
                },
                |_, _, got| matches!(got, Err(VmError::CapabilityError(CapabilityError::Revoked(_)))),
                &format!("need {i} attenuated from a revoked parent"),
            );
        }
        // No capability at all.
        run_cap_case(
            backend,
            case,
            |_, _| Vec::new(),
            |_, _, got| got.is_err(),
            "no capabilities",
        );
    }
}

#[test]
fn capabilities_table_memory() {
    capability_table(Backend::Memory);
}

#[test]
fn capabilities_table_persistent() {
    capability_table(Backend::Persistent);
}

#[test]
fn forged_capabilities_grant_nothing() {
    let fx = Fx::new(Backend::Memory);
    let other = CapabilityManager::new();
    let ctx = fx.ctx(vec![other.mint(CapabilityTarget::Any, Rights::ALL)]);
    let before = fx.dump();
    let e = fx
        .rm
        .execute(
            &Op::Split {
                id: fx.gold_a,
                amount: 1,
            },
            &ctx,
        )
        .unwrap_err();
    assert!(is_missing(&e, Right::Write), "{e:?}");
    assert!(fx.dump() == before);
}

#[test]
fn list_leaves_out_what_the_context_may_not_read() {
    for backend in BACKENDS {
        let fx = Fx::new(backend);
        let all = fx.all_registers();
        assert_eq!(all.len(), 10);
        let ids = |v: Vec<ResourceRegister>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();

        let ctx = fx.ctx(vec![fx
            .caps
            .mint(domain_target("alpha"), Rights::of(&[Right::Read]))]);
        let listed = fx.rm.list(None, &ctx).unwrap();
        assert_eq!(listed.len(), 9);
        assert!(listed.iter().all(|r| r.domain == alpha()));

        let ctx = fx.ctx(vec![fx.caps.mint(res(fx.gold_beta), Rights::of(&[Right::Read]))]);
        assert_eq!(ids(fx.rm.list(None, &ctx).unwrap()), vec![fx.gold_beta]);

        let ctx = fx.ctx(vec![fx.caps.mint(CapabilityTarget::Any, all_but(Right::Read))]);
        assert!(fx.rm.list(None, &ctx).unwrap().is_empty());

        let cap = fx.caps.mint(CapabilityTarget::Any, Rights::of(&[Right::Read]));
        let ctx = fx.ctx(vec![cap.clone()]);
        assert_eq!(fx.rm.list(None, &ctx).unwrap().len(), 10);
        fx.caps.revoke(&cap).unwrap();
        assert!(fx.rm.list(None, &ctx).unwrap().is_empty());

        let silver = RegisterFilter {
            kind: Some("silver".into()),
            ..Default::default()
        };
        assert_eq!(
            ids(fx.rm.list(Some(silver), &fx.admin).unwrap()),
            vec![fx.silver_a]
        );
        let frozen = RegisterFilter {
            state: Some(RegisterState::Frozen),
            ..Default::default()
        };
        assert_eq!(ids(fx.rm.list(Some(frozen), &fx.admin).unwrap()), vec![fx.frozen]);
        let bobs = RegisterFilter {
            owner: Some(bob()),
            domain: Some(alpha()),
            ..Default::default()
        };
        assert_eq!(ids(fx.rm.list(Some(bobs), &fx.admin).unwrap()), vec![fx.gold_b]);
    }
}

// ---------------------------------------------------------------------------------------------
// Success

#[test]
fn create_derives_ids_and_defaults() {
    for backend in BACKENDS {
        let fx = Fx::new(backend);
        let ctx = ExecutionContext {
            caller: bob(),
            domain: beta(),
            ..fx.admin.clone()
        };
        let id = fx.rm.create(data("copper", 9), None, &ctx).unwrap();
        let r = fx.get(id);
        assert_eq!(
            (r.kind.as_str(), r.quantity, r.data.as_slice()),
            ("copper", 9, &[1u8, 2, 3][..])
        );
        assert_eq!(
            (r.owner, &r.domain, r.state, r.version),
            (bob(), &beta(), RegisterState::Active, 0)
        );
        assert_eq!(
            id,
            ResourceId::derive("copper", 9, &[1, 2, 3], &bob(), &beta(), r.nonce)
        );
        assert_eq!(r.id, id);

        // An explicit owner and domain win; identical creations get distinct ids.
        let d = ResourceData {
            owner: Some(alice()),
            ..data("copper", 9)
        };
        let a = fx.rm.create(d.clone(), Some(dom("gamma")), &ctx).unwrap();
        let b = fx.rm.create(d, Some(dom("gamma")), &ctx).unwrap();
        assert_ne!(a, b);
        assert_eq!((fx.get(a).owner, fx.get(a).domain), (alice(), dom("gamma")));

        // Limits are inclusive; zero quantities are allowed.
        let long = "k".repeat(MAX_NAME_LEN);
        let big = ResourceData {
            data: vec![7; MAX_DATA_LEN],
            ..data(&long, 0)
        };
        let id = fx
            .rm
            .create(big, Some(DomainId::new("d".repeat(MAX_NAME_LEN))), &fx.admin)
            .unwrap();
        assert_eq!(fx.get(id).data.len(), MAX_DATA_LEN);
    }
}

#[test]
fn operations_do_what_they_say() {
    for backend in BACKENDS {
        let fx = Fx::new(backend);
        let a = &fx.admin;

        // Update: quantity, data, owner; kind and id stay, version bumps.
        let d = ResourceData {
            kind: "gold".into(),
            quantity: 120,
            data: vec![9],
            owner: Some(bob()),
        };
        let out = fx
            .rm
            .execute(
                &Op::Update {
                    id: fx.gold_a,
                    data: d,
                },
                a,
            )
            .unwrap();
        assert_eq!(
            out,
            ExecutionResult {
                updated: vec![fx.gold_a],
                ..Default::default()
            }
        );
        let r = fx.get(fx.gold_a);
        assert_eq!(
            (r.quantity, r.data.clone(), r.owner, r.version),
            (120, vec![9], bob(), 1)
        );
        // Without an owner, the owner stays.
        fx.rm
            .execute(
                &Op::Update {
                    id: fx.gold_a,
                    data: data("gold", 100),
                },
                a,
            )
            .unwrap();
        assert_eq!((fx.get(fx.gold_a).owner, fx.get(fx.gold_a).version), (bob(), 2));

        // Transfer: same id, other domain, version bumped.
        let out = fx
            .rm
            .execute(
                &Op::Transfer {
                    id: fx.gold_a2,
                    target: dom("gamma"),
                },
                a,
            )
            .unwrap();
        assert_eq!(out.updated, vec![fx.gold_a2]);
        let r = fx.get(fx.gold_a2);
        assert_eq!(
            (&r.domain, r.version, r.state),
            (&dom("gamma"), 1, RegisterState::Active)
        );
        let in_gamma = RegisterFilter {
            domain: Some(dom("gamma")),
            ..Default::default()
        };
        assert_eq!(fx.rm.list(Some(in_gamma), a).unwrap(), vec![r]);
        let in_alpha = RegisterFilter {
            domain: Some(alpha()),
            ..Default::default()
        };
        assert!(fx
            .rm
            .list(Some(in_alpha), a)
            .unwrap()
            .iter()
            .all(|r| r.id != fx.gold_a2));

        // Split: the source keeps the rest, the new register gets the amount, DerivedFrom recorded.
        let out = fx
            .rm
            .execute(
                &Op::Split {
                    id: fx.gold_b,
                    amount: 12,
                },
                a,
            )
            .unwrap();
        let new = out.created[0];
        assert_eq!(out.updated, vec![fx.gold_b]);
        let (src, n) = (fx.get(fx.gold_b), fx.get(new));
        assert_eq!((src.quantity, src.version, n.quantity, n.version), (18, 1, 12, 0));
        assert_eq!(
            (&n.kind, &n.data, n.owner, &n.domain),
            (&src.kind, &src.data, src.owner, &src.domain)
        );
        let rels = fx
            .rm
            .relationships(&new, RelationshipDirection::Incoming, a)
            .unwrap();
        assert_eq!(rels.len(), 1);
        assert_eq!(
            (rels[0].source, rels[0].target, &rels[0].kind),
            (fx.gold_b, new, &RelationshipType::DerivedFrom)
        );

        // Merge: both consumed, the sum in a new register with a's data, two DerivedFrom.
        let x = fx
            .rm
            .create(
                ResourceData {
                    data: vec![4],
                    ..data("tin", 5)
                },
                None,
                a,
            )
            .unwrap();
        let y = fx
            .rm
            .create(
                ResourceData {
                    data: vec![8],
                    ..data("tin", 6)
                },
                None,
                a,
            )
            .unwrap();
        let out = fx.rm.execute(&Op::Merge { a: x, b: y }, a).unwrap();
        assert_eq!(out.consumed, vec![x, y]);
        let m = fx.get(out.created[0]);
        assert_eq!(
            (m.quantity, m.data.clone(), m.kind.as_str()),
            (11, vec![4], "tin")
        );
        assert_eq!((fx.get(x).state, fx.get(x).version), (RegisterState::Consumed, 1));
        assert_eq!(fx.get(y).state, RegisterState::Consumed);
        let sources: Vec<_> = fx
            .rm
            .relationships(&m.id, RelationshipDirection::Incoming, a)
            .unwrap()
            .into_iter()
            .map(|r| (r.source, r.kind))
            .collect();
        assert_eq!(
            sources,
            vec![
                (x, RelationshipType::DerivedFrom),
                (y, RelationshipType::DerivedFrom)
            ]
        );

        // Delete and Consume leave tombstones.
        for (op, id) in [
            (Op::Delete { id: m.id }, m.id),
            (Op::Consume { id: fx.silver_a }, fx.silver_a),
        ] {
            let out = fx.rm.execute(&op, a).unwrap();
            assert_eq!(out.consumed, vec![id]);
            let r = fx.get(id);
            assert_eq!((r.state, r.version), (RegisterState::Consumed, 1));
        }

        // A batch: results in order.
        let ops = [
            create_op("lead", 3, alice(), "alpha"),
            Op::Split {
                id: fx.gold_beta,
                amount: 1,
            },
        ];
        let out = fx.rm.execute_batch(&ops, a).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(fx.get(out[0].created[0]).kind, "lead");
        assert_eq!(fx.get(fx.gold_beta).quantity, 39);
        assert!(fx.rm.execute_batch(&[], a).unwrap().is_empty());

        // Get of an unknown id is None.
        assert_eq!(fx.rm.get(&UNKNOWN, a).unwrap(), None);
    }
}

#[test]
fn update_register_rules() {
    for backend in BACKENDS {
        let fx = Fx::new(backend);
        let a = &fx.admin;
        let mut r = fx.get(fx.gold_a);
        r.quantity = 77;
        r.data = b"new".to_vec();
        r.owner = bob();
        fx.rm.update_register(&r, a).unwrap();
        let stored = fx.get(fx.gold_a);
        assert_eq!(
            stored,
            ResourceRegister {
                version: r.version + 1,
                ..r.clone()
            }
        );

        // The old version is stale now.
        let before = fx.dump();
        let e = fx.rm.update_register(&r, a).unwrap_err();
        assert!(
            matches!(&e, VmError::ResourceError(ResourceError::Conflict { expected, actual, .. }) if expected + 1 == *actual)
        );
        assert!(fx.dump() == before);

        // Freeze, then the only change allowed is the state; unfreeze.
        let mut s = stored.clone();
        s.state = RegisterState::Frozen;
        fx.rm.update_register(&s, a).unwrap();
        let mut s = fx.get(fx.gold_a);
        s.quantity = 1;
        let before = fx.dump();
        let e = fx.rm.update_register(&s, a).unwrap_err();
        assert!(matches!(
            e,
            VmError::ResourceError(ResourceError::WrongState {
                state: RegisterState::Frozen,
                ..
            })
        ));
        assert!(fx.dump() == before);
        s.quantity = 77;
        s.state = RegisterState::Active;
        fx.rm.update_register(&s, a).unwrap();
        assert_eq!(
            (fx.get(fx.gold_a).state, fx.get(fx.gold_a).version),
            (RegisterState::Active, 3)
        );
        // The split that a frozen register refused works again.
        fx.rm
            .execute(
                &Op::Split {
                    id: fx.gold_a,
                    amount: 7,
                },
                a,
            )
            .unwrap();
    }
}

#[test]
fn relationships_by_direction() {
    for backend in BACKENDS {
        let fx = Fx::new(backend);
        let a = &fx.admin;
        let r1 = fx
            .rm
            .create_relationship(&fx.gold_a, &fx.gold_b, RelationshipType::DependsOn, a)
            .unwrap();
        let custom = RelationshipType::Custom("escrow".into());
        let r2 = fx
            .rm
            .create_relationship(&fx.gold_b, &fx.gold_a, custom.clone(), a)
            .unwrap();
        // Relating a tombstone is allowed (history).
        fx.rm
            .create_relationship(&fx.consumed, &fx.gold_a, RelationshipType::DerivedFrom, a)
            .unwrap();
        let out = fx
            .rm
            .relationships(&fx.gold_a, RelationshipDirection::Outgoing, a)
            .unwrap();
        let kinds: Vec<_> = out.iter().map(|r| (r.target, r.kind.clone())).collect();
        assert_eq!(
            kinds,
            vec![
                (fx.silver_a, RelationshipType::Contains),
                (fx.gold_b, RelationshipType::DependsOn)
            ]
        );
        assert_eq!(out[1].id, r1);
        let inc = fx
            .rm
            .relationships(&fx.gold_a, RelationshipDirection::Incoming, a)
            .unwrap();
        assert_eq!(inc.len(), 2);
        assert_eq!((inc[0].id, inc[0].source, &inc[0].kind), (r2, fx.gold_b, &custom));
        assert_eq!(
            fx.rm
                .relationships(&fx.gold_a, RelationshipDirection::Both, a)
                .unwrap()
                .len(),
            4
        );
        assert!(fx
            .rm
            .relationships(&fx.gold_beta, RelationshipDirection::Both, a)
            .unwrap()
            .is_empty());
    }
}

#[test]
fn cross_domain_transfer_moves_in_phases() {
    for backend in BACKENDS {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let hook: FaultHook = Arc::new(move |p| {
            log.lock().unwrap().push(p);
            Ok(())
        });
        let fx = Fx::with_hook(backend, Some(hook));
        let before = fx.get(fx.gold_a);
        let (src, new) = fx
            .rm
            .transfer_cross_domain(&fx.gold_a, &alpha(), &beta(), &fx.admin)
            .unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            vec![phase::LOCKED, phase::CREATED, phase::CONSUMED]
        );
        assert_eq!(src, fx.gold_a);
        assert_ne!(new, fx.gold_a);
        let s = fx.get(src);
        assert_eq!(
            (s.state, s.version, &s.domain),
            (RegisterState::Consumed, before.version + 2, &alpha())
        );
        let n = fx.get(new);
        assert_eq!(
            (&n.kind, n.quantity, &n.data, n.owner, &n.domain, n.state, n.version),
            (
                &before.kind,
                before.quantity,
                &before.data,
                before.owner,
                &beta(),
                RegisterState::Active,
                0
            )
        );
        let rels = fx
            .rm
            .relationships(&new, RelationshipDirection::Incoming, &fx.admin)
            .unwrap();
        assert_eq!(
            (rels[0].source, &rels[0].kind),
            (src, &RelationshipType::DerivedFrom)
        );
        // The moved register can move on; the tombstone cannot.
        fx.rm
            .transfer_cross_domain(&new, &beta(), &dom("gamma"), &fx.admin)
            .unwrap();
        let e = fx
            .rm
            .transfer_cross_domain(&src, &alpha(), &beta(), &fx.admin)
            .unwrap_err();
        assert_eq!(
            e,
            ResourceError::WrongState {
                id: src,
                state: RegisterState::Consumed,
                needed: "active"
            }
            .into()
        );
    }
}

#[test]
fn invoke_goes_to_the_invoker_inside_the_transaction() {
    for backend in BACKENDS {
        let fx = Fx::new(backend);
        let invoke = Op::Invoke {
            program: "p".into(),
            function: "f".into(),
            args: vec![1, 2],
        };
        let before = fx.dump();
        let e = fx.rm.execute(&invoke, &fx.admin).unwrap_err();
        assert!(
            matches!(e, VmError::ExecutionError(ExecutionError::Unavailable(..))),
            "{e:?}"
        );
        let e = fx.rm.verify(&invoke, &fx.admin).unwrap_err();
        assert!(
            matches!(e, VmError::ExecutionError(ExecutionError::Unavailable(..))),
            "{e:?}"
        );
        let e = fx
            .rm
            .execute_batch_indexed(&[create_op("x", 1, alice(), "alpha"), invoke.clone()], &fx.admin);
        assert_eq!(e.unwrap_err().index, Some(1));
        assert!(fx.dump() == before);

        // The invoker runs in the caller's transaction: its writes commit or abort with the rest.
        for commit in [false, true] {
            let calls = Mutex::new(Vec::new());
            let rm = &fx.rm;
            let admin = &fx.admin;
            let outcome = store::transact(&**rm.store(), |txn: &mut dyn Txn| {
                rm.apply(
                    txn,
                    &create_op("outer", 1, alice(), "alpha"),
                    admin,
                    &mut |_, _, _, _| unreachable!(),
                )?;
                let mut invoker = |txn: &mut dyn Txn,
                                   program: &str,
                                   function: &str,
                                   args: &[i64]|
                 -> Result<ExecutionResult, VmError> {
                    calls
                        .lock()
                        .unwrap()
                        .push((program.to_owned(), function.to_owned(), args.to_vec()));
                    let inner = create_op("inner", 2, alice(), "alpha");
                    let mut r = rm.apply(txn, &inner, admin, &mut |_, _, _, _| unreachable!())?;
                    r.values = vec![42];
                    Ok(r)
                };
                let r = rm.apply(txn, &invoke, admin, &mut invoker)?;
                assert_eq!(r.values, vec![42]);
                if commit {
                    Ok(r)
                } else {
                    Err(VmError::from(ExecutionError::Trap("later failure".into())))
                }
            });
            assert_eq!(
                *calls.lock().unwrap(),
                vec![("p".to_owned(), "f".to_owned(), vec![1, 2])]
            );
            let kinds: Vec<String> = fx.all_registers().into_iter().map(|r| r.kind).collect();
            if commit {
                let r = outcome.unwrap();
                assert_eq!(fx.get(r.created[0]).kind, "inner");
                assert!(kinds.contains(&"outer".to_owned()) && kinds.contains(&"inner".to_owned()));
            } else {
                assert!(outcome.is_err());
                assert!(fx.dump() == before);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input: a precise error each, nothing changed

type OpFn = Box<dyn Fn(&Fx) -> Op>;
type CallFn = Box<dyn Fn(&Fx) -> Result<(), VmError>>;
type Expect = Box<dyn Fn(&Fx, &VmError) -> bool>;
/// A check of an error.
type ErrorCheck = Box<dyn Fn(&VmError) -> bool>;
type MakeOp = fn(ResourceId, &Fx) -> Op;

enum Call2 {
    /// An operation: run through `execute` (and `verify`, whose first failure must be the same).
    Op(OpFn),
    Other(CallFn),
}

struct Bad {
    name: String,
    call: Call2,
    expect: Expect,
}

fn bad_op(
    name: &str,
    op: impl Fn(&Fx) -> Op + 'static,
    expect: impl Fn(&Fx, &VmError) -> bool + 'static,
) -> Bad {
    Bad {
        name: name.into(),
        call: Call2::Op(Box::new(op)),
        expect: Box::new(expect),
    }
}

fn bad_call(
    name: &str,
    call: impl Fn(&Fx) -> Result<(), VmError> + 'static,
    expect: impl Fn(&Fx, &VmError) -> bool + 'static,
) -> Bad {
    Bad {
        name: name.into(),
        call: Call2::Other(Box::new(call)),
        expect: Box::new(expect),
    }
}

fn not_found(id: ResourceId) -> impl Fn(&Fx, &VmError) -> bool {
    move |_, e| *e == ResourceError::NotFound(id).into()
}

fn invalid(needle: &'static str) -> impl Fn(&Fx, &VmError) -> bool {
    move |_, e| matches!(e, VmError::ResourceError(ResourceError::InvalidArgument(m)) if m.contains(needle))
}

fn conflict() -> impl Fn(&Fx, &VmError) -> bool {
    |_, e| matches!(e, VmError::ResourceError(ResourceError::Conflict { .. }))
}

fn too_large(len: usize) -> impl Fn(&Fx, &VmError) -> bool {
    move |_, e| {
        *e == ResourceError::DataTooLarge {
            len,
            limit: MAX_DATA_LEN,
        }
        .into()
    }
}

fn incompatible(needle: &'static str) -> impl Fn(&Fx, &VmError) -> bool {
    move |_, e| matches!(e, VmError::ResourceError(ResourceError::Incompatible { why, .. }) if why.contains(needle))
}

fn with_register(fx: &Fx, id: ResourceId, change: impl Fn(&mut ResourceRegister)) -> Result<(), VmError> {
    let mut r = fx.get(id);
    change(&mut r);
    fx.rm.update_register(&r, &fx.admin)
}

fn bad_inputs() -> Vec<Bad> {
    let u = UNKNOWN;
    let oversized = || ResourceData {
        data: vec![0; MAX_DATA_LEN + 1],
        ..data("gold", 1)
    };
    let mut v = vec![
        // Unknown ids.
        bad_op(
            "update unknown",
            move |_| Op::Update {
                id: u,
                data: data("gold", 1),
            },
            not_found(u),
        ),
        bad_op("delete unknown", move |_| Op::Delete { id: u }, not_found(u)),
        bad_op("consume unknown", move |_| Op::Consume { id: u }, not_found(u)),
        bad_op(
            "transfer unknown",
            move |_| Op::Transfer {
                id: u,
                target: beta(),
            },
            not_found(u),
        ),
        bad_op(
            "split unknown",
            move |_| Op::Split { id: u, amount: 1 },
            not_found(u),
        ),
        bad_op(
            "merge unknown a",
            move |fx| Op::Merge { a: u, b: fx.gold_a },
            not_found(u),
        ),
        bad_op(
            "merge unknown b",
            move |fx| Op::Merge { a: fx.gold_a, b: u },
            not_found(u),
        ),
        bad_call(
            "update_register unknown",
            move |fx| {
                fx.rm.update_register(
                    &ResourceRegister {
                        id: u,
                        ..fx.get(fx.gold_a)
                    },
                    &fx.admin,
                )
            },
            not_found(u),
        ),
        bad_call(
            "relate unknown source",
            move |fx| {
                fx.rm
                    .create_relationship(&u, &fx.gold_a, RelationshipType::Contains, &fx.admin)
                    .map(|_| ())
            },
            not_found(u),
        ),
        bad_call(
            "relate unknown target",
            move |fx| {
                fx.rm
                    .create_relationship(&fx.gold_a, &u, RelationshipType::Contains, &fx.admin)
                    .map(|_| ())
            },
            not_found(u),
        ),
        bad_call(
            "relationships of unknown",
            move |fx| {
                fx.rm
                    .relationships(&u, RelationshipDirection::Both, &fx.admin)
                    .map(|_| ())
            },
            not_found(u),
        ),
        bad_call(
            "cross-domain unknown",
            move |fx| {
                fx.rm
                    .transfer_cross_domain(&u, &alpha(), &beta(), &fx.admin)
                    .map(|_| ())
            },
            not_found(u),
        ),
        // Split amounts.
        bad_op(
            "split 0",
            |fx| Op::Split {
                id: fx.gold_a,
                amount: 0,
            },
            invalid("amount of 0"),
        ),
        bad_op(
            "split all",
            |fx| Op::Split {
                id: fx.gold_a,
                amount: 100,
            },
            invalid("would leave it empty"),
        ),
        bad_op(
            "split too much",
            |fx| Op::Split {
                id: fx.gold_a,
                amount: 101,
            },
            |fx, e| {
                *e == ResourceError::InsufficientQuantity {
                    id: fx.gold_a,
                    has: 100,
                    needs: 101,
                }
                .into()
            },
        ),
        bad_op(
            "split u128::MAX",
            |fx| Op::Split {
                id: fx.gold_a,
                amount: u128::MAX,
            },
            |fx, e| {
                *e == ResourceError::InsufficientQuantity {
                    id: fx.gold_a,
                    has: 100,
                    needs: u128::MAX,
                }
                .into()
            },
        ),
        // Merges.
        bad_op(
            "merge kinds",
            |fx| Op::Merge {
                a: fx.gold_a,
                b: fx.silver_a,
            },
            incompatible("kinds differ"),
        ),
        bad_op(
            "merge owners",
            |fx| Op::Merge {
                a: fx.gold_a,
                b: fx.gold_b,
            },
            incompatible("owners differ"),
        ),
        bad_op(
            "merge domains",
            |fx| Op::Merge {
                a: fx.gold_a,
                b: fx.gold_beta,
            },
            incompatible("domains differ"),
        ),
        bad_op(
            "merge itself",
            |fx| Op::Merge {
                a: fx.gold_a,
                b: fx.gold_a,
            },
            invalid("itself"),
        ),
        bad_op(
            "merge overflow",
            |fx| Op::Merge {
                a: fx.huge1,
                b: fx.huge2,
            },
            |_, e| matches!(e, VmError::ResourceError(ResourceError::Overflow(_))),
        ),
        // Sizes and names.
        bad_op(
            "create oversized data",
            move |_| Op::Create {
                data: oversized(),
                domain: None,
            },
            too_large(MAX_DATA_LEN + 1),
        ),
        bad_op(
            "update oversized data",
            move |fx| Op::Update {
                id: fx.gold_a,
                data: oversized(),
            },
            too_large(MAX_DATA_LEN + 1),
        ),
        bad_call(
            "update_register oversized data",
            |fx| with_register(fx, fx.gold_a, |r| r.data = vec![0; MAX_DATA_LEN + 1]),
            too_large(MAX_DATA_LEN + 1),
        ),
        bad_op(
            "create empty kind",
            |_| Op::Create {
                data: data("", 1),
                domain: None,
            },
            invalid("kind is empty"),
        ),
        bad_op(
            "create long kind",
            |_| Op::Create {
                data: data(&"k".repeat(MAX_NAME_LEN + 1), 1),
                domain: None,
            },
            invalid("exceeds the limit"),
        ),
        bad_op(
            "create empty domain",
            |_| Op::Create {
                data: data("gold", 1),
                domain: Some(dom("")),
            },
            invalid("domain name is empty"),
        ),
        bad_op(
            "transfer to long domain",
            |fx| Op::Transfer {
                id: fx.gold_a,
                target: DomainId::new("d".repeat(MAX_NAME_LEN + 1)),
            },
            invalid("exceeds the limit"),
        ),
        bad_call(
            "cross-domain to empty domain",
            |fx| {
                fx.rm
                    .transfer_cross_domain(&fx.gold_a, &alpha(), &dom(""), &fx.admin)
                    .map(|_| ())
            },
            invalid("domain name is empty"),
        ),
        bad_op(
            "update changes kind",
            |fx| Op::Update {
                id: fx.gold_a,
                data: data("silver", 1),
            },
            invalid("cannot change the kind"),
        ),
        // Domains.
        bad_op(
            "transfer to same domain",
            |fx| Op::Transfer {
                id: fx.gold_a,
                target: alpha(),
            },
            |_, e| *e == CrossDomainError::SameDomain(alpha()).into(),
        ),
        bad_call(
            "cross-domain to same domain",
            |fx| {
                fx.rm
                    .transfer_cross_domain(&fx.gold_a, &alpha(), &alpha(), &fx.admin)
                    .map(|_| ())
            },
            |_, e| *e == CrossDomainError::SameDomain(alpha()).into(),
        ),
        bad_call(
            "cross-domain from the wrong domain",
            |fx| {
                fx.rm
                    .transfer_cross_domain(&fx.gold_a, &beta(), &dom("gamma"), &fx.admin)
                    .map(|_| ())
            },
            |fx, e| {
                *e == CrossDomainError::WrongDomain {
                    id: fx.gold_a,
                    expected: beta(),
                    actual: alpha(),
                }
                .into()
            },
        ),
        // update_register's immutables.
        bad_call(
            "update_register stale",
            |fx| with_register(fx, fx.gold_a, |r| r.version += 1),
            conflict(),
        ),
        bad_call(
            "update_register moves",
            |fx| with_register(fx, fx.gold_a, |r| r.domain = beta()),
            invalid("transfer it"),
        ),
        bad_call(
            "update_register changes kind",
            |fx| with_register(fx, fx.gold_a, |r| r.kind = "silver".into()),
            invalid("cannot change the kind"),
        ),
        bad_call(
            "update_register nonce",
            |fx| with_register(fx, fx.gold_a, |r| r.nonce += 1),
            invalid("nonce"),
        ),
        bad_call(
            "update_register consumes",
            |fx| with_register(fx, fx.gold_a, |r| r.state = RegisterState::Consumed),
            invalid("delete or consume"),
        ),
        bad_call(
            "update_register a tombstone",
            |fx| with_register(fx, fx.consumed, |r| r.state = RegisterState::Active),
            |fx, e| {
                *e == ResourceError::WrongState {
                    id: fx.consumed,
                    state: RegisterState::Consumed,
                    needed: "not consumed",
                }
                .into()
            },
        ),
        bad_call(
            "update_register a locked register's quantity",
            |fx| with_register(fx, fx.locked, |r| r.quantity = 6),
            |fx, e| matches!(e, VmError::ResourceError(ResourceError::WrongState { id, state: RegisterState::Locked, .. }) if *id == fx.locked),
        ),
        // Relationships.
        bad_call(
            "relate to itself",
            |fx| {
                fx.rm
                    .create_relationship(&fx.gold_a, &fx.gold_a, RelationshipType::Contains, &fx.admin)
                    .map(|_| ())
            },
            invalid("itself"),
        ),
        bad_call(
            "relate with an empty custom kind",
            |fx| {
                let kind = RelationshipType::Custom(String::new());
                fx.rm
                    .create_relationship(&fx.gold_a, &fx.gold_b, kind, &fx.admin)
                    .map(|_| ())
            },
            invalid("relationship kind is empty"),
        ),
        // A revoked capability.
        bad_call(
            "revoked capability",
            |fx| {
                let cap = fx.caps.mint(CapabilityTarget::Any, Rights::ALL);
                fx.caps.revoke(&cap)?;
                fx.rm
                    .execute(
                        &Op::Split {
                            id: fx.gold_a,
                            amount: 1,
                        },
                        &fx.ctx(vec![cap]),
                    )
                    .map(|_| ())
            },
            |_, e| matches!(e, VmError::CapabilityError(CapabilityError::Revoked(_))),
        ),
    ];
    // Every state but active, for every operation that needs an active register.
    for (state, pick) in [
        (
            RegisterState::Locked,
            (|fx: &Fx| fx.locked) as fn(&Fx) -> ResourceId,
        ),
        (RegisterState::Frozen, |fx: &Fx| fx.frozen),
        (RegisterState::Consumed, |fx: &Fx| fx.consumed),
    ] {
        let wrong = move |fx: &Fx, e: &VmError| {
            *e == ResourceError::WrongState {
                id: pick(fx),
                state,
                needed: "active",
            }
            .into()
        };
        let ops: [(&str, MakeOp); 7] = [
            ("update", |id, _| Op::Update {
                id,
                data: data("gold", 1),
            }),
            ("delete", |id, _| Op::Delete { id }),
            ("consume", |id, _| Op::Consume { id }),
            ("transfer", |id, _| Op::Transfer { id, target: beta() }),
            ("split", |id, _| Op::Split { id, amount: 1 }),
            ("merge as a", |id, fx| Op::Merge { a: id, b: fx.gold_a }),
            ("merge as b", |id, fx| Op::Merge { a: fx.gold_a, b: id }),
        ];
        for (name, op) in ops {
            v.push(bad_op(
                &format!("{name} {state}"),
                move |fx| op(pick(fx), fx),
                wrong,
            ));
        }
        v.push(bad_call(
            &format!("cross-domain {state}"),
            move |fx| {
                fx.rm
                    .transfer_cross_domain(&pick(fx), &alpha(), &beta(), &fx.admin)
                    .map(|_| ())
            },
            wrong,
        ));
    }
    v
}

#[test]
fn bad_input_is_a_precise_error_and_changes_nothing() {
    for backend in BACKENDS {
        let fx = Fx::new(backend);
        let before = fx.dump();
        for bad in bad_inputs() {
            let got = match &bad.call {
                Call2::Op(op) => {
                    let op = op(&fx);
                    let got = fx.rm.execute(&op, &fx.admin);
                    // Verification finds the same first failure and changes nothing either.
                    let v = fx.rm.verify(&op, &fx.admin).expect("verify");
                    assert!(!v.valid, "{backend:?} {}: verify found it valid", bad.name);
                    if let Err(e) = &got {
                        assert_eq!(v.failures[0], e.to_string(), "{backend:?} {}", bad.name);
                    }
                    // So does a batch, naming the operation's index.
                    let batch = [create_op("gold", 1, alice(), "alpha"), op];
                    let be = fx
                        .rm
                        .execute_batch_indexed(&batch, &fx.admin)
                        .expect_err("batch must fail");
                    assert_eq!(be.index, Some(1), "{backend:?} {}", bad.name);
                    assert_eq!(
                        Err(&be.error),
                        got.as_ref().map(|_| ()),
                        "{backend:?} {}",
                        bad.name
                    );
                    got.map(|_| ())
                }
                Call2::Other(call) => call(&fx),
            };
            match &got {
                Err(e) => assert!(
                    (bad.expect)(&fx, e),
                    "{backend:?} {}: unexpected error {e:?}",
                    bad.name
                ),
                Ok(()) => panic!("{backend:?} {}: succeeded", bad.name),
            }
            assert!(fx.dump() == before, "{backend:?} {}: the store changed", bad.name);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Verification

fn failures_of(fx: &Fx, op: &Op, ctx: &ExecutionContext) -> Vec<String> {
    let before = fx.dump();
    let v = fx.rm.verify(op, ctx).expect("verify");
    assert!(fx.dump() == before, "verify changed the store");
    assert_eq!(v.valid, v.failures.is_empty());
    v.failures
}

#[test]
fn verify_reports_every_failed_check() {
    for backend in BACKENDS {
        let fx = Fx::new(backend);
        let no_write = fx.ctx(vec![fx.caps.mint(CapabilityTarget::Any, all_but(Right::Write))]);
        let f = failures_of(
            &fx,
            &Op::Split {
                id: fx.gold_a,
                amount: 500,
            },
            &no_write,
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].contains("missing capability: `write`"), "{f:?}");
        assert!(
            f[1].contains("insufficient quantity") && f[1].contains("needs 500"),
            "{f:?}"
        );

        let none = fx.ctx(Vec::new());
        let f = failures_of(
            &fx,
            &Op::Merge {
                a: fx.frozen,
                b: fx.silver_a,
            },
            &none,
        );
        assert_eq!(f.len(), 5, "{f:?}");
        assert!(
            f[0].contains("`delete`") && f[1].contains("`delete`") && f[2].contains("`create`"),
            "{f:?}"
        );
        assert!(
            f[3].contains("is frozen") && f[4].contains("kinds differ"),
            "{f:?}"
        );

        let op = Op::Create {
            data: ResourceData {
                data: vec![0; MAX_DATA_LEN + 1],
                ..data("", 1)
            },
            domain: Some(dom("")),
        };
        let f = failures_of(&fx, &op, &none);
        assert_eq!(f.len(), 4, "{f:?}");
        assert!(
            f[0].contains("`create`") && f[1].contains("domain name is empty"),
            "{f:?}"
        );
        assert!(
            f[2].contains("kind is empty") && f[3].contains("exceeds the limit"),
            "{f:?}"
        );

        let f = failures_of(
            &fx,
            &Op::Update {
                id: UNKNOWN,
                data: data("gold", 1),
            },
            &none,
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].contains("`write`") && f[1].contains("not found"), "{f:?}");

        let f = failures_of(
            &fx,
            &Op::Transfer {
                id: fx.locked,
                target: alpha(),
            },
            &none,
        );
        assert_eq!(f.len(), 4, "{f:?}");
        assert!(f[2].contains("both alpha") && f[3].contains("is locked"), "{f:?}");

        // Valid operations verify clean, and are not applied.
        for op in [
            Op::Split {
                id: fx.gold_a,
                amount: 1,
            },
            Op::Merge {
                a: fx.gold_a,
                b: fx.gold_a2,
            },
            Op::Transfer {
                id: fx.gold_a,
                target: beta(),
            },
            Op::Delete { id: fx.gold_a },
            create_op("gold", 1, alice(), "alpha"),
        ] {
            assert!(failures_of(&fx, &op, &fx.admin).is_empty(), "{op:?}");
        }
        assert_eq!(fx.get(fx.gold_a).version, 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Fault injection

/// The model of a register that a generated batch may use.
#[derive(Clone, Debug)]
struct ModelReg {
    id: ResourceId,
    kind: String,
    owner: OwnerId,
    domain: DomainId,
    quantity: u128,
    active: bool,
}

const DOMAINS: [&str; 3] = ["alpha", "beta", "gamma"];

/// Turns generated choices into a batch of operations that is valid on `fx`'s store, and the model
/// of the registers before each operation.
fn valid_batch(fx: &Fx, choices: &[(u8, usize, usize, u64)]) -> (Vec<Op>, Vec<Vec<ModelReg>>) {
    let mut model: Vec<ModelReg> = fx
        .all_registers()
        .into_iter()
        .filter(|r| r.state == RegisterState::Active)
        .map(|r| ModelReg {
            id: r.id,
            kind: r.kind,
            owner: r.owner,
            domain: r.domain,
            quantity: r.quantity,
            active: true,
        })
        .collect();
    let mut ops = Vec::new();
    let mut states = Vec::new();
    for &(kind, i, j, x) in choices {
        states.push(model.clone());
        let active: Vec<usize> = (0..model.len()).filter(|k| model[*k].active).collect();
        let create = || create_op("gold", x as u128, alice(), DOMAINS[j % 3]);
        if active.is_empty() {
            ops.push(create());
            continue;
        }
        let m = active[i % active.len()];
        let op = match kind % 6 {
            1 => {
                model[m].quantity = x as u128;
                Op::Update {
                    id: model[m].id,
                    data: data(&model[m].kind.clone(), x as u128),
                }
            }
            2 => {
                let here = DOMAINS
                    .iter()
                    .position(|d| dom(d) == model[m].domain)
                    .unwrap_or(0);
                let target = dom(DOMAINS[(here + 1 + j % 2) % 3]);
                model[m].domain = target.clone();
                Op::Transfer {
                    id: model[m].id,
                    target,
                }
            }
            3 if model[m].quantity >= 2 => {
                let amount = 1 + x as u128 % (model[m].quantity - 1);
                model[m].quantity -= amount;
                Op::Split {
                    id: model[m].id,
                    amount,
                }
            }
            4 => {
                let (a, b) = (&model[m], active.iter().map(|k| &model[*k]));
                let partner = b.clone().find(|r| {
                    r.id != a.id
                        && (&r.kind, r.owner, &r.domain) == (&a.kind, a.owner, &a.domain)
                        && r.quantity.checked_add(a.quantity).is_some()
                });
                match partner.map(|p| p.id) {
                    Some(p) => {
                        let a = model[m].id;
                        for r in model.iter_mut().filter(|r| r.id == a || r.id == p) {
                            r.active = false;
                        }
                        Op::Merge { a, b: p }
                    }
                    None => create(),
                }
            }
            5 => {
                model[m].active = false;
                Op::Consume { id: model[m].id }
            }
            _ => create(),
        };
        ops.push(op);
    }
    states.push(model);
    (ops, states)
}

/// An operation that fails on a store described by `model`, and a check of its error.
fn faulty_op(fx: &Fx, model: &[ModelReg], fault: u8, pick: usize) -> (Op, ErrorCheck) {
    let active: Vec<&ModelReg> = model.iter().filter(|r| r.active).collect();
    let victim = (!active.is_empty()).then(|| active[pick % active.len()].clone());
    match (fault % 6, victim) {
        (1, Some(r)) => {
            let needs = r.quantity.saturating_add(1);
            let op = Op::Split {
                id: r.id,
                amount: needs,
            };
            if needs > r.quantity {
                (
                    op,
                    Box::new(move |e| {
                        *e == ResourceError::InsufficientQuantity {
                            id: r.id,
                            has: r.quantity,
                            needs,
                        }
                        .into()
                    }),
                )
            } else {
                (
                    op,
                    Box::new(|e| matches!(e, VmError::ResourceError(ResourceError::InvalidArgument(_)))),
                )
            }
        }
        (2, _) => {
            let id = fx.consumed;
            (
                Op::Update {
                    id,
                    data: data("gold", 1),
                },
                Box::new(move |e| {
                    *e == ResourceError::WrongState {
                        id,
                        state: RegisterState::Consumed,
                        needed: "active",
                    }
                    .into()
                }),
            )
        }
        (3, _) => (
            Op::Create {
                data: data("", 1),
                domain: None,
            },
            Box::new(|e| matches!(e, VmError::ResourceError(ResourceError::InvalidArgument(_)))),
        ),
        (4, Some(r)) => {
            let d = r.domain.clone();
            (
                Op::Transfer {
                    id: r.id,
                    target: d.clone(),
                },
                Box::new(move |e| *e == CrossDomainError::SameDomain(d.clone()).into()),
            )
        }
        (5, Some(r)) => (
            Op::Merge { a: r.id, b: r.id },
            Box::new(|e| matches!(e, VmError::ResourceError(ResourceError::InvalidArgument(_)))),
        ),
        _ => (
            Op::Split {
                id: UNKNOWN,
                amount: 1,
            },
            Box::new(|e| *e == ResourceError::NotFound(UNKNOWN).into()),
        ),
    }
}

fn fault_injected_batches(backend: Backend, choices: &[(u8, usize, usize, u64)], fault: u8, pick: usize) {
    let fx = Fx::new(backend);
    let (ops, states) = valid_batch(&fx, choices);
    let before = fx.dump();
    for k in 0..ops.len() {
        let mut batch = ops.clone();
        let (bad, expect) = faulty_op(&fx, &states[k], fault, pick);
        batch[k] = bad;
        let e = fx
            .rm
            .execute_batch_indexed(&batch, &fx.admin)
            .expect_err("the batch must fail");
        assert_eq!(e.index, Some(k), "{batch:?}: {e}");
        assert!(expect(&e.error), "operation {k} of {batch:?}: {e}");
        let plain = fx
            .rm
            .execute_batch(&batch, &fx.admin)
            .expect_err("the batch must fail");
        assert!(
            plain.to_string().contains(&format!("operation {k} of the batch")),
            "{plain}"
        );
        assert!(fx.dump() == before, "a failed batch changed the store");
    }
    // The valid batch applies, and each result reflects the model.
    let results = fx.rm.execute_batch(&ops, &fx.admin).expect("the valid batch");
    assert_eq!(results.len(), ops.len());
    let last = states.last().expect("final model");
    for r in last {
        let stored = fx.get(r.id);
        assert_eq!(stored.state == RegisterState::Active, r.active, "{r:?}");
        if r.active {
            assert_eq!(
                (stored.quantity, &stored.domain),
                (r.quantity, &r.domain),
                "{r:?}"
            );
        }
    }
}

fn choices() -> impl Strategy<Value = Vec<(u8, usize, usize, u64)>> {
    prop::collection::vec((0u8..6, 0usize..64, 0usize..64, 1u64..1000), 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn batches_fail_whole_at_every_index(choices in choices(), fault in 0u8..6, pick in 0usize..64) {
        fault_injected_batches(Backend::Memory, &choices, fault, pick);
    }

    #[test]
    fn cross_domain_transfer_aborts_whole_at_every_phase(pick in 0usize..64, to in 0usize..2) {
        cross_domain_faults(Backend::Memory, pick, to);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn persistent_batches_fail_whole_at_every_index(choices in choices(), fault in 0u8..6, pick in 0usize..64) {
        fault_injected_batches(Backend::Persistent, &choices, fault, pick);
    }

    #[test]
    fn persistent_cross_domain_transfer_aborts_whole_at_every_phase(pick in 0usize..64, to in 0usize..2) {
        cross_domain_faults(Backend::Persistent, pick, to);
    }
}

fn cross_domain_faults(backend: Backend, pick: usize, to: usize) {
    let fail_at: Arc<Mutex<Option<&'static str>>> = Arc::new(Mutex::new(None));
    let armed = fail_at.clone();
    let hook: FaultHook = Arc::new(move |p| match *armed.lock().unwrap() {
        Some(f) if f == p => Err(ResourceError::Store(format!("injected fault after {p}")).into()),
        _ => Ok(()),
    });
    let fx = Fx::with_hook(backend, Some(hook));
    let active: Vec<ResourceRegister> = fx
        .all_registers()
        .into_iter()
        .filter(|r| r.state == RegisterState::Active)
        .collect();
    let r = &active[pick % active.len()];
    let here = DOMAINS.iter().position(|d| dom(d) == r.domain).unwrap_or(0);
    let target = dom(DOMAINS[(here + 1 + to) % 3]);
    let before = fx.dump();
    for p in [phase::LOCKED, phase::CREATED, phase::CONSUMED] {
        *fail_at.lock().unwrap() = Some(p);
        let e = fx
            .rm
            .transfer_cross_domain(&r.id, &r.domain, &target, &fx.admin)
            .unwrap_err();
        match &e {
            VmError::CrossDomainError(CrossDomainError::Aborted { phase, why }) => {
                assert_eq!(*phase, p);
                assert!(why.contains("injected fault"), "{why}");
            }
            other => panic!("expected an abort in phase {p}, got {other:?}"),
        }
        assert!(
            fx.dump() == before,
            "an aborted transfer changed the store (phase {p})"
        );
        assert_eq!(fx.get(r.id), *r);
    }
    *fail_at.lock().unwrap() = None;
    let (_, new) = fx
        .rm
        .transfer_cross_domain(&r.id, &r.domain, &target, &fx.admin)
        .unwrap();
    assert_eq!((fx.get(new).quantity, fx.get(new).domain), (r.quantity, target));
}

// ---------------------------------------------------------------------------------------------
// Conservation

fn totals(fx: &Fx) -> BTreeMap<String, u128> {
    let mut t = BTreeMap::new();
    for r in fx
        .all_registers()
        .into_iter()
        .filter(|r| r.state == RegisterState::Active)
    {
        *t.entry(r.kind).or_insert(0u128) += r.quantity;
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn quantities_are_conserved(
        seed in prop::collection::vec((0usize..2, 0usize..2, 0usize..3, 1u128..1_000_000), 1..10),
        steps in prop::collection::vec((0u8..4, 0usize..64, 0usize..64, any::<u64>(), 0usize..3), 1..30),
    ) {
        let (store, _dir) = open_store(Backend::Memory);
        let caps = Arc::new(CapabilityManager::new());
        let rm = ResourceManager::new(store, caps.clone());
        let admin = caps.full_context(alice(), alpha());
        let kinds = ["gold", "silver"];
        let owners = [alice(), bob()];
        let ops: Vec<Op> = seed.iter().map(|&(k, o, d, q)| create_op(kinds[k], q, owners[o], DOMAINS[d])).collect();
        rm.execute_batch(&ops, &admin).expect("seed");
        let fx = Fx { rm, caps, admin, gold_a: UNKNOWN, gold_a2: UNKNOWN, gold_b: UNKNOWN, silver_a: UNKNOWN,
            gold_beta: UNKNOWN, locked: UNKNOWN, frozen: UNKNOWN, consumed: UNKNOWN, huge1: UNKNOWN,
            huge2: UNKNOWN, _dir: None };
        let initial = totals(&fx);
        let mut registers = fx.all_registers().len();
        for (kind, i, j, x, d) in steps {
            let active: Vec<ResourceRegister> =
                fx.all_registers().into_iter().filter(|r| r.state == RegisterState::Active).collect();
            prop_assert!(!active.is_empty());
            let a = &active[i % active.len()];
            let target = dom(DOMAINS[d]);
            let before = fx.dump();
            let outcome = match kind {
                0 => fx.rm.execute(&Op::Transfer { id: a.id, target }, &fx.admin).map(|_| ()),
                1 => fx.rm.execute(&Op::Split { id: a.id, amount: x as u128 % (a.quantity + 1) }, &fx.admin).map(|_| ()),
                2 => {
                    // Prefer a compatible partner, so that most merges go through.
                    let compatible: Vec<&ResourceRegister> = active
                        .iter()
                        .filter(|b| b.id != a.id && (&b.kind, b.owner, &b.domain) == (&a.kind, a.owner, &a.domain))
                        .collect();
                    let b = if x % 4 != 0 && !compatible.is_empty() {
                        compatible[j % compatible.len()].id
                    } else {
                        active[j % active.len()].id
                    };
                    fx.rm.execute(&Op::Merge { a: a.id, b }, &fx.admin).map(|_| ())
                }
                _ => fx.rm.transfer_cross_domain(&a.id, &a.domain, &target, &fx.admin).map(|_| ()),
            };
            if outcome.is_err() {
                prop_assert!(fx.dump() == before, "a failed operation changed the store: {outcome:?}");
            }
            prop_assert_eq!(totals(&fx), initial.clone());
            let now = fx.all_registers();
            prop_assert!(now.len() >= registers, "registers disappeared");
            prop_assert!(now.iter().all(|r| r.state != RegisterState::Active || r.quantity > 0));
            registers = now.len();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sharing

#[test]
fn the_manager_is_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<ResourceManager>();

    // Threads splitting, merging and moving the same registers: transactions serialize, so the
    // totals hold and every id stays unique.
    let fx = Arc::new(Fx::new(Backend::Memory));
    // (The two huge registers together exceed u128: keep one.)
    fx.rm.execute(&Op::Consume { id: fx.huge1 }, &fx.admin).unwrap();
    let initial = totals(&fx);
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let fx = fx.clone();
            let done = done.clone();
            std::thread::spawn(move || {
                for i in 0..60u64 {
                    let active: Vec<ResourceRegister> = fx
                        .all_registers()
                        .into_iter()
                        .filter(|r| r.state == RegisterState::Active)
                        .collect();
                    let a = &active[((t * 7 + i * 13) as usize) % active.len()];
                    let b = &active[((t * 3 + i * 5) as usize) % active.len()];
                    // Failures (a register consumed by another thread meanwhile) are expected.
                    let outcome = match i % 4 {
                        0 => fx.rm.execute(
                            &Op::Split {
                                id: a.id,
                                amount: 1 + a.quantity / 3,
                            },
                            &fx.admin,
                        ),
                        1 => fx.rm.execute(&Op::Merge { a: a.id, b: b.id }, &fx.admin),
                        2 => fx.rm.execute(
                            &Op::Transfer {
                                id: a.id,
                                target: dom(DOMAINS[(i % 3) as usize]),
                            },
                            &fx.admin,
                        ),
                        _ => fx
                            .rm
                            .transfer_cross_domain(
                                &a.id,
                                &a.domain,
                                &dom(DOMAINS[(t % 3) as usize]),
                                &fx.admin,
                            )
                            .map(|_| ExecutionResult::default()),
                    };
                    if outcome.is_ok() {
                        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    assert_eq!(totals(&fx), initial);
    let done = done.load(std::sync::atomic::Ordering::Relaxed);
    assert!(done > 60, "only {done} of 240 operations succeeded");
    let all = fx.all_registers();
    let mut ids: Vec<ResourceId> = all.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len());
}
