//! How run.json spells a hash (`config_hash`, `data_hash`, a vocabulary's `vocab_hash`): the
//! digest's bytes as lowercase hex.

/// `bytes` as lowercase hex, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
