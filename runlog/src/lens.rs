//! `lens.json`: the logit lens of a model, what its language head reads out of each vector that
//! enters or leaves its layers. `components` maps each decoded vector to five numbers over the
//! validation tokens; a decoded sample (input tokens, and per component and position the top-k
//! next tokens with their probabilities) sits beside them.
//!
//! Component names (the original study's, experiments/00004-x0 of snimu/modded-nanogpt-experiments):
//! `x-0`..`x-{L-1}` the residual entering each layer before its weighted sum, `x-out` the
//! residual after the last layer, `x00`..`x0N` the (normed) embeddings, `ve0`.. the value
//! embeddings as looked up, `ve{i}_o{j}` value embedding `i` through the output projection of
//! attention layer `j`, which uses it ([`VALUE_EMBED_LAYERS`]).
//!
//! Two places hold one: a run's own lens (`<run>/lens.json`, [`LENS_FILE`]), written by the
//! trainer at the end of a run or by `trainer lens`, checked with the run
//! (the run checks: another config or step, a missing component, NaN or out-of-range rates);
//! and an experiment's imported lens (`<experiment>/lens-<variant>.json`,
//! [`experiment_lens_file`]), of a published run that is not among the experiment's runs, with
//! where it came from (`source`), what its numbers cannot say (`notes`) and the norms the
//! publication printed beside it ([`LensNorms`]).

use crate::floats;
use crate::problem::Problem;
use crate::variant::Variant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const LENS_FILE: &str = "lens.json";
pub const LENS_SCHEMA_VERSION: u32 = 1;

/// (value embedding, the attention layer whose output projection it goes through): the medium
/// track's "012 ... 012" pattern, as the trainer's model and the original study use it.
pub const VALUE_EMBED_LAYERS: [(usize, usize); 6] =
    [(0, 0), (1, 1), (2, 2), (0, 13), (1, 14), (2, 15)];

/// The rates a lens measures, as claims and directives name them, and their keys.
pub const RATES: [(&str, &str); 3] = [
    ("next", "next_top1"),
    ("copy", "copy_top1"),
    ("bigram", "bigram_top1"),
];

/// An experiment's imported lens of `variant`: `lens-x01.json` in the experiment's folder.
pub fn experiment_lens_file(variant: Variant) -> String {
    format!("lens-{variant}.json")
}

/// Whether a file name is that of an experiment's lens (`lens-x01.json`).
pub fn is_experiment_lens_file(name: &str) -> bool {
    name.strip_prefix("lens-")
        .and_then(|r| r.strip_suffix(".json"))
        .is_some_and(|v| Variant::parse(v).is_ok())
}

/// Every component a lens of `variant` with `layers` layers decodes, in the original's order:
/// `x-0`.., `x-out`, `x00`.., `ve0`.., `ve0_o0`...
pub fn lens_components(variant: Variant, layers: usize) -> Vec<String> {
    let mut out: Vec<String> = (0..layers).map(|i| format!("x-{i}")).collect();
    out.push("x-out".into());
    out.extend(variant.components().map(|v| v.to_string()));
    let pairs: Vec<(usize, usize)> = VALUE_EMBED_LAYERS
        .iter()
        .copied()
        .filter(|&(_, layer)| layer < layers)
        .collect();
    let mut ves: Vec<usize> = pairs.iter().map(|p| p.0).collect();
    ves.sort_unstable();
    ves.dedup();
    out.extend(ves.iter().map(|v| format!("ve{v}")));
    out.extend(pairs.iter().map(|(v, l)| format!("ve{v}_o{l}")));
    out
}

/// The layers a lens decodes: one more than its highest `x-N`.
pub fn lens_layers<'a>(names: impl IntoIterator<Item = &'a String>) -> usize {
    names
        .into_iter()
        .filter_map(|n| n.strip_prefix("x-")?.parse::<usize>().ok())
        .map(|n| n + 1)
        .max()
        .unwrap_or(0)
}

