//! The optimiser's parameter groups, listed explicitly from the model's fields as
//! modded-nanogpt's set-up lists them, and the check that every parameter of the model is in
//! exactly one group (modded-nanogpt asserts the same): a parameter added to the model but not
//! here stops the run instead of silently getting some other group's learning rate.

use crate::model::Gpt;
pub use crate::params::paths;
use burn::tensor::backend::Backend;
use std::collections::BTreeMap;

/// Which optimiser and learning rate a parameter gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Hidden matrices; the MLP's get the larger weight decay (`wd_mul = 2`).
    Muon {
        mlp: bool,
    },
    /// x00..x0N and the value embeddings.
    Embed,
    Head,
    /// Lambdas, value-embedding lambdas, skip weights.
    Scalar,
}

/// Every parameter path with its group, from the model's fields.
pub fn listed<B: Backend>(m: &Gpt<B>) -> Vec<(String, Group)> {
    let mut g = Vec::new();
    for i in 0..m.embeds.len() {
        g.push((format!("embeds.{i}"), Group::Embed));
    }
    for i in 0..m.value_embeds.len() {
        g.push((format!("value_embeds.{i}"), Group::Embed));
    }
    for (i, block) in m.blocks.iter().enumerate() {
        if block.attn.is_some() {
            for p in ["q", "k", "v", "o"] {
                g.push((format!("blocks.{i}.attn.{p}"), Group::Muon { mlp: false }));
            }
        }
        for p in ["fc", "proj"] {
            g.push((format!("blocks.{i}.mlp.{p}"), Group::Muon { mlp: true }));
        }
    }
    g.push(("lm_head".into(), Group::Head));
    for p in ["lambdas", "sa_lambdas", "skip_weights"] {
        g.push((p.into(), Group::Scalar));
    }
    g
}

/// The groups of `m`, checked: each of its parameters listed exactly once, nothing else listed.
/// Panics otherwise, naming the parameters: the model and this list disagree (a bug, not input).
pub fn of<B: Backend>(m: &Gpt<B>) -> BTreeMap<String, Group> {
    let groups = listed(m);
    if let Err(e) = check(&groups, &paths(m)) {
        panic!("optimiser groups: {e}");
    }
    groups.into_iter().collect()
}

/// Every listed path is a parameter, listed once, and every parameter is listed.
pub fn check(groups: &[(String, Group)], params: &[String]) -> Result<(), String> {
    let mut seen = BTreeMap::new();
    for (p, _) in groups {
        *seen.entry(p.as_str()).or_insert(0) += 1;
    }
    let twice: Vec<&str> = seen
        .iter()
        .filter(|(_, &n)| n > 1)
        .map(|(p, _)| *p)
        .collect();
    let missing: Vec<&str> = params
        .iter()
        .map(String::as_str)
        .filter(|p| !seen.contains_key(p))
        .collect();
    let unknown: Vec<&str> = seen
        .keys()
        .copied()
        .filter(|p| !params.iter().any(|q| q == p))
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("in no group: {}", missing.join(", ")));
    }
    if !twice.is_empty() {
        problems.push(format!("in several groups: {}", twice.join(", ")));
    }
    if !unknown.is_empty() {
        problems.push(format!(
            "listed but not in the model: {}",
            unknown.join(", ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::FlexAutodiff;

    #[test]
    fn every_parameter_of_every_variant_is_in_exactly_one_group() {
        for extra in 0..=8 {
            let mut cfg = crate::Preset::Tiny.config(extra, 0).model;
            cfg.vocab = 10;
            let m = Gpt::<FlexAutodiff>::new(&cfg, 0, &Default::default());
            let g = of(&m);
            assert_eq!(g.len(), paths(&m).len());
            assert_eq!(g["embeds.0"], Group::Embed);
            assert_eq!(g[&format!("embeds.{extra}")], Group::Embed);
            assert_eq!(g["value_embeds.2"], Group::Embed);
            assert_eq!(g["lm_head"], Group::Head);
            assert_eq!(g["sa_lambdas"], Group::Scalar);
            assert_eq!(g["blocks.3.attn.q"], Group::Muon { mlp: false });
            assert_eq!(g["blocks.7.mlp.fc"], Group::Muon { mlp: true });
            assert!(
                !g.contains_key("blocks.7.attn.q"),
                "layer 7 has no attention"
            );
        }
    }

    #[test]
    fn a_parameter_in_no_group_or_two_is_named() {
        let params: Vec<String> = ["embeds.0", "lm_head", "new_table"]
            .map(String::from)
            .to_vec();
        let groups = vec![
            ("embeds.0".to_string(), Group::Embed),
            ("lm_head".to_string(), Group::Head),
            ("lm_head".to_string(), Group::Scalar),
            ("gone".to_string(), Group::Scalar),
        ];
        let e = check(&groups, &params).unwrap_err();
        assert!(e.contains("in no group: new_table"), "{e}");
        assert!(e.contains("in several groups: lm_head"), "{e}");
        assert!(e.contains("not in the model: gone"), "{e}");
    }
}
