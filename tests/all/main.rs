//! Causeway's integration tests: one binary, one module per area (as wasmtime's `tests/all`).

mod adapter;
mod cli;
mod cli_resources;
mod corpus;
mod debug;
mod differential;
mod dynamic;
mod embed;
mod hostile;
mod lifecycle;
mod malformed;
mod perf_map;
mod resources;
mod riscv;
mod riscv_debug;
mod riscv_random;
mod riscv_runtime;
mod snapshot;
mod store;
mod tel;
mod tel_debug;
mod tel_embed;
mod tel_hostile;
mod zk;
