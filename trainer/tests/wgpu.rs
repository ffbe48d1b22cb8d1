//! The GPU path (burn's plain ops on CubeCL, as `--device cuda` runs them) executed on burn-wgpu,
//! on Mesa's lavapipe: a Vulkan device made of CPU cores, so CI runs what no GPU has run here.
//! Those tests need `--features wgpu` (`.ci/run` runs `cargo test --release -p trainer
//! --features wgpu --test wgpu`); every run is pinned to lavapipe (`VK_DRIVER_FILES`), whatever
//! other Vulkan driver the machine has, and without lavapipe they skip, or under CI fail. A
//! build without the feature checks that `--device wgpu` says which feature it lacks.

mod common;

#[cfg(not(feature = "wgpu"))]
#[test]
fn a_gpu_backend_this_build_lacks_is_an_error_naming_its_feature() {
    let root = tempfile::tempdir().unwrap();
    let args = common::small(root.path(), 2);
    let out = common::trainer(&["run", "--device", "wgpu"], &args)
        .output()
        .unwrap();
    let t = common::text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(
        t.contains(
            "error: --device wgpu: this build has no wgpu backend (build with --features wgpu)"
        ),
        "{t}"
    );
    assert!(
        !root.path().join("t").exists(),
        "a run folder was left: {t}"
    );
}

/// How `--devices N` reaches adapters 0..N-1 through burn-wgpu's device names.
#[cfg(feature = "wgpu")]
mod adapter_choice {
    use burn::backend::wgpu::WgpuDevice;
    use trainer::adapters::{device_of, AdapterInfo, DeviceType, GraphicsBackend};

    fn adapter(name: &str, device_type: DeviceType) -> AdapterInfo {
        AdapterInfo {
            name: name.into(),
            vendor: 0,
            device: 0,
            device_type,
            device_pci_bus_id: String::new(),
            driver: String::new(),
            driver_info: String::new(),
            backend: GraphicsBackend::Vulkan,
            subgroup_min_size: 0,
            subgroup_max_size: 0,
            transient_saves_memory: false,
        }
    }

    #[test]
    fn each_adapter_is_reached_by_its_place_among_its_kind() {
        use DeviceType as T;
        let list = [
            adapter("a", T::DiscreteGpu),
            adapter("b", T::IntegratedGpu),
            adapter("c", T::DiscreteGpu),
            adapter("lavapipe", T::Cpu),
            adapter("other cpu", T::Cpu),
            adapter("?", T::Other),
        ];
        let got: Vec<_> = (0..list.len()).map(|i| device_of(&list, i)).collect();
        assert_eq!(got[0], Ok(WgpuDevice::DiscreteGpu(0)));
        assert_eq!(got[1], Ok(WgpuDevice::IntegratedGpu(0)));
        assert_eq!(got[2], Ok(WgpuDevice::DiscreteGpu(1)));
        assert_eq!(got[3], Ok(WgpuDevice::Cpu));
        assert!(got[4].as_ref().unwrap_err().contains("only the first CPU"));
        assert!(got[5].as_ref().unwrap_err().contains("unknown kind"));
    }
}

/// What runs on lavapipe (with the feature).
#[cfg(feature = "wgpu")]
mod on_lavapipe {
    use super::common::{self, small, text};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    /// Tolerances of a logged loss, wgpu against Flex `--plain-ops` (f32 on both). The backends
    /// run the same ops in another order (CubeCL's matmuls and reductions sum in tiles and trees,
    /// Flex along rows), and Vulkan lets exp and log be 3 ulp off or more where Rust's are
    /// within one.
    ///
    /// Up to step 1's evaluation and step 2's training loss both hold the same weights up to
    /// that rounding: step 0 moves only the head (every other gradient is exactly zero behind
    /// the zero-initialised head), by Adam on a gradient far above rounding. Measured on
    /// lavapipe: at most 1.0e-5 apart (21 ulps of the loss, 5.55); [`SAME_WEIGHTS`] leaves a
    /// margin of five.
    const SAME_WEIGHTS: f64 = 5e-5;

