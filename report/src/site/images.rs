//! Images on a page: what the build knows about each (pixel size, what a figure shows, its
//! phone rendition) and the HTML that shows it: explicit `width`/`height` so the layout does not
//! jump while it loads, lazy loading for all but the first, and a `<picture>` whose `<source>`s
//! give phones and tablets the renditions drawn for their width (media queries from
//! [`crate::figures::look`]), so figure text is never below 9 CSS px.

use super::numbers::Numbered;
use super::text::escape;
use std::collections::BTreeMap;

/// A narrower rendition of a figure, next to the page, and the viewports it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    pub src: String,
    pub width: u32,
    pub height: u32,
    /// `(max-width: 559px)`.
    pub media: String,
}

/// What the build knows about one image of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageInfo {
    pub width: u32,
    pub height: u32,
    /// A drawn figure's gist, its alt text; `None` for an image the author supplied.
    pub gist: Option<String>,
    /// The narrower renditions, narrowest first (the first matching `<source>` wins).
    pub narrower: Vec<Rendition>,
}

/// Image sources as the page's markdown links them -> what is known about them.
pub type Images = BTreeMap<String, ImageInfo>;

/// The `<img>` (inside a `<picture>` when there are narrower renditions). `lazy`: the browser
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
    let narrower = info.map_or(&[][..], |i| &i.narrower[..]);
    if narrower.is_empty() {
        return tag;
    }
    let sources: String = narrower
        .iter()
        .map(|r| {
            format!(
                "<source media=\"{}\" srcset=\"{}\" width=\"{}\" height=\"{}\">",
                escape(&r.media),
                escape(&r.src),
                r.width,
                r.height
            )
        })
        .collect();
    format!("<picture>{sources}{tag}</picture>")
}

/// A figure: the image and its numbered caption, under its anchor. A drawn figure's alt text is
/// its gist (what the data shows), the caption the author's words, so a screen reader reads
/// each once; it links to itself, so a tap on a phone shows it full size. An author's image gets
/// the link's title as alt text, else none (the caption names it).
pub fn figure(
    src: &str,
    caption: &str,
    title: &str,
    info: Option<&ImageInfo>,
    lazy: bool,
    numbered: &Numbered,
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
        "<figure id=\"{}\">\n{shown}\n<figcaption><span class=\"number\">Figure {}.</span> {}</figcaption>\n</figure>\n",
        escape(&numbered.id),
        numbered.number,
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
            narrower: if phone {
                vec![
                    Rendition {
                        src: "a.phone.png".into(),
                        width: 720,
                        height: 900,
                        media: "(max-width: 559px)".into(),
                    },
                    Rendition {
                        src: "a.tablet.png".into(),
                        width: 1080,
                        height: 800,
                        media: "(max-width: 959px)".into(),
                    },
                ]
            } else {
                Vec::new()
            },
        }
    }

    fn numbered() -> Numbered {
        super::super::numbers::Counter::default().figure("a.png")
    }

    #[test]
    fn a_figure_has_its_size_a_phone_source_and_the_gist_as_alt() {
        let f = figure(
            "a.png",
            "Loss <by> step",
            "",
            Some(&info(true)),
            true,
            &numbered(),
        );
        assert!(f.starts_with("<figure id=\"fig-a\">"), "{f}");
        assert!(f.contains("<picture><source media=\"(max-width: 559px)\" srcset=\"a.phone.png\" width=\"720\" height=\"900\"><source media=\"(max-width: 959px)\" srcset=\"a.tablet.png\" width=\"1080\" height=\"800\"><img "), "{f}");
        assert!(f.contains("<img src=\"a.png\" width=\"1800\" height=\"1050\" alt=\"Line chart: loss; x00 lowest (2.9100).\" loading=\"lazy\""), "{f}");
        assert!(
            f.contains("<figcaption><span class=\"number\">Figure 1.</span> Loss &lt;by&gt; step</figcaption>"),
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
            narrower: Vec::new(),
            ..info(false)
        };
        let f = figure("photo.jpg", "The rig", "", Some(&i), true, &numbered());
        assert!(f.contains("alt=\"\""), "{f}");
        assert!(!f.contains("<a "), "no link without a name: {f}");
        let f = figure(
            "photo.jpg",
            "The rig",
            "Two GPUs on a desk",
            Some(&i),
            true,
            &numbered(),
        );
        assert!(
            f.contains("alt=\"Two GPUs on a desk\"") && f.contains("<a href"),
            "{f}"
        );
    }
}
