//! Palette reduction: a figure's pixels -> at most 256 colours, for a palette PNG a fraction of
//! the size of an RGB one.
//!
//! Figures are flat colour (background, lines, heatmap cells, text) plus a few thousand
//! anti-aliasing shades along edges. The colours that cover many pixels keep their exact value,
//! so a heatmap cell keeps the colour its number maps to and a line the colour of its variant;
//! the remaining palette slots go to a median cut of the other colours, weighted by how many
//! pixels have them, and every colour is then drawn with its nearest palette entry. An image
//! with 256 colours or fewer is stored exactly. The result depends only on the pixels.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Colours are 24-bit keys: one multiply mixes them well enough (its high half, swapped into
/// the low bits a table indexes by), several times faster than the default SipHash over the
/// ~2 million pixels of a figure.
#[derive(Default)]
struct ColourHasher(u64);

impl Hasher for ColourHasher {
    fn finish(&self) -> u64 {
        self.0.rotate_left(32)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | *b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, c: u32) {
        self.0 = (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type ColourMap<V> = HashMap<u32, V, BuildHasherDefault<ColourHasher>>;

/// Palette entries at most (8-bit indices).
pub const MAX_COLOURS: usize = 256;
/// Colours kept exactly at most; the other entries approximate the anti-aliasing shades.
const MAX_KEPT: usize = 160;
/// A colour covering at least this many pixels is kept exactly (within `MAX_KEPT`).
const KEEP_FROM: u32 = 40;
/// Rounds of moving each approximating entry to the mean of the colours it stands for (a
/// second round changes little).
const REFINE: usize = 1;

/// An image as palette indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Indexed {
    pub palette: Vec<[u8; 3]>,
    /// One index into `palette` per pixel.
    pub indices: Vec<u8>,
}

fn pack(p: &[u8]) -> u32 {
    (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32
}

fn unpack(c: u32) -> [u8; 3] {
    [(c >> 16) as u8, (c >> 8) as u8, c as u8]
}

fn dist(a: [u8; 3], b: [u8; 3]) -> u32 {
    a.iter()
        .zip(b)
        .map(|(&x, y)| (x as i32 - y as i32).pow(2) as u32)
        .sum()
}

/// The distinct colours of `rgb` with their pixel counts, most frequent first (ties by value,
/// so the order never depends on hashing).
fn histogram(rgb: &[u8]) -> Vec<(u32, u32)> {
    let mut counts: ColourMap<u32> = ColourMap::default();
    // Figures are long runs of one colour: count a run once.
    let mut run = (u32::MAX, 0u32);
    for p in rgb.chunks_exact(3) {
        let c = pack(p);
        if c == run.0 {
            run.1 += 1;
        } else {
            if run.1 > 0 {
                *counts.entry(run.0).or_default() += run.1;
            }
            run = (c, 1);
        }
    }
    if run.1 > 0 {
        *counts.entry(run.0).or_default() += run.1;
    }
    let mut v: Vec<(u32, u32)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Reduces an RGB buffer (3 bytes a pixel) to at most 256 colours.
pub fn quantise(rgb: &[u8]) -> Indexed {
    let hist = histogram(rgb);
    // The first `kept` colours of the histogram are the first palette entries, exactly.
    let (palette, kept) = if hist.len() <= MAX_COLOURS {
        (hist.iter().map(|&(c, _)| unpack(c)).collect(), hist.len())
    } else {
        let kept = hist
            .iter()
            .take(MAX_KEPT)
            .take_while(|&&(_, n)| n >= KEEP_FROM)
            .count();
        let mut palette: Vec<[u8; 3]> = hist[..kept].iter().map(|&(c, _)| unpack(c)).collect();
        let rest = &hist[kept..];
        palette.extend(median_cut(rest, MAX_COLOURS - kept));
        refine(&mut palette, kept, rest);
        (palette, kept)
    };
    let lookup: ColourMap<u8> = hist
        .iter()
        .enumerate()
        .map(|(i, &(c, _))| {
            let index = if i < kept {
                i as u8
            } else {
                nearest(&palette, unpack(c))
            };
            (c, index)
        })
        .collect();
    let mut indices = Vec::with_capacity(rgb.len() / 3);
    let mut last = (u32::MAX, 0u8);
    for p in rgb.chunks_exact(3) {
        let c = pack(p);
        if c != last.0 {
            last = (c, lookup[&c]);
        }
        indices.push(last.1);
    }
    Indexed { palette, indices }
}

fn nearest(palette: &[[u8; 3]], c: [u8; 3]) -> u8 {
    let mut best = (u32::MAX, 0);
    for (i, &p) in palette.iter().enumerate() {
        let d = dist(p, c);
        if d < best.0 {
            best = (d, i);
        }
    }
    best.1 as u8
}

/// Splits the weighted colours into at most `slots` boxes; one weighted-mean colour per box.
fn median_cut(colours: &[(u32, u32)], slots: usize) -> Vec<[u8; 3]> {
    let mut boxes: Vec<Vec<([u8; 3], u32)>> =
        vec![colours.iter().map(|&(c, n)| (unpack(c), n)).collect()];
    while boxes.len() < slots {
        // The box whose pixels are furthest from one colour: widest channel range x pixels.
        let pick = boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| b.len() > 1)
            .map(|(i, b)| {
                let (ch, range) = widest(b);
                let n: u64 = b.iter().map(|e| e.1 as u64).sum();
                (range as u64 * range as u64 * n, i, ch)
            })
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let Some((_, i, ch)) = pick else { break };
        let mut b = std::mem::take(&mut boxes[i]);
        b.sort_by_key(|e| (e.0[ch], e.0));
        let total: u64 = b.iter().map(|e| e.1 as u64).sum();
        let mut acc = 0u64;
        let mut cut = 1;
        for (k, e) in b.iter().enumerate() {
            acc += e.1 as u64;
            if acc * 2 >= total {
                cut = (k + 1).clamp(1, b.len() - 1);
                break;
            }
        }
        let upper = b.split_off(cut);
        boxes[i] = b;
        boxes.push(upper);
    }
    boxes
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| mean(b))
        .collect()
}

/// The channel with the largest spread in the box, and that spread.
fn widest(b: &[([u8; 3], u32)]) -> (usize, u8) {
    (0..3)
        .map(|ch| {
            let lo = b.iter().map(|e| e.0[ch]).min().unwrap_or(0);
            let hi = b.iter().map(|e| e.0[ch]).max().unwrap_or(0);
            (ch, hi - lo)
        })
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .unwrap_or((0, 0))
}

fn mean(b: &[([u8; 3], u32)]) -> [u8; 3] {
    let n: u64 = b.iter().map(|e| e.1 as u64).sum::<u64>().max(1);
    let ch = |k: usize| -> u8 {
        let s: u64 = b.iter().map(|e| e.0[k] as u64 * e.1 as u64).sum();
        ((s + n / 2) / n) as u8
    };
    [ch(0), ch(1), ch(2)]
}

/// Lloyd rounds: each entry after the first `kept` moves to the weighted mean of the colours
/// nearest to it (kept entries stay exact).
fn refine(palette: &mut [[u8; 3]], kept: usize, colours: &[(u32, u32)]) {
    for _ in 0..REFINE {
        let mut groups: Vec<Vec<([u8; 3], u32)>> = vec![Vec::new(); palette.len()];
        for &(c, n) in colours {
            let c = unpack(c);
            groups[nearest(palette, c) as usize].push((c, n));
        }
        for (i, g) in groups.iter().enumerate().skip(kept) {
            if !g.is_empty() {
                palette[i] = mean(g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(q: &Indexed) -> Vec<u8> {
        q.indices
            .iter()
            .flat_map(|&i| q.palette[i as usize])
            .collect()
    }

    #[test]
    fn few_colours_are_stored_exactly() {
        let rgb: Vec<u8> = (0..1000u32)
            .flat_map(|i| [(i % 7) as u8 * 30, 255, (i % 3) as u8])
            .collect();
        let q = quantise(&rgb);
        assert_eq!(q.palette.len(), 21);
        assert_eq!(expand(&q), rgb);
    }

    #[test]
    fn large_flat_areas_stay_exact_and_rare_shades_come_close() {
        // 40 flat colours of 500 pixels each, then 3000 rare shades (2 pixels each): edges.
        let mut rgb = Vec::new();
        for c in 0..40u32 {
            for _ in 0..500 {
                rgb.extend([(c * 6) as u8, 100, 255 - (c * 6) as u8]);
            }
        }
        for s in 0..3000u32 {
            let shade = [
                (s % 256) as u8,
                ((s * 7) % 256) as u8,
                ((s / 12) % 256) as u8,
            ];
            rgb.extend(shade);
            rgb.extend(shade);
        }
        let q = quantise(&rgb);
        assert!(q.palette.len() <= MAX_COLOURS);
        let back = expand(&q);
        assert_eq!(
            back[..40 * 500 * 3],
            rgb[..40 * 500 * 3],
            "flat colours exact"
        );
        let err: u64 = back
            .iter()
            .zip(&rgb)
            .map(|(a, b)| (*a as i64 - *b as i64).unsigned_abs())
            .sum();
        let mean = err as f64 / rgb.len() as f64;
        assert!(mean < 4.0, "mean error {mean}");
        // The same pixels give the same palette and indices.
        assert_eq!(quantise(&rgb), q);
    }
}
