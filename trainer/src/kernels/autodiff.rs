//! The fused kernels on `Autodiff<Flex>`: each forward runs the host kernel on the inner Flex
//! tensors and registers a hand-written backward step with burn's autodiff graph (burn's
//! backend extension). A step's state holds what its backward pass reads: inputs shared with the
//! graph (no copy) and a few per-row numbers, never `[seq, seq]` scores.

use super::flex::{flex, primitive, slice, tensor, values};
use super::gemm::Mat;
use super::linear::product;
use super::{attention, elementwise, head, norm, HostSide, Kernels};
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{unary, Backward, Ops, OpsKind};
use burn::backend::autodiff::NodeId;
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, Flex};
use burn::tensor::Tensor;
use std::sync::Arc;

type Ad = Autodiff<Flex>;

/// Registers a gradient for a parent that wants one.
fn give<const D: usize>(
    grads: &mut Gradients,
    parent: Option<NodeId>,
    g: Vec<f32>,
    shape: [usize; D],
) {
    if let Some(id) = parent {
        grads.register::<Flex>(id, flex(g, shape));
    }
}

/// Runs `forward` (told whether a gradient will be needed) and records `step` with the state it
/// returns, or records nothing when no input needs a gradient.
macro_rules! record {
    ($step:expr, [$($node:expr),+], |$tracked:ident| $forward:expr) => {{
        match $step.prepare::<NoCheckpointing>([$($node),+]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let $tracked = true;
                let (state, out) = $forward;
                prep.finish(state.expect("a tracked step keeps its state"), out)
            }
            OpsKind::UnTracked(prep) => {
                let $tracked = false;
                let (_, out) = $forward;
                prep.finish(out)
            }
        }
    }};
}

#[derive(Debug)]
struct RmsNormStep;

impl Backward<Flex, 1> for RmsNormStep {
    /// The output, each row's factor, the shape.
    type State = (FlexTensor, Vec<f32>, [usize; 2]);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (y, r, shape) = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |dy| {
            flex(norm::backward(&slice(&y), &r, &slice(&dy), shape[1]), shape)
        });
    }
}

#[derive(Debug)]
struct ReluSquareStep;

impl Backward<Flex, 1> for ReluSquareStep {
    type State = (FlexTensor, [usize; 2]);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (x, shape) = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |dy| {
            flex(
                elementwise::relu_square_backward(&slice(&x), &slice(&dy)),
                shape,
            )
        });
    }
}

#[derive(Debug)]
struct EmbeddingStep;

impl Backward<Flex, 1> for EmbeddingStep {
    /// The batch (its input tokens) and the table's shape.
    type State = (Arc<HostSide>, [usize; 2]);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (host, [vocab, d]) = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |dy| {
            let g = elementwise::embedding_backward(vocab, d, &host.batch.inputs, &slice(&dy));
            flex(g, [vocab, d])
        });
    }
}

#[derive(Debug)]
struct LinearStep;

impl Backward<Flex, 2> for LinearStep {
    /// x, w, and `[rows, in, out]`.
    type State = (FlexTensor, FlexTensor, [usize; 3]);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (x, w, [rows, k, n]) = ops.state;
        let dy = grads.consume::<Flex>(&ops.node);
        let dy = slice(&dy);
        let dym = Mat::new(&dy, rows, n);
        let [px, pw] = ops.parents.map(|p| p.map(|n| n.id));
        if px.is_some() {
            let dx = product(dym, Mat::new(&slice(&w), k, n).t());
            give(grads, px, dx, [rows, k]);
        }
        if pw.is_some() {
            let dw = product(Mat::new(&slice(&x), rows, k).t(), dym);
            give(grads, pw, dw, [k, n]);
        }
    }
}

#[derive(Debug)]
struct MixStep;

