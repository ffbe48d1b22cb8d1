//! The default corpus: short stories from a seeded generator, identical on every machine, no
//! download. It is honestly synthetic, built so that context beyond one token matters:
//!
//! - each story has a cast (two names), a place and a topic (a few nouns, verbs, adjectives drawn
//!   for that story), so earlier sentences predict later words (names recur: copying helps);
//! - verbs agree with their subject (`Mira sees` / `the foxes see`) and nouns with their
//!   determiner (`a fox` / `three foxes`), so the next token depends on words a few tokens back;
//! - counts are consistent (`had five ... gave two ... kept three`), a small arithmetic pattern.
//!
//! The words are plain English, so GPT-2's BPE splits them as it would real text.

use crate::rng::Rng;

/// The generator's seed: fixed, so the corpus (and its hash in run.json) never changes.
pub const CORPUS_SEED: u64 = 20240520;

const NAMES: &[&str] = &[
    "Mira", "Tom", "Ada", "Leo", "Nina", "Sam", "Iris", "Ben", "Clara", "Hugo", "Lena", "Omar",
    "Rosa", "Ivan", "Zoe", "Felix", "Maya", "Emil", "Tara", "Jonas", "Alma", "Noah", "Elsa", "Kai",
    "Vera", "Oskar", "Lila", "Theo", "June", "Arne",
];
const PLACES: &[&str] = &[
    "forest", "harbor", "village", "garden", "mountain", "market", "library", "river", "castle",
    "desert", "island", "kitchen", "station", "valley", "meadow", "workshop",
];
/// (singular, plural)
const NOUNS: &[(&str, &str)] = &[
    ("fox", "foxes"),
    ("boat", "boats"),
    ("apple", "apples"),
    ("book", "books"),
    ("lamp", "lamps"),
    ("stone", "stones"),
    ("bird", "birds"),
    ("cake", "cakes"),
    ("key", "keys"),
    ("map", "maps"),
    ("horse", "horses"),
    ("shell", "shells"),
    ("letter", "letters"),
    ("candle", "candles"),
    ("basket", "baskets"),
    ("coin", "coins"),
    ("flower", "flowers"),
    ("wheel", "wheels"),
    ("bell", "bells"),
    ("cat", "cats"),
    ("box", "boxes"),
    ("tree", "trees"),
    ("cup", "cups"),
    ("song", "songs"),
    ("ship", "ships"),
    ("feather", "feathers"),
    ("rope", "ropes"),
    ("hat", "hats"),
];
/// (base, third person singular, past)
const VERBS: &[(&str, &str, &str)] = &[
    ("see", "sees", "saw"),
    ("find", "finds", "found"),
    ("carry", "carries", "carried"),
    ("paint", "paints", "painted"),
    ("count", "counts", "counted"),
    ("watch", "watches", "watched"),
    ("hide", "hides", "hid"),
    ("clean", "cleans", "cleaned"),
    ("fix", "fixes", "fixed"),
    ("sell", "sells", "sold"),
    ("draw", "draws", "drew"),
    ("keep", "keeps", "kept"),
    ("throw", "throws", "threw"),
    ("build", "builds", "built"),
    ("follow", "follows", "followed"),
    ("open", "opens", "opened"),
];
const ADJECTIVES: &[&str] = &[
    "red", "small", "old", "bright", "quiet", "heavy", "green", "strange", "golden", "tiny",
    "broken", "warm", "silver", "wild", "blue", "round",
];
const NUMBERS: &[&str] = &[
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

struct Story<'a> {
    hero: &'a str,
    friend: &'a str,
    place: &'a str,
    nouns: Vec<(&'a str, &'a str)>,
    verbs: Vec<(&'a str, &'a str, &'a str)>,
    adjectives: Vec<&'a str>,
}

fn pick_some<T: Copy>(rng: &mut Rng, items: &[T], n: usize) -> Vec<T> {
    (0..n).map(|_| *rng.pick(items)).collect()
}

impl<'a> Story<'a> {
    fn new(rng: &mut Rng) -> Self {
        let hero = *rng.pick(NAMES);
        let mut friend = *rng.pick(NAMES);
        while friend == hero {
            friend = *rng.pick(NAMES);
        }
        Story {
            hero,
            friend,
            place: PLACES[rng.below(PLACES.len())],
            nouns: pick_some(rng, NOUNS, 3),
            verbs: pick_some(rng, VERBS, 3),
            adjectives: pick_some(rng, ADJECTIVES, 3),
        }
    }

    /// One sentence from one of a few templates, over this story's cast and topic.
    fn sentence(&self, rng: &mut Rng) -> String {
        let (noun, nouns) = *rng.pick(&self.nouns);
        let (verb, verbs, verbed) = *rng.pick(&self.verbs);
        let adj = *rng.pick(&self.adjectives);
        let who = if rng.uniform() < 0.6 {
            self.hero
        } else {
            self.friend
        };
        match rng.below(7) {
            0 => format!("{who} {verbs} the {adj} {noun}."),
            1 => format!("The {adj} {nouns} {verb} {who} in the {}.", self.place),
            2 => format!("{} and {} {verb} a {adj} {noun}.", self.hero, self.friend),
            3 => {
                let had = 2 + rng.below(8);
                let gave = 1 + rng.below(had - 1);
                format!(
                    "{who} had {} {nouns}, gave {} to {}, and kept {}.",
                    NUMBERS[had],
                    NUMBERS[gave],
                    if who == self.hero {
                        self.friend
                    } else {
                        self.hero
                    },
                    NUMBERS[had - gave]
                )
            }
            4 => format!(
                "Yesterday {who} {verbed} the {nouns} near the {}.",
                self.place
            ),
            5 => format!("\"Where is the {adj} {noun}?\" asked {who}."),
            _ => format!("In the {}, the {noun} {verbs} {who}.", self.place),
        }
    }

    fn text(&self, rng: &mut Rng) -> String {
        let mut out = format!(
            "{} and {} in the {}\n\n{} lived near the {}.",
            self.hero, self.friend, self.place, self.hero, self.place
        );
        for _ in 0..6 + rng.below(10) {
            out.push(' ');
            out.push_str(&self.sentence(rng));
        }
        out.push('\n');
        out
    }
}

/// `count` stories, numbered from `first` so the train and validation splits never overlap.
pub fn stories(first: u64, count: usize) -> Vec<String> {
    (0..count as u64)
        .map(|i| {
            let mut rng = Rng::new(CORPUS_SEED.wrapping_mul(1_000_003).wrapping_add(first + i));
            Story::new(&mut rng).text(&mut rng)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stories_are_fixed_and_grammatical_in_agreement() {
        let a = stories(0, 3);
        assert_eq!(a, stories(0, 3));
        assert_ne!(a[0], stories(1, 1)[0]);
        let all = stories(0, 200).concat();
        assert!(all.contains(" and kept "));
        assert!(!all.contains("the foxes sees"));
    }
}
