//! Figure files as PNG: the pixels reduced to a palette of at most 256 colours
//! ([`super::palette`]), deflate without row filters (what suits palette images), and the
//! print resolution (pHYs). The same pixels give the same bytes.

use super::palette;
use crate::{Error, Result};
use std::path::Path;

/// The print resolution recorded in every PNG: the wide rendition prints 9 inches across.
pub const DPI: u32 = 200;

/// Encodes an RGB buffer (3 bytes a pixel) of `w` x `h` pixels as a palette PNG.
pub fn png(path: &Path, rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>> {
    let q = palette::quantise(rgb);
    let mut out = Vec::with_capacity(rgb.len() / 40);
    let err = |e: png::EncodingError| Error::io(path, std::io::Error::other(e));
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(q.palette.iter().flatten().copied().collect::<Vec<u8>>());
        // Row filters do not help indices (they are not intensities); deflate does the work.
        enc.set_filter(png::FilterType::NoFilter);
        enc.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
        // Default, not Best: Best is 5% smaller and takes three times as long (make bench).
        enc.set_compression(png::Compression::Default);
        let ppm = (DPI as f64 / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: ppm,
            yppu: ppm,
            unit: png::Unit::Meter,
        }));
        let mut writer = enc.write_header().map_err(err)?;
        writer.write_image_data(&q.indices).map_err(err)?;
        writer.finish().map_err(err)?;
    }
    Ok(out)
}
