//! The variant name, parsed in one place: `x` and two digits, `x00`..`x99`, the number being how
//! many embeddings the variant adds to the baseline's x00 (`x00` is the baseline itself). The
//! same names key the lambdas (`x00`, `x01`, ...), so [`Variant`] also names a lambda component.
//! Every tool reads variant names through [`Variant::parse`]; the trainer then accepts the ones
//! it can build.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A variant (or lambda component) name: `x00`..`x99`.
/// The default is the baseline, x00.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Variant(u8);

/// The highest number a two-digit name can carry.
pub const MAX_VARIANT: u32 = 99;

impl Variant {
    /// The baseline, `x00`: the token embedding only.
    pub const BASELINE: Variant = Variant(0);

    /// `x00` -> 0 .. `x99` -> 99. Anything else (`x4`, `x100`, `X01`, `x0a`, ` x01`) is an
    /// error that quotes the input and says what is accepted.
    pub fn parse(name: &str) -> Result<Variant, String> {
        let digits = name
            .strip_prefix('x')
            .filter(|d| d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit()));
        match digits {
            Some(d) => Ok(Variant(d.parse().expect("two ASCII digits"))),
            None => Err(format!(
                "variant `{}` is not `x` and two digits (x00 is the baseline, x01 adds one \
                 embedding, ... x99)",
                name.escape_debug()
            )),
        }
    }

    /// The variant that adds `n` embeddings; `None` past x99.
    pub fn new(n: u32) -> Option<Variant> {
        u8::try_from(n)
            .ok()
            .filter(|&n| u32::from(n) <= MAX_VARIANT)
            .map(Variant)
    }

    /// How many embeddings the variant adds to x00 (its number).
    pub fn extra_embeddings(self) -> u32 {
        u32::from(self.0)
    }

    /// The lambda components of this variant's weighted sum besides `x`: x00..=self.
    pub fn components(self) -> impl Iterator<Item = Variant> {
        (0..=self.0).map(Variant)
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` keeps width and alignment (`{:<8}` in a table) working.
        f.pad(&format!("x{:02}", self.0))
    }
}

impl FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Variant::parse(s)
    }
}

impl Serialize for Variant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Variant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Variant::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The lambda key of the i-th embedding: `x00`, `x01`, ... (i above 99 has no name; it is
/// written with as many digits as it needs, and no reader accepts it).
pub fn lambda_key(i: usize) -> String {
    format!("x{i:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_digits_exactly() {
        assert_eq!(Variant::parse("x00"), Ok(Variant::BASELINE));
        assert_eq!(Variant::parse("x10").unwrap().extra_embeddings(), 10);
        assert_eq!(Variant::parse("x99").unwrap().to_string(), "x99");
        for bad in [
            "x4", "x100", "X01", "x0a", " x01", "x01 ", "", "x", "x+1", "x１２",
        ] {
            let e = Variant::parse(bad).unwrap_err();
            assert!(e.contains(&format!("`{}`", bad.escape_debug())), "{e}");
        }
        assert_eq!(Variant::new(100), None);
        assert_eq!(Variant::new(4).unwrap().to_string(), "x04");
        let c: Vec<String> = Variant::new(2)
            .unwrap()
            .components()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(c, ["x00", "x01", "x02"]);
    }

    #[test]
    fn orders_by_number_and_serialises_as_its_name() {
        let mut v = [
            Variant::parse("x10").unwrap(),
            Variant::parse("x09").unwrap(),
        ];
        v.sort();
        assert_eq!(v[0].to_string(), "x09");
        assert_eq!(serde_json::to_string(&v[1]).unwrap(), "\"x10\"");
        assert_eq!(format!("[{:<5}]", v[0]), "[x09  ]");
        let e = serde_json::from_str::<Variant>("\"x1\"").unwrap_err();
        assert!(e.to_string().contains("`x1`"), "{e}");
    }
}
