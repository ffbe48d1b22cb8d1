//! Pass 5, figures: the filled markdown assembled, its image links resolved
//! (`image_links`), each figure drawn in both renditions from the runs of its experiment into
//! images/<slug>/ (a figure of a named experiment into images/<slug>/<experiment>/), and the
//! links rewritten to the copies next to the page. An author's image under a figure's name is
//! used as is (a note says so). What the page will show of each image is recorded for the HTML
//! pass: size, gist (alt text), phone rendition.

use super::image_links::{self, figure_info, file_info};
use super::pass::{Context, Flow, Pass, Post};
use crate::figures;
use crate::post::Kind;
use std::collections::BTreeMap;

pub struct Figures;

impl Pass for Figures {
    fn name(&self) -> &'static str {
        "figures"
    }

    fn run(&self, post: &mut Post, cx: &Context) -> Flow {
        let filled = post.filled();
        let slug = post.draft.slug.clone();
        let page_dir = cx.options.out.join(&slug);
        let fig_dir = cx.options.images.join(&slug);
        let resolved = image_links::resolve(
            &post.draft,
            &post.sources,
            &filled,
            &page_dir,
            &mut post.problems,
        );
        post.copies = resolved.copies;
        // Per experiment folder, the names to draw from its runs.
        let mut wanted: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
        for (exp, name) in resolved.figures {
            wanted.entry(exp).or_default().push(name);
        }
        for (exp, names) in wanted {
            let Ok(source) = post.sources.pick(exp.as_deref()) else {
                continue; // said by image_links
            };
            let folder = exp.as_ref().map_or(String::new(), |e| format!("{e}/"));
            let Some(runs) = source.runs.clone() else {
                let line = post.draft.line_of(&names[0]);
                post.problem_on(
                    line,
                    Kind::Figure,
                    format!(
                        "figures {} need runs, and {} holds none",
                        names.join(", "),
                        cx.options.runs.display()
                    ),
                );
                continue;
            };
            let out_dir = fig_dir.join(&folder);
            for (name, r) in names.iter().zip(figures::draw_all(&names, &runs, &out_dir)) {
                match r {
                    Ok(drawn) => {
                        if let Some(info) = figure_info(&drawn, &folder) {
                            post.shown.insert(format!("{folder}{name}"), info);
                        }
                        // Every rendition goes next to the page, under its own name.
                        for (path, _) in &drawn.files {
                            post.drawn.push(path.clone());
                            if let Some(file) = path.file_name() {
                                post.copies
                                    .push((path.clone(), page_dir.join(&folder).join(file)));
                            }
                        }
                    }
                    Err(e) => {
                        let line = post.draft.line_of(&format!("{folder}{name}"));
                        post.problem_on(line, Kind::Figure, e.to_string());
                    }
                }
            }
        }
        // An image the author supplied: its size from its header.
        for (from, to) in &post.copies {
            let Some(src) = to
                .strip_prefix(&page_dir)
                .ok()
                .and_then(|p| p.to_str())
                .map(|p| p.replace('\\', "/"))
            else {
                continue;
            };
            if let std::collections::btree_map::Entry::Vacant(slot) = post.shown.entry(src) {
                if let Some(info) = file_info(from) {
                    slot.insert(info);
                }
            }
        }
        // The filled markdown as it reads next to the page: figure links point at the copies.
        post.markdown = image_links::rewrite(&filled, resolved.rewrites);
        Flow::Go
    }
}
