//! The vectors the lens decodes, from one batch through the model: named as the original study
//! names them (`runlog::lens_components`), each `[rows, dim]`.

use crate::kernels::{linear, Kernels};
use crate::model::{value_embed_of, Batch, Gpt};
use burn::tensor::Tensor;

/// Every component of `model`'s lens on `batch`, in `runlog::lens_components`' order.
pub(super) fn of<B: Kernels>(model: &Gpt<B>, batch: &Batch<B>) -> Vec<(String, Tensor<B, 2>)> {
    let t = model.trunk(batch, false, true);
    let mut out: Vec<(String, Tensor<B, 2>)> = Vec::new();
    let inputs = t.x_inputs.expect("asked for the layers' inputs");
    for (i, x) in inputs.into_iter().enumerate() {
        out.push((format!("x-{i}"), x));
    }
    out.push(("x-out".into(), t.x));
    for (i, x) in t.x0s.into_iter().enumerate() {
        out.push((runlog::lambda_key(i), x));
    }
    for (i, v) in t.ves.iter().enumerate() {
        out.push((format!("ve{i}"), v.clone()));
    }
    let sa = model.sa_lambdas.val();
    for (v, layer) in runlog::VALUE_EMBED_LAYERS {
        debug_assert_eq!(
            value_embed_of(layer),
            Some(v),
            "the contract's pattern is the model's"
        );
        let Some(attn) = &model.blocks[layer].attn else {
            continue;
        };
        // What the value embedding adds to v in this layer (λve·ve), through its output
        // projection. The original scales by sa_lambdas of the embedding's index, not of the
        // layer; after the head's norm only the lambda's sign is left either way.
        let lam_ve = sa.clone().slice([layer..layer + 1, 1..2]);
        let y = linear(t.ves[v].clone() * lam_ve, attn.o.val(), batch);
        out.push((format!("ve{v}_o{layer}"), y));
    }
    out
}
