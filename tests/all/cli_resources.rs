//! The library function behind `causeway resources` (`cli_resources::list_resources`): a store with
//! registers in two domains listed as a table and as JSON, whole or by domain; names that need
//! escaping; and every bad path (missing, directory, empty file, not a store, in use) or domain is a
//! clear error or an empty listing, never a panic, and never creates or changes a file.
//!
//! Never touches files outside its temporary directories.

use causeway_runtime::capability::CapabilityManager;
use causeway_runtime::cli_resources::{json_string, list_resources, printable, OWNER_PREFIX};
use causeway_runtime::error::{ResourceError, VmError};
use causeway_runtime::ir_host::cli_owner;
use causeway_runtime::ops::ResourceOperation;
use causeway_runtime::resources::ResourceManager;
use causeway_runtime::store::persistent::PersistentStore;
use causeway_runtime::types::{DomainId, OwnerId, ResourceData, ResourceId};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tempfile::TempDir;

fn token(kind: &str, quantity: u128, owner: Option<OwnerId>) -> ResourceData {
    ResourceData {
        kind: kind.into(),
        quantity,
        data: vec![7; 3],
        owner,
    }
}

/// What [`fixture`] created.
struct Fixture {
    dir: TempDir,
    path: PathBuf,
    /// Domain `alpha`: `gold` 100 (then updated to 150: version 1), `silver` u128::MAX (owned by
    /// someone else), `lead` 5 (consumed).
    alpha: Vec<ResourceId>,
    /// Domain `beta`: `gold` 42.
    beta: Vec<ResourceId>,
    other: OwnerId,
}

/// A closed store in a temporary directory with four registers in two domains.
fn fixture() -> Fixture {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("store.redb");
    let caps = Arc::new(CapabilityManager::new());
    let ctx = caps.full_context(cli_owner(), DomainId::new("alpha"));
    let rm = ResourceManager::new(Arc::new(PersistentStore::open(&path).unwrap()), caps);
    let other = OwnerId::from_public_key(b"someone else");
    let gold = rm.create(token("gold", 100, None), None, &ctx).unwrap();
    let silver = rm
        .create(token("silver", u128::MAX, Some(other)), None, &ctx)
        .unwrap();
    let lead = rm.create(token("lead", 5, None), None, &ctx).unwrap();
    let beta = rm
        .create(token("gold", 42, None), Some(DomainId::new("beta")), &ctx)
        .unwrap();
    rm.execute(
        &ResourceOperation::Update {
            id: gold,
            data: token("gold", 150, None),
        },
        &ctx,
    )
    .unwrap();
    rm.execute(&ResourceOperation::Consume { id: lead }, &ctx)
        .unwrap();
    drop(rm);
    Fixture {
        dir,
        path,
        alpha: vec![gold, silver, lead],
        beta: vec![beta],
        other,
    }
}

/// The table's data lines (without the header), split into columns.
fn rows(table: &str) -> Vec<Vec<String>> {
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "KIND", "QUANTITY", "OWNER", "DOMAIN", "STATE", "VERSION"]
    );
    lines
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

fn row_of<'a>(rows: &'a [Vec<String>], id: &ResourceId) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == id.to_hex())
        .unwrap_or_else(|| panic!("no row for {id}"))
}

fn is_store_error(e: &VmError) -> bool {
    matches!(e, VmError::ResourceError(ResourceError::Store(_)))
}

#[test]
fn the_table_lists_every_register_of_every_domain() {
    let f = fixture();
    let table = list_resources(&f.path, None, false).unwrap();
    let rows = rows(&table);
    assert_eq!(rows.len(), 4, "{table}");
    let me = &cli_owner().to_hex()[..OWNER_PREFIX];
    let gold = row_of(&rows, &f.alpha[0]);
    assert_eq!(gold[1..], ["gold", "150", me, "alpha", "active", "1"], "{table}");
    let silver = row_of(&rows, &f.alpha[1]);
    let max = u128::MAX.to_string();
    let other = &f.other.to_hex()[..OWNER_PREFIX];
    assert_eq!(silver[1..], ["silver", &max, other, "alpha", "active", "0"]);
    let lead = row_of(&rows, &f.alpha[2]);
    assert_eq!(lead[1..], ["lead", "5", me, "alpha", "consumed", "1"]);
    let beta = row_of(&rows, &f.beta[0]);
    assert_eq!(beta[1..], ["gold", "42", me, "beta", "active", "0"]);
    // Domain order, then id order.
    let domains: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(domains, ["alpha", "alpha", "alpha", "beta"]);
    let alpha_ids: Vec<&String> = rows[..3].iter().map(|r| &r[0]).collect();
    let mut sorted = alpha_ids.clone();
    sorted.sort();
    assert_eq!(alpha_ids, sorted);
    // Columns are aligned: every line has the domain column at the same offset.
    let at: Vec<usize> = table
        .lines()
        .map(|l| {
            l.find(" alpha")
                .or_else(|| l.find(" beta"))
                .or_else(|| l.find(" DOMAIN"))
                .unwrap()
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] == w[1]), "{table}");
}

#[test]
fn a_domain_filter_lists_only_that_domain() {
    let f = fixture();
    let table = list_resources(&f.path, Some("beta"), false).unwrap();
    let rows = rows(&table);
    assert_eq!(rows.len(), 1, "{table}");
    assert_eq!(rows[0][0], f.beta[0].to_hex());
    let table = list_resources(&f.path, Some("alpha"), false).unwrap();
    assert_eq!(self::rows(&table).len(), 3, "{table}");
}

