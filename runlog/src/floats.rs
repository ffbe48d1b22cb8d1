//! Reading back what serde_json writes for a non-finite float. JSON has no NaN or infinity, so
//! serde_json writes them as `null`; a plain `f64` field then refuses its own output. The lists
//! of learned scalars and norms read `null` as NaN instead, so the reader and the writer agree
//! on every line; what a NaN means (a diverged run, a half a log did not print) is for the run
//! checks to judge, not for the parser.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// One float that may be `null` (read as NaN).
#[derive(Deserialize)]
#[serde(transparent)]
struct Lenient(Option<f64>);

impl Lenient {
    fn get(self) -> f64 {
        self.0.unwrap_or(f64::NAN)
    }
}

fn unwrap(v: Vec<Lenient>) -> Vec<f64> {
    v.into_iter().map(Lenient::get).collect()
}

/// `[1.0, null, ...]` -> `[1.0, NaN, ...]`.
pub(crate) fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
    Ok(Option::<Vec<Lenient>>::deserialize(d)?.map(unwrap))
}

/// `{"x": [1.0, null]}` -> `{"x": [1.0, NaN]}`.
pub(crate) fn lambdas<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, Vec<f64>>>, D::Error> {
    Ok(Option::<BTreeMap<String, Vec<Lenient>>>::deserialize(d)?
        .map(|m| m.into_iter().map(|(k, v)| (k, unwrap(v))).collect()))
}

/// `[[0.5, null]]` -> `[[0.5, NaN]]`.
pub(crate) fn pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<[f64; 2]>>, D::Error> {
    Ok(Option::<Vec<[Lenient; 2]>>::deserialize(d)?
        .map(|v| v.into_iter().map(|[a, b]| [a.get(), b.get()]).collect()))
}

/// A required float that may be `null` (read as NaN): `0.5` -> 0.5, `null` -> NaN.
pub(crate) fn one<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Lenient::deserialize(d)?.get())
}

/// An optional float: absent stays `None` (serde's default), present `null` is `Some(NaN)`, so a
/// number that was measured and came out non-finite is told from one never measured.
pub(crate) fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Some(Lenient::deserialize(d)?.get()))
}
