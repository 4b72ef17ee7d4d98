//! The deterministic binary encoding of [`ResourceRegister`] and [`Relationship`]: the on-disk
//! format of [`super::persistent::PersistentStore`] and the canonical bytes tests compare stores by.
//!
//! Owns the format and nothing else. Decoding must never panic, never allocate more than the input's
//! length, and must reject every malformed input (unknown version or record type, truncation,
//! trailing bytes, invalid UTF-8, unknown tags) with `ResourceError::Store`. Encoding is a pure
//! function of the value: equal values give equal bytes. It must never check operation rules or size
//! limits (`MAX_DATA_LEN` and friends are the resource layer's); it only refuses what the format
//! cannot represent (a field longer than `u32::MAX` bytes).
//!
//! # Layout (format version 1)
//!
//! All integers are little-endian. `bytes` is a `u32` length followed by that many bytes; `str` is a
//! `bytes` holding UTF-8. Every record starts with two bytes: the format version (`1`) and the record
//! type (`1` register, `2` relationship). A record is exactly as long as its fields: trailing bytes
//! are an error.
//!
//! Register (`record type 1`):
//!
//! | field    | encoding                                               |
//! |----------|--------------------------------------------------------|
//! | version  | `u8` = 1                                               |
//! | type     | `u8` = 1                                               |
//! | id       | 32 bytes                                               |
//! | kind     | `str`                                                  |
//! | quantity | `u128` (16 bytes)                                      |
//! | data     | `bytes`                                                |
//! | owner    | 32 bytes                                               |
//! | domain   | `str`                                                  |
//! | state    | `u8`: 0 active, 1 locked, 2 frozen, 3 consumed         |
//! | version  | `u64` (the register's change counter)                  |
//! | nonce    | `u64` (the creation nonce)                             |
//!
//! Relationship (`record type 2`):
//!
//! | field    | encoding                                                          |
//! |----------|-------------------------------------------------------------------|
//! | version  | `u8` = 1                                                          |
//! | type     | `u8` = 2                                                          |
//! | id       | `u64`                                                             |
//! | source   | 32 bytes                                                          |
//! | target   | 32 bytes                                                          |
//! | kind     | `u8`: 0 contains, 1 depends-on, 2 derived-from, 3 custom          |
//! | name     | `str`, present only when kind is 3 (custom)                       |

use crate::error::{ResourceError, VmError};
use crate::types::{
    DomainId, OwnerId, RegisterState, Relationship, RelationshipType, ResourceId, ResourceRegister,
};

/// The format version every record starts with.
pub const FORMAT_VERSION: u8 = 1;
/// Record type byte of a register.
pub const RECORD_REGISTER: u8 = 1;
/// Record type byte of a relationship.
pub const RECORD_RELATIONSHIP: u8 = 2;

fn store_error(msg: String) -> VmError {
    VmError::ResourceError(ResourceError::Store(msg))
}

