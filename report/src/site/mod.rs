//! The site: filled markdown -> HTML pages through tera templates (base, post, index, feed).
//!
//! Stages: `markdown` (pulldown-cmark passes: heading ids and anchors, table of contents,
//! figures with the HTML of [`images`], highlighted code, math) -> `templates` (a post page with
//! its metadata, the index, the Atom feed) and the static files (stylesheet, highlighting
//! stylesheet for pages with code, favicon). One template writes markdown, not a page:
//! `setup.md`, the description of an experiment's runs that fills a draft's setup section. Templates come from the repository's `templates/`
//! when it has them, else the copies built into the binary, so a site builds anywhere. [`feed`]
//! says what site.toml lacks for a valid feed.

pub mod feed;
pub mod highlight;
pub mod images;
pub mod markdown;
pub mod numbers;
pub mod safe;
pub mod social;
pub mod text;

use crate::config::SiteConfig;
use crate::{Error, Result};
use markdown::TocEntry;
use serde::Serialize;
use std::path::Path;
use tera::{Context, Tera};

/// The templates and stylesheet a site is made with, by file name.
const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../templates/base.html")),
    ("post.html", include_str!("../../../templates/post.html")),
    ("index.html", include_str!("../../../templates/index.html")),
    ("404.html", include_str!("../../../templates/404.html")),
    ("atom.xml", include_str!("../../../templates/atom.xml")),
    ("setup.md", include_str!("../../../templates/setup.md")),
    ("style.css", include_str!("../../../templates/style.css")),
    (
        "favicon.svg",
        include_str!("../../../templates/favicon.svg"),
    ),
];

/// The highlighting stylesheet's file name: linked only by pages with code.
pub const CODE_CSS: &str = "code.css";

/// The names of the static files the site holds (stylesheets, favicon): [`Templates::assets`].
pub fn asset_names() -> Vec<&'static str> {
    BUILT_IN
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !is_template(name))
        .chain([CODE_CSS])
        .collect()
}

/// Whether a built-in file is a template (rendered) rather than a file copied as it is.
fn is_template(name: &str) -> bool {
    [".html", ".xml", ".md"].iter().any(|e| name.ends_with(e))
}

/// One post as the templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub slug: String,
    pub title: String,
    pub date: Option<String>,
    /// Atom needs a timestamp: the date at midnight UTC, else the epoch (never the clock).
    pub updated: String,
    pub summary: String,
    pub html: String,
    /// The page's HTML as a feed entry carries it: absolute URLs, no self-links or styles.
    pub feed_html: String,
    pub toc: Vec<TocEntry>,
    /// The filled markdown's file name, next to the page.
    pub markdown_file: String,
    /// The page has code blocks: it links the highlighting stylesheet.
    pub has_code: bool,
    /// The first figure, for link previews (Open Graph, Twitter card).
    pub image: Option<PageImage>,
}

/// An image of a page as its metadata names it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PageImage {
    /// Relative to the page.
    pub src: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
}

impl Page {
    pub fn new(slug: &str, title: String, date: Option<String>, r: markdown::Rendered) -> Page {
        Page {
            slug: slug.to_string(),
            updated: timestamp(date.as_deref()),
            title,
            date,
            summary: r.summary,
            feed_html: r.html.clone(),
            html: r.html,
            toc: r.toc,
            markdown_file: format!("{slug}.md"),
            has_code: r.has_code,
            image: None,
        }
    }
}

fn timestamp(date: Option<&str>) -> String {
    format!("{}T00:00:00Z", date.unwrap_or("1970-01-01"))
}

pub struct Templates {
    tera: Tera,
    /// Files copied into the site as they are (stylesheet, favicon), by name.
    assets: Vec<(String, String)>,
}

