//! Reading run.json so that a bad one says everything that is wrong with it at once (a byte that
//! is not UTF-8, the schema version, every missing or mistyped field), each with its line where
//! the text shows it, instead of the first error serde meets.

use crate::diff::short_json;
use crate::problem::{line_of_key, Problem};
use crate::types::{Params, RunInfo, SCHEMA_VERSION};
use crate::variant::Variant;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::path::Path;

/// run.json at `path`, or every problem found in it.
pub fn read_info(path: &Path) -> Result<RunInfo, Vec<Problem>> {
    let bytes = crate::read::read_regular(path)
        .map_err(|e| vec![Problem::new(path, None, e.to_string())])?;
    let mut problems = Vec::new();
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            problems.push(Problem::new(
                path,
                Some(line),
                format!(
                    "byte {:#04x} (file offset {at}) is not UTF-8; run.json is UTF-8 JSON",
                    bytes[at]
                ),
            ));
            String::from_utf8_lossy(&bytes).into_owned()
        }
    };
    let value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            problems.push(Problem::new(path, Some(e.line()), format!("not JSON: {e}")));
            return Err(problems);
        }
    };
    let Value::Object(obj) = value else {
        problems.push(Problem::new(path, Some(1), "not a JSON object"));
        return Err(problems);
    };
    let mut fields = Fields {
        path,
        text: &text,
        obj: &obj,
        problems,
    };
    match fields.required::<u32>("schema_version", "a whole number") {
        Some(v) if v != SCHEMA_VERSION => fields.problem(
            "schema_version",
            format!(
                "schema_version {v} is not supported (this reader knows version {SCHEMA_VERSION})"
            ),
        ),
        _ => {}
    }
    fields.required::<String>("run_id", "a string");
    // The experiment names a folder, figures' folders and scripts: a plain name only.
    if let Some(e) = fields.required::<String>("experiment", "a string") {
        if let Err(bad) = crate::name::check_name("experiment", &e) {
            fields.problem("experiment", bad.to_string());
        }
    }
    let variant = match obj.get("variant") {
        None => {
            fields.missing("variant");
            None
        }
        Some(v) => match v.as_str().map(Variant::parse) {
            Some(Ok(v)) => Some(v),
            Some(Err(e)) => {
                fields.problem("variant", e);
                None
            }
            None => {
                fields.problem(
                    "variant",
                    format!("variant is {v}, not a string like \"x01\""),
                );
                None
            }
        },
    };
    let extra = fields.required::<u32>("extra_embeddings", "a whole number");
    if let (Some(v), Some(n)) = (variant, extra) {
        if v.extra_embeddings() != n {
            fields.problem(
                "extra_embeddings",
                format!(
                    "extra_embeddings is {n} but variant {v} adds {}",
                    v.extra_embeddings()
                ),
            );
        }
    }
    fields.required::<u64>("seed", "a whole number");
    for key in [
        "preset",
        "config_hash",
        "data_hash",
        "commit",
        "device",
        "host",
        "started_at",
    ] {
        fields.optional::<String>(key, "a string");
    }
    fields.optional::<u32>("threads", "a whole number");
    fields.optional::<Params>("params", "an object of whole numbers");
    let mut problems = fields.problems;
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::from_value(Value::Object(obj)).map_err(|e| {
        problems.push(Problem::new(path, None, e.to_string()));
        problems
    })
}

/// The fields of one run.json and the problems found so far.
struct Fields<'a> {
    path: &'a Path,
    text: &'a str,
    obj: &'a Map<String, Value>,
    problems: Vec<Problem>,
}

impl Fields<'_> {
    fn problem(&mut self, key: &str, message: String) {
        let line = line_of_key(self.text, key);
        self.problems.push(Problem::new(self.path, line, message));
    }

    fn missing(&mut self, key: &str) {
        self.problems.push(Problem::new(
            self.path,
            None,
            format!("`{key}` is missing (run.json records every run's {key})"),
        ));
    }

    fn required<T: DeserializeOwned>(&mut self, key: &str, what: &str) -> Option<T> {
        match self.obj.get(key) {
            None => {
                self.missing(key);
                None
            }
            Some(Value::Null) => {
                self.problem(key, format!("{key} is null, not {what}"));
                None
            }
            Some(_) => self.optional(key, what),
        }
    }

    fn optional<T: DeserializeOwned>(&mut self, key: &str, what: &str) -> Option<T> {
        let v = self.obj.get(key).filter(|v| !v.is_null())?;
        match serde_json::from_value(v.clone()) {
            Ok(t) => Some(t),
            Err(_) => {
                self.problem(key, format!("{key} is {}, not {what}", short_json(v)));
                None
            }
        }
    }
}
