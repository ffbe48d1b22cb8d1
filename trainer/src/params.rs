//! A module's float parameters by path (`embeds.0`, `blocks.3.attn.q`: field names and Vec
//! indices joined by dots, as optim names them), to the host and back. Checkpoints and the
//! export are built on this.

use crate::error::{Error, Result};
use crate::tensorfile::HostTensor;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use std::collections::BTreeMap;
use std::path::Path;

/// Every float parameter of `module`, copied to the host.
pub fn collect<B: Backend, M: Module<B>>(module: &M) -> BTreeMap<String, HostTensor> {
    let mut c = Collector {
        path: Vec::new(),
        out: BTreeMap::new(),
    };
    module.visit(&mut c);
    c.out
}

struct Collector {
    path: Vec<String>,
    out: BTreeMap<String, HostTensor>,
}

impl<B: Backend> ModuleVisitor<B> for Collector {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_owned());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let t = param.val();
        let shape = t.dims().to_vec();
        let data = t
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .expect("converted to f32");
        self.out
            .insert(self.path.join("."), HostTensor::new(shape, data));
    }
}

/// `module` with every float parameter replaced by the tensor of its path in `values` (which
/// must hold each one, with its shape). Parameter ids and gradient flags are kept. `source`
/// names the file the values came from, for the errors.
pub fn load<B: Backend, M: Module<B>>(
    module: M,
    values: &mut BTreeMap<String, HostTensor>,
    prefix: &str,
    source: &Path,
) -> Result<M> {
    let mut l = Loader {
        path: Vec::new(),
        values,
        prefix,
        errors: Vec::new(),
    };
    let module = module.map(&mut l);
    if !l.errors.is_empty() {
        return Err(Error::Data {
            path: source.to_owned(),
            message: l.errors.join("; "),
        });
    }
    Ok(module)
}

struct Loader<'a> {
    path: Vec<String>,
    values: &'a mut BTreeMap<String, HostTensor>,
    prefix: &'a str,
    errors: Vec<String>,
}

impl<B: Backend> ModuleMapper<B> for Loader<'_> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_owned());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let name = format!("{}{}", self.prefix, self.path.join("."));
        let (id, tensor, mapper) = param.consume();
        let dims = tensor.dims();
        let Some(v) = self.values.remove(&name) else {
            self.errors.push(format!("no tensor `{name}`"));
            return Param::from_mapped_value(id, tensor, mapper);
        };
        if v.shape != dims {
            self.errors.push(format!(
                "tensor `{name}` has shape {:?}, the model expects {dims:?}",
                v.shape
            ));
            return Param::from_mapped_value(id, tensor, mapper);
        }
        let grad = tensor.is_require_grad();
        let device = tensor.device();
        let mut t = Tensor::<B, D>::from_data(TensorData::new(v.data, dims), &device);
        if grad {
            t = t.require_grad();
        }
        Param::from_mapped_value(id, t, mapper)
    }
}
