//! Pass 4, links: `name (LINK)` in the prose becomes `[name](url)` from site.toml's `[links]`
//! (`crate::post::links` finds them); a placeholder whose name the table lacks is kept and
//! reported with the names it has.

use super::pass::{Context, Flow, Pass, Post};
use crate::post::links::{self, Found};
use crate::post::{scan, Kind};

pub struct Links;

impl Pass for Links {
    fn name(&self) -> &'static str {
        "links"
    }

    fn run(&self, post: &mut Post, cx: &Context) -> Flow {
        let body = post.draft.body().to_owned();
        let prose = scan::scan(&body).prose(body.len());
        let table = &cx.config.links;
        for l in links::find(&body, &prose, table) {
            match l {
                Found::Resolved { range, markdown } if post.is_free(&range) => {
                    post.edit(range, markdown)
                }
                Found::Resolved { .. } => {}
                Found::Unresolved { at, guess } => post.problem_at(
                    at,
                    Kind::UnresolvedLink,
                    format!(
                        "`{guess} (LINK)`: no link named `{guess}` in site.toml [links]; known \
                         links: {}",
                        if table.is_empty() {
                            "(none)".to_string()
                        } else {
                            table.keys().cloned().collect::<Vec<_>>().join(", ")
                        }
                    ),
                ),
            }
        }
        Flow::Go
    }
}