#[test]
fn an_unknown_domain_is_an_empty_listing() {
    let f = fixture();
    let table = list_resources(&f.path, Some("nowhere"), false).unwrap();
    assert!(table.starts_with("no registers in domain `nowhere`"), "{table}");
    assert_eq!(list_resources(&f.path, Some("nowhere"), true).unwrap(), "[]\n");
    // An empty store too.
    let empty = f.dir.path().join("empty.redb");
    drop(PersistentStore::open(&empty).unwrap());
    let table = list_resources(&empty, None, false).unwrap();
    assert!(table.starts_with("no registers in "), "{table}");
    assert_eq!(list_resources(&empty, None, true).unwrap(), "[]\n");
}

#[test]
fn json_has_one_object_per_register() {
    let f = fixture();
    let json = list_resources(&f.path, None, true).unwrap();
    let lines: Vec<&str> = json.lines().collect();
    assert_eq!(lines.len(), 6, "{json}");
    assert_eq!((lines[0], lines[5]), ("[", "]"));
    assert!(lines[1..4].iter().all(|l| l.ends_with("},")), "{json}");
    assert!(lines[4].ends_with('}') && !lines[4].ends_with("},"), "{json}");
    let silver = lines.iter().find(|l| l.contains(&f.alpha[1].to_hex())).unwrap();
    assert_eq!(
        silver.trim(),
        format!(
            "{{\"id\": \"{}\", \"kind\": \"silver\", \"quantity\": \"{}\", \"owner\": \"{}\", \
             \"domain\": \"alpha\", \"state\": \"active\", \"version\": 0, \"nonce\": 1, \"data_len\": 3}},",
            f.alpha[1].to_hex(),
            u128::MAX,
            f.other.to_hex()
        )
    );
    let beta = list_resources(&f.path, Some("beta"), true).unwrap();
    assert_eq!(beta.lines().count(), 3, "{beta}");
    assert!(beta.contains("\"domain\": \"beta\""), "{beta}");
}

#[test]
fn names_are_escaped_in_json_and_stay_on_their_line_in_the_table() {
    assert_eq!(json_string("plain"), "\"plain\"");
    assert_eq!(
        json_string("q\"b\\n\nt\tc\u{1}\u{1f}é"),
        "\"q\\\"b\\\\n\\nt\\tc\\u0001\\u001fé\""
    );
    assert_eq!(printable("a\nb\\c\u{7f}"), "a\\nb\\\\c\\u{7f}");

    let dir = TempDir::new().unwrap();
    let path = dir.path().join("odd.redb");
    let caps = Arc::new(CapabilityManager::new());
    let odd_domain = DomainId::new("dom\"ain\nx");
    let ctx = caps.full_context(cli_owner(), odd_domain.clone());
    let rm = ResourceManager::new(Arc::new(PersistentStore::open(&path).unwrap()), caps);
    rm.create(token("k\"i\\nd\r\n\u{0}", 1, None), None, &ctx)
        .unwrap();
    drop(rm);
    let json = list_resources(&path, None, true).unwrap();
    assert_eq!(json.lines().count(), 3, "{json}");
    assert!(json.contains(r#""kind": "k\"i\\nd\r\n\u0000""#), "{json}");
    assert!(json.contains(r#""domain": "dom\"ain\nx""#), "{json}");
    let table = list_resources(&path, None, false).unwrap();
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.contains(r#"k"i\\nd\r\n\u{0}"#), "{table}");
    let by_domain = list_resources(&path, Some(&odd_domain.0), false).unwrap();
    assert_eq!(by_domain, table);
}

/// `list_resources` fails with a store error that names `path` and contains `why`.
fn fails(path: &Path, why: &str) {
    for json in [false, true] {
        let e = list_resources(path, None, json).expect_err("not a listable store");
        let msg = e.to_string();
        assert!(is_store_error(&e), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains(why), "{msg}");
    }
}

#[test]
fn bad_paths_are_clear_errors_and_create_nothing() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("missing.redb");
    fails(&missing, "does not exist");
    assert!(!missing.exists(), "listing must not create a store");
    fails(dir.path(), "is a directory");
    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").unwrap();
    fails(&empty, "empty file");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0, "left unchanged");
    let junk = dir.path().join("junk.txt");
    let bytes = b"name,quantity\ngold,100\nthis is a CSV file, not a Causeway store at all ...\n".repeat(100);
    std::fs::write(&junk, &bytes).unwrap();
    fails(&junk, "cannot open store");
    assert_eq!(std::fs::read(&junk).unwrap(), bytes, "left unchanged");
}

#[test]
fn a_store_in_use_and_an_empty_domain_name_are_errors() {
    let f = fixture();
    let open = PersistentStore::open(&f.path).unwrap();
    let e = list_resources(&f.path, None, false).expect_err("the store is open elsewhere");
    assert!(is_store_error(&e), "{e}");
    assert!(e.to_string().contains(&f.path.display().to_string()), "{e}");
    drop(open);
    assert_eq!(
        rows(&list_resources(&f.path, None, false).unwrap()).len(),
        4,
        "usable again once closed"
    );
    let e = list_resources(&f.path, Some(""), false).expect_err("an empty domain name");
    assert!(e.to_string().contains("domain name is empty"), "{e}");
}
