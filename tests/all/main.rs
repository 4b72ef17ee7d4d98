//! Causeway's integration tests: one binary, one module per area (as wasmtime's `tests/all`).

mod corpus;
mod differential;
mod hostile;
