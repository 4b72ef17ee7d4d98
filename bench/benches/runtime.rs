//! Wall-clock benchmarks of the Causeway runtime (criterion): the resource layer without any program.
//!
//! 1. `op` — one primitive operation through [`ResourceManager::execute`] on the in-memory store
//!    (target: under 1 µs): `Update` of a register's quantity (in a store of 10 000 registers) and
//!    `Create` (the store is replaced, untimed, every 10 000 creates, so it holds 0–10 000 registers;
//!    `create_small`: every 100 creates); `Get` for comparison; and one `Update` on the persistent store (one durable commit).
//! 2. `batch` — 1 000 operations (400 creates, 300 quantity updates, 300 splits, interleaved)
//!    committed in one transaction by [`ResourceManager::execute_batch`], to the persistent (redb)
//!    store in a temporary directory (target: under 10 ms), and the same batch to the in-memory store.
//!    The store starts with 100 registers the updates and splits work on, and is replaced (untimed)
//!    every 20 batches, so it holds up to ~14 000 registers. `mixed_1000_aborted` runs the same batch
//!    plus a failing last operation on the persistent store: everything but the commit.
//! 3. `parts` — what those are made of, to explain the numbers: one capability check, one register id
//!    derivation (SHA-256), raw store transactions without the manager (an empty one, a get + put),
//!    an empty durable redb commit, and a 4 KiB write + `fsync` of a plain file in the same directory.
//!
//! After the run it prints the table that `bench/RESULTS.md` records, from the medians criterion saved
//! (`target/criterion/<group>/<store>/<what>/new/estimates.json`).
//!
//! `cargo bench -p causeway-bench --bench runtime` (add a filter such as `-- batch` to run one group).

use causeway_runtime::capability::{Access, CapabilityManager};
use causeway_runtime::error::Right;
use causeway_runtime::ops::ResourceOperation;
use causeway_runtime::resources::ResourceManager;
use causeway_runtime::store::memory::MemoryStore;
use causeway_runtime::store::persistent::PersistentStore;
use causeway_runtime::store::{self, Store};
use causeway_runtime::types::{DomainId, ExecutionContext, OwnerId, ResourceData, ResourceId};
use criterion::measurement::WallTime;
use criterion::{black_box, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tempfile::TempDir;

/// Registers in the store the single-operation `Update`/`Get` benchmarks work in.
const UPDATE_STORE_SIZE: usize = 10_000;
/// Creates into one in-memory store before it is replaced.
const CREATES_PER_STORE: u64 = 10_000;
/// Operations per batch.
const BATCH_OPS: usize = 1_000;
/// Registers every batch's updates and splits work on.
const POOL: usize = 100;
/// Batches committed to one store before it is replaced.
const BATCHES_PER_STORE: u64 = 20;
/// The quantity updates set (splits of 1 never exhaust it).
const POOL_QUANTITY: u128 = 1_000_000_000;
/// Bytes of `data` every benchmark register carries.
const DATA_LEN: usize = 32;

/// Short runs: `samples` samples, 1 s warm-up, `secs` s of measurement per benchmark.
fn group<'a>(c: &'a mut Criterion, name: &str, samples: usize, secs: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(samples)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(secs));
    g
}

fn token(quantity: u128) -> ResourceData {
    ResourceData {
        kind: "token".into(),
        quantity,
        data: vec![0x5a; DATA_LEN],
        owner: None,
    }
}

/// A manager over `store` and a context with every right, as the CLI runs.
fn manager(store: Arc<dyn Store>) -> (ResourceManager, ExecutionContext) {
    let caps = Arc::new(CapabilityManager::new());
    let ctx = caps.full_context(OwnerId::from_public_key(b"bench"), DomainId::new("bench"));
    (ResourceManager::new(store, caps), ctx)
}

