//! Backend choice. Training code is generic over `B: TrainBackend` (an autodiff backend whose
//! two levels have the model's kernels); this is the one place that names concrete backends.
//! Flex (burn's pure-Rust CPU backend) is the default, and the one with fused kernels.

use crate::error::Result;
use crate::kernels::Kernels;
use burn::tensor::backend::AutodiffBackend;

/// A backend the model trains on: autodiff, with [`Kernels`] for training and for evaluation.
pub trait TrainBackend: AutodiffBackend<InnerBackend: Kernels> + Kernels {}
impl<B: AutodiffBackend<InnerBackend: Kernels> + Kernels> TrainBackend for B {}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// burn's Flex CPU backend (SIMD, rayon threads).
    Flex,
    /// A CUDA GPU (needs the `cuda` feature).
    Cuda,
}

impl DeviceKind {
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Flex => "flex-cpu",
            DeviceKind::Cuda => "cuda",
        }
    }
}

pub type FlexAutodiff = burn::backend::Autodiff<burn::backend::Flex>;
#[cfg(feature = "cuda")]
pub type CudaAutodiff = burn::backend::Autodiff<burn::backend::Cuda>;
// The fused kernels are CPU code: CUDA runs the plain ops (the trait's defaults).
#[cfg(feature = "cuda")]
impl Kernels for burn::backend::Cuda {}
#[cfg(feature = "cuda")]
impl Kernels for CudaAutodiff {}

/// Something to run on a backend chosen at run time.
pub trait WithBackend {
    type Output;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output;
}

/// Runs `job` on the backend `kind` names.
pub fn with_backend<J: WithBackend>(kind: DeviceKind, job: J) -> Result<J::Output> {
    match kind {
        DeviceKind::Flex => Ok(job.run::<FlexAutodiff>(Default::default())),
        // burn-cuda (CubeCL); cudarc loads the driver at run time, so this builds without a GPU.
        #[cfg(feature = "cuda")]
        DeviceKind::Cuda => Ok(job.run::<CudaAutodiff>(Default::default())),
        #[cfg(not(feature = "cuda"))]
        DeviceKind::Cuda => Err(crate::error::Error::Usage(
            "--device cuda: this build has no CUDA backend (build with --features cuda)".into(),
        )),
    }
}

/// Runs `f` on a thread of the CPU backends' pool (rayon's global pool) and waits for it. The
/// caller's own thread would otherwise be a third thread on two cores, fighting the pool's
/// workers (which spin a while before sleeping) whenever it works alone.
pub fn in_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}

/// Worker threads of the CPU backends (rayon's global pool); `threads` sets it once per process.
pub fn init_threads(threads: Option<usize>) -> usize {
    if let Some(n) = threads {
        // Fails when the pool already exists (a second run in one process): keep the first.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    rayon::current_num_threads()
}
