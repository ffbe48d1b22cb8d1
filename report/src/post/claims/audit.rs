//! What a claim checked, so an author can see whether it is as wide as its sentence
//! (`report check --claims`): the variants, runs, components and layers it looked at, and the
//! numbers it found (a p-value, a minimum detectable difference, an interval).

use super::kind::Kind;
use crate::post::facts::{Facts, VariantFacts};

/// One claim's scope and findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    pub kind: Kind,
    /// The variants it compared or looked at, as the message should read them (`x01 against
    /// x00`, `x02`).
    pub variants: Vec<String>,
    /// The runs whose numbers entered, by folder name.
    pub runs: Vec<String>,
    pub components: Vec<String>,
    /// Which layers, in words (`1-15; layer 0 left out: ...`), for lambda claims.
    pub layers: Option<String>,
    pub metric: Option<String>,
    /// The numbers found (`p = 0.41`, `minimum detectable difference 0.0558 ...`).
    pub found: Vec<String>,
    /// What was left out of the claim's range and why.
    pub left_out: Vec<String>,
}

impl Audit {
    pub fn new(kind: Kind) -> Audit {
        Audit {
            kind,
            variants: Vec::new(),
            runs: Vec::new(),
            components: Vec::new(),
            layers: None,
            metric: None,
            found: Vec::new(),
            left_out: Vec::new(),
        }
    }

    /// Adds a variant's counted runs (once each).
    pub fn add_runs(&mut self, v: &VariantFacts) {
        for r in &v.runs {
            if !self.runs.contains(r) {
                self.runs.push(r.clone());
            }
        }
    }

    /// Adds the named variants and all their runs.
    pub fn add_variants(&mut self, f: &Facts, names: &[String]) {
        for n in names {
            if let Ok(v) = f.variant(n) {
                self.add_runs(v);
            }
            if !self.variants.contains(n) {
                self.variants.push(n.clone());
            }
        }
    }

    /// The scope in one line: `variants x01 against x00; runs x01-s0, ...; layers 14, 15`.
    pub fn scope(&self) -> String {
        let mut parts = Vec::new();
        if !self.variants.is_empty() {
            parts.push(format!("variants {}", self.variants.join(", ")));
        }
        if !self.components.is_empty() {
            parts.push(format!("components {}", self.components.join(", ")));
        }
        if let Some(l) = &self.layers {
            parts.push(format!("layers {l}"));
        }
        if let Some(m) = &self.metric {
            parts.push(format!("metric {m}"));
        }
        parts.push(format!(
            "{} runs ({})",
            self.runs.len(),
            self.runs.join(", ")
        ));
        parts.join("; ")
    }
}

/// A claim of a draft as `report check --claims` lists it: where it stands, the sentence it
/// follows, and what it checked (or why it failed).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub path: std::path::PathBuf,
    pub line: usize,
    /// The claim's own words (`claim="..."`).
    pub claim: String,
    pub that: String,
    pub experiment: Option<String>,
    /// The sentence before the claim, with the numbers directives put in it.
    pub sentence: String,
    /// What it checked when it holds; `Err` the failure (or what is wrong with the check).
    pub outcome: Result<Audit, Failure>,
}

/// Why a claim does not stand, as the build's problem at its line says it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
