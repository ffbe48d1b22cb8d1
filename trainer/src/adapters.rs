//! The wgpu adapters `--device wgpu` trains on: any vendor's GPU through Vulkan (Metal on macOS),
//! or Mesa's lavapipe, a Vulkan device made of CPU cores. They are listed as burn-wgpu's CubeCL
//! runtime lists them (one graphics API, the driver's order), so `--devices N` takes adapters
//! 0..N-1 of that list; run.json names the ones a run used. A run whose largest tensor exceeds
//! the largest buffer an adapter binds is refused up front: cubecl-wgpu 0.10.0 panics in its
//! server thread on such an allocation ("can't allocate buffer of size", the failure of
//! tracel-ai/cubecl#1531, still open) and the run never ends. Lavapipe binds at most 128 MiB.

use crate::config::Config;
use crate::error::{Error, Result};
use burn::backend::wgpu::graphics::{AutoGraphicsApi, GraphicsApi};
use burn::backend::wgpu::WgpuDevice;
use std::sync::OnceLock;
/// What [`device_of`] reads, for its test outside this crate.
pub use wgpu::{AdapterInfo, Backend as GraphicsBackend, DeviceType};

/// Every adapter of the graphics API burn-wgpu uses here, in the driver's order (looked up once:
/// the loader and drivers do not change while the process runs).
pub fn list() -> &'static [wgpu::AdapterInfo] {
    &found().0
}

/// The largest buffer each adapter of [`list`] can bind to a kernel, in bytes.
fn max_buffers() -> &'static [u64] {
    &found().1
}

fn found() -> &'static (Vec<wgpu::AdapterInfo>, Vec<u64>) {
    static FOUND: OnceLock<(Vec<wgpu::AdapterInfo>, Vec<u64>)> = OnceLock::new();
    FOUND.get_or_init(|| {
        let backend = AutoGraphicsApi::backend();
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: backend.into(),
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        let adapters = ready(instance.enumerate_adapters(backend.into()));
        let limit = |a: &wgpu::Adapter| {
            let l = a.limits();
            l.max_storage_buffer_binding_size.min(l.max_buffer_size)
        };
        (
            adapters.iter().map(wgpu::Adapter::get_info).collect(),
            adapters.iter().map(limit).collect(),
        )
    })
}

/// The value of a future that is ready when first polled (wgpu's enumeration off the web).
fn ready<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

/// How burn-wgpu reaches adapter `i` of `list`: by its kind and its place among the adapters of
/// that kind (CubeCL selects adapters that way), or why it cannot. Public for trainer/tests/wgpu.rs,
/// the one test build CI makes with the feature.
pub fn device_of(list: &[wgpu::AdapterInfo], i: usize) -> std::result::Result<WgpuDevice, String> {
    use wgpu::DeviceType as T;
    let kind = list[i].device_type;
    let k = list[..i].iter().filter(|a| a.device_type == kind).count();
    match kind {
        T::DiscreteGpu => Ok(WgpuDevice::DiscreteGpu(k)),
        T::IntegratedGpu => Ok(WgpuDevice::IntegratedGpu(k)),
        T::VirtualGpu => Ok(WgpuDevice::VirtualGpu(k)),
        T::Cpu if k == 0 => Ok(WgpuDevice::Cpu),
        T::Cpu => Err("burn-wgpu reaches only the first CPU adapter".into()),
        T::Other => Err("burn-wgpu selects no adapter of an unknown kind".into()),
    }
}

/// Adapter `i`, as burn-wgpu names it. [`check`] has made sure it exists.
pub fn device(i: usize) -> WgpuDevice {
    device_of(list(), i).unwrap_or_else(|e| panic!("wgpu adapter {i}: {e} (not checked?)"))
}

/// What to install when there is no adapter.
const DRIVER_HINT: &str = "install the GPU's Vulkan driver (for a software device, Mesa's \
    lavapipe: `apt-get install mesa-vulkan-drivers libvulkan1` on Debian and Ubuntu)";