/// Creates `n` registers of quantity [`POOL_QUANTITY`] in one batch; returns their ids.
fn populate(rm: &ResourceManager, ctx: &ExecutionContext, n: usize) -> Vec<ResourceId> {
    let ops: Vec<_> = (0..n)
        .map(|_| ResourceOperation::Create {
            data: token(POOL_QUANTITY),
            domain: None,
        })
        .collect();
    rm.execute_batch(&ops, ctx)
        .expect("populate")
        .into_iter()
        .map(|r| r.created[0])
        .collect()
}

/// The 1 000-operation batch over `pool`: per 10 operations, 4 creates, 3 quantity updates, 3 splits
/// of 1, interleaved (an update and a split may hit the same register in one batch).
fn mixed_batch(pool: &[ResourceId]) -> Vec<ResourceOperation> {
    (0..BATCH_OPS)
        .map(|i| match i % 10 {
            0..=3 => ResourceOperation::Create {
                data: token(i as u128 + 1),
                domain: None,
            },
            4..=6 => ResourceOperation::Update {
                id: pool[i % pool.len()],
                data: token(POOL_QUANTITY),
            },
            _ => ResourceOperation::Split {
                id: pool[(i * 7) % pool.len()],
                amount: 1,
            },
        })
        .collect()
}

/// A fresh persistent store in `dir` (a new file each time: `n` numbers them).
fn persistent(dir: &Path, n: &mut u64) -> Arc<dyn Store> {
    *n += 1;
    let path = dir.join(format!("store-{n}.redb"));
    let _ = std::fs::remove_file(&path);
    Arc::new(PersistentStore::open(&path).expect("open persistent store"))
}

fn single_ops(c: &mut Criterion, dir: &Path) {
    let mut g = group(c, "op", 20, 2);
    g.throughput(Throughput::Elements(1));

    // Update of a register's quantity, in a store of UPDATE_STORE_SIZE registers.
    let (rm, ctx) = manager(Arc::new(MemoryStore::new()));
    let ids = populate(&rm, &ctx, UPDATE_STORE_SIZE);
    let target = ids[ids.len() / 2];
    let updates = [1, 2].map(|q| ResourceOperation::Update {
        id: target,
        data: token(q),
    });
    let mut n = 0usize;
    g.bench_function(BenchmarkId::new("memory", "update"), |b| {
        b.iter(|| {
            n += 1;
            black_box(rm.execute(&updates[n & 1], &ctx).expect("update"))
        })
    });
    g.bench_function(BenchmarkId::new("memory", "get"), |b| {
        b.iter(|| black_box(rm.get(black_box(&target), &ctx).expect("get")))
    });
    drop(rm);

    // Create, into a store replaced (untimed) every CREATES_PER_STORE creates; `create_small` replaces
    // it every 100 creates, to show what the size of the store costs.
    let create = ResourceOperation::Create {
        data: token(7),
        domain: None,
    };
    for (name, per_store) in [("create", CREATES_PER_STORE), ("create_small", 100)] {
        g.bench_function(BenchmarkId::new("memory", name), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let chunk = left.min(per_store);
                    left -= chunk;
                    let (rm, ctx) = manager(Arc::new(MemoryStore::new()));
                    let start = Instant::now();
                    for _ in 0..chunk {
                        black_box(rm.execute(&create, &ctx).expect("create"));
                    }
                    total += start.elapsed();
                }
                total
            })
        });
    }

    // One update on the persistent store: one durable commit.
    let mut files = 0;
    let (rm, ctx) = manager(persistent(dir, &mut files));
    let ids = populate(&rm, &ctx, POOL);
    let updates = [1, 2].map(|q| ResourceOperation::Update {
        id: ids[0],
        data: token(q),
    });
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("persistent", "update"), |b| {
        b.iter(|| {
            n += 1;
            black_box(rm.execute(&updates[n & 1], &ctx).expect("update"))
        })
    });
    g.finish();
}

