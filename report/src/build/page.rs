//! One post's page: the filled draft -> image links resolved (figures drawn in both renditions,
//! other images copied, links leaving the output refused) -> `site::markdown::render_with` (the
//! images' sizes, alt texts and phone renditions) -> link checks -> the page template; written
//! only when no fatal problem was found (the manifest's sweep then removes an old page).

use super::files::write;
use super::{images, problem, BuildOptions, Outcome};
use crate::config::SiteConfig;
use crate::figures;
use crate::post::{self, facts::Facts, Draft, Kind};
use crate::runs::RunSet;
use crate::site::{images::Images, markdown, Page, PageImage, Templates};
use std::fs;
use std::path::Path;
use std::sync::Arc;

pub fn build_post(
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
