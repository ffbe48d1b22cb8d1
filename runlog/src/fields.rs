//! Reading a JSON value into a serde type so that every field of the wrong type is named by its
//! path (`model.layers is "16", not a whole number`), instead of serde's first error without one.
//! The types decide what is read; nothing here lists fields.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// One field that does not read: its path (`["model", "layers"]`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldError {
    pub path: Vec<String>,
    pub kind: FieldErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldErrorKind {
    /// Present with this value, but not `what` (`a whole number`, `a string`, ...).
    Wrong { value: Value, what: String },
    /// A field the type requires is absent.
    Missing,
    /// Anything else serde says (its message).
    Other(String),
}

impl FieldError {
    /// The dotted path under `prefix` (`config.model.layers`).
    pub fn dotted(&self, prefix: &str) -> String {
        std::iter::once(prefix)
            .filter(|p| !p.is_empty())
            .chain(self.path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// `config.model.layers is "16", not a whole number` (JSON written whole, as today's
    /// messages quote it), `... is missing`, or serde's own words.
    pub fn message(&self, prefix: &str, missing: &str) -> String {
        let at = self.dotted(prefix);
        match &self.kind {
            FieldErrorKind::Wrong { value, what } => format!("{at} is {value}, not {what}"),
            FieldErrorKind::Missing => format!("{at} is missing ({missing})"),
            FieldErrorKind::Other(m) => format!("{at}: {m}"),
        }
    }
}

/// `value` as a `T`, or every field that does not read: a field of the wrong type is set to
/// `null` and the value read again, so an `Option` field yields its error and reading goes on;
/// a required one stops the list there (its `null` would be the same error again).
pub(crate) fn read_typed<T: DeserializeOwned>(value: &Value) -> Result<T, Vec<FieldError>> {
    let mut value = value.clone();
    let mut errors: Vec<FieldError> = Vec::new();
    loop {
        let e = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(t) if errors.is_empty() => return Ok(t),
            Ok(_) => return Err(errors),
            Err(e) => e,
        };
        let mut path: Vec<String> = e.path().iter().map(|s| s.to_string()).collect();
        let message = e.inner().to_string();
        let message = message.split(" at line ").next().unwrap_or_default();
        if let Some(field) = missing_field(message) {
            path.push(field);
            errors.push(FieldError {
                path,
                kind: FieldErrorKind::Missing,
            });
            return Err(errors);
        }
        let found = at(&mut value, &path);
        let again = errors.iter().any(|x| x.path == path);
        let kind = match (&found, expected(message)) {
            (Some(v), Some(what)) if !v.is_null() => FieldErrorKind::Wrong {
                value: (*v).clone(),
                what,
            },
            _ => FieldErrorKind::Other(message.to_owned()),
        };
        if again {
            return Err(errors);
        }
        let stop = !matches!(kind, FieldErrorKind::Wrong { .. });
        errors.push(FieldError { path, kind });
        match found {
            Some(v) if !stop => *v = Value::Null,
            _ => return Err(errors),
        }
    }
}

/// The value at `path` (segments as serde_path_to_error writes them), to quote and to clear.
fn at<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, seg| match v {
        Value::Object(m) => m.get_mut(seg),
        Value::Array(a) => seg
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

/// The field serde names in "missing field `layers`".
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.strip_suffix('`').map(str::to_owned)
}

/// What serde expected, in the words run.json's messages use: "invalid type: string \"16\",
/// expected u64" -> `a whole number`.
fn expected(message: &str) -> Option<String> {
    if !message.starts_with("invalid type") && !message.starts_with("invalid value") {
        return None;
    }
    let (_, exp) = message.rsplit_once(", expected ")?;
    Some(match exp {
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a map" => "an object".into(),
        e if e.starts_with("struct ") => "an object".into(),
        e => e.to_owned(),
    })
}

/// The keys of `given` (an object, recursively) that `read` (the same object as its type wrote
/// it back) lacks: fields the type does not have, so a renamed field is named, never dropped.
/// A `null` given counts as absent.
pub(crate) fn unknown_keys(given: &Value, read: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    walk_unknown(given, read, &mut Vec::new(), &mut out);
    out
}

fn walk_unknown(given: &Value, read: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let (Value::Object(g), Value::Object(r)) = (given, read) else {
        return;
    };
    for (k, v) in g {
        path.push(k.clone());
        match r.get(k) {
            None if !v.is_null() => out.push(path.clone()),
            None => {}
            Some(rv) => walk_unknown(v, rv, path, out),
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // read to be checked, never used
    struct Inner {
        n: Option<u64>,
        s: Option<String>,
        must: Option<f64>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        inner: Option<Inner>,
        count: u32,
    }

    #[test]
    fn every_wrong_optional_field_is_named_and_a_required_one_ends_the_list() {
        let v = serde_json::json!({"inner": {"n": "16", "s": 5, "must": -1.5}, "count": 3});
        let e = read_typed::<Outer>(&v).unwrap_err();
        let got: Vec<String> = e.iter().map(|e| e.message("config", "")).collect();
        assert_eq!(
            got,
            [
                "config.inner.n is \"16\", not a whole number",
                "config.inner.s is 5, not a string"
            ]
        );
        // `count` reads first (keys in order) and is required: nothing after it is read.
        let v = serde_json::json!({"inner": {"n": -3}, "count": "x"});
        let e = read_typed::<Outer>(&v).unwrap_err();
        let got: Vec<String> = e.iter().map(|e| e.message("", "")).collect();
        assert_eq!(got, ["count is \"x\", not a whole number"]);
        let v = serde_json::json!({"inner": {"n": -3}, "count": 1});
        let e = read_typed::<Outer>(&v).unwrap_err();
        assert_eq!(e[0].message("", ""), "inner.n is -3, not a whole number");
        let e = read_typed::<Outer>(&serde_json::json!({"inner": null})).unwrap_err();
        assert_eq!(
            e[0].message("config", "required"),
            "config.count is missing (required)"
        );
    }

    #[test]
    fn keys_the_type_does_not_write_back_are_unknown() {
        let given = serde_json::json!({"a": {"x": 1, "y": null, "typo": 2}, "b": 3});
        let read = serde_json::json!({"a": {"x": 1}});
        assert_eq!(
            unknown_keys(&given, &read),
            [
                vec!["a".to_owned(), "typo".to_owned()],
                vec!["b".to_owned()]
            ]
        );
    }
}
