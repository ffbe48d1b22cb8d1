//! Feature pins for the report's dependencies (see Cargo.toml): no code, only the features a
//! build of the report alone must turn on so that its crates are compiled once, whether
//! `make post` (the report alone) or `make test` (the whole workspace) builds them first.
