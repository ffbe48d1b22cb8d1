//! A module's float parameters by path (`embeds.0`, `blocks.3.attn.q`: field names and Vec
//! indices joined by dots), to the host and back. The one walker that names them ([`visit`],
//! [`map`]) serves the checkpoints, the export, the optimiser and its groups.

use crate::error::{Error, Result};
use crate::tensorfile::HostTensor;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use std::collections::BTreeMap;
use std::path::Path;

/// What [`visit`] does with each float parameter, given its path.
pub trait Visit<B: Backend> {
    fn float<const D: usize>(&mut self, path: String, param: &Param<Tensor<B, D>>);
}

/// What [`map`] does with each float parameter, given its path.
pub trait Map<B: Backend> {
    fn float<const D: usize>(
        &mut self,
        path: String,
        param: Param<Tensor<B, D>>,
    ) -> Param<Tensor<B, D>>;
}

/// The walker: keeps the path of the module it is in.
struct Walker<V> {
    path: Vec<String>,
    inner: V,
}

impl<B: Backend, V: Visit<B>> ModuleVisitor<B> for Walker<V> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_owned());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        self.inner.float(self.path.join("."), param);
    }
}

impl<B: Backend, V: Map<B>> ModuleMapper<B> for Walker<V> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_owned());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        self.inner.float(self.path.join("."), param)
    }
}

/// Calls `v` on every float parameter of `module` with its path, in the module's order.
pub fn visit<B: Backend, M: Module<B>, V: Visit<B>>(module: &M, v: V) -> V {
    let mut w = Walker {
        path: Vec::new(),
        inner: v,
    };
    module.visit(&mut w);
    w.inner
}

/// `module` with every float parameter replaced by what `v` makes of it, given its path.
pub fn map<B: Backend, M: Module<B>, V: Map<B>>(module: M, v: V) -> (M, V) {
    let mut w = Walker {
        path: Vec::new(),
        inner: v,
    };
    let module = module.map(&mut w);
    (module, w.inner)
}

/// The path of every float parameter, in the module's order.
pub fn paths<B: Backend, M: Module<B>>(module: &M) -> Vec<String> {
    struct Paths(Vec<String>);
    impl<B: Backend> Visit<B> for Paths {
        fn float<const D: usize>(&mut self, path: String, _param: &Param<Tensor<B, D>>) {
            self.0.push(path);
        }
    }
    visit(module, Paths(Vec::new())).0
}

/// Every float parameter of `module`, copied to the host.
pub fn collect<B: Backend, M: Module<B>>(module: &M) -> BTreeMap<String, HostTensor> {
    struct Collector(BTreeMap<String, HostTensor>);
    impl<B: Backend> Visit<B> for Collector {
        fn float<const D: usize>(&mut self, path: String, param: &Param<Tensor<B, D>>) {
            let t = param.val();
            let shape = t.dims().to_vec();
            let data = t
                .into_data()
                .convert::<f32>()
                .into_vec::<f32>()
                .expect("converted to f32");
            self.0.insert(path, HostTensor::new(shape, data));
        }
    }
    visit(module, Collector(BTreeMap::new())).0
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
    let loader = Loader {
        values,
        prefix,
        errors: Vec::new(),
    };
    let (module, l) = map(module, loader);
    if !l.errors.is_empty() {
        return Err(Error::Data {
            path: source.to_owned(),
            message: l.errors.join("; "),
        });
    }
    Ok(module)
}

struct Loader<'a> {
    values: &'a mut BTreeMap<String, HostTensor>,
    prefix: &'a str,
    errors: Vec<String>,
}

impl<B: Backend> Map<B> for Loader<'_> {
    fn float<const D: usize>(
        &mut self,
        path: String,
        param: Param<Tensor<B, D>>,
    ) -> Param<Tensor<B, D>> {
        let name = format!("{}{path}", self.prefix);
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
