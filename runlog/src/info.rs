//! Reading run.json so that a bad one says everything that is wrong with it at once (a byte that
//! is not UTF-8, the schema version, every missing or mistyped field), each with its line where
//! the text shows it, instead of the first error serde meets.

use crate::diff::short_json;
use crate::problem::{line_of_key, Problem};
use crate::types::{Params, RunInfo, REPEAT_SCHEMA_VERSION, SCHEMA_VERSION};
use crate::variant::Variant;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::path::Path;

/// run.json's optional fields of text, read by [`Fields::optional`] (a test holds this list to
/// [`RunInfo`]'s fields).
const OPTIONAL_TEXT: [&str; 7] = [
    "preset",
    "config_hash",
    "data_hash",
    "commit",
    "device",
    "host",
    "started_at",
];

/// run.json at `path`, or every problem found in it.
pub fn read_info(path: &Path) -> Result<RunInfo, Vec<Problem>> {
    let bytes = crate::file::read_regular(path)
        .map_err(|e| vec![Problem::new(path, None, e.to_string())])?;
    let mut problems = Vec::new();
    let text = utf8(path, &bytes, &mut problems);
    let obj = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(obj)) => obj,
        Ok(_) => {
            problems.push(Problem::new(path, Some(1), "not a JSON object"));
            return Err(problems);
        }
        Err(e) => {
            problems.push(Problem::new(path, Some(e.line()), format!("not JSON: {e}")));
            return Err(problems);
        }
    };
    let mut fields = Fields {
        path,
        text: &text,
        obj: &obj,
        problems,
    };
    let version = identity(&mut fields);
    seed_or_repeat(&mut fields, version);
    for key in OPTIONAL_TEXT {
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

/// The file's text; a byte that is not UTF-8 is a problem (with its line), and the text read
/// on with it replaced, so the other problems are found too.
fn utf8(path: &Path, bytes: &[u8], problems: &mut Vec<Problem>) -> String {
    match std::str::from_utf8(bytes) {
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
            String::from_utf8_lossy(bytes).into_owned()
        }
    }
}

/// Who the run is: schema version, run id, experiment, variant and its extra embeddings.
/// Returns the schema version, when it reads.
fn identity(fields: &mut Fields) -> Option<u32> {
    let version = fields.required::<u32>("schema_version", "a whole number");
    if let Some(v) = version.filter(|v| ![SCHEMA_VERSION, REPEAT_SCHEMA_VERSION].contains(v)) {
        fields.problem(
            "schema_version",
            format!(
                "schema_version {v} is not supported (this reader knows versions \
                 {SCHEMA_VERSION} and {REPEAT_SCHEMA_VERSION})"
            ),
        );
    }
    fields.required::<String>("run_id", "a string");
    // The experiment names a folder, figures' folders and scripts: a plain name only.
    if let Some(e) = fields.required::<String>("experiment", "a string") {
        if let Err(bad) = crate::name::check_name("experiment", &e) {
            fields.problem("experiment", bad.to_string());
        }
    }
    let variant = variant(fields);
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
    version
}

/// The variant, read by [`Variant::parse`] (its own words for a bad name).
fn variant(fields: &mut Fields) -> Option<Variant> {
    match fields.obj.get("variant") {
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
    }
}

/// Version 1: a whole-number seed, no repeat. Version 2 adds runs that set no seed: `"seed":
/// null` beside `"repeat": N`; a run names exactly one of them.
fn seed_or_repeat(fields: &mut Fields, version: Option<u32>) {
    if version != Some(REPEAT_SCHEMA_VERSION) {
        fields.required::<u64>("seed", "a whole number");
        if fields.obj.contains_key("repeat") {
            fields.problem(
                "repeat",
                format!(
                    "`repeat` needs schema_version {REPEAT_SCHEMA_VERSION} (version \
                     {SCHEMA_VERSION} runs name a seed)"
                ),
            );
        }
        return;
    }
    if !fields.obj.contains_key("seed") {
        fields.missing("seed");
    }
    let seed = fields.optional::<u64>("seed", "a whole number or null");
    let repeat = fields.optional::<u64>("repeat", "a whole number");
    match (seed, repeat) {
        (Some(_), Some(_)) => fields.problem(
            "repeat",
            "both a seed and a repeat: a run either set a seed or is a repeat of a run that set \
             none (`\"seed\": null`)"
                .into(),
        ),
        (None, None) if fields.problems.is_empty() => fields.problem(
            "seed",
            "neither a seed nor a repeat: a run that set no seed records which repeat it is \
             (`\"repeat\": N`)"
                .into(),
        ),
        _ => {}
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields [`read_info`] reads one by one are [`RunInfo`]'s, every one: a field added to
    /// the type and not to the reader fails here.
    #[test]
    fn the_reader_reads_every_field_of_run_info() {
        let mut info = RunInfo::new("e", Variant::BASELINE, 0);
        let text = Some(String::new());
        (info.preset, info.config_hash, info.data_hash) =
            (text.clone(), text.clone(), text.clone());
        (info.commit, info.device, info.host) = (text.clone(), text.clone(), text.clone());
        (info.started_at, info.threads, info.repeat) = (text, Some(1), Some(0));
        info.config = serde_json::json!({});
        info.params = Some(Params {
            total: 1,
            embeddings: 1,
            other: Default::default(),
        });
        let written = serde_json::to_value(&info).unwrap();
        let mut keys: Vec<&str> = written
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        let special = [
            "schema_version",
            "run_id",
            "experiment",
            "variant",
            "extra_embeddings",
        ];
        // seed and repeat: seed_or_repeat; config: RunConfig::read; threads and params below.
        let mut read: Vec<&str> = special
            .into_iter()
            .chain(["seed", "repeat", "config", "threads", "params"])
            .chain(OPTIONAL_TEXT)
            .collect();
        read.sort();
        assert_eq!(keys, read);
    }
}
