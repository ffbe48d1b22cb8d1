//! The checked arguments of one directive call and what it gives, read by the functions and by
//! what they call (claims, derived numbers, lenses): its own module so that those never import
//! the function table that calls them.

use serde_json::Value;
use std::collections::BTreeMap;

/// The error of a call without `arg`, which it needs; `example` shows it given.
pub(crate) fn missing(arg: &str, example: &str) -> crate::Error {
    crate::Error::MissingArgument {
        call: None,
        arg: arg.to_owned(),
        example: example.to_owned(),
    }
}

/// What a directive stands for in the draft: markdown, put where the directive was.
pub type Markdown = String;

/// The checked arguments of one call.
#[derive(Debug, Clone, Default)]
pub struct Args(pub(super) BTreeMap<String, Value>);

impl Args {
    pub fn new(args: BTreeMap<String, Value>) -> Args {
        Args(args)
    }

    pub fn text(&self, k: &str) -> Option<&str> {
        self.0.get(k).and_then(Value::as_str)
    }

    pub fn whole(&self, k: &str) -> Option<u64> {
        self.0.get(k).and_then(Value::as_u64)
    }

    pub fn number(&self, k: &str) -> Option<f64> {
        self.0.get(k).and_then(Value::as_f64)
    }

    pub fn names(&self, k: &str) -> Option<Vec<String>> {
        let a = self.0.get(k)?.as_array()?;
        a.iter().map(|v| v.as_str().map(str::to_string)).collect()
    }

    pub fn wholes(&self, k: &str) -> Option<Vec<u64>> {
        let a = self.0.get(k)?.as_array()?;
        a.iter().map(Value::as_u64).collect()
    }

    pub fn flag(&self, k: &str) -> bool {
        self.0.get(k).and_then(Value::as_bool).unwrap_or(false)
    }

    pub(crate) fn variant(&self) -> crate::Result<&str> {
        self.text("variant")
            .ok_or_else(|| missing("variant", "variant=\"x01\""))
    }

    pub(crate) fn digits(&self, default: usize) -> usize {
        self.whole("digits").map_or(default, |d| d.min(12) as usize)
    }
}