fn batches(c: &mut Criterion, dir: &Path) {
    let mut g = group(c, "batch", 10, 3);
    g.throughput(Throughput::Elements(BATCH_OPS as u64));
    let mut files = 0;
    for kind in ["persistent", "memory"] {
        g.bench_function(BenchmarkId::new(kind, "mixed_1000"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let chunk = left.min(BATCHES_PER_STORE);
                    left -= chunk;
                    let store: Arc<dyn Store> = match kind {
                        "persistent" => persistent(dir, &mut files),
                        _ => Arc::new(MemoryStore::new()),
                    };
                    let (rm, ctx) = manager(store);
                    let ops = mixed_batch(&populate(&rm, &ctx, POOL));
                    let start = Instant::now();
                    for _ in 0..chunk {
                        black_box(rm.execute_batch(&ops, &ctx).expect("batch"));
                    }
                    total += start.elapsed();
                }
                total
            })
        });
    }

    // The same batch plus a last operation that fails, so the transaction is aborted: all the work of
    // the operations inside redb, without the commit (page writes and fsync). Nothing is committed, so
    // the store keeps its size: 7 000 registers besides the pool, about the middle of the range the
    // committing benchmark sees.
    let (rm, ctx) = manager(persistent(dir, &mut files));
    let mut ops = mixed_batch(&populate(&rm, &ctx, POOL));
    populate(&rm, &ctx, 7_000);
    ops.push(ResourceOperation::Update {
        id: ResourceId([0; 32]),
        data: token(1),
    });
    g.bench_function(BenchmarkId::new("persistent", "mixed_1000_aborted"), |b| {
        b.iter(|| {
            black_box(
                rm.execute_batch(&ops, &ctx)
                    .expect_err("the last operation fails"),
            )
        })
    });
    g.finish();
}

fn parts(c: &mut Criterion, dir: &Path) {
    let mut g = group(c, "parts", 20, 2);
    let memory = Arc::new(MemoryStore::new());
    let (rm, ctx) = manager(memory.clone());
    let ids = populate(&rm, &ctx, UPDATE_STORE_SIZE);
    let target = ids[ids.len() / 2];
    let domain = DomainId::new("bench");
    let caps = rm.capabilities().clone();
    g.bench_function(BenchmarkId::new("manager", "capability_check"), |b| {
        b.iter(|| {
            black_box(caps.check(
                &ctx,
                Right::Write,
                Access::Resource {
                    id: black_box(&target),
                    domain: &domain,
                },
            ))
        })
    });
    let owner = ctx.caller;
    let data = [0x5a; DATA_LEN];
    let mut nonce = 0u64;
    g.bench_function(BenchmarkId::new("types", "id_derive"), |b| {
        b.iter(|| {
            nonce += 1;
            black_box(ResourceId::derive("token", 7, &data, &owner, &domain, nonce))
        })
    });
    g.bench_function(BenchmarkId::new("memory", "txn_empty"), |b| {
        b.iter(|| store::transact(&*memory, |_| Ok(())).expect("transact"))
    });
    let mut q = 0u128;
    g.bench_function(BenchmarkId::new("memory", "txn_get_put"), |b| {
        b.iter(|| {
            q += 1;
            store::transact(&*memory, |txn| {
                let mut r = txn.get(&target)?.expect("target exists");
                r.quantity = q;
                r.version += 1;
                txn.put(r)
            })
            .expect("transact")
        })
    });
    drop(rm);

    g.sample_size(10);
    let mut files = 0;
    let store = persistent(dir, &mut files);
    g.bench_function(BenchmarkId::new("persistent", "commit_empty"), |b| {
        b.iter(|| store::transact(&*store, |_| Ok(())).expect("commit"))
    });
    let mut file = std::fs::File::create(dir.join("fsync-probe")).expect("create probe file");
    let page = [0xa5u8; 4096];
    g.bench_function(BenchmarkId::new("fs", "write_4k_fsync"), |b| {
        b.iter(|| {
            file.seek(SeekFrom::Start(0)).expect("seek");
            file.write_all(&page).expect("write");
            file.sync_data().expect("fsync");
        })
    });
    g.finish();
}

/// The verdict table, from the medians criterion saved.
mod summary {
    use super::*;
    use causeway_bench::results::fmt_ns;