impl Backward<Flex, 3> for MixStep {
    /// x, the stacked embeddings, λ, the shape of x.
    type State = (FlexTensor, FlexTensor, Vec<f32>, [usize; 2]);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (x, x0s, lam, shape) = ops.state;
        let dy = grads.consume::<Flex>(&ops.node);
        let (dx, dx0s, dlam) =
            elementwise::mix_backward(&slice(&x), &slice(&x0s), &lam, &slice(&dy));
        let [px, ps, pl] = ops.parents.map(|p| p.map(|n| n.id));
        give(grads, px, dx, shape);
        give(grads, ps, dx0s, [lam.len() - 1, shape[0] * shape[1]]);
        give(
            grads,
            pl,
            dlam.iter().map(|&g| g as f32).collect(),
            [lam.len()],
        );
    }
}

/// Attention's state: the inputs (ve optional), the output and the softmax denominators.
#[derive(Debug, Clone)]
struct AttentionState {
    host: Arc<HostSide>,
    qkv: FlexTensor,
    ve: Option<FlexTensor>,
    lam: [f32; 2],
    y: FlexTensor,
    denom: Vec<f32>,
}

/// `N` = 3 with a value embedding (qkv, ve, λ), 2 without (qkv, λ).
#[derive(Debug)]
struct AttentionStep<const N: usize>;

impl<const N: usize> Backward<Flex, N> for AttentionStep<N> {
    type State = AttentionState;

    fn backward(self, ops: Ops<Self::State, N>, grads: &mut Gradients, _: &mut Checkpointer) {
        let s = ops.state;
        let dy = grads.consume::<Flex>(&ops.node);
        let (qkv, ve) = (slice(&s.qkv), s.ve.as_ref().map(slice));
        let g = attention::backward(
            &s.host.attention(&qkv, ve.as_deref(), s.lam),
            &slice(&s.y),
            &s.denom,
            &slice(&dy),
        );
        let ids: Vec<Option<NodeId>> = ops
            .parents
            .iter()
            .map(|p| p.as_ref().map(|n| n.id))
            .collect();
        let (rows, hdim) = (s.host.dims.rows(), s.host.dims.hdim());
        give(grads, ids[0], g.dqkv, [rows, 3 * hdim]);
        if let (Some(dve), 3) = (g.dve, N) {
            give(grads, ids[1], dve, [rows, hdim]);
        }
        give(
            grads,
            ids[N - 1],
            g.dlam.iter().map(|&x| x as f32).collect(),
            [2],
        );
    }
}

#[derive(Debug)]
struct HeadLossStep;

impl Backward<Flex, 2> for HeadLossStep {
    /// x, the head, and the loss's gradient with respect to the logits (computed with it).
    type State = (FlexTensor, FlexTensor, head::Logits, usize);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let (x, w, dz, d) = ops.state;
        let g = slice(&grads.consume::<Flex>(&ops.node))[0];
        let (dx, dw) = head::backward(&slice(&x), &slice(&w), d, &dz, g);
        let [px, pw] = ops.parents.map(|p| p.map(|n| n.id));
        give(grads, px, dx, [dz.rows, d]);
        give(grads, pw, dw, [d, dz.width]);
    }
}

impl Kernels for Ad {
    const FUSED: bool = true;

    fn fused_rms_norm(x: Tensor<Self, 2>) -> Tensor<Self, 2> {
        let shape = x.dims();
        let x = primitive(x);
        tensor(record!(RmsNormStep, [x.node.clone()], |tracked| {
            let (y, r) = norm::forward(&slice(&x.primitive), shape[1]);
            let y = flex(y, shape);
            (tracked.then(|| (y.clone(), r, shape)), y)
        }))
    }

    fn fused_relu_square(x: Tensor<Self, 2>) -> Tensor<Self, 2> {
        let shape = x.dims();
        let x = primitive(x);
        tensor(record!(ReluSquareStep, [x.node.clone()], |tracked| {
            let y = flex(
                elementwise::relu_square_forward(&slice(&x.primitive)),
                shape,
            );
            (tracked.then(|| (x.primitive.clone(), shape)), y)
        }))
    }

