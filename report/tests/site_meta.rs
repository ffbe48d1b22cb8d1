//! What the site says about itself and leaves behind: the Atom feed as a feed reader reads it,
//! the warnings and the refusal while site.toml cannot make it valid, each post's metadata (a
//! description, link previews with its first figure, canonical link, favicon), alt texts drawn
//! from the data, stylesheets only where needed, stale outputs removed and nothing else, and
//! the publish commit naming its source.

mod site_common;
use atom_syndication::Feed;
use common::{git, listed, report, Project};
use site_common as common;
use std::process::Command;

const BASE: &str = "https://example.org/blog/";

#[test]
fn the_feed_is_valid_atom_with_absolute_links_and_one_entry_per_post() {
    let p = Project::with_runs();
    p.draft(
        "first.md",
        "---\ntitle: First\ndate: 2025-01-02\nsummary: The first post.\n---\n# First\n\nHello.\n",
    );
    p.draft(
        "second.md",
        "---\ntitle: Second & <last>\ndate: 2025-03-04\n---\n# Second\n\nIts summary.\n\n![Loss](images/val_loss-step.png)\n",
    );
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    assert!(
        !o.warnings.iter().any(|w| w.contains("Atom")),
        "{:?}",
        o.warnings
    );
    let xml = p.read("atom.xml");
    let feed: Feed = xml.parse().unwrap_or_else(|e| panic!("{e}: {xml}"));
    assert_eq!(feed.id(), BASE);
    assert_eq!(feed.title().as_str(), "Test site");
    assert_eq!(feed.updated().to_rfc3339(), "2025-03-04T00:00:00+00:00");
    let names: Vec<&str> = feed.authors().iter().map(|a| a.name()).collect();
    assert_eq!(names, ["A. Researcher"]);
    let link = |links: &[atom_syndication::Link], rel: &str| {
        let hrefs: Vec<String> = links
            .iter()
            .filter(|l| l.rel() == rel)
            .map(|l| l.href().to_string())
            .collect();
        assert_eq!(hrefs.len(), 1, "one rel={rel} link: {hrefs:?}");
        hrefs[0].clone()
    };
    assert_eq!(link(feed.links(), "self"), format!("{BASE}atom.xml"));
    assert_eq!(link(feed.links(), "alternate"), BASE);
    // One entry per post, newest first, each complete and absolute.
    let entries = feed.entries();
    assert_eq!(entries.len(), 2);
    for (e, slug, title, date, summary) in [
        (
            &entries[0],
            "second",
            "Second & <last>",
            "2025-03-04",
            "Its summary.",
        ),
        (
            &entries[1],
            "first",
            "First",
            "2025-01-02",
            "The first post.",
        ),
    ] {
        let url = format!("{BASE}{slug}/");
        assert_eq!(e.id(), url);
        assert_eq!(e.title().as_str(), title);
        assert_eq!(link(e.links(), "alternate"), url);
        assert_eq!(e.updated().to_rfc3339(), format!("{date}T00:00:00+00:00"));
        assert_eq!(e.authors()[0].name(), "A. Researcher");
        assert_eq!(e.summary().map(|s| s.as_str()), Some(summary));
        let content = e.content().unwrap();
        assert_eq!(content.content_type(), Some("html"));
        // Absolute URLs in the content itself: many readers ignore xml:base.
        assert_eq!(content.base(), None);
    }
    assert!(entries[0]
        .content()
        .and_then(|c| c.value())
        .is_some_and(|v| v.contains(&format!("<img src=\"{BASE}second/val_loss-step.png\""))));
    // No link of the feed is relative.
    for href in xml.split("href=\"").skip(1) {
        assert!(href.starts_with(BASE), "relative link in the feed: {href}");
    }
}