impl Templates {
    /// The built-in templates, each replaced by the file of the same name in `dir` if there is one.
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        let mut tera = Tera::default();
        let mut assets = Vec::new();
        let mut files = Vec::new();
        for (name, built_in) in BUILT_IN {
            let text = match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
                Some(p) => std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?,
                None => built_in.to_string(),
            };
            if is_template(name) {
                files.push((name.to_string(), text));
            } else {
                assets.push((name.to_string(), text));
            }
        }
        // Escape & < > " ' only: valid for HTML and XML alike, and URLs keep their slashes.
        tera.set_escape_fn(text::escape);
        // The setup text's sentence starts with whatever the runs record first.
        tera.register_filter("first_upper", first_upper);
        tera.add_raw_templates(files)
            .map_err(|e| Error::Templates {
                dir: dir.map(Path::to_owned),
                message: chain(&e),
            })?;
        Ok(Templates { tera, assets })
    }

    pub fn post(&self, site: &SiteConfig, page: &Page) -> Result<String> {
        let mut c = Context::new();
        c.insert("site", site);
        c.insert("post", page);
        c.insert("root", "../");
        // Canonical link, og:url and og:image need absolute URLs: left out without them.
        c.insert("absolute", &feed::is_absolute(&site.base_url));
        c.insert("url", &format!("{}{}/", site.base_url, page.slug));
        // The post's summary describes it; the site's description stands in for a post without.
        let description = if page.summary.is_empty() {
            &site.description
        } else {
            &page.summary
        };
        c.insert("description", description);
        self.render("post.html", &c)
    }

    /// The index, newest first.
    pub fn index(&self, site: &SiteConfig, pages: &[Page]) -> Result<String> {
        let mut c = Context::new();
        c.insert("site", site);
        c.insert("posts", pages);
        c.insert("root", "./");
        self.render("index.html", &c)
    }

    /// The Atom feed; its `updated` is the newest post's date.
    pub fn feed(&self, site: &SiteConfig, pages: &[Page]) -> Result<String> {
        let newest = pages.iter().filter_map(|p| p.date.as_deref()).max();
        let mut c = Context::new();
        c.insert("site", site);
        c.insert("posts", pages);
        c.insert("updated", &timestamp(newest));
        self.render("atom.xml", &c)
    }

    /// The description of an experiment's runs (`setup.md`, markdown), from what its facts
    /// say about how the runs were made (`post::generate::setup_view`).
    pub fn setup(&self, view: &impl serde::Serialize) -> Result<String> {
        let c = Context::from_serialize(view).map_err(|e| Error::TemplateView {
            name: "setup.md".into(),
            message: chain(&e),
        })?;
        self.render("setup.md", &c)
    }

    /// The static files of the site by name: the templates' stylesheet and favicon, and, when
    /// a page has code (`with_code`), the highlighting themes as [`CODE_CSS`].
    pub fn assets(&self, with_code: bool) -> Vec<(String, String)> {
        let mut v = self.assets.clone();
        if with_code {
            v.push((CODE_CSS.to_string(), highlight::stylesheet()));
        }
        v
    }

    /// The page GitHub Pages shows for a path the site does not have.
    pub fn not_found(&self, site: &SiteConfig) -> Result<String> {
        let mut c = Context::new();
        c.insert("site", site);
        // Served at any depth: links go from the site's root.
        c.insert("root", &site.base_url);
        self.render("404.html", &c)
    }

    fn render(&self, name: &str, c: &Context) -> Result<String> {
        self.tera.render(name, c).map_err(|e| Error::Template {
            name: name.into(),
            message: chain(&e),
        })
    }
}

/// Newest first (dated posts before undated ones), then by slug: a stable order.
pub fn sort_pages(pages: &mut [Page]) {
    pages.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
}

/// The text with its first character in upper case (tera's `capitalize` lowers the rest).
fn first_upper(
    v: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let s = v
        .as_str()
        .ok_or_else(|| tera::Error::msg("first_upper: not a string"))?;
    let mut c = s.chars();
    Ok(match c.next() {
        Some(f) => format!("{}{}", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
    .into())
}

/// An error and its causes on one line (tera's top message alone rarely says what went wrong).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}
