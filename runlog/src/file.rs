//! Opening a run's files: only regular files are read.

use std::fs;
use std::path::Path;

/// The bytes of the regular file at `path` (symbolic links followed). Anything else is an error
/// before it is opened: reading a named pipe would wait forever, a device never end.
pub(crate) fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other(if meta.is_dir() {
            "a folder, not a file"
        } else {
            "not a regular file (a named pipe, socket or device); refused unread"
        }));
    }
    fs::read(path)
}