#[test]
fn a_relative_base_url_or_no_author_warns_on_build_and_stops_publish() {
    let p = Project::with_runs();
    std::fs::write(
        p.path().join("site.toml"),
        "title = \"T\"\nbase_url = \"/\"\n",
    )
    .unwrap();
    p.draft("a.md", "# A\n\nHello.\n");
    let o = p.build();
    assert!(!o.failed());
    let warned = o.warnings.join("\n");
    assert!(
        warned.contains("site.toml: base_url = \"/\" is not an absolute URL")
            && warned.contains("site.toml: author is empty"),
        "{warned}"
    );
    let (ok, text) = report(p.path(), &["build"]);
    assert!(ok && text.contains("set base_url"), "{text}");
    // publish reads the committed site.toml.
    commit_all(p.path(), "source");
    let (ok, text) = report(p.path(), &["publish"]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("not publishing: site.toml: base_url")
            && text.contains("site.toml: author is empty"),
        "{text}"
    );
    // The author alone missing: publish still refuses, naming only that key.
    std::fs::write(
        p.path().join("site.toml"),
        "title = \"T\"\nbase_url = \"https://x.org/\"\n",
    )
    .unwrap();
    commit_all(p.path(), "base_url");
    let (ok, text) = report(p.path(), &["publish"]);
    assert!(
        !ok && text.contains("author") && !text.contains("base_url"),
        "{text}"
    );
}

/// The value of `<meta {key}="{name}" content="...">` in `html`.
fn meta<'a>(html: &'a str, key: &str, name: &str) -> Option<&'a str> {
    let at = html.find(&format!("<meta {key}=\"{name}\" content=\""))?;
    let rest = &html[at..].split_once("content=\"")?.1;
    rest.split('"').next()
}

#[test]
fn a_post_describes_itself_to_search_engines_and_link_previews() {
    let p = Project::with_runs();
    p.draft(
        "meta.md",
        "---\ntitle: Meta\nsummary: What an extra embedding does.\n---\n# Meta\n\nFirst paragraph.\n\n\
         ![Loss by step](images/val_loss-step.png)\n\n![Loss by time](images/val_loss-time.png)\n",
    );
    p.draft("code.md", "# Code\n\nText.\n\n```python\nx = 1\n```\n");
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let html = p.read("meta/index.html");
    let url = format!("{BASE}meta/");
    assert_eq!(
        meta(&html, "name", "description"),
        Some("What an extra embedding does.")
    );
    assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{url}\">")));
    assert_eq!(meta(&html, "property", "og:title"), Some("Meta"));
    assert_eq!(meta(&html, "property", "og:url"), Some(url.as_str()));
    assert_eq!(
        meta(&html, "property", "og:description"),
        Some("What an extra embedding does.")
    );
    // The first figure made 1.91:1, absolute, with its size and what it shows.
    let image = format!("{url}val_loss-step.social.png");
    assert_eq!(meta(&html, "property", "og:image"), Some(image.as_str()));
    assert_eq!(meta(&html, "property", "og:image:width"), Some("1200"));
    assert_eq!(meta(&html, "property", "og:image:height"), Some("628"));
    assert!(p.out().join("meta/val_loss-step.social.png").is_file());
    assert!(meta(&html, "property", "og:image:alt").is_some_and(|a| a.starts_with("Line chart")));
    assert_eq!(
        meta(&html, "name", "twitter:card"),
        Some("summary_large_image")
    );
    assert_eq!(meta(&html, "name", "twitter:image"), Some(image.as_str()));
    assert!(html.contains("<link rel=\"icon\" href=\"../favicon.svg\" type=\"image/svg+xml\">"));
    assert!(p.read("favicon.svg").starts_with("<svg"));
    // The highlighting stylesheet: its own file, linked only by the page with code.
    assert!(!html.contains("code.css"));
    assert!(p
        .read("code/index.html")
        .contains("<link rel=\"stylesheet\" href=\"../code.css\">"));
    assert!(p.read("code.css").contains(".hl-"));
    assert!(!p.read("style.css").contains(".hl-"));
    // Every figure has its size, the phone and tablet renditions next to it, and lazy loading
    // after the first.
    assert!(html.contains("<img src=\"val_loss-step.png\" width=\"1800\" height=\""));
    assert!(html.contains("srcset=\"val_loss-time.phone.png\" width=\"640\""));
    assert!(html.contains("srcset=\"val_loss-time.tablet.png\" width=\"1080\""));
    assert!(p.out().join("meta/val_loss-time.phone.png").is_file());
    assert!(p.out().join("meta/val_loss-time.tablet.png").is_file());
    assert_eq!(html.matches("loading=\"lazy\"").count(), 1, "{html}");
}

