//! `report build`: drafts in posts/ + runs/ -> figures in images/<slug>/ -> filled markdown and
//! HTML pages in site/<slug>/, the index, the Atom feed and the stylesheet.
//!
//! Per draft: read (never written) -> facts from the runs of its experiment -> `post::fill` ->
//! image links resolved (figures drawn, other images copied, links leaving the output refused)
//! -> `site::markdown::render_with` (sizes, alt texts and phone renditions of the images) ->
//! templates. Every file is written atomically and only when its bytes change, so a second build
//! with the same inputs changes nothing. Last, `manifest` records what the build wrote in the
//! site and the figures folder and removes what an earlier build wrote and this one did not.
//!
//! `images` resolves a post's image links; `files` finds drafts and writes outputs.

use crate::config::SiteConfig;
use crate::figures;
use crate::post::{self, facts::Facts, from_runs, Draft, Kind, Problem};
use crate::runs::RunSet;
use crate::site::{self, images::Images, markdown, Page, PageImage, Templates};
use files::{list_drafts, refuse_inside, write};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod files;
mod images;
pub mod manifest;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub posts: PathBuf,
    pub runs: PathBuf,
    /// The site: `<out>/<slug>/index.html`, `<out>/index.html`, `<out>/atom.xml`, ...
    pub out: PathBuf,
    /// Figures of the posts, `<images>/<slug>/`: images/ by default, `<out>/images` with --out.
    pub images: PathBuf,
    pub config: PathBuf,
    pub templates: PathBuf,
}

impl BuildOptions {
    /// The defaults of `make post` (paths relative to the repository root), or everything under
    /// `out` when given.
    pub fn new(posts: PathBuf, runs: PathBuf, out: Option<PathBuf>) -> BuildOptions {
        let (out, images) = match out {
            Some(o) => (o.clone(), o.join("images")),
            None => (PathBuf::from("site"), PathBuf::from("images")),
        };
        BuildOptions {
            posts,
            runs,
            out,
            images,
            config: PathBuf::from("site.toml"),
            templates: PathBuf::from("templates"),
        }
    }
}

/// What a build did and found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The pages written, `<out>/<slug>/index.html`.
    pub pages: Vec<PathBuf>,
    pub problems: Vec<Problem>,
    /// About the runs (torn lines, missing summaries) and the build, not about a draft.
    pub warnings: Vec<String>,
    pub written: usize,
    pub unchanged: usize,
    /// Every file this build wrote or found already holding its bytes.
    pub files: BTreeSet<PathBuf>,
    /// Files an earlier build wrote that this one did not, removed.
    pub removed: Vec<PathBuf>,
}

impl Outcome {
    pub fn failed(&self) -> bool {
        self.problems.iter().any(|p| p.kind.fatal())
    }
}