/// The logit lens of one model (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lens {
    pub schema_version: u32,
    /// The variant whose model was decoded.
    pub variant: Variant,
    /// An imported lens: the experiment it belongs to (a run's lens is its run's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    /// A run's lens: its run.json's config hash (a lens of another config is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_hash: Option<String>,
    /// The training step of the weights decoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u64>,
    /// What the numbers were measured on, in words.
    pub measured_on: String,
    /// How the bigram table of `bigram_top1` was counted; absent when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bigram_table: Option<String>,
    /// An imported lens: where it was published (repository, file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What the numbers rest on and what they cannot say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub components: BTreeMap<String, LensStats>,
    pub sample: LensSample,
    /// The norms printed beside an imported lens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub norms: Option<LensNorms>,
}

/// One component's numbers over `tokens` positions. A rate that is not finite is written `null`
/// and read back as NaN (the checks name it); a number not measured is absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LensStats {
    pub tokens: u64,
    /// Mean cross-entropy (nats) against the next token.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "floats::present"
    )]
    pub cross_entropy: Option<f64>,
    /// Share of positions whose top-1 is the next token.
    #[serde(deserialize_with = "floats::one")]
    pub next_top1: f64,
    /// Share whose top-1 is the input token itself.
    #[serde(deserialize_with = "floats::one")]
    pub copy_top1: f64,
    /// Share whose top-1 is the training split's most frequent successor of the input token.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "floats::present"
    )]
    pub bigram_top1: Option<f64>,
    /// Mean entropy (nats) of the predicted distribution.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "floats::present"
    )]
    pub entropy: Option<f64>,
}

impl LensStats {
    /// A rate by its short name (`next`, `copy`, `bigram`) or key (`next_top1`, ...); `None`
    /// for a name that is no rate, `Some(None)` for a rate not measured.
    pub fn rate(&self, name: &str) -> Option<Option<f64>> {
        match name {
            "next" | "next_top1" => Some(Some(self.next_top1)),
            "copy" | "copy_top1" => Some(Some(self.copy_top1)),
            "bigram" | "bigram_top1" => Some(self.bigram_top1),
            "cross_entropy" => Some(self.cross_entropy),
            "entropy" => Some(self.entropy),
            _ => None,
        }
    }
}

/// The decoded sample: its input tokens, and per component and position the top-k next tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LensSample {
    /// Where its text comes from, in words.
    pub text: String,
    /// The input tokens, decoded, one per position.
    pub tokens: Vec<String>,
    /// Per component, per position: the most probable next tokens, most probable first.
    pub top: BTreeMap<String, Vec<Vec<Guess>>>,
}

/// A decoded token and its probability: `["␣the", 0.25]` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guess(pub String, pub f64);

/// Norms published beside an imported lens, as printed: per layer the residual entering it,
/// and one per embedding (`x00`, `x01`, `ve0`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LensNorms {
    /// What the numbers are, in words.
    pub kind: String,
    /// Per layer: the residual entering the layer before its weighted sum.
    pub x: Vec<f64>,
    /// Each embedding's norm.
    pub inputs: BTreeMap<String, f64>,
    /// The norm of one RMS-normed vector per element (x00's): a norm divided by it is an RMS.
    pub per_element: f64,
}

impl LensNorms {
    /// Per layer, the residual's RMS per element.
    pub fn x_rms(&self) -> Vec<f64> {
        self.x.iter().map(|n| n / self.per_element).collect()
    }

    /// An embedding's RMS per element.
    pub fn input_rms(&self, name: &str) -> Option<f64> {
        self.inputs.get(name).map(|n| n / self.per_element)
    }
}

