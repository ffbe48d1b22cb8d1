//! The fused kernels on burn's Flex CPU backend, forward only (evaluation): tensors to host
//! slices (no copy when contiguous), the kernel, and back.

use super::gemm::Mat;
use super::linear::product;
use super::{attention, elementwise, head, norm, HostSide, Kernels};
use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use std::borrow::Cow;
use std::sync::Arc;

/// A Flex tensor's f32 elements in row-major order: borrowed when contiguous, else copied.
pub(super) fn slice(t: &FlexTensor) -> Cow<'_, [f32]> {
    match t.as_slice::<f32>() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(
            t.to_contiguous()
                .into_data()
                .into_vec::<f32>()
                .expect("the model computes in f32"),
        ),
    }
}

/// A Flex tensor holding `data` (moved, not copied).
pub(super) fn flex<const D: usize>(data: Vec<f32>, shape: [usize; D]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(data, shape))
}

/// The backend primitive of a float tensor.
pub(super) fn primitive<B: burn::tensor::backend::Backend, const D: usize>(
    t: Tensor<B, D>,
) -> B::FloatTensorPrimitive {
    t.into_primitive().tensor()
}

/// A float tensor from its backend primitive.
pub(super) fn tensor<B: burn::tensor::backend::Backend, const D: usize>(
    p: B::FloatTensorPrimitive,
) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(p))
}

/// Values of a small tensor (lambdas).
pub(super) fn values(t: &FlexTensor) -> Vec<f32> {
    slice(t).into_owned()
}

impl Kernels for Flex {
    const FUSED: bool = true;

    fn fused_rms_norm(x: Tensor<Self, 2>) -> Tensor<Self, 2> {
        let shape = x.dims();
        let (y, _) = norm::forward(&slice(&primitive(x)), shape[1]);
        tensor(flex(y, shape))
    }

    fn fused_relu_square(x: Tensor<Self, 2>) -> Tensor<Self, 2> {
        let shape = x.dims();
        tensor(flex(
            elementwise::relu_square_forward(&slice(&primitive(x))),
            shape,
        ))
    }

    fn fused_embedding(table: Tensor<Self, 2>, host: &Arc<HostSide>) -> Tensor<Self, 2> {
        let d = table.dims()[1];
        let ids = &host.batch.inputs;
        let y = elementwise::embedding_forward(&slice(&primitive(table)), d, ids);
        tensor(flex(y, [ids.len(), d]))
    }

    fn fused_linear(x: Tensor<Self, 2>, w: Tensor<Self, 2>) -> Tensor<Self, 2> {
        let ([rows, k], [_, n]) = (x.dims(), w.dims());
        let (x, w) = (primitive(x), primitive(w));
        let y = product(Mat::new(&slice(&x), rows, k), Mat::new(&slice(&w), k, n));
        tensor(flex(y, [rows, n]))
    }

    fn fused_mix(
        x: Tensor<Self, 2>,
        x0s: Tensor<Self, 2>,
        lam: Tensor<Self, 1>,
    ) -> Tensor<Self, 2> {
        let shape = x.dims();
        let (x, x0s, lam) = (primitive(x), primitive(x0s), values(&primitive(lam)));
        tensor(flex(
            elementwise::mix_forward(&slice(&x), &slice(&x0s), &lam),
            shape,
        ))
    }

    fn fused_attention(
        qkv: Tensor<Self, 2>,
        ve: Option<Tensor<Self, 2>>,
        lam: Tensor<Self, 1>,
        host: &Arc<HostSide>,
    ) -> Tensor<Self, 2> {
        let (qkv, ve) = (primitive(qkv), ve.map(primitive));
        let lam = values(&primitive(lam));
        let (qkv_s, ve_s) = (slice(&qkv), ve.as_ref().map(slice));
        let out = attention::forward(&host.attention(&qkv_s, ve_s.as_deref(), [lam[0], lam[1]]));
        tensor(flex(out.y, [host.dims.rows(), host.dims.hdim()]))
    }

    fn fused_head_loss(
        x: Tensor<Self, 2>,
        w: Tensor<Self, 2>,
        host: &Arc<HostSide>,
    ) -> Tensor<Self, 1> {
        let d = x.dims()[1];
        let (x, w) = (primitive(x), primitive(w));
        let (loss, _) = head::forward(&slice(&x), &slice(&w), d, &host.batch.targets, false);
        tensor(flex(vec![loss as f32], [1]))
    }
}