/// Whether adapters 0..n-1 exist and burn-wgpu can select each; else an error naming the
/// adapters found and the missing driver.
pub fn check(n: usize) -> Result<()> {
    let list = list();
    let backend = AutoGraphicsApi::backend();
    if list.is_empty() {
        return Err(Error::Usage(format!(
            "--device wgpu: wgpu found no {backend} adapter on this machine: {DRIVER_HINT}"
        )));
    }
    if list.len() < n {
        return Err(Error::Usage(format!(
            "--device wgpu --devices {n}: wgpu found {} {backend} adapter(s): {}",
            list.len(),
            names(list)
        )));
    }
    for i in 0..n {
        device_of(list, i).map_err(|e| {
            Error::Usage(format!(
                "--device wgpu: adapter {i} ({}): {e}; adapters: {}",
                list[i].name,
                names(list)
            ))
        })?;
    }
    Ok(())
}

/// The largest tensors of a pass of `rows` rows of `cfg` (f32), named, in bytes.
pub fn largest_tensors(cfg: &Config, rows: usize) -> Vec<(String, u64)> {
    let m = &cfg.model;
    let (d, v, vp) = (m.dim as u64, m.vocab as u64, m.padded_vocab() as u64);
    let (r, t) = (rows as u64, cfg.data.seq_len as u64);
    let tokens = r * t;
    vec![
        (format!("an embedding table ({v} x {d})"), v * d * 4),
        (format!("the head ({d} x {vp})"), d * vp * 4),
        (
            format!("the logits ({tokens} tokens x {vp})"),
            tokens * vp * 4,
        ),
        (
            format!("one head's attention scores ({r} x {t} x {t})"),
            r * t * t * 4,
        ),
        (
            format!("the MLP's hidden layer ({tokens} x {})", 4 * d),
            tokens * 4 * d * 4,
        ),
        (
            format!(
                "the stacked x0 embeddings ({} x {tokens} x {d})",
                m.extra_embeddings + 1
            ),
            (m.extra_embeddings as u64 + 1) * tokens * d * 4,
        ),
    ]
}

/// Whether the largest tensors of a pass of `rows` rows of `cfg` fit in what adapters 0..n-1
/// bind; else an error naming the tensor, the limit and what to change.
pub fn check_fits(n: usize, cfg: &Config, rows: usize) -> Result<()> {
    let tensors = largest_tensors(cfg, rows);
    let Some((name, bytes)) = tensors.into_iter().max_by_key(|t| t.1) else {
        return Ok(());
    };
    let mb = |b: u64| b as f64 / (1u64 << 20) as f64;
    for (i, &limit) in max_buffers().iter().enumerate().take(n) {
        if bytes > limit {
            return Err(Error::Usage(format!(
                "--device wgpu: {name}: {:.1} MiB in one buffer, more than adapter {i} ({}) binds \
                 ({:.1} MiB, max_storage_buffer_binding_size); use a smaller --micro-batch, \
                 --seq-len or --compact-vocab, or a GPU that binds larger buffers",
                mb(bytes),
                list()[i].name,
                mb(limit)
            )));
        }
    }
    Ok(())
}

fn names(list: &[wgpu::AdapterInfo]) -> String {
    let each: Vec<String> = list
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{i}: {} ({:?})", a.name, a.device_type))
        .collect();
    each.join(", ")
}

/// run.json's name of adapter `i`: `wgpu (NAME; BACKEND, KIND, DRIVER INFO)`.
pub fn describe(i: usize) -> String {
    match list().get(i) {
        Some(a) => {
            let driver = [a.driver.as_str(), a.driver_info.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let kind = format!("{:?}", a.device_type).to_lowercase();
            format!("wgpu ({}; {}, {kind}, {driver})", a.name, a.backend)
        }
        None => "wgpu".into(),
    }
}
