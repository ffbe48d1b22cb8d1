//! The grid of a sweep: every variant with every seed, in a fixed order that the Slurm array
//! index also follows (task i trains `grid[i]`).

use crate::config::variant as parse_variant;
use runlog::Variant;
use std::fmt;

/// One run of the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    /// `x00`..`x08`.
    pub variant: Variant,
    pub seed: u64,
}

impl RunSpec {
    /// The run's folder name inside its experiment: `x02-s1`.
    pub fn dir_name(&self) -> String {
        runlog::run_dir_name(self.variant, self.seed)
    }
}

impl fmt::Display for RunSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dir_name())
    }
}

/// `x00,x01,x04` (also `x00..x04`, inclusive); duplicates are an error, not silently merged.
pub fn parse_variants(list: &str) -> Result<Vec<Variant>, String> {
    let mut out: Vec<Variant> = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let names: Vec<Variant> = match item.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (parse_variant(a)?, parse_variant(b)?);
                if a > b {
                    return Err(format!("variants `{item}`: the range runs backwards"));
                }
                b.components().filter(|v| *v >= a).collect()
            }
            None => vec![parse_variant(item)?],
        };
        for n in names {
            if out.contains(&n) {
                return Err(format!("variants `{list}`: {n} is listed twice"));
            }
            out.push(n);
        }
    }
    if out.is_empty() {
        return Err("variants: the list is empty (e.g. --variants x00,x01,x02)".into());
    }
    Ok(out)
}

/// `0,1,2` (also `0..2`, inclusive).
pub fn parse_seeds(list: &str) -> Result<Vec<u64>, String> {
    let num = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("seeds `{list}`: `{s}` is not a whole number"))
    };
    let mut out: Vec<u64> = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let seeds: Vec<u64> = match item.split_once("..") {
            Some((a, b)) => (num(a)?..=num(b)?).collect(),
            None => vec![num(item)?],
        };
        for s in seeds {
            if out.contains(&s) {
                return Err(format!("seeds `{list}`: {s} is listed twice"));
            }
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err("seeds: the list is empty (e.g. --seeds 0,1,2)".into());
    }
    Ok(out)
}

/// Seed-major: every variant of seed 0 first, so a sweep stopped early still compares all
/// variants on equal terms.
pub fn grid(variants: &[Variant], seeds: &[u64]) -> Vec<RunSpec> {
    seeds
        .iter()
        .flat_map(|&seed| {
            variants
                .iter()
                .map(move |&variant| RunSpec { variant, seed })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_variants_by_three_seeds_is_fifteen_runs_seed_major() {
        let v = parse_variants("x00,x01,x02,x03,x04").unwrap();
        let s = parse_seeds("0,1,2").unwrap();
        let g = grid(&v, &s);
        assert_eq!(g.len(), 15);
        assert_eq!(g[0].dir_name(), "x00-s0");
        assert_eq!(g[4].dir_name(), "x04-s0");
        assert_eq!(g[5].dir_name(), "x00-s1");
        assert_eq!(g[14].dir_name(), "x04-s2");
    }

    #[test]
    fn ranges_expand_inclusively() {
        let names: Vec<String> = parse_variants("x00..x02")
            .unwrap()
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(names, ["x00", "x01", "x02"]);
        assert_eq!(parse_seeds("3..5").unwrap(), [3, 4, 5]);
    }

    #[test]
    fn bad_lists_say_what_is_wrong() {
        assert!(parse_variants("x0").unwrap_err().contains("`x0`"));
        assert!(parse_variants("x09").unwrap_err().contains("up to x08"));
        assert!(parse_variants("x01,x01").unwrap_err().contains("twice"));
        assert!(parse_variants("x03..x01")
            .unwrap_err()
            .contains("backwards"));
        assert!(parse_seeds("0,a").unwrap_err().contains("`a`"));
        assert!(parse_seeds("").unwrap_err().contains("empty"));
    }
}
