//! The experiments a post draws on, each with the facts it is filled from and the runs its
//! figures are drawn from. Statistics and claims work within one experiment: a directive, claim
//! or figure takes one source, named when the post has several.

use crate::post::facts::Facts;
use crate::runs::RunSet;
use std::sync::Arc;

/// Why a directive, claim or figure has no experiment to draw on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NoSource {
    /// It names one the post does not (`listed`: those the front matter names).
    #[error(
        "experiment \"{named}\" is not one this post draws on; its front matter names: {listed}"
    )]
    NotOurs { named: String, listed: String },
    /// The post draws on none: why.
    #[error("{0}")]
    None(String),
    /// It names none, and the post draws on several.
    #[error(
        "this post draws on several experiments ({listed}): name one, as in \
         experiment=\"{first}\" (numbers and claims are taken within one experiment)"
    )]
    Several { listed: String, first: String },
}

/// One experiment of a post.
#[derive(Debug, Clone)]
pub struct Source {
    /// As the front matter names it; `None` when it names none (all runs, of one experiment).
    pub experiment: Option<String>,
    pub facts: Arc<Facts>,
    /// `None` when the runs folder holds no run at all.
    pub runs: Option<Arc<RunSet>>,
}

/// The sources of a post, in the front matter's order.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub list: Vec<Source>,
    /// Why there is none, when the post names no experiment and the runs hold several: said by
    /// whatever asks for runs (a post that asks for none still builds).
    pub unnamed: Option<String>,
}

impl Sources {
    /// The experiment names the front matter gives.
    pub fn names(&self) -> Vec<&str> {
        self.list
            .iter()
            .filter_map(|s| s.experiment.as_deref())
            .collect()
    }

    pub fn is_several(&self) -> bool {
        self.list.len() > 1
    }

    /// The source of experiment `folder`, when it is one the post names (a figure link's folder
    /// after `images/`).
    pub fn named(&self, folder: &str) -> Option<&Source> {
        self.list
            .iter()
            .find(|s| s.experiment.as_deref() == Some(folder))
    }

    /// The source a directive, claim or figure uses: the one named (it must be one of the
    /// post's), else the post's only one; with several and none named, an error saying how to
    /// name one.
    pub fn pick(&self, named: Option<&str>) -> Result<&Source, NoSource> {
        match named {
            Some(e) => self.named(e).ok_or_else(|| NoSource::NotOurs {
                named: e.to_string(),
                listed: self.listed(),
            }),
            None => match self.list.as_slice() {
                [one] => Ok(one),
                [] => Err(NoSource::None(
                    self.unnamed
                        .clone()
                        .unwrap_or_else(|| "the post draws on no runs".into()),
                )),
                _ => Err(NoSource::Several {
                    listed: self.listed(),
                    first: self.names().first().copied().unwrap_or_default().into(),
                }),
            },
        }
    }

    fn listed(&self) -> String {
        let names = self.names();
        if names.is_empty() {
            "(none: it names no experiment)".into()
        } else {
            names.join(", ")
        }
    }
}
