//! Groth16 keys: generated once per circuit and cached, saved to and loaded from files so that
//! another process can verify (or prove) with the same keys.
//!
//! Owns key generation and the key file format. Keys loaded from files are never regenerated: a
//! process that loaded verifying keys must not silently make new, unrelated ones.
//!
//! Trust: Groth16's setup samples secret values (the "toxic waste") that whoever holds them can use
//! to forge proofs. Here one process samples them from the operating system's randomness and drops
//! them when setup ends; a verifier must therefore trust whoever ran the setup that made its
//! verifying keys (in production: a multi-party ceremony, which this module does not run).

use super::circuit::{CircuitKind, TransitionCircuit};
use crate::error::ZkError;
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, PreparedVerifyingKey, ProvingKey, VerifyingKey};
use ark_relations::r1cs::{
    ConstraintMatrices, ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The first bytes of every key file, then the circuit's index and the key's role, the digest of
/// the circuit's constraint system (keys made for another version of a circuit are refused), the
/// compressed key, and the SHA-256 of all of that (so that a corrupted point that still decodes is
/// caught).
const MAGIC: &[u8; 8] = b"CWZKKEY2";
const DIGEST_LEN: usize = 32;
const ROLE_PROVING: u8 = b'p';
const ROLE_VERIFYING: u8 = b'v';

/// One circuit's keys and size.
pub struct CircuitKeys {
    pub(crate) kind: CircuitKind,
    pub(crate) proving: Option<ProvingKey<Bn254>>,
    pub(crate) verifying: VerifyingKey<Bn254>,
    pub(crate) prepared: PreparedVerifyingKey<Bn254>,
    pub(crate) size: CircuitSize,
    /// The R1CS matrices, the same for every proof of the circuit: proving reuses them instead of
    /// synthesizing them again.
    pub(crate) matrices: ConstraintMatrices<Fr>,
    /// SHA-256 of the matrices: what key files are checked against.
    digest: [u8; 32],
}

/// The size of a circuit's constraint system (after Groth16's linear-combination inlining).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CircuitSize {
    pub constraints: usize,
    pub witness_variables: usize,
    /// Including the constant 1.
    pub instance_variables: usize,
}

impl CircuitKeys {
    fn new(
        kind: CircuitKind,
        proving: Option<ProvingKey<Bn254>>,
        verifying: VerifyingKey<Bn254>,
    ) -> Result<CircuitKeys, ZkError> {
        if verifying.gamma_abc_g1.len() != kind.public_inputs().len() + 1 {
            return Err(ZkError::MalformedKey(format!(
                "the verifying key has {} public inputs; the {} circuit has {}",
                verifying.gamma_abc_g1.len().saturating_sub(1),
                kind.name(),
                kind.public_inputs().len()
            )));
        }
        if proving.as_ref().is_some_and(|pk| pk.vk != verifying) {
            return Err(ZkError::MalformedKey(format!(
                "the {} proving key belongs to another verifying key",
                kind.name()
            )));
        }
        let prepared = Groth16::<Bn254>::process_vk(&verifying).map_err(backend)?;
        let (size, matrices) = shape(kind)?;
        if let Some(pk) = &proving {
            let variables = size.instance_variables + size.witness_variables;
            if pk.a_query.len() != variables
                || pk.b_g1_query.len() != variables
                || pk.b_g2_query.len() != variables
                || pk.l_query.len() != size.witness_variables
            {
                return Err(ZkError::MalformedKey(format!(
                    "the {} proving key does not fit the circuit's {variables} variables",
                    kind.name()
                )));
            }
        }
        Ok(CircuitKeys {
            kind,
            proving,
            verifying,
            prepared,
            size,
            digest: matrices_digest(&matrices),
            matrices,
        })
    }

    /// Runs Groth16's setup for `kind` (see the module doc for what it must be trusted for).
    fn generate(kind: CircuitKind) -> Result<CircuitKeys, ZkError> {
        let circuit = TransitionCircuit {
            kind,
            public: None,
            witness: None,
        };
        let mut rng = ark_std::rand::rngs::OsRng;
        let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(circuit, &mut rng).map_err(backend)?;
        CircuitKeys::new(kind, Some(pk), vk)
    }

    pub fn size(&self) -> CircuitSize {
        self.size
    }

    /// The verifying key, compressed.
    pub fn verifying_key_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.verifying
            .serialize_compressed(&mut out)
            .expect("serializing into a Vec cannot fail");
        out
    }
}

