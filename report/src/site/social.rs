//! The social image of a post (Open Graph, Twitter card): the figure its front matter's `image:`
//! names, else its first figure, at 1.91:1 (1200 x 628 px, what large link previews show
//! uncropped). A PNG is padded with the figures' background to 1.91:1, never cropped (a crop
//! would cut titles or axes), and scaled down by averaging the pixels each output pixel covers.

use crate::figures::{encode, style::BACKGROUND};
use std::path::Path;

/// The social image's size.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 628;

/// The file name of the social image made from `src` (`a/b.png` -> `a/b.social.png`).
pub fn name(src: &str) -> String {
    match src.rsplit_once('.') {
        Some((stem, _)) => format!("{stem}.social.png"),
        None => format!("{src}.social.png"),
    }
}

/// `png` (the bytes of a PNG file) padded to 1.91:1 and scaled to [`WIDTH`] x [`HEIGHT`], as a
/// palette PNG; `None` when the bytes are not a PNG this can read.
pub fn from_png(png_bytes: &[u8], path: &Path) -> Option<Vec<u8>> {
    let (w, h, rgb) = decode(png_bytes)?;
    let padded_w = w.max((h as f64 * WIDTH as f64 / HEIGHT as f64).round() as u32);
    let padded_h = h.max((w as f64 * HEIGHT as f64 / WIDTH as f64).round() as u32);
    let (ox, oy) = ((padded_w - w) / 2, (padded_h - h) / 2);
    let bg = [BACKGROUND.0, BACKGROUND.1, BACKGROUND.2];
    let at = |x: u32, y: u32| -> [u8; 3] {
        if x < ox || y < oy || x >= ox + w || y >= oy + h {
            return bg;
        }
        let i = (((y - oy) * w + (x - ox)) * 3) as usize;
        [rgb[i], rgb[i + 1], rgb[i + 2]]
    };
    let mut out = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    let (sx, sy) = (
        padded_w as f64 / WIDTH as f64,
        padded_h as f64 / HEIGHT as f64,
    );
    for y in 0..HEIGHT {
        let (y0, y1) = span(y, sy, padded_h);
        for x in 0..WIDTH {
            let (x0, x1) = span(x, sx, padded_w);
            let mut sum = [0u32; 3];
            for yy in y0..y1 {
                for xx in x0..x1 {
                    let p = at(xx, yy);
                    (0..3).for_each(|c| sum[c] += p[c] as u32);
                }
            }
            let n = ((y1 - y0) * (x1 - x0)).max(1);
            out.extend(sum.map(|s| ((s + n / 2) / n) as u8));
        }
    }
    encode::png(path, &out, (WIDTH, HEIGHT)).ok()
}

/// The source pixels output pixel `i` covers at scale `s` (at least one).
fn span(i: u32, s: f64, limit: u32) -> (u32, u32) {
    let a = ((i as f64 * s).floor() as u32).min(limit - 1);
    let b = (((i + 1) as f64 * s).ceil() as u32).clamp(a + 1, limit);
    (a, b)
}

/// A PNG's pixels as RGB (palettes expanded, alpha dropped over the background).
fn decode(bytes: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
    let mut d = png::Decoder::new(std::io::Cursor::new(bytes));
    d.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = d.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).ok()?;
    let (w, h) = (info.width, info.height);
    if w == 0 || h == 0 {
        return None;
    }
    let channels = info.color_type.samples();
    let rgb = buf[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|p| match channels {
            1 => [p[0], p[0], p[0]],
            2 => [p[0], p[0], p[0]].map(|c| over(c, p[1])),
            3 => [p[0], p[1], p[2]],
            _ => [p[0], p[1], p[2]].map(|c| over(c, p[3])),
        })
        .collect();
    Some((w, h, rgb))
}

/// A channel with alpha `a` over the white background.
fn over(c: u8, a: u8) -> u8 {
    ((c as u32 * a as u32 + 255 * (255 - a as u32) + 127) / 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_padded_to_1_91_and_scaled_not_cropped() {
        // 300 x 300, black: padded sideways to 573 x 300, so the middle is dark and the sides white.
        let rgb = vec![0u8; 300 * 300 * 3];
        let png = encode::png(Path::new("a.png"), &rgb, (300, 300)).unwrap();
        let out = from_png(&png, Path::new("a.social.png")).unwrap();
        let (w, h, px) = decode(&out).unwrap();
        assert_eq!((w, h), (WIDTH, HEIGHT));
        let at = |x: u32, y: u32| px[((y * w + x) * 3) as usize];
        assert_eq!(at(WIDTH / 2, HEIGHT / 2), 0);
        assert_eq!(at(5, HEIGHT / 2), 255);
        assert_eq!(at(WIDTH - 5, 5), 255);
        // The whole height is the figure: nothing was cut off.
        assert_eq!(at(WIDTH / 2, 0), 0);
        assert_eq!(at(WIDTH / 2, HEIGHT - 1), 0);
        assert_eq!(name("x0/val_loss-step.png"), "x0/val_loss-step.social.png");
        assert!(from_png(b"not a png", Path::new("x")).is_none());
    }
}
