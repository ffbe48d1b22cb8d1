//! A readable difference of two configs (JSON values): one line per leaf that differs, named
//! by its dotted path, so a refused run says exactly what changed. The trainer's refusal to
//! overwrite a run of another config and the run checks' "one config per experiment" both
//! print it, in the same form: `config.model.vocab:  247 (x00-s0) -> 3 (x00-s3)`.

use serde_json::Value;
use std::fmt::Write;

/// A run's config with its data hash beside it, so a difference names a data change too.
pub fn with_data_hash(config: &Value, data_hash: Option<&str>) -> Value {
    let mut v = serde_json::json!({ "config": config });
    if let Some(h) = data_hash {
        v["data_hash"] = Value::String(h.to_owned());
    }
    v
}

/// What the runs of one experiment share: [`with_data_hash`] without what may differ between
/// them, the seed, the number of extra embeddings, and where an import came from (its text log,
/// the `source` it was published in, the `section` of that file).
pub fn shared_config(config: &Value, data_hash: Option<&str>) -> Value {
    let mut v = with_data_hash(config, data_hash);
    if let Some(c) = v.get_mut("config").and_then(Value::as_object_mut) {
        c.remove("seed");
        c.remove("imported_from");
        c.remove("source");
        c.remove("section");
        if let Some(m) = c.get_mut("model").and_then(Value::as_object_mut) {
            m.remove("extra_embeddings");
        }
    }
    v
}

/// One leaf that differs; `None` where the key is absent on that side.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// Every differing leaf of `old` and `new`, in key order (objects recurse; arrays of equal length
/// recurse by index, others differ as a whole).
pub fn config_diff(old: &Value, new: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk("", Some(old), Some(new), &mut out);
    out
}

fn walk(path: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<Difference>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                walk(&join(k), a.get(k), b.get(k), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                walk(&format!("{path}[{i}]"), Some(x), Some(y), out);
            }
        }
        (a, b) if a != b => out.push(Difference {
            path: if path.is_empty() {
                "(whole)".into()
            } else {
                path.into()
            },
            old: a.cloned(),
            new: b.cloned(),
        }),
        _ => {}
    }
}

/// The differences as an aligned list: `  model.dim: 64 (recorded) -> 128 (requested)`.
pub fn render(diffs: &[Difference], old_name: &str, new_name: &str) -> String {
    let show = |v: &Option<Value>| v.as_ref().map_or("(absent)".to_owned(), short_json);
    let width = diffs.iter().map(|d| d.path.len()).max().unwrap_or(0);
    let mut text = String::new();
    for d in diffs {
        let _ = writeln!(
            text,
            "  {:width$}  {} ({old_name}) -> {} ({new_name})",
            format!("{}:", d.path),
            show(&d.old),
            show(&d.new),
            width = width + 1
        );
    }
    text
}

/// A JSON value for a message, cut to a readable length.
pub(crate) fn short_json(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!("{}...", &s[..s.floor_char_boundary(57)])
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_each_changed_leaf_by_path() {
        let old = json!({"model": {"dim": 64, "heads": 2}, "lr": [0.3, 0.015], "steps": 100});
        let new = json!({"model": {"dim": 128, "heads": 2}, "lr": [0.3, 0.02], "warmup": 5});
        let d = config_diff(&old, &new);
        let paths: Vec<&str> = d.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["lr[1]", "model.dim", "steps", "warmup"]);
        let text = render(&d, "in run.json", "this sweep");
        assert!(
            text.contains("model.dim:  64 (in run.json) -> 128 (this sweep)"),
            "{text}"
        );
        assert!(
            text.contains("steps:      100 (in run.json) -> (absent) (this sweep)"),
            "{text}"
        );
    }

    #[test]
    fn the_shared_config_leaves_out_seed_and_extra_embeddings() {
        let a = json!({"model": {"dim": 64, "extra_embeddings": 0}, "seed": 0});
        let b = json!({"model": {"dim": 64, "extra_embeddings": 4}, "seed": 2});
        assert!(
            config_diff(&shared_config(&a, Some("h")), &shared_config(&b, Some("h"))).is_empty()
        );
        let d = config_diff(&shared_config(&a, Some("h")), &shared_config(&b, Some("g")));
        assert_eq!(d[0].path, "data_hash");
        let c = json!({"model": {"dim": 3, "extra_embeddings": 0}, "seed": 0});
        let d = config_diff(&shared_config(&a, None), &shared_config(&c, None));
        assert_eq!(
            render(&d, "x00-s0", "x00-s3"),
            "  config.model.dim:  64 (x00-s0) -> 3 (x00-s3)\n"
        );
    }

    #[test]
    fn equal_configs_have_no_difference() {
        let c = json!({"a": {"b": [1, 2, {"c": null}]}});
        assert!(config_diff(&c, &c.clone()).is_empty());
    }
}