/// The bytes of a lens file: pretty JSON, but each position of the sample on one line (a
/// sample of 64 positions of 31 components would take a hundred thousand lines otherwise).
pub fn lens_text(lens: &Lens) -> Result<String, serde_json::Error> {
    let mut head = lens.clone();
    let top = std::mem::take(&mut head.sample.top);
    let mut text = serde_json::to_string_pretty(&head)?;
    // `"top": {}` is the last key of the sample; fill it component by component.
    let mut body = String::from("{");
    for (i, (name, positions)) in top.iter().enumerate() {
        body.push_str(if i == 0 { "\n" } else { ",\n" });
        body.push_str(&format!("      {}: [", serde_json::to_string(name)?));
        for (j, guesses) in positions.iter().enumerate() {
            body.push_str(if j == 0 { "\n" } else { ",\n" });
            body.push_str("        ");
            body.push_str(&serde_json::to_string(guesses)?);
        }
        body.push_str(if positions.is_empty() {
            "]"
        } else {
            "\n      ]"
        });
    }
    body.push_str(if top.is_empty() { "}" } else { "\n    }" });
    let at = text
        .rfind("\"top\": {}")
        .expect("the sample's top is serialised");
    text.replace_range(at + 7..at + 9, &body);
    text.push('\n');
    Ok(text)
}

/// Reads a lens file: the lens, or the problem (file, line) that stops it from reading.
pub fn read_lens(path: &Path) -> Result<Lens, Problem> {
    // A named pipe or device under this name would hang a load: regular files only.
    let bytes =
        crate::file::read_regular(path).map_err(|e| Problem::new(path, None, e.to_string()))?;
    serde_json::from_slice::<Lens>(&bytes)
        .map_err(|e| Problem::new(path, Some(e.line()), format!("unreadable: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write_lens;

    #[test]
    fn components_follow_the_original_order() {
        let c = lens_components(Variant::parse("x01").unwrap(), 16);
        assert_eq!(c.len(), 16 + 1 + 2 + 3 + 6);
        assert_eq!(&c[15..19], ["x-15", "x-out", "x00", "x01"]);
        assert_eq!(
            &c[19..],
            ["ve0", "ve1", "ve2", "ve0_o0", "ve1_o1", "ve2_o2", "ve0_o13", "ve1_o14", "ve2_o15"]
        );
        let two = lens_components(Variant::BASELINE, 2);
        assert_eq!(
            two,
            ["x-0", "x-1", "x-out", "x00", "ve0", "ve1", "ve0_o0", "ve1_o1"]
        );
        assert_eq!(lens_layers(&c), 16);
        assert!(is_experiment_lens_file("lens-x01.json"));
        assert!(!is_experiment_lens_file("lens.json") && !is_experiment_lens_file("lens-x1.json"));
    }

    #[test]
    fn written_one_position_per_line_and_read_back_whole() {
        let dir = std::env::temp_dir().join(format!("lens-write-{}", std::process::id()));
        let path = dir.join(LENS_FILE);
        let g = |t: &str, p: f64| Guess(t.into(), p);
        let lens = Lens {
            schema_version: LENS_SCHEMA_VERSION,
            variant: Variant::BASELINE,
            experiment: None,
            config_hash: Some("h".into()),
            step: Some(3),
            measured_on: "tokens".into(),
            bigram_table: None,
            source: None,
            notes: Vec::new(),
            components: BTreeMap::new(),
            sample: LensSample {
                text: "t".into(),
                tokens: vec!["a".into(), "\"}".into()],
                top: BTreeMap::from([
                    (
                        "x-0".to_string(),
                        vec![vec![g(" \"top\": {}", 0.5)], vec![]],
                    ),
                    ("x00".to_string(), vec![]),
                ]),
            },
            norms: None,
        };
        write_lens(&path, &lens).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\n        [[\" \\\"top\\\": {}\",0.5]],\n        []\n      ],\n"),
            "{text}"
        );
        assert_eq!(read_lens(&path).unwrap(), lens);
        let empty = Lens {
            sample: LensSample {
                top: BTreeMap::new(),
                ..lens.sample.clone()
            },
            ..lens
        };
        write_lens(&path, &empty).unwrap();
        assert_eq!(read_lens(&path).unwrap(), empty);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