/// Builds the site. `Err` only for what stops every post (unreadable posts folder, bad
/// site.toml or templates, an output inside posts/); a draft's problems are in the outcome,
/// and a draft with a fatal one gets no page.
pub fn build(o: &BuildOptions) -> Result<Outcome, String> {
    let cfg = SiteConfig::load(&o.config)?;
    let templates = Templates::load(
        Some(&o.templates)
            .filter(|d| d.is_dir())
            .map(|d| d.as_path()),
    )?;
    refuse_inside(&o.out, &o.posts)?;
    refuse_inside(&o.images, &o.posts)?;
    let drafts = list_drafts(&o.posts)?;
    let mut out = Outcome::default();
    out.warnings.extend(
        site::feed::problems(&cfg)
            .into_iter()
            .map(|p| format!("warning: {}: {p}", o.config.display())),
    );
    let runs = match RunSet::load(&o.runs) {
        Ok(r) => {
            out.warnings
                .extend(r.warnings().iter().map(|w| format!("warning: {w}")));
            Some(r)
        }
        Err(e) => {
            out.warnings.push(format!("note: {e}"));
            None
        }
    };
    let mut facts_cache: BTreeMap<Option<String>, Result<PostRuns, String>> = BTreeMap::new();
    let mut pages = Vec::new();
    for path in drafts {
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                out.problems.push(problem(
                    &path,
                    1,
                    Kind::BadDraft,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        let draft = match Draft::parse(&path, text) {
            Ok(d) => d,
            Err(p) => {
                out.problems.push(p);
                continue;
            }
        };
        let exp = draft.front.experiment.clone();
        let entry = facts_cache
            .entry(exp.clone())
            .or_insert_with(|| facts_for(runs.as_ref(), exp.as_deref()));
        let (facts, post_runs) = match entry {
            Ok((f, r)) => (f.clone(), r.clone()),
            Err(e) => {
                out.problems
                    .push(problem(&path, 1, Kind::BadDraft, e.clone()));
                continue;
            }
        };
        match build_post(
            o,
            &cfg,
            &templates,
            &draft,
            facts,
            post_runs.as_ref(),
            &mut out,
        ) {
            Some(page) => pages.push(page),
            None => continue,
        }
    }
    site::sort_pages(&mut pages);
    write(
        &mut out,
        &o.out.join("index.html"),
        templates.index(&cfg, &pages)?.as_bytes(),
    )?;
    write(
        &mut out,
        &o.out.join("atom.xml"),
        templates.feed(&cfg, &pages)?.as_bytes(),
    )?;
    for (name, text) in templates.assets() {
        write(&mut out, &o.out.join(name), text.as_bytes())?;
    }
    // GitHub Pages: serve the files as they are (no Jekyll).
    write(&mut out, &o.out.join(".nojekyll"), b"")?;
    sweep(o, &mut out)?;
    out.problems
        .sort_by(|a, b| (&a.path, a.line, a.kind).cmp(&(&b.path, b.line, b.kind)));
    Ok(out)
}

/// Updates the record of written files of the figures folder and of the site (figures first: with
/// --out the figures folder is inside the site), removing what only an earlier build wrote.
fn sweep(o: &BuildOptions, out: &mut Outcome) -> Result<(), String> {
    let (in_images, in_site): (Vec<&Path>, Vec<&Path>) = out
        .files
        .iter()
        .map(PathBuf::as_path)
        .partition(|p| p.starts_with(&o.images));
    for (root, files) in [(&o.images, in_images), (&o.out, in_site)] {
        let swept = manifest::update(root, &files)?;
        out.removed.extend(swept.removed);
        out.warnings
            .extend(swept.kept.into_iter().map(|k| format!("note: {k}")));
    }
    Ok(())
}

/// The facts a post is filled from, and the runs its figures are drawn from.
type PostRuns = (Arc<Facts>, Option<RunSet>);

fn facts_for(runs: Option<&RunSet>, experiment: Option<&str>) -> Result<PostRuns, String> {
    let Some(all) = runs else {
        return Ok((Arc::new(Facts::default()), None));
    };
    let set = match experiment {
        Some(e) => all
            .only_experiment(e)
            .map_err(|e| format!("front matter experiment: {e}"))?,
        None => all.clone(),
    };
    // Run names are escaped before they reach markdown: a variant named `<script>` stays text.
    let table = crate::stats::compute(&set, None)
        .map(|mut t| {
            t.baseline = post::md_escape(&t.baseline);
            for r in &mut t.rows {
                r.variant = post::md_escape(&r.variant);
            }
            figures::table::markdown(&t)
        })
        .unwrap_or_default();
    let facts = from_runs::facts(&set, table)?;
    Ok((Arc::new(facts), Some(set)))
}

fn build_post(
    o: &BuildOptions,
    cfg: &SiteConfig,
    templates: &Templates,
    draft: &Draft,
    facts: Arc<Facts>,
    runs: Option<&RunSet>,
    out: &mut Outcome,
) -> Option<Page> {
    let figure_ok: post::directives::FigureCheck =
        Arc::new(|name: &str| figures::parse(name).map(|_| ()).map_err(|e| e.to_string()));
    let filled = post::fill(draft, facts, &cfg.links, figure_ok);
    let mut problems = filled.problems;
    let page_dir = o.out.join(&draft.slug);
    let fig_dir = o.images.join(&draft.slug);
    let draft_dir = draft.path.parent().unwrap_or(Path::new("."));
    let images::Resolved {
        figures: figures_wanted,
        mut copies,
        rewrites,
    } = images::resolve(draft, &filled.markdown, &page_dir, &mut problems);
    let mut shown = Images::new();
    if !figures_wanted.is_empty() {
        let names: Vec<String> = figures_wanted.iter().cloned().collect();
        match runs {
            None => problems.push(problem(
                &draft.path,
                1,
                Kind::Figure,
                format!(
                    "figures {} need runs, and {} holds none",
                    names.join(", "),
                    o.runs.display()
                ),
            )),
            Some(runs) => {
                for (name, r) in names.iter().zip(figures::draw_all(&names, runs, &fig_dir)) {
                    match r {
                        Ok(drawn) => {
                            if let Some(info) = images::figure_info(&drawn) {
                                shown.insert(name.clone(), info);
                            }
                            // Every rendition goes next to the page, under its own name.
                            for (path, _) in &drawn.files {
                                out.files.insert(path.clone());
                                if let Some(file) = path.file_name() {
                                    copies.push((path.clone(), page_dir.join(file)));
                                }
                            }
                        }
                        Err(e) => problems.push(problem(
                            &draft.path,
                            draft.line_of(&format!("images/{name}")),
                            Kind::Figure,
                            e.to_string(),
                        )),
                    }
                }
            }
        }
    }

    // The filled markdown as it reads next to the page: figure links point at the copies.
    let md = images::rewrite(&filled.markdown, rewrites);

    let body_start = crate::config::split_front_matter(&md)
        .map(|(_, s)| s)
        .unwrap_or(0);
    for (from, to) in &copies {
        let Some(src) = to
            .strip_prefix(&page_dir)
            .ok()
            .and_then(|p| p.to_str())
            .map(|p| p.replace('\\', "/"))
        else {
            continue;
        };
        if let std::collections::btree_map::Entry::Vacant(slot) = shown.entry(src) {
            if let Some(info) = images::file_info(from) {
                slot.insert(info);
            }
        }
    }
    let rendered = markdown::render_with(&md[body_start..], &shown);
    for link in &rendered.links {
        if let Some(anchor) = link.strip_prefix('#') {
            if !rendered.toc.iter().any(|t| t.id == anchor)
                && !rendered.html.contains(&format!("id=\"{anchor}\""))
            {
                problems.push(problem(
                    &draft.path,
                    draft.line_of(link),
                    Kind::BrokenLink,
                    format!("link `{link}` points at no heading of this page"),
                ));
            }
        } else if !images::is_remote(link) && !link.starts_with("mailto:") {
            let target = draft_dir.join(link.split('#').next().unwrap_or(link));
            if !target.exists() {
                problems.push(problem(
                    &draft.path,
                    draft.line_of(link),
                    Kind::BrokenLink,
                    format!(
                        "link `{link}` points at nothing (looked for {})",
                        target.display()
                    ),
                ));
            }
        }
    }
    let fatal = problems.iter().any(|p| p.kind.fatal());
    out.problems.extend(problems);
    if fatal {
        // No page: an earlier one of this draft, which may state a claim the runs no longer
        // support, is not written again, so the manifest's sweep removes it.
        return None;
    }
    let title = draft
        .front
        .title
        .clone()
        .or_else(|| rendered.h1.clone())
        .unwrap_or_else(|| draft.slug.clone());
    let summary_override = draft.front.summary.clone();
    // Link previews show the page's first figure.
    let image = rendered.images.iter().find_map(|src| {
        let info = shown.get(src)?;
        Some(PageImage {
            src: src.clone(),
            width: info.width,
            height: info.height,
            alt: info.gist.clone().unwrap_or_default(),
        })
    });
    let mut page = Page::new(&draft.slug, title, draft.front.date.clone(), rendered);
    page.image = image;
    if let Some(s) = summary_override {
        page.summary = s;
    }
    let result = (|| -> Result<(), String> {
        for (from, to) in &copies {
            let bytes = fs::read(from).map_err(|e| format!("{}: {e}", from.display()))?;
            write(out, to, &bytes)?;
        }
        write(out, &page_dir.join(&page.markdown_file), md.as_bytes())?;
        let html = templates.post(cfg, &page)?;
        write(out, &page_dir.join("index.html"), html.as_bytes())?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            out.pages.push(page_dir.join("index.html"));
            Some(page)
        }
        Err(e) => {
            out.problems
                .push(problem(&draft.path, 1, Kind::BadDraft, e));
            None
        }
    }
}

fn problem(path: &Path, line: usize, kind: Kind, message: String) -> Problem {
    Problem {
        path: path.to_owned(),
        line,
        kind,
        message,
    }
}
