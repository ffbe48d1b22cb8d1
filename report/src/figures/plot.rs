//! What every plot is: the [`Plot`] trait (size, drawing, what it shows), the opening all
//! plots draw first ([`open`]: background, title, legend) and the error a plot gives when it
//! cannot be made or drawn ([`PlotError`]; the figure's name is added by the caller).

use super::look::{Key, Look};
use super::style::BACKGROUND;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Why a plot cannot be made from the runs, or drawn; the figure's name is the caller's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlotError {
    /// The runs do not hold what the plot shows (a window outside the data, no lambdas, ...).
    #[error("{0}")]
    Data(String),
    /// The drawing backend failed.
    #[error("{0}")]
    Backend(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Backend(e.to_string())
    }
}

/// A figure that can be drawn on any plotters backend (bitmap for PNG, SVG), in any rendition.
pub trait Plot {
    /// The canvas in pixels; its width is the look's.
    fn size(&self, look: &Look) -> (u32, u32);
    /// Draws with the look's text sizes: the phone rendition's text must read on a phone.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        look: &Look,
    ) -> Result<(), PlotError>;
    /// What the figure shows, from the numbers it plots, for readers who cannot see it (the
    /// page's alt text; the caption says why it is there).
    fn gist(&self) -> String;
}

/// The opening of every plot's drawing: the background filled, the title at the top, and the
/// legend under it when the plot has one. Returns the area below what it drew.
pub fn open<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    look: &Look,
    title: &str,
    legend: Option<&[Key]>,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    if let Some(keys) = legend {
        return Ok(look.draw_head(root, title, keys)?);
    }
    root.fill(&BACKGROUND)?;
    let title_h = look.draw_title(root, title)?;
    Ok(root.split_vertically(title_h).1)
}
