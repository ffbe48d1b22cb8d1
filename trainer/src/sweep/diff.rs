//! A readable difference of two configs (JSON values): one line per leaf that differs, named
//! by its dotted path, so a refused run says exactly what changed.

use serde_json::Value;
use std::fmt::Write;

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
    let show = |v: &Option<Value>| match v {
        None => "(absent)".to_owned(),
        Some(v) => {
            let s = v.to_string();
            if s.len() > 60 {
                format!("{}...", &s[..s.floor_char_boundary(57)])
            } else {
                s
            }
        }
    };
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
    fn equal_configs_have_no_difference() {
        let c = json!({"a": {"b": [1, 2, {"c": null}]}});
        assert!(config_diff(&c, &c.clone()).is_empty());
    }
}