    fn fused_embedding(table: Tensor<Self, 2>, host: &Arc<HostSide>) -> Tensor<Self, 2> {
        let shape = table.dims();
        let table = primitive(table);
        let ids = &host.batch.inputs;
        tensor(record!(EmbeddingStep, [table.node.clone()], |tracked| {
            let y = elementwise::embedding_forward(&slice(&table.primitive), shape[1], ids);
            (
                tracked.then(|| (host.clone(), shape)),
                flex(y, [ids.len(), shape[1]]),
            )
        }))
    }

    fn fused_linear(x: Tensor<Self, 2>, w: Tensor<Self, 2>) -> Tensor<Self, 2> {
        let ([rows, k], [_, n]) = (x.dims(), w.dims());
        let (x, w) = (primitive(x), primitive(w));
        tensor(record!(
            LinearStep,
            [x.node.clone(), w.node.clone()],
            |tracked| {
                let y = product(
                    Mat::new(&slice(&x.primitive), rows, k),
                    Mat::new(&slice(&w.primitive), k, n),
                );
                let state =
                    tracked.then(|| (x.primitive.clone(), w.primitive.clone(), [rows, k, n]));
                (state, flex(y, [rows, n]))
            }
        ))
    }

    fn fused_mix(
        x: Tensor<Self, 2>,
        x0s: Tensor<Self, 2>,
        lam: Tensor<Self, 1>,
    ) -> Tensor<Self, 2> {
        let shape = x.dims();
        let (x, x0s, lam) = (primitive(x), primitive(x0s), primitive(lam));
        let nodes = [x.node.clone(), x0s.node.clone(), lam.node.clone()];
        tensor(record!(
            MixStep,
            [nodes[0].clone(), nodes[1].clone(), nodes[2].clone()],
            |tracked| {
                let l = values(&lam.primitive);
                let y = elementwise::mix_forward(&slice(&x.primitive), &slice(&x0s.primitive), &l);
                let state = tracked.then(|| (x.primitive.clone(), x0s.primitive.clone(), l, shape));
                (state, flex(y, shape))
            }
        ))
    }

    fn fused_attention(
        qkv: Tensor<Self, 2>,
        ve: Option<Tensor<Self, 2>>,
        lam: Tensor<Self, 1>,
        host: &Arc<HostSide>,
    ) -> Tensor<Self, 2> {
        let (qkv, ve, lam) = (primitive(qkv), ve.map(primitive), primitive(lam));
        let l = values(&lam.primitive);
        let l = [l[0], l[1]];
        let forward = |tracked: bool| {
            let (q, e) = (
                slice(&qkv.primitive),
                ve.as_ref().map(|v| slice(&v.primitive)),
            );
            let out = attention::forward(&host.attention(&q, e.as_deref(), l));
            let y = flex(out.y, [host.dims.rows(), host.dims.hdim()]);
            let state = tracked.then(|| AttentionState {
                host: host.clone(),
                qkv: qkv.primitive.clone(),
                ve: ve.as_ref().map(|v| v.primitive.clone()),
                lam: l,
                y: y.clone(),
                denom: out.denom,
            });
            (state, y)
        };
        tensor(match &ve {
            Some(e) => record!(
                AttentionStep::<3>,
                [qkv.node.clone(), e.node.clone(), lam.node.clone()],
                |tracked| forward(tracked)
            ),
            None => record!(
                AttentionStep::<2>,
                [qkv.node.clone(), lam.node.clone()],
                |tracked| forward(tracked)
            ),
        })
    }

    fn fused_head_loss(
        x: Tensor<Self, 2>,
        w: Tensor<Self, 2>,
        host: &Arc<HostSide>,
    ) -> Tensor<Self, 1> {
        let d = x.dims()[1];
        let (x, w) = (primitive(x), primitive(w));
        tensor(record!(
            HeadLossStep,
            [x.node.clone(), w.node.clone()],
            |tracked| {
                let targets = &host.batch.targets;
                let (loss, dz) = head::forward(
                    &slice(&x.primitive),
                    &slice(&w.primitive),
                    d,
                    targets,
                    tracked,
                );
                let state = dz.map(|dz| (x.primitive.clone(), w.primitive.clone(), dz, d));
                (state, flex(vec![loss as f32], [1]))
            }
        ))
    }
}
