//! What leaves the site for other programs: the filled markdown's front matter read by a YAML
//! parser (and the committed draft's), its images found next to it; the feed's entry content
//! read by a feed library, with no relative URL, self-link or inline style; the social image
//! the front matter chooses, at 1.91:1; numbered figures and tables, and `ref` links to them
//! (a reference to a figure the page does not show stops the build); a 404 page.

mod site_common;
use atom_syndication::Feed;
use common::{listed, Project};
use report::post::Kind;
use site_common as common;
use yaml_rust2::{Yaml, YamlLoader};

const BASE: &str = "https://example.org/blog/";

/// The YAML between a text's opening `---` lines, parsed; panics naming the text if it is not.
fn front_matter(text: &str) -> Yaml {
    let rest = text.strip_prefix("---\n").expect("front matter");
    let (yaml, _) = rest.split_once("\n---\n").expect("closed front matter");
    let docs = YamlLoader::load_from_str(yaml).unwrap_or_else(|e| panic!("{e}:\n{yaml}"));
    docs.into_iter().next().expect("one document")
}

#[test]
fn the_filled_markdowns_front_matter_is_yaml_and_its_images_are_next_to_it() {
    let p = Project::with_runs();
    // What the committed draft had: an unquoted summary holding ": ", and a quoted title.
    p.draft(
        "y.md",
        "---\ntitle: \"Lambdas: a \\\"study\\\"\"\ndate: 2025-01-02\nsummary: One: two # three\n\
         image: images/val_loss-time.png\n---\n# Y\n\nText.\n\n![Loss](images/val_loss-step.png)\n\n\
         ![By time](images/val_loss-time.png)\n",
    );
    let o = p.build();
    assert!(!o.failed(), "{}", listed(&o));
    // The draft's line is read as the author meant it, and a note says how to make it YAML.
    let note = o
        .problems
        .iter()
        .find(|x| x.kind == Kind::Note && x.line == 4)
        .unwrap_or_else(|| panic!("{}", listed(&o)));
    assert!(
        note.message
            .contains("quote it: summary: \"One: two # three\""),
        "{}",
        note.message
    );
    let md = p.read("y/y.md");
    let fm = front_matter(&md);
    assert_eq!(fm["title"].as_str(), Some("Lambdas: a \"study\""));
    assert_eq!(fm["summary"].as_str(), Some("One: two # three"));
    assert_eq!(fm["image"].as_str(), Some("val_loss-time.social.png"));
    let page_dir = p.out().join("y");
    for link in md.split("](").skip(1).map(|s| s.split(')').next().unwrap()) {
        assert!(page_dir.join(link).is_file(), "{link} is not next to y.md");
    }
    assert!(page_dir.join(fm["image"].as_str().unwrap()).is_file());
    let html = p.read("y/index.html");
    assert!(html.contains("<meta name=\"description\" content=\"One: two # three\">"));
}

#[test]
fn the_committed_drafts_front_matter_is_yaml() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../posts");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "md") {
            let text = std::fs::read_to_string(e.path()).unwrap();
            let fm = front_matter(&text);
            assert!(fm["title"].as_str().is_some(), "{}", e.path().display());
            n += 1;
        }
    }
    assert!(n >= 1);
}

#[test]
fn feed_entries_carry_absolute_urls_no_self_links_and_no_styles() {
    let p = Project::with_runs();
    p.draft(
        "f.md",
        "---\ntitle: F\ndate: 2025-01-02\n---\n# F\n\nSee [the table](#results), [a file](notes.txt), \
         [home](/) and [x](https://x.org/a).\n\n## Results\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n\
         ![Loss](images/val_loss-step.png)\n",
    );
    std::fs::write(p.path().join("posts/notes.txt"), "n").unwrap();
    let o = p.build();
    assert!(!o.failed(), "{}", listed(&o));
    let xml = p.read("atom.xml");
    assert!(!xml.contains("xml:base"), "{xml}");
    let feed: Feed = xml.parse().unwrap_or_else(|e| panic!("{e}: {xml}"));
    let html = feed.entries()[0]
        .content()
        .unwrap()
        .value()
        .unwrap()
        .to_string();
    let page = format!("{BASE}f/");
    for needle in [
        format!("href=\"{page}#results\""),
        format!("href=\"{page}notes.txt\""),
        "href=\"https://example.org/\"".to_string(),
        "href=\"https://x.org/a\"".to_string(),
        format!("<img src=\"{page}val_loss-step.png\""),
    ] {
        assert!(html.contains(&needle), "{needle} not in {html}");
    }
    for attr in ["href=\"", "src=\"", "srcset=\""] {
        for url in html.split(attr).skip(1) {
            assert!(url.starts_with("https://"), "relative {attr}{url}");
        }
    }
    for bad in ["style=", "class=\"anchor\"", "<source", "xml:base"] {
        assert!(!html.contains(bad), "{bad} in the feed: {html}");
    }
    // The page itself keeps its self-links and its phone/tablet renditions.
    let page_html = p.read("f/index.html");
    assert!(page_html.contains("<a class=\"anchor\" href=\"#results\">"));
    assert!(page_html.contains("<source media=\"(max-width: 559px)\""));
    assert!(page_html.contains("<source media=\"(max-width: 959px)\""));
}