/// SHA-256 of a constraint system's matrices (sizes, then every coefficient and variable index).
fn matrices_digest(m: &ConstraintMatrices<Fr>) -> [u8; 32] {
    let mut h = Sha256::new();
    for n in [
        m.num_instance_variables,
        m.num_witness_variables,
        m.num_constraints,
    ] {
        h.update((n as u64).to_le_bytes());
    }
    for matrix in [&m.a, &m.b, &m.c] {
        for row in matrix {
            h.update((row.len() as u64).to_le_bytes());
            for (coeff, var) in row {
                h.update(super::commit::fr_to_bytes(*coeff));
                h.update((*var as u64).to_le_bytes());
            }
        }
    }
    h.finalize().into()
}

pub(crate) fn backend(e: impl std::fmt::Display) -> ZkError {
    ZkError::Backend(e.to_string())
}

/// The size and matrices of `kind`'s constraint system, as Groth16's setup and prover see it.
pub(crate) fn shape(kind: CircuitKind) -> Result<(CircuitSize, ConstraintMatrices<Fr>), ZkError> {
    let cs = ConstraintSystem::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    TransitionCircuit {
        kind,
        public: None,
        witness: None,
    }
    .generate_constraints(cs.clone())
    .map_err(backend)?;
    cs.finalize();
    let size = CircuitSize {
        constraints: cs.num_constraints(),
        witness_variables: cs.num_witness_variables(),
        instance_variables: cs.num_instance_variables(),
    };
    let matrices = cs
        .to_matrices()
        .ok_or_else(|| backend("setup synthesis made no matrices"))?;
    Ok((size, matrices))
}

/// The keys of all six circuits: made on first use, or loaded from files.
pub struct ZkKeys {
    slots: [Mutex<Option<Arc<CircuitKeys>>>; 6],
    /// Whether a missing key may be generated (not for keys loaded from files).
    generate: bool,
}

impl Default for ZkKeys {
    fn default() -> Self {
        ZkKeys::new()
    }
}

impl ZkKeys {
    /// Keys generated per circuit the first time it is needed.
    pub fn new() -> ZkKeys {
        ZkKeys {
            slots: Default::default(),
            generate: true,
        }
    }

    /// The keys of `kind`, generating them if this set may.
    pub fn get(&self, kind: CircuitKind) -> Result<Arc<CircuitKeys>, ZkError> {
        let mut slot = self.slots[kind.index()].lock().unwrap_or_else(|e| e.into_inner());
        if let Some(keys) = &*slot {
            return Ok(keys.clone());
        }
        if !self.generate {
            return Err(ZkError::MissingKey {
                circuit: kind.name(),
                what: "verifying",
            });
        }
        let keys = Arc::new(CircuitKeys::generate(kind)?);
        *slot = Some(keys.clone());
        Ok(keys)
    }

    /// The keys of `kind` if this set has them; never generates (for verifiers).
    pub fn verifying(&self, kind: CircuitKind) -> Result<Arc<CircuitKeys>, ZkError> {
        self.slots[kind.index()]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(ZkError::MissingKey {
                circuit: kind.name(),
                what: "verifying",
            })
    }

    /// Writes `<circuit>.pk` and `<circuit>.vk` for every circuit into `dir` (generating keys not
    /// made yet); a circuit without a proving key gets only its `.vk`.
    pub fn save(&self, dir: &Path) -> Result<(), ZkError> {
        std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        for kind in CircuitKind::ALL {
            let keys = self.get(kind)?;
            write_key(dir, &keys, ROLE_VERIFYING, &keys.verifying)?;
            if let Some(pk) = &keys.proving {
                write_key(dir, &keys, ROLE_PROVING, pk)?;
            }
        }
        Ok(())
    }

    /// The keys [`ZkKeys::save`] wrote: every `.vk` must be there; a `.pk` is loaded when present
    /// (a verifier needs none). Every key is checked: its points on the curve and in the right
    /// subgroup, its circuit's public-input count, and a proving key against its verifying key.
    pub fn load(dir: &Path) -> Result<ZkKeys, ZkError> {
        let keys = ZkKeys {
            slots: Default::default(),
            generate: false,
        };
        for kind in CircuitKind::ALL {
            let (_, matrices) = shape(kind)?;
            let digest = matrices_digest(&matrices);
            let vk_path = key_path(dir, kind, ROLE_VERIFYING);
            let vk: VerifyingKey<Bn254> = read_key(&vk_path, kind, ROLE_VERIFYING, &digest)?;
            let pk_path = key_path(dir, kind, ROLE_PROVING);
            let pk = if pk_path.exists() {
                Some(read_key::<ProvingKey<Bn254>>(
                    &pk_path,
                    kind,
                    ROLE_PROVING,
                    &digest,
                )?)
            } else {
                None
            };
            let blame = if pk.is_some() { &pk_path } else { &vk_path };
            let loaded = CircuitKeys::new(kind, pk, vk).map_err(|e| file_error(blame, e))?;
            *keys.slots[kind.index()].lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(loaded));
        }
        Ok(keys)
    }
}