    /// From step 2's evaluation on, the runs hold different weights. At step 1 every layer
    /// still passes its input on, scaled (attention and MLP outputs start at zero), and the
    /// final RMS norm undoes any scale, so the scalars that only scale the residual (U-net skip
    /// weights, λx, λ00) have a gradient of zero but for rounding (3e-10, the backends 1e-10
    /// apart); Adam's first steps are sign-like (eps 1e-10), so each of those moves by about its
    /// learning rate, one way on one backend and maybe the other way on the other. Measured on
    /// lavapipe: 4.3e-4 at step 2, growing to 1.9e-3 at step 5 (Flex's fused kernels and its
    /// plain ops drift apart the same way, by 1.1e-2 at step 5); [`DRIFTED`] leaves a margin of
    /// 2.5 and is still 65 times smaller than what five steps lower the loss by (checked below),
    /// so a step that goes wrong on the GPU cannot pass.
    const DRIFTED: f64 = 5e-3;

    /// The tolerance of the loss logged at `step` (`train`: the mean training loss of that step).
    fn tolerance(step: u64, train: bool) -> f64 {
        match (step, train) {
            (0 | 1, _) | (2, true) => SAME_WEIGHTS,
            _ => DRIFTED,
        }
    }

    /// Steps of the comparison: each evaluated and logged.
    const STEPS: u32 = 5;

