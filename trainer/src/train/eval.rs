//! Evaluation: mean loss over the fixed validation batches (no autodiff), and the learned
//! scalars and residual norms the run log records.

use crate::data::loader::HostBatch;
use crate::kernels::{Kernels, Ops};
use crate::model::{Batch, Gpt, SKIPS};
use burn::tensor::backend::Backend;
use burn::tensor::ElementConversion;
use rayon::prelude::*;
use std::collections::BTreeMap;

pub struct Eval {
    pub val_loss: f64,
    /// Per layer, on the first validation batch.
    pub x_norms: Vec<f64>,
}

/// The batches go to the CPU threads side by side; their losses are summed in order.
pub fn evaluate<B: Kernels>(model: &Gpt<B>, batches: &[Batch<B>]) -> Eval {
    let outs: Vec<(f64, Option<Vec<f64>>)> = batches
        .par_iter()
        .enumerate()
        .map(|(i, b)| {
            let out = model.forward(b, i == 0);
            let norms = out.x_norms.map(|n| {
                n.into_iter()
                    .map(|n| n.into_scalar().elem::<f64>())
                    .collect()
            });
            (out.loss.into_scalar().elem::<f64>(), norms)
        })
        .collect();
    Eval {
        val_loss: outs.iter().map(|o| o.0).sum::<f64>() / batches.len() as f64,
        x_norms: outs.into_iter().find_map(|o| o.1).unwrap_or_default(),
    }
}

/// [`evaluate`] building each batch just before its pass (when all at once would not fit).
pub fn evaluate_each<B: Kernels>(
    model: &Gpt<B>,
    batches: &[HostBatch],
    ops: Ops,
    device: &B::Device,
) -> Eval {
    let mut total = 0.0;
    let mut x_norms = Vec::new();
    for (i, host) in batches.iter().enumerate() {
        let b = Batch::new(host, model.heads, model.head_dim, ops, device);
        let e = evaluate(model, std::slice::from_ref(&b));
        total += e.val_loss;
        if i == 0 {
            x_norms = e.x_norms;
        }
    }
    Eval {
        val_loss: total / batches.len() as f64,
        x_norms,
    }
}

fn rows<B: Backend>(t: burn::tensor::Tensor<B, 2>) -> Vec<Vec<f64>> {
    let [_, c] = t.dims();
    let v = t
        .into_data()
        .convert::<f64>()
        .into_vec::<f64>()
        .expect("f64");
    v.chunks(c).map(|r| r.to_vec()).collect()
}

/// The learned scalars in the run log's shapes.
pub struct Scalars {
    /// `x`, `x00`, ... -> one value per layer.
    pub lambdas: BTreeMap<String, Vec<f64>>,
    pub skip_weights: Vec<f64>,
    pub ve_lambdas: Vec<[f64; 2]>,
}

pub fn scalars<B: Backend>(model: &Gpt<B>) -> Scalars {
    let lam = rows(model.lambdas.val());
    let cols = lam.first().map_or(0, |r| r.len());
    let mut lambdas = BTreeMap::new();
    for j in 0..cols {
        let key = if j == 0 {
            "x".to_string()
        } else {
            runlog::lambda_key(j - 1)
        };
        lambdas.insert(key, lam.iter().map(|r| r[j]).collect());
    }
    let skip = model
        .skip_weights
        .val()
        .into_data()
        .convert::<f64>()
        .into_vec::<f64>()
        .expect("f64");
    debug_assert_eq!(skip.len(), SKIPS.len());
    let ve_lambdas = rows(model.sa_lambdas.val())
        .into_iter()
        .map(|r| [r[0], r[1]])
        .collect();
    Scalars {
        lambdas,
        skip_weights: skip,
        ve_lambdas,
    }
}
