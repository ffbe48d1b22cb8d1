//! Properties of the metrics reader: whatever bytes a metrics file holds (up to 4 KiB), reading
//! and checking it neither panics nor hangs, and every problem it finds names a file of the run
//! (and, for a line that does not parse, its line); and whatever evaluations the writer writes,
//! non-finite values included, the reader gives them back.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use runlog::{check, read_metrics, Metrics, MetricsWriter};

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -1e6..1e6f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => any::<f64>(),
    ]
}

fn metrics() -> impl Strategy<Value = Metrics> {
    (
        any::<u64>(),
        proptest::option::of(any::<u64>()),
        0.0..1e9f64,
        value(),
        proptest::option::of(0.0..20.0f64),
        proptest::option::of(btree_map("x|x0[0-9]", vec(value(), 0..4), 0..4)),
        proptest::option::of(vec(value(), 0..4)),
        proptest::option::of(vec([value(), value()], 0..3)),
    )
        .prop_map(|(step, total, time, loss, train, lambdas, norms, ve)| {
            let mut m = Metrics::new(step, time, loss);
            m.total_steps = total;
            m.train_loss = train;
            m.lambdas = lambdas;
            m.x_norms = norms.clone();
            m.skip_weights = norms;
            m.ve_lambdas = ve;
            m
        })
}

/// Equal, NaN equal to NaN: a non-finite value is written `null` and read back as NaN (a loss
/// as `None`, which `Metrics::new` already made it).
fn same(a: &Metrics, b: &Metrics) -> bool {
    let fix = |m: &Metrics| {
        let nan = |v: f64| if v.is_finite() { v } else { f64::NAN };
        let mut m = m.clone();
        for l in m.lambdas.iter_mut().flat_map(|l| l.values_mut()) {
            l.iter_mut().for_each(|v| *v = nan(*v));
        }
        for l in [&mut m.x_norms, &mut m.skip_weights].into_iter().flatten() {
            l.iter_mut().for_each(|v| *v = nan(*v));
        }
        for p in m.ve_lambdas.iter_mut().flatten() {
            p.iter_mut().for_each(|v| *v = nan(*v));
        }
        serde_json::to_string(&m).unwrap()
    };
    fix(a) == fix(b)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn what_the_writer_writes_reads_back(ms in vec(metrics(), 0..6)) {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("metrics.jsonl");
        let mut w = MetricsWriter::open(&path).unwrap();
        for m in &ms {
            w.append(m).unwrap();
        }
        let (back, warnings) = read_metrics(&path).unwrap();
        prop_assert!(warnings.is_empty(), "{:?}", warnings);
        prop_assert_eq!(back.len(), ms.len());
        for (a, b) in ms.iter().zip(&back) {
            prop_assert!(same(a, b), "{:?}\n{:?}", a, b);
        }
    }

    #[test]
    fn any_bytes_read_and_check_without_panic(
        bytes in vec(any::<u8>(), 0..4096),
        lines in vec("\\{\"step\":[0-9]{1,3},\"train_time_ms\":-?[0-9e.]{1,6},\"val_loss\":(null|[0-9e.-]{1,8})[^\n]{0,40}\n?", 0..8),
    ) {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("e/x00-s0");
        runlog::write_json_atomic(
            &dir.join(runlog::RUN_FILE),
            &runlog::RunInfo::new("e", runlog::Variant::BASELINE, 0),
        ).unwrap();
        let mut text = lines.concat().into_bytes();
        text.extend(&bytes);
        std::fs::write(dir.join(runlog::METRICS_FILE), &text).unwrap();
        std::fs::write(dir.join(runlog::SUMMARY_FILE), &bytes).unwrap();
        let c = check::check_dir(&dir);
        prop_assert!(c.run.is_some());
        let _ = read_metrics(&dir.join(runlog::METRICS_FILE)).unwrap();
    }
}

/// A line of a metrics file as a hostile or broken writer might leave it: JSON pieces, numbers
/// out of range, bytes that are not UTF-8, a NUL, a line cut anywhere.
fn hostile_line() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"{\"step\":".to_vec()),
        Just(b",\"train_time_ms\":".to_vec()),
        Just(b",\"val_loss\":".to_vec()),
        Just(b",\"lambdas\":{\"x\":[".to_vec()),
        Just(b"]}".to_vec()),
        Just(b"}".to_vec()),
        Just(b"null".to_vec()),
        Just(b"1e999".to_vec()),
        Just(b"-0".to_vec()),
        Just(b"18446744073709551616".to_vec()),
        Just(vec![0xff, 0xfe]),
        Just(vec![0]),
        "[0-9.e-]{1,8}".prop_map(String::into_bytes),
        "\\PC{0,6}".prop_map(String::into_bytes),
    ];
    (vec(piece, 0..10), any::<bool>()).prop_map(|(p, newline)| {
        let mut line = p.concat();
        if newline {
            line.push(b'\n');
        }
        line
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_problem_of_hostile_metrics_names_its_file_and_line(
        lines in vec(hostile_line(), 0..12),
        summary in vec(any::<u8>(), 0..64),
    ) {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("e/x00-s0");
        runlog::write_json_atomic(
            &dir.join(runlog::RUN_FILE),
            &runlog::RunInfo::new("e", runlog::Variant::BASELINE, 0),
        ).unwrap();
        let metrics = dir.join(runlog::METRICS_FILE);
        let bytes = lines.concat();
        let count = bytes.split_inclusive(|&b| b == b'\n').count();
        std::fs::write(&metrics, &bytes).unwrap();
        std::fs::write(dir.join(runlog::SUMMARY_FILE), &summary).unwrap();
        let c = check::check_dir(&dir);
        let run = c.run.as_ref().unwrap();
        let files = [runlog::RUN_FILE, runlog::METRICS_FILE, runlog::SUMMARY_FILE].map(|f| dir.join(f));
        for p in c.problems.iter().chain(&run.warnings) {
            prop_assert!(files.contains(&p.path), "no file of the run: {}", p);
            prop_assert!(p.to_string().starts_with(&p.path.display().to_string()), "{}", p);
            if p.path == metrics && (p.message.starts_with("bad line") || p.message.starts_with("torn")) {
                prop_assert!(p.line.is_some_and(|l| (1..=count).contains(&l)), "{}", p);
            }
        }
        let (_, warnings) = read_metrics(&metrics).unwrap();
        for w in warnings {
            prop_assert_eq!(&w.path, &metrics);
            prop_assert!(w.line.is_some_and(|l| (1..=count).contains(&l)), "{}", w);
        }
    }
}