fn key_path(dir: &Path, kind: CircuitKind, role: u8) -> PathBuf {
    let ext = if role == ROLE_PROVING { "pk" } else { "vk" };
    dir.join(format!("{}.{ext}", kind.name()))
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> ZkError {
    ZkError::KeyFile {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn write_key(dir: &Path, keys: &CircuitKeys, role: u8, key: &impl CanonicalSerialize) -> Result<(), ZkError> {
    let path = key_path(dir, keys.kind, role);
    let mut bytes = MAGIC.to_vec();
    bytes.extend([keys.kind.index() as u8, role]);
    bytes.extend_from_slice(&keys.digest);
    key.serialize_compressed(&mut bytes).map_err(backend)?;
    let checksum = Sha256::digest(&bytes);
    bytes.extend_from_slice(&checksum);
    std::fs::write(&path, bytes).map_err(|e| file_error(&path, e))
}

fn read_key<K: CanonicalDeserialize>(
    path: &Path,
    kind: CircuitKind,
    role: u8,
    circuit: &[u8; 32],
) -> Result<K, ZkError> {
    let bytes = std::fs::read(path).map_err(|e| file_error(path, e))?;
    let header = MAGIC.len() + 2 + DIGEST_LEN;
    if bytes.len() < header + DIGEST_LEN || &bytes[..MAGIC.len()] != MAGIC {
        return Err(file_error(path, "not a Causeway key file"));
    }
    let (bytes, checksum) = bytes.split_at(bytes.len() - DIGEST_LEN);
    if Sha256::digest(bytes).as_slice() != checksum {
        return Err(file_error(path, "corrupted (its checksum does not match)"));
    }
    if bytes[MAGIC.len()] != kind.index() as u8 || bytes[MAGIC.len() + 1] != role {
        return Err(file_error(
            path,
            format!("not the {} circuit's {} key", kind.name(), role_name(role)),
        ));
    }
    if &bytes[MAGIC.len() + 2..header] != circuit {
        return Err(file_error(
            path,
            format!("made for another version of the {} circuit", kind.name()),
        ));
    }
    let body = &bytes[header..];
    // Vector lengths are checked against the bytes there are before anything is allocated for them.
    let vectors: &[u64] = if role == ROLE_PROVING {
        &[G1, G1, G2, G1, G1]
    } else {
        &[]
    };
    check_lengths(body, vectors).map_err(|why| file_error(path, why))?;
    let mut reader = body;
    let key = K::deserialize_compressed(&mut reader)
        .map_err(|e| file_error(path, format!("does not decode: {e}")))?;
    if !reader.is_empty() {
        return Err(file_error(path, format!("{} trailing bytes", reader.len())));
    }
    Ok(key)
}

/// Compressed sizes of BN254's points.
const G1: u64 = 32;
const G2: u64 = 64;
/// A compressed verifying key up to its vector: alpha (G1), beta, gamma and delta (G2).
const VK_FIXED: u64 = G1 + 3 * G2;

/// Walks the length prefixes of a compressed key (a verifying key, then for a proving key two G1
/// points and vectors of `vectors`' element sizes), refusing any that claims more bytes than remain.
fn check_lengths(body: &[u8], vectors: &[u64]) -> Result<(), String> {
    let vector = |at: &mut u64, size: u64| -> Result<(), String> {
        let start = usize::try_from(*at).map_err(|_| "truncated")?;
        let len = body
            .get(start..start.saturating_add(8))
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
            .ok_or("truncated")?;
        let end = len
            .checked_mul(size)
            .and_then(|n| n.checked_add(*at + 8))
            .ok_or("a vector's length overflows")?;
        if end > body.len() as u64 {
            return Err(format!("a vector of {len} points is longer than the file"));
        }
        *at = end;
        Ok(())
    };
    let mut at = VK_FIXED;
    vector(&mut at, G1)?;
    if !vectors.is_empty() {
        at += 2 * G1;
    }
    for &size in vectors {
        vector(&mut at, size)?;
    }
    Ok(())
}

fn role_name(role: u8) -> &'static str {
    if role == ROLE_PROVING {
        "proving"
    } else {
        "verifying"
    }
}