    /// Mesa's lavapipe driver manifest, where Debian's mesa-vulkan-drivers puts it.
    fn lavapipe() -> Option<PathBuf> {
        let dir = Path::new("/usr/share/vulkan/icd.d");
        std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("lvp_icd"))
            })
    }

    const INSTALL: &str = "apt-get install mesa-vulkan-drivers libvulkan1; .ci/run does";

    /// `trainer ARGS MORE` with Vulkan's loader told to use `driver` alone.
    fn on_driver(driver: &Path, args: &[&str], more: &[String]) -> Command {
        let mut c = common::trainer(args, more);
        // The loader's variable since 1.3.207, and the older one it replaced.
        c.env("VK_DRIVER_FILES", driver)
            .env("VK_ICD_FILENAMES", driver);
        c
    }

    /// Runs `trainer ARGS MORE` on lavapipe; `None` (skipped, or failed under CI) without it.
    fn on_lavapipe(args: &[&str], more: &[String]) -> Option<Output> {
        let Some(driver) = lavapipe() else {
            missing("Mesa's lavapipe (/usr/share/vulkan/icd.d/lvp_icd*.json)");
            return None;
        };
        let out = on_driver(&driver, args, more).output().unwrap();
        if text(&out).contains("found no vulkan adapter") {
            missing(
                "a Vulkan device: lavapipe is installed but the loader found none (libvulkan1?)",
            );
            return None;
        }
        Some(out)
    }

    fn missing(what: &str) {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(
            !ci,
            "{what} is missing and CI is set: this test must run in CI ({INSTALL})"
        );
        println!("skipped: {what} is missing ({INSTALL})");
    }

    /// The run's metrics lines: (step, train loss, val loss).
    fn losses(dir: &Path) -> Vec<(u64, Option<f64>, f64)> {
        let (m, warnings) = runlog::read_metrics(&dir.join(runlog::METRICS_FILE)).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        m.iter()
            .map(|m| (m.step, m.train_loss, m.val_loss.expect("a finite val loss")))
            .collect()
    }

    /// Tiny preset, x02, 4 x 128 tokens a step, evaluated on 1024 tokens after every step.
    fn comparison_args(out: &Path) -> Vec<String> {
        let steps = STEPS.to_string();
        [
            "--out",
            out.to_str().unwrap(),
            "--experiment",
            "t",
            "--variant",
            "x02",
            "--steps",
            &steps,
            "--eval-every",
            "1",
            "--batch-size",
            "4",
            "--seq-len",
            "128",
            "--val-tokens",
            "1024",
            "--quiet",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn every_logged_loss_on_wgpu_matches_flex_plain_ops() {
        let root = tempfile::tempdir().unwrap();
        let gpu = root.path().join("wgpu");
        let Some(out) = on_lavapipe(&["run", "--device", "wgpu"], &comparison_args(&gpu)) else {
            return;
        };
        assert!(out.status.success(), "{}", text(&out));
        let cpu = root.path().join("flex");
        common::run_ok(common::trainer(
            &["run", "--plain-ops"],
            &comparison_args(&cpu),
        ));

        let (g, c) = (losses(&gpu.join("t/x02-s0")), losses(&cpu.join("t/x02-s0")));
        assert_eq!(g.len(), STEPS as usize + 1, "{g:?}");
        assert_eq!(
            g.iter().map(|x| x.0).collect::<Vec<_>>(),
            c.iter().map(|x| x.0).collect::<Vec<_>>()
        );
        for ((step, gt, gv), (_, ct, cv)) in g.iter().zip(&c) {
            let pairs = [(Some(*gv), Some(*cv)), (*gt, *ct)];
            for (train, (a, b)) in [false, true].into_iter().zip(pairs) {
                let what = if train { "train" } else { "val" };
                let (a, b) = match (a, b) {
                    (Some(a), Some(b)) => (a, b),
                    (None, None) => continue,
                    _ => panic!("step {step}: {what} loss logged by one run only"),
                };
                let tol = tolerance(*step, train);
                println!(
                    "step {step} {what}: wgpu {a}, Flex {b}, {:.1e} apart",
                    (a - b).abs()
                );
                assert!(
                    (a - b).abs() <= tol,
                    "step {step}: {what} loss {a} on wgpu, {b} on Flex: more than {tol} apart"
                );
            }
        }
        // The tolerances are far below what training moves: the loss falls step by step.
        let fell = c[0].2 - c[STEPS as usize].2;
        assert!(fell > 50.0 * DRIFTED, "{c:?}");
        assert!(c.windows(2).all(|w| w[1].2 < w[0].2 - DRIFTED), "{c:?}");

        let info = runlog::read_run(&gpu.join("t/x02-s0")).unwrap().info;
        let device = info.device.unwrap_or_default();
        assert!(
            device.starts_with("wgpu (llvmpipe") && device.contains("; vulkan, cpu"),
            "run.json names the adapter and its backend: {device}"
        );
    }

    #[test]
    fn no_vulkan_driver_is_an_error_naming_the_driver_to_install() {
        let root = tempfile::tempdir().unwrap();
        let none = root.path().join("no-such-driver.json");
        let out = on_driver(&none, &["run", "--device", "wgpu"], &small(root.path(), 2))
            .output()
            .unwrap();
        let t = text(&out);
        assert!(!out.status.success(), "{t}");
        assert!(
            t.contains(
                "error: --device wgpu: wgpu found no vulkan adapter on this machine: install the \
                 GPU's Vulkan driver (for a software device, Mesa's lavapipe: `apt-get install \
                 mesa-vulkan-drivers libvulkan1` on Debian and Ubuntu)"
            ),
            "{t}"
        );
        assert!(
            !root.path().join("t").exists(),
            "a run folder was left: {t}"
        );
    }

    #[test]
    fn more_devices_than_adapters_is_an_error_listing_the_adapters() {
        let root = tempfile::tempdir().unwrap();
        let args = small(root.path(), 2);
        let Some(out) = on_lavapipe(&["run", "--device", "wgpu", "--devices", "2"], &args) else {
            return;
        };
        let t = text(&out);
        assert!(!out.status.success(), "{t}");
        assert!(
            t.contains(
                "error: --device wgpu --devices 2: wgpu found 1 vulkan adapter(s): 0: llvmpipe"
            ),
            "{t}"
        );
        assert!(
            !root.path().join("t").exists(),
            "a run folder was left: {t}"
        );
    }

    #[test]
    fn a_tensor_larger_than_the_adapter_binds_is_refused_before_any_run_folder() {
        let root = tempfile::tempdir().unwrap();
        let mut args = small(root.path(), 1);
        // The medium preset's head and logits at GPT-2's vocabulary: 1572 MiB of logits in one
        // pass of 2 rows of 4096 tokens, where lavapipe binds 128 MiB.
        let at = args.iter().position(|a| a == "--batch-size").unwrap();
        args.drain(at..at + 4);
        args.extend(["--preset", "medium", "--data", "default"].map(String::from));
        args.extend(["--batch-size", "4"].map(String::from));
        let Some(out) = on_lavapipe(&["run", "--device", "wgpu"], &args) else {
            return;
        };
        let t = text(&out);
        assert!(!out.status.success(), "{t}");
        assert!(
            t.contains(
                "error: --device wgpu: the logits (8192 tokens x 50304): 1572.0 MiB in one \
                 buffer, more than adapter 0 (llvmpipe"
            ) && t.contains("(128.0 MiB, max_storage_buffer_binding_size); use a smaller"),
            "{t}"
        );
        assert!(
            !root.path().join("t").exists(),
            "a run folder was left: {t}"
        );
    }
}
