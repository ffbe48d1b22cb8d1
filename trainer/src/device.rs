//! Backend choice. Training code is generic over `B: TrainBackend` (an autodiff backend whose
//! two levels have the model's kernels); this is the one place that names concrete backends.
//! Flex (burn's pure-Rust CPU backend) is the default, and the one with fused kernels; CUDA and
//! wgpu (features `cuda`, `wgpu`) run burn's plain ops through CubeCL.

use crate::error::Result;
use crate::kernels::Kernels;
use burn::tensor::backend::{AutodiffBackend, Backend, Device};

/// A backend the model trains on: autodiff, with [`Kernels`] for training and for evaluation.
pub trait TrainBackend: AutodiffBackend<InnerBackend: Kernels> + Kernels + Devices {}
impl<B: AutodiffBackend<InnerBackend: Kernels> + Kernels + Devices> TrainBackend for B {}

/// How `--devices N` names a backend's devices 0..N-1.
pub trait Devices: Backend {
    /// The `i`-th device: by default the default device's kind with index `i` (CUDA's GPU `i`;
    /// on the CPU, the one Flex device each time).
    fn nth_device(i: usize) -> Self::Device {
        let mut id = Self::Device::default().to_id();
        id.index_id = i as u16;
        Self::Device::from_id(id)
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    /// burn's Flex CPU backend (SIMD, rayon threads).
    Flex,
    /// A CUDA GPU (needs the `cuda` feature).
    Cuda,
    /// A GPU through wgpu: Vulkan, Metal or DirectX 12; lavapipe on the CPU (the `wgpu` feature).
    Wgpu,
}

impl DeviceKind {
    pub fn name(self) -> &'static str {
        match self {
            DeviceKind::Flex => "flex-cpu",
            DeviceKind::Cuda => "cuda",
            DeviceKind::Wgpu => "wgpu",
        }
    }
}

/// Whether this build and machine can run `devices` devices of `kind`: an error naming the cargo
/// feature a build lacks, or (wgpu) the missing driver, before anything is written.
pub fn check(kind: DeviceKind, devices: usize) -> Result<()> {
    match kind {
        DeviceKind::Flex => Ok(()),
        #[cfg(feature = "cuda")]
        DeviceKind::Cuda => Ok(()),
        #[cfg(feature = "wgpu")]
        DeviceKind::Wgpu => crate::adapters::check(devices),
        #[allow(unreachable_patterns)]
        missing => {
            let _ = devices; // counted by the backends this build has
            Err(crate::error::Error::Usage(format!(
                "--device {0}: this build has no {0} backend (build with --features {0})",
                missing.name()
            )))
        }
    }
}

/// Whether the largest tensors of a pass of `rows` rows of `cfg` fit in one buffer of devices
/// 0..devices-1 of `kind` (wgpu's adapters bind at most a set size; lavapipe 128 MiB).
pub fn check_fits(
    kind: DeviceKind,
    devices: usize,
    cfg: &crate::Config,
    rows: usize,
) -> Result<()> {
    match kind {
        #[cfg(feature = "wgpu")]
        DeviceKind::Wgpu => crate::adapters::check_fits(devices, cfg, rows),
        _ => {
            let _ = (devices, cfg, rows);
            Ok(())
        }
    }
}

/// run.json's `device` for a run on devices 0..devices-1 of `kind` (the split itself is
/// `Topology::describe`'s): the CPU's model, the wgpu adapters' names.
pub fn describe(kind: DeviceKind, devices: usize) -> String {
    match kind {
        DeviceKind::Flex => match crate::host::cpu_model() {
            Some(cpu) => format!("{} ({cpu})", kind.name()),
            None => kind.name().into(),
        },
        #[cfg(feature = "wgpu")]
        DeviceKind::Wgpu => {
            let mut names: Vec<String> = (0..devices).map(crate::adapters::describe).collect();
            names.dedup();
            names.join(" + ")
        }
        _ => {
            let _ = devices;
            kind.name().into()
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
#[cfg(feature = "cuda")]
impl Devices for CudaAutodiff {}
impl Devices for FlexAutodiff {}

/// burn-wgpu without fusion or autotune (see Cargo.toml): the plain ops as written, like CUDA.
#[cfg(feature = "wgpu")]
pub type WgpuAutodiff = burn::backend::Autodiff<burn::backend::Wgpu>;
#[cfg(feature = "wgpu")]
impl Kernels for burn::backend::Wgpu {}
#[cfg(feature = "wgpu")]
impl Kernels for WgpuAutodiff {}
/// `--devices N` takes wgpu's adapters 0..N-1 (see [`crate::adapters`]).
#[cfg(feature = "wgpu")]
impl Devices for WgpuAutodiff {
    fn nth_device(i: usize) -> Self::Device {
        crate::adapters::device(i)
    }
}

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
        // burn-wgpu (CubeCL through wgpu); the Vulkan loader and driver are found at run time.
        #[cfg(feature = "wgpu")]
        DeviceKind::Wgpu => {
            crate::adapters::check(1)?;
            Ok(job.run::<WgpuAutodiff>(WgpuAutodiff::nth_device(0)))
        }
        #[allow(unreachable_patterns)]
        missing => {
            check(missing, 1)?;
            unreachable!("check refuses a backend this build lacks")
        }
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