#[test]
fn alt_texts_state_what_the_data_shows_and_differ_from_the_caption() {
    let p = Project::with_runs();
    p.draft(
        "alt.md",
        "# Alt\n\n![Loss by step](images/val_loss-step.png)\n\n## Lambdas\n\n\
         {{ heatmap(variant=\"x02\", caption=\"Lambdas of x02\") }}\n",
    );
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let html = p.read("alt/index.html");
    let alt_of = |src: &str| -> String {
        let tag = html
            .split("<img ")
            .find(|t| t.starts_with(&format!("src=\"{src}\"")))
            .unwrap_or_else(|| panic!("no img {src}: {html}"));
        tag.split("alt=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    // The ends of the loss lines are the mean final losses the article's table gives.
    let runs = report::runs::RunSet::load(&p.runs()).unwrap();
    let table = report::stats::compute(&runs, None).unwrap();
    let final_of = |v: &str| {
        let variant = runlog::Variant::parse(v).unwrap();
        format!("{v} {:.4}", table.row(variant).unwrap().final_loss.mean)
    };
    let loss_alt = alt_of("val_loss-step.png");
    assert!(
        loss_alt.contains(&format!(
            "lowest first: {}, {}, {}.",
            final_of("x02"),
            final_of("x01"),
            final_of("x00")
        )),
        "{loss_alt}"
    );
    // x02's last lambdas (site_common::write_run): x 2 everywhere, x0e = layer - e.
    let heat_alt = alt_of("lambdas-x02.png");
    assert!(
        heat_alt.starts_with("Heatmap (Lambdas: x02, mean of 2 seeds, step 100) by layer"),
        "{heat_alt}"
    );
    // Layer 0's x and x00 are one vector, so the alt text gives their sum, not either alone.
    assert!(
        heat_alt.contains(
            "Layer 0 shows λx + λ00 in one cell (x and x00 are the same vector there): 2.00. \
             Largest in magnitude: x at layer 1 (2.00), x00 at layer 3 (3.00), x01 at layer 3 \
             (2.00), x02 at layer 0 (-2.00)"
        ),
        "{heat_alt}"
    );
    for (alt, caption) in [(&loss_alt, "Loss by step"), (&heat_alt, "Lambdas of x02")] {
        assert!(html.contains(&format!("</span> {caption}</figcaption>")));
        assert!(!alt.contains(caption), "alt repeats the caption: {alt}");
    }
}

#[test]
fn outputs_of_renamed_drafts_go_and_files_the_build_did_not_write_stay() {
    let p = Project::with_runs();
    let mut o = report::build::BuildOptions::new(p.path().join("posts"), p.runs(), None);
    o.out = p.path().join("site");
    o.images = p.path().join("images");
    o.config = p.path().join("site.toml");
    let draft = p.draft(
        "old.md",
        "# Old\n\n![a](images/val_loss-step.png)\n\n![b](images/val_loss-time.png)\n",
    );
    let own = |rel: &str| {
        let f = p.path().join(rel);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, "the owner's").unwrap();
        f
    };
    let mine = [
        own("site/notes.txt"),
        own("site/old/mine.txt"),
        own("images/keep.png"),
    ];
    report::build::build(&o).unwrap();
    assert!(p.path().join("site/old/index.html").is_file());
    assert!(p
        .path()
        .join("images/old/val_loss-time.phone.png")
        .is_file());
    // Renamed, and one figure dropped: the old page, its copies and both renditions of the
    // dropped figure go; the owner's files and the emptied folders' other files stay.
    std::fs::remove_file(&draft).unwrap();
    p.draft("new.md", "# New\n\n![a](images/val_loss-step.png)\n");
    let out = report::build::build(&o).unwrap();
    for gone in [
        "site/old/index.html",
        "site/old/old.md",
        "site/old/val_loss-step.png",
        "site/old/val_loss-time.phone.png",
        "images/old/val_loss-step.png",
        "images/old/val_loss-time.phone.png",
    ] {
        assert!(!p.path().join(gone).exists(), "{gone} is stale");
        assert!(
            out.removed.contains(&p.path().join(gone)),
            "{gone}: {:?}",
            out.removed
        );
    }
    assert!(
        !p.path().join("images/old").exists(),
        "emptied folder removed"
    );
    for f in &mine {
        assert_eq!(std::fs::read_to_string(f).unwrap(), "the owner's");
    }
    assert!(p.path().join("site/new/index.html").is_file());
    assert!(p
        .path()
        .join("images/new/val_loss-step.phone.png")
        .is_file());
    // Unchanged inputs: nothing more goes.
    assert!(report::build::build(&o).unwrap().removed.is_empty());
}

/// `git add -A` and a commit, under a test identity.
fn commit_all(repo: &std::path::Path, message: &str) {
    if !repo.join(".git").exists() {
        git(repo, &["init", "-q"]);
    }
    git(repo, &["add", "-A"]);
    git(
        repo,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-q",
            "-m",
            message,
        ],
    );
}