    /// A benchmark's median in nanoseconds, if this run (started at `since`) measured it.
    fn median(dir: &Path, id: &str, since: SystemTime) -> Option<f64> {
        causeway_bench::results::median(dir, id, since)
            .filter(|m| m.fresh)
            .map(|m| m.ns)
    }

    /// "met (x% margin)" or "MISSED by x (y×)".
    fn verdict(ns: f64, target: f64) -> String {
        if ns <= target {
            format!("met ({:.0}% margin)", (1.0 - ns / target) * 100.0)
        } else {
            format!(
                "MISSED by {} ({:.1}x the target)",
                fmt_ns(ns - target),
                ns / target
            )
        }
    }

    pub fn print(dir: &Path, since: SystemTime) {
        let get = |id: &str| median(dir, id, since);
        let mut rows = Vec::new();
        for (id, what, target) in [
            ("op/memory/update", "Update (quantity), memory store", Some(1e3)),
            ("op/memory/create", "Create, memory store", Some(1e3)),
            (
                "op/memory/create_small",
                "Create, memory store of ≤ 100 registers",
                None,
            ),
            ("op/memory/get", "Get, memory store", None),
            ("op/persistent/update", "Update, persistent store", None),
            (
                "batch/persistent/mixed_1000",
                "1 000-op batch, persistent store",
                Some(1e7),
            ),
            ("batch/memory/mixed_1000", "1 000-op batch, memory store", None),
            (
                "batch/persistent/mixed_1000_aborted",
                "1 000-op batch, persistent store, aborted (no commit)",
                None,
            ),
            ("parts/manager/capability_check", "one capability check", None),
            ("parts/types/id_derive", "one id derivation (SHA-256)", None),
            ("parts/memory/txn_empty", "empty memory transaction", None),
            ("parts/memory/txn_get_put", "memory transaction, get + put", None),
            ("parts/persistent/commit_empty", "empty durable redb commit", None),
            (
                "parts/fs/write_4k_fsync",
                "4 KiB write + fsync (plain file)",
                None,
            ),
        ] {
            if let Some(ns) = get(id) {
                let v = target.map_or_else(
                    || "—".to_owned(),
                    |t| format!("< {}: {}", fmt_ns(t), verdict(ns, t)),
                );
                rows.push(format!("| {what} | `{id}` | {} | {v} |", fmt_ns(ns)));
            }
        }
        if let (Some(p), Some(m)) = (get("batch/persistent/mixed_1000"), get("batch/memory/mixed_1000")) {
            rows.push(format!(
                "| persistent / memory, batch | | {:.1}x ({} of the persistent batch is redb) | |",
                p / m,
                fmt_ns(p - m)
            ));
            if let Some(a) = get("batch/persistent/mixed_1000_aborted") {
                rows.push(format!(
                    "| commit share of the persistent batch (committed − aborted) | | {} ({:.0}%) | |",
                    fmt_ns(p - a),
                    (p - a) / p * 100.0
                ));
            }
            if let Some(commit) = get("parts/persistent/commit_empty") {
                rows.push(format!(
                    "| empty commit / persistent batch | | {:.0}% | |",
                    commit / p * 100.0
                ));
            }
        }
        if rows.is_empty() {
            return;
        }
        println!(
            "\n## Causeway runtime benchmark summary (medians; {})\n",
            dir.display()
        );
        println!("| what | benchmark | median | target |\n| --- | --- | --- | --- |");
        for r in &rows {
            println!("{r}");
        }
    }
}

fn main() {
    let since = SystemTime::now();
    let out = causeway_bench::results::criterion_dir();
    // The temporary directory is where `tempfile` puts it (`$TMPDIR`, else /tmp): put it on the disk
    // whose fsync cost you want to measure.
    let tmp = TempDir::new().expect("temporary directory");
    let mut c = Criterion::default().output_directory(&out).configure_from_args();
    single_ops(&mut c, tmp.path());
    batches(&mut c, tmp.path());
    parts(&mut c, tmp.path());
    c.final_summary();
    summary::print(&out, since);
}
