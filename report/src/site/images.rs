//! Images on a page: what the build knows about each (pixel size, what a figure shows, its
//! phone rendition) and the HTML that shows it: explicit `width`/`height` so the layout does not
//! jump while it loads, lazy loading for all but the first, and a `<picture>` that gives screens
//! up to [`PHONE_MAX_VIEWPORT`] px the figure drawn for them.

use super::markdown::escape;
use crate::figures::look::PHONE_MAX_VIEWPORT;
use std::collections::BTreeMap;

/// The phone rendition of a figure, next to the page.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneImage {
    pub src: String,
    pub width: u32,
    pub height: u32,
}

/// What the build knows about one image of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageInfo {
    pub width: u32,
    pub height: u32,
    /// A drawn figure's gist, its alt text; `None` for an image the author supplied.
    pub gist: Option<String>,
    pub phone: Option<PhoneImage>,
}

/// Image sources as the page's markdown links them -> what is known about them.
pub type Images = BTreeMap<String, ImageInfo>;

/// The `<img>` (inside a `<picture>` when there is a phone rendition). `lazy`: the browser
/// fetches it only when it comes near the screen.
pub fn img(src: &str, alt: &str, title: &str, info: Option<&ImageInfo>, lazy: bool) -> String {
    let mut tag = format!("<img src=\"{}\"", escape(src));
    if let Some(i) = info {
        tag.push_str(&format!(" width=\"{}\" height=\"{}\"", i.width, i.height));
    }
    tag.push_str(&format!(" alt=\"{}\"", escape(alt)));
    if !title.is_empty() {
        tag.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    if lazy {
        tag.push_str(" loading=\"lazy\"");
    }
    tag.push_str(" decoding=\"async\">");
    match info.and_then(|i| i.phone.as_ref()) {
        Some(p) => format!(
            "<picture><source media=\"(max-width: {PHONE_MAX_VIEWPORT}px)\" srcset=\"{}\" \
             width=\"{}\" height=\"{}\">{tag}</picture>",
            escape(&p.src),
            p.width,
            p.height
        ),
        None => tag,
    }
}

/// A figure: the image and its caption. A drawn figure's alt text is its gist (what the data
/// shows), the caption the author's words, so a screen reader reads each once; it links to
/// itself, so a tap on a phone shows it full size. An author's image gets the link's title as
/// alt text, else none (the caption names it).
pub fn figure(
    src: &str,
    caption: &str,
    title: &str,
    info: Option<&ImageInfo>,
    lazy: bool,
) -> String {
    let gist = info.and_then(|i| i.gist.as_deref());
    let alt = gist.unwrap_or(title);
    let title = if gist.is_some() { title } else { "" };
    let image = img(src, alt, title, info, lazy);
    // A link needs a name: only an image with alt text can give it one.
    let shown = if alt.is_empty() {
        image
    } else {
        format!("<a href=\"{}\">{image}</a>", escape(src))
    };
    format!(
        "<figure>\n{shown}\n<figcaption>{}</figcaption>\n</figure>\n",
        escape(caption)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(phone: bool) -> ImageInfo {
        ImageInfo {
            width: 1800,
            height: 1050,
            gist: Some("Line chart: loss; x00 lowest (2.9100).".into()),
            phone: phone.then(|| PhoneImage {
                src: "a.phone.png".into(),
                width: 720,
                height: 900,
            }),
        }
    }

    #[test]
    fn a_figure_has_its_size_a_phone_source_and_the_gist_as_alt() {
        let f = figure("a.png", "Loss <by> step", "", Some(&info(true)), true);
        assert!(f.contains("<source media=\"(max-width: 700px)\" srcset=\"a.phone.png\" width=\"720\" height=\"900\">"), "{f}");
        assert!(f.contains("<img src=\"a.png\" width=\"1800\" height=\"1050\" alt=\"Line chart: loss; x00 lowest (2.9100).\" loading=\"lazy\""), "{f}");
        assert!(
            f.contains("<figcaption>Loss &lt;by&gt; step</figcaption>"),
            "{f}"
        );
        assert!(f.contains("<a href=\"a.png\">"), "{f}");
        let eager = img("a.png", "x", "", Some(&info(false)), false);
        assert!(
            !eager.contains("loading") && !eager.contains("<picture>"),
            "{eager}"
        );
    }

    #[test]
    fn an_authors_image_is_named_by_its_caption_once() {
        let i = ImageInfo {
            gist: None,
            phone: None,
            ..info(false)
        };
        let f = figure("photo.jpg", "The rig", "", Some(&i), true);
        assert!(f.contains("alt=\"\""), "{f}");
        assert!(!f.contains("<a "), "no link without a name: {f}");
        let f = figure("photo.jpg", "The rig", "Two GPUs on a desk", Some(&i), true);
        assert!(
            f.contains("alt=\"Two GPUs on a desk\"") && f.contains("<a href"),
            "{f}"
        );
    }
}
