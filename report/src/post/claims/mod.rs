//! Claim checks: `{{ check(claim="...", that="falls", metric="final_loss") }}` renders to nothing
//! when the runs agree with the claim, and fails the build, naming the claim and the numbers,
//! when they do not (a rerun can make prose false). A claim is checked within one experiment
//! (`experiment=`, picked by the directive); a statement about two scales is two claims.
//!
//! A claim ranges over what it names, and no further: one `variant=`, several
//! (`variants=["x01", "x04"]`) or every one (`variants="all"`); for lambda kinds one
//! `component=` or several (`components=["x01", "x03"]`, `components="added"`), in every run;
//! with `normalized=true`, over each component's share of the layer's input instead of its
//! lambda (`stats::shares`).
//! Each check returns an [`Audit`] of what it looked at and found, which `report check
//! --claims` lists beside the sentence the claim follows.
//!
//! Kinds ([`Kind`]) about final numbers are in [`finals`]; tests of differences, equivalence
//! and the record rule in [`inference`]; about lambdas in [`lambdas`]; about how the loss
//! curves compare along the whole run in [`curves`]; about the logit lens in [`lens`].

pub mod audit;
mod curves;
mod finals;
mod inference;
pub mod kind;
mod lambdas;
mod lens;

pub use audit::Audit;
pub use kind::Kind;

use super::args::Args;
use super::facts::Facts;
use crate::{Error, Result};

/// The claim's audit when it holds; `Err` says why not, or what is wrong with the check itself.
pub fn check(f: &Facts, args: &Args) -> Result<Audit> {
    let claim = args.text("claim").unwrap_or("(unnamed claim)");
    let that = args.text("that").ok_or_else(|| {
        Error::Call(format!(
            "check(...) needs `that`, one of: {}",
            Kind::known()
        ))
    })?;
    let kind = Kind::parse(that)?;
    if args.flag("normalized") && !kind.is_lambda() {
        return Err(Error::BadClaim {
            claim: claim.to_owned(),
            what: format!(
                "normalized=true applies to the lambda kinds only (shares of a layer's input), \
                 not to that=\"{kind}\""
            ),
        });
    }
    let mut audit = Audit::new(kind);
    let c = Claim {
        facts: f,
        args,
        kind,
        text: claim,
    };
    match kind {
        Kind::Falls | Kind::Rises | Kind::Below | Kind::Above | Kind::Lowest | Kind::Highest => {
            finals::check(&c, &mut audit)
        }
        Kind::Significant | Kind::NotSignificant | Kind::Equivalent => {
            inference::versus_baseline(&c, &mut audit)
        }
        Kind::MeanBelow => inference::mean_below(&c, &mut audit),
        Kind::LambdaPositive
        | Kind::LambdaNegative
        | Kind::LambdaSignVaries
        | Kind::LambdaFades
        | Kind::LambdaGrows => lambdas::check(&c, &mut audit),
        Kind::LowestMost | Kind::BelowMost => curves::check(&c, &mut audit),
        Kind::LensRateAbove | Kind::LensRateBelow => lens::check(&c, &mut audit),
    }?;
    Ok(audit)
}

/// A claim being checked: the facts of its experiment, its arguments, its kind and its words.
pub(crate) struct Claim<'a> {
    pub facts: &'a Facts,
    pub args: &'a Args,
    pub kind: Kind,
    pub text: &'a str,
}

impl Claim<'_> {
    /// An argument the kind needs.
    pub fn need(&self, k: &str) -> Result<&str> {
        self.args
            .text(k)
            .ok_or_else(|| Error::Call(format!("check(that=\"{}\") needs `{k}`", self.kind)))
    }

    /// A number the kind needs.
    pub fn need_number(&self, k: &str) -> Result<f64> {
        self.args.number(k).ok_or_else(|| {
            Error::Call(format!(
                "check(that=\"{}\") needs `{k}`, a number",
                self.kind
            ))
        })
    }

    /// The failure of a claim that does not hold, with the numbers that say so.
    pub fn fail<T>(&self, numbers: impl std::fmt::Display) -> Result<T> {
        Err(Error::FalseClaim {
            claim: self.text.to_owned(),
            numbers: numbers.to_string(),
        })
    }

    /// What is wrong with the check itself (not with the runs).
    pub fn bad<T>(&self, what: impl std::fmt::Display) -> Result<T> {
        Err(Error::BadClaim {
            claim: self.text.to_owned(),
            what: what.to_string(),
        })
    }

    /// An error from what the claim reads, said as the claim's (a check that cannot be made).
    pub fn about(&self, e: Error) -> Error {
        Error::BadClaim {
            claim: self.text.to_owned(),
            what: e.to_string(),
        }
    }

    /// The variants the claim ranges over: `variant="x01"`, `variants=["x01", "x04"]` or
    /// `variants="all"` (every variant of the experiment); `None` when it names none.
    pub fn variants(&self) -> Result<Option<Vec<String>>> {
        let one = self.args.text("variant");
        let list = self.args.names("variants");
        let word = self.args.text("variants");
        match (one, list, word) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                self.bad("give `variant` or `variants`, not both")
            }
            (Some(v), None, None) => Ok(Some(vec![v.to_string()])),
            (None, Some(l), _) if l.is_empty() => self.bad("`variants` names no variant"),
            (None, Some(l), _) => Ok(Some(l)),
            (None, None, Some("all")) => Ok(Some(
                self.facts
                    .variants
                    .iter()
                    .map(|v| v.variant.to_string())
                    .collect(),
            )),
            (None, None, Some(other)) => self.bad(format!(
                "variants=\"{other}\": give a list like [\"x01\", \"x04\"], or \"all\""
            )),
            (None, None, None) => Ok(None),
        }
    }

    /// The metric the claim is about (`metric=`, default `final_loss`).
    pub fn metric(&self) -> &str {
        self.args.text("metric").unwrap_or("final_loss")
    }
}

#[cfg(test)]
mod share_tests;
#[cfg(test)]
mod tests;