#[test]
fn figures_and_tables_are_numbered_and_refs_link_to_them() {
    let p = Project::with_runs();
    p.draft(
        "n.md",
        "# N\n\nAs {{ ref(fig=\"val_loss-time.png\") }} and {{ ref(table=\"results\") }} show.\n\n\
         ![Loss](images/val_loss-step.png)\n\n![By time](images/val_loss-time.png)\n\n\
         {{ results_table() }}\n",
    );
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let html = p.read("n/index.html");
    assert!(html.contains(
        "As <a href=\"#fig-val-loss-time\">Figure 2</a> and <a href=\"#tbl-results\">Table 1</a> show."
    ), "{html}");
    assert!(html.contains("<figure id=\"fig-val-loss-step\">"));
    assert!(
        html.contains("<figcaption><span class=\"number\">Figure 2.</span> By time</figcaption>")
    );
    assert!(
        html.contains("<div class=\"table-scroll\" id=\"tbl-results\""),
        "{html}"
    );
    assert!(html.contains("<caption><span class=\"number\">Table 1.</span> Final results"));
    // The p columns say which loss each tests.
    assert!(
        html.contains("p, final loss vs x00") && html.contains("s vs x00</th>"),
        "{html}"
    );
    // The markdown says "Figure 2" too, linking the same anchor.
    assert!(p.read("n/n.md").contains("[Figure 2](#fig-val-loss-time)"));
}

#[test]
fn a_ref_to_a_figure_the_page_does_not_show_stops_the_build() {
    let p = Project::with_runs();
    p.draft(
        "r.md",
        "# R\n\n![Loss](images/val_loss-step.png)\n\nSee {{ ref(fig=\"lambdas-x01.png\") }}.\n",
    );
    let o = p.build();
    assert!(o.failed());
    let msg = listed(&o);
    assert!(
        msg.contains(
            "r.md:5: error: `{{ ref(fig=\"lambdas-x01.png\") }}`: no figure `lambdas-x01.png` on \
             this page; its figures: val_loss-step.png"
        ),
        "{msg}"
    );
    assert!(!p.out().join("r/index.html").exists());
}

#[test]
fn the_front_matter_image_is_the_social_image_at_1_91_to_1() {
    let p = Project::with_runs();
    std::fs::write(
        p.path().join("site.toml"),
        format!("title = \"T\"\nauthor = \"A\"\nbase_url = \"{BASE}\"\n"),
    )
    .unwrap();
    p.draft(
        "s.md",
        "---\nimage: images/val_loss-time.png\n---\n# S\n\n![Loss](images/val_loss-step.png)\n\n\
         ![By time](images/val_loss-time.png)\n",
    );
    let o = p.build();
    assert!(o.problems.is_empty(), "{}", listed(&o));
    let html = p.read("s/index.html");
    assert!(html.contains(&format!(
        "<meta property=\"og:image\" content=\"{BASE}s/val_loss-time.social.png\">"
    )));
    let png = p.out().join("s/val_loss-time.social.png");
    let reader = png::Decoder::new(std::fs::File::open(&png).unwrap())
        .read_info()
        .unwrap();
    let (w, h) = (reader.info().width, reader.info().height);
    assert_eq!((w, h), (1200, 628));
    // An image the post does not show is refused, naming the ones it does.
    p.draft(
        "s.md",
        "---\nimage: images/lambdas-x01.png\n---\n# S\n\n![Loss](images/val_loss-step.png)\n",
    );
    let o = p.build();
    assert!(o.failed());
    assert!(
        listed(&o).contains(
            "s.md:2: image: image: `images/lambdas-x01.png` is not an image this post shows; \
             its images: val_loss-step.png"
        ),
        "{}",
        listed(&o)
    );
}

#[test]
fn the_site_has_a_404_page_and_no_stylesheet_no_page_links() {
    let p = Project::with_runs();
    p.draft("a.md", "# A\n\nDated.\n");
    let o = p.build();
    assert!(!o.failed(), "{}", listed(&o));
    let page = p.read("404.html");
    assert!(page.contains("<h1>Page not found</h1>") && page.contains("style.css"));
    assert!(!p.out().join("code.css").exists());
    assert!(p
        .read("style.css")
        .contains("time { white-space: nowrap; }"));
}
