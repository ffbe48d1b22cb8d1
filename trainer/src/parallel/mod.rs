//! The multi-device code: a step's rows shared out among peers ([`accum`]) in pools of their
//! own ([`peers`]), one thread per device in this process ([`devices`]), the peers' all-reduce
//! and agreement ([`collective`]), and runs over several machines ([`nodes`]).

pub mod accum;
pub mod collective;
pub mod devices;
pub mod nodes;
pub mod peers;