fn put_bytes(out: &mut Vec<u8>, what: &str, bytes: &[u8]) -> Result<(), VmError> {
    let len = u32::try_from(bytes.len()).map_err(|_| {
        store_error(format!(
            "cannot encode {what}: {} bytes exceed the format's limit of 2^32-1",
            bytes.len()
        ))
    })?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

fn state_tag(s: RegisterState) -> u8 {
    match s {
        RegisterState::Active => 0,
        RegisterState::Locked => 1,
        RegisterState::Frozen => 2,
        RegisterState::Consumed => 3,
    }
}

/// Encodes a register (see the module docs for the layout).
pub fn encode_register(r: &ResourceRegister) -> Result<Vec<u8>, VmError> {
    let mut out = Vec::with_capacity(
        2 + 32 + 4 + r.kind.len() + 16 + 4 + r.data.len() + 32 + 4 + r.domain.0.len() + 17,
    );
    out.push(FORMAT_VERSION);
    out.push(RECORD_REGISTER);
    out.extend_from_slice(&r.id.0);
    put_bytes(&mut out, "register kind", r.kind.as_bytes())?;
    out.extend_from_slice(&r.quantity.to_le_bytes());
    put_bytes(&mut out, "register data", &r.data)?;
    out.extend_from_slice(&r.owner.0);
    put_bytes(&mut out, "register domain", r.domain.0.as_bytes())?;
    out.push(state_tag(r.state));
    out.extend_from_slice(&r.version.to_le_bytes());
    out.extend_from_slice(&r.nonce.to_le_bytes());
    Ok(out)
}

/// Encodes a relationship (see the module docs for the layout).
pub fn encode_relationship(r: &Relationship) -> Result<Vec<u8>, VmError> {
    let mut out = Vec::with_capacity(2 + 8 + 64 + 1);
    out.push(FORMAT_VERSION);
    out.push(RECORD_RELATIONSHIP);
    out.extend_from_slice(&r.id.to_le_bytes());
    out.extend_from_slice(&r.source.0);
    out.extend_from_slice(&r.target.0);
    match &r.kind {
        RelationshipType::Contains => out.push(0),
        RelationshipType::DependsOn => out.push(1),
        RelationshipType::DerivedFrom => out.push(2),
        RelationshipType::Custom(name) => {
            out.push(3);
            put_bytes(&mut out, "relationship kind", name.as_bytes())?;
        }
    }
    Ok(out)
}

/// A cursor over the input that fails (rather than panics) when the input runs out.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn error(&self, msg: impl std::fmt::Display) -> VmError {
        store_error(format!(
            "malformed {} record at byte {}: {msg}",
            self.what, self.pos
        ))
    }

    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], VmError> {
        let rest = &self.bytes[self.pos..];
        if rest.len() < n {
            return Err(self.error(format_args!("{field} needs {n} bytes, {} left", rest.len())));
        }
        self.pos += n;
        Ok(&rest[..n])
    }

    fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N], VmError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    fn u8(&mut self, field: &str) -> Result<u8, VmError> {
        Ok(self.array::<1>(field)?[0])
    }

    fn u64(&mut self, field: &str) -> Result<u64, VmError> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    fn u128(&mut self, field: &str) -> Result<u128, VmError> {
        Ok(u128::from_le_bytes(self.array(field)?))
    }

    fn bytes(&mut self, field: &str) -> Result<&'a [u8], VmError> {
        let len = u32::from_le_bytes(self.array(field)?) as usize;
        self.take(len, field)
    }

    fn string(&mut self, field: &str) -> Result<String, VmError> {
        let start = self.pos;
        let bytes = self.bytes(field)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => {
                self.pos = start;
                Err(self.error(format_args!("{field} is not UTF-8 ({e})")))
            }
        }
    }

    fn header(&mut self, record: u8) -> Result<(), VmError> {
        let version = self.u8("format version")?;
        if version != FORMAT_VERSION {
            return Err(self.error(format_args!(
                "format version {version} is not supported (this build reads version {FORMAT_VERSION})"
            )));
        }
        let ty = self.u8("record type")?;
        if ty != record {
            return Err(self.error(format_args!("record type is {ty}, expected {record}")));
        }
        Ok(())
    }

    fn finish(&self) -> Result<(), VmError> {
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            n => Err(self.error(format_args!("{n} trailing bytes"))),
        }
    }
}

/// Decodes a register; malformed input is a `ResourceError::Store`.
pub fn decode_register(bytes: &[u8]) -> Result<ResourceRegister, VmError> {
    let mut r = Reader {
        bytes,
        pos: 0,
        what: "register",
    };
    r.header(RECORD_REGISTER)?;
    let id = ResourceId(r.array("id")?);
    let kind = r.string("kind")?;
    let quantity = r.u128("quantity")?;
    let data = r.bytes("data")?.to_vec();
    let owner = OwnerId(r.array("owner")?);
    let domain = DomainId(r.string("domain")?);
    let state = match r.u8("state")? {
        0 => RegisterState::Active,
        1 => RegisterState::Locked,
        2 => RegisterState::Frozen,
        3 => RegisterState::Consumed,
        t => return Err(r.error(format_args!("unknown state tag {t}"))),
    };
    let version = r.u64("version")?;
    let nonce = r.u64("nonce")?;
    r.finish()?;
    Ok(ResourceRegister {
        id,
        kind,
        quantity,
        data,
        owner,
        domain,
        state,
        version,
        nonce,
    })
}

/// Decodes a relationship; malformed input is a `ResourceError::Store`.
pub fn decode_relationship(bytes: &[u8]) -> Result<Relationship, VmError> {
    let mut r = Reader {
        bytes,
        pos: 0,
        what: "relationship",
    };
    r.header(RECORD_RELATIONSHIP)?;
    let id = r.u64("id")?;
    let source = ResourceId(r.array("source")?);
    let target = ResourceId(r.array("target")?);
    let kind = match r.u8("kind")? {
        0 => RelationshipType::Contains,
        1 => RelationshipType::DependsOn,
        2 => RelationshipType::DerivedFrom,
        3 => RelationshipType::Custom(r.string("custom kind")?),
        t => return Err(r.error(format_args!("unknown relationship kind tag {t}"))),
    };
    r.finish()?;
    Ok(Relationship {
        id,
        source,
        target,
        kind,
    })
}
