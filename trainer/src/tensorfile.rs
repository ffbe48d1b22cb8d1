//! Named f32 tensors in a safetensors file (https://github.com/huggingface/safetensors: an
//! 8-byte little-endian header length, a JSON header of names, dtypes, shapes and offsets, then
//! the raw little-endian data). Checkpoints and exports both use it: written atomically (temp
//! file, fsync, rename), read back with every problem named by file and tensor.

use crate::error::{Error, Result};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One tensor on the host: shape and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl HostTensor {
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        HostTensor { shape, data }
    }

    pub fn bytes(&self) -> usize {
        self.data.len() * 4
    }
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::Data {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// Writes `tensors` (ordered by name) and `metadata` to `path` so that a reader sees the old file
/// or the new one, never a mix. Returns the file's size in bytes.
pub fn write(
    path: &Path,
    tensors: &BTreeMap<String, HostTensor>,
    metadata: HashMap<String, String>,
) -> Result<u64> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut views = Vec::with_capacity(tensors.len());
    for (name, t) in tensors {
        let view = TensorView::new(Dtype::F32, t.shape.clone(), bytemuck::cast_slice(&t.data))
            .map_err(|e| bad(path, format!("tensor {name}: {e}")))?;
        views.push((name.as_str(), view));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp: PathBuf = path.with_file_name(format!(
        ".{}.tmp-{}",
        name.unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<u64> {
        // Streams to disk: a medium checkpoint is gigabytes, not to be doubled in memory.
        safetensors::serialize_to_file(views, Some(metadata), &tmp)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let f = File::open(&tmp)?;
        f.sync_all()?;
        let size = f.metadata()?.len();
        fs::rename(&tmp, path)?;
        Ok(size)
    })();
    match result {
        Ok(n) => {
            if let Some(d) = dir.and_then(|d| File::open(d).ok()) {
                let _ = d.sync_all();
            }
            Ok(n)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(Error::io(path, e))
        }
    }
}

/// A whole file read back: tensors by name, and the header's metadata.
pub struct TensorFile {
    pub path: PathBuf,
    pub tensors: BTreeMap<String, HostTensor>,
    pub metadata: HashMap<String, String>,
}

impl TensorFile {
    /// The tensor `name`, or an error naming the file and the tensor.
    pub fn take(&mut self, name: &str) -> Result<HostTensor> {
        self.tensors
            .remove(name)
            .ok_or_else(|| bad(&self.path, format!("has no tensor `{name}`")))
    }

    /// The metadata entry `key`, or an error naming the file and the key.
    pub fn meta(&self, key: &str) -> Result<&str> {
        self.metadata
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| bad(&self.path, format!("has no metadata entry `{key}`")))
    }
}

pub fn read(path: &Path) -> Result<TensorFile> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    let st = SafeTensors::deserialize(&bytes)
        .map_err(|e| bad(path, format!("not a readable safetensors file: {e}")))?;
    let mut tensors = BTreeMap::new();
    for (name, view) in st.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(bad(
                path,
                format!("tensor {name} is {:?}, expected F32", view.dtype()),
            ));
        }
        // pod_collect copies, so the file's alignment does not matter.
        let data: Vec<f32> = bytemuck::pod_collect_to_vec(view.data());
        tensors.insert(name, HostTensor::new(view.shape().to_vec(), data));
    }
    let (_, header) = SafeTensors::read_metadata(&bytes)
        .map_err(|e| bad(path, format!("unreadable header: {e}")))?;
    Ok(TensorFile {
        path: path.to_owned(),
        tensors,
        metadata: header.metadata().clone().unwrap_or_default(),
    })
}

/// Only the header's metadata, without reading the tensors (a checkpoint's step, cheaply).
pub fn read_metadata(path: &Path) -> Result<HashMap<String, String>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut len = [0u8; 8];
    f.read_exact(&mut len).map_err(|e| Error::io(path, e))?;
    let n = u64::from_le_bytes(len);
    // safetensors caps headers at 100 MB; anything larger is not one.
    if n > 100_000_000 {
        return Err(bad(path, format!("header length {n} is not plausible")));
    }
    let mut header = vec![0u8; n as usize];
    f.read_exact(&mut header)
        .map_err(|e| bad(path, format!("truncated header: {e}")))?;
    let json: serde_json::Value = serde_json::from_slice(&header)
        .map_err(|e| bad(path, format!("header is not JSON: {e}")))?;
    let mut out = HashMap::new();
    if let Some(m) = json.get("__metadata__").and_then(|m| m.as_object()) {
        for (k, v) in m {
            if let Some(s) = v.as_str() {
                out.insert(k.clone(), s.to_owned());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_every_bit_and_the_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/t.safetensors");
        let mut tensors = BTreeMap::new();
        let odd = vec![1.5f32, -0.0, f32::MIN_POSITIVE, 3.0e-39, 1e30, -7.25];
        tensors.insert("a.b".to_owned(), HostTensor::new(vec![2, 3], odd.clone()));
        tensors.insert("c".to_owned(), HostTensor::new(vec![1], vec![0.1]));
        let meta = HashMap::from([("step".to_owned(), "40".to_owned())]);
        let size = write(&path, &tensors, meta).unwrap();
        assert_eq!(size, fs::metadata(&path).unwrap().len());
        let mut back = read(&path).unwrap();
        let a = back.take("a.b").unwrap();
        assert_eq!(a.shape, [2, 3]);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.data), bits(&odd));
        assert_eq!(back.meta("step").unwrap(), "40");
        assert_eq!(read_metadata(&path).unwrap()["step"], "40");
        let err = back.take("zz").unwrap_err().to_string();
        assert!(
            err.contains("t.safetensors") && err.contains("`zz`"),
            "{err}"
        );
        // No temporary file is left beside it.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn a_truncated_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.safetensors");
        let tensors = BTreeMap::from([("x".to_owned(), HostTensor::new(vec![4], vec![1.0; 4]))]);
        write(&path, &tensors, HashMap::new()).unwrap();
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let err = read(&path).err().unwrap().to_string();
        assert!(err.contains("t.safetensors"), "{err}");
        fs::write(&path, &bytes[..5]).unwrap();
        assert!(read_metadata(&path).is_err());
    }
}