#[test]
fn publish_builds_the_committed_tree_and_names_its_commit() {
    if Command::new("git").arg("--version").output().is_err() {
        common::missing::missing("git", "Debian: apt-get install git");
        return;
    }
    let p = Project::with_runs();
    let repo = p.path();
    p.draft(
        "pub.md",
        "---\nexperiment: exp\n---\n# Pub\n\nHello: x01 over {{ n_seeds(variant=\"x01\") }} seeds.\n",
    );
    std::fs::write(repo.join(".gitignore"), "out/\nsite/\nimages/\n").unwrap();
    commit_all(repo, "source");
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare"]);
    git(
        repo,
        &["remote", "add", "origin", remote.path().to_str().unwrap()],
    );
    // A site/ built before a run was deleted, and a draft edited but not committed: neither is
    // published; HEAD is, built now.
    let (ok, text) = report(repo, &["build"]);
    assert!(ok, "{text}");
    assert!(
        std::fs::read_to_string(repo.join("site/pub/index.html"))
            .unwrap()
            .contains("over 2 seeds"),
        "the stale site says 2"
    );
    git(repo, &["rm", "-q", "-r", "runs/exp/x01-s1"]);
    commit_all(repo, "x01-s1 was a bad run");
    let head = git(repo, &["rev-parse", "HEAD"]);
    p.draft("pub.md", "# Pub\n\nAn edit not committed.\n");
    let (ok, text) = report(repo, &["publish"]);
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("published 1 page(s) built from {head} as ")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "note: not published, since publish builds the committed tree ({head}): \
             uncommitted changes in\n  M posts/pub.md"
        )),
        "{text}"
    );
    let subject = git(remote.path(), &["log", "-1", "--format=%s", "gh-pages"]);
    assert_eq!(subject, format!("Publish site (built from {head})"));
    let page = git(remote.path(), &["show", "gh-pages:pub/index.html"]);
    assert!(page.contains("over 1 seeds"), "{page}");
    assert!(
        !page.contains("over 2 seeds") && !page.contains("not committed"),
        "{page}"
    );
    // The working tree, its index and site/ are as they were.
    assert!(std::fs::read_to_string(repo.join("site/pub/index.html"))
        .unwrap()
        .contains("over 2 seeds"));
    assert_eq!(
        git(repo, &["status", "--porcelain"]),
        "M posts/pub.md",
        "nothing but the edit"
    );
    // The published tree: a 404 page, no build record, no stylesheet no page links.
    let tree = git(remote.path(), &["ls-tree", "-r", "--name-only", "gh-pages"]);
    let files: Vec<&str> = tree.lines().collect();
    assert!(files.contains(&"404.html"), "{files:?}");
    assert!(
        !files
            .iter()
            .any(|f| f.ends_with(".report-manifest.json") || f.ends_with("code.css")),
        "{files:?}"
    );
}
