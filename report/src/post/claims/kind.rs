//! The claim kinds, one enum for the parser of `that="..."` and the checker, so a kind cannot be
//! known to one and missing from the other (a test checks every kind both parses and is checked).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Falls,
    Rises,
    Below,
    Above,
    Lowest,
    Highest,
    Significant,
    NotSignificant,
    Equivalent,
    MeanBelow,
    LambdaPositive,
    LambdaNegative,
    LambdaSignVaries,
    LambdaFades,
    LambdaGrows,
    LowestMost,
    BelowMost,
    LensRateAbove,
    LensRateBelow,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::Falls,
        Kind::Rises,
        Kind::Below,
        Kind::Above,
        Kind::Lowest,
        Kind::Highest,
        Kind::Significant,
        Kind::NotSignificant,
        Kind::Equivalent,
        Kind::MeanBelow,
        Kind::LambdaPositive,
        Kind::LambdaNegative,
        Kind::LambdaSignVaries,
        Kind::LambdaFades,
        Kind::LambdaGrows,
        Kind::LowestMost,
        Kind::BelowMost,
        Kind::LensRateAbove,
        Kind::LensRateBelow,
    ];

    /// As a draft writes it: `that="not_significant"`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Falls => "falls",
            Kind::Rises => "rises",
            Kind::Below => "below",
            Kind::Above => "above",
            Kind::Lowest => "lowest",
            Kind::Highest => "highest",
            Kind::Significant => "significant",
            Kind::NotSignificant => "not_significant",
            Kind::Equivalent => "equivalent",
            Kind::MeanBelow => "mean_below",
            Kind::LambdaPositive => "lambda_positive",
            Kind::LambdaNegative => "lambda_negative",
            Kind::LambdaSignVaries => "lambda_sign_varies",
            Kind::LambdaFades => "lambda_fades",
            Kind::LambdaGrows => "lambda_grows",
            Kind::LowestMost => "lowest_most",
            Kind::BelowMost => "below_most",
            Kind::LensRateAbove => "lens_rate_above",
            Kind::LensRateBelow => "lens_rate_below",
        }
    }

    pub fn parse(name: &str) -> crate::Result<Kind> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                crate::Error::Call(format!(
                    "unknown claim kind that=\"{name}\"; known kinds: {}",
                    Kind::known()
                ))
            })
    }

    pub fn known() -> String {
        Kind::ALL
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Kinds about the final lambdas of every run.
    pub fn is_lambda(self) -> bool {
        matches!(
            self,
            Kind::LambdaPositive
                | Kind::LambdaNegative
                | Kind::LambdaSignVaries
                | Kind::LambdaFades
                | Kind::LambdaGrows
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
