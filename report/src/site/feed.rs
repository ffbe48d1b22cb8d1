//! What the Atom feed needs from site.toml to be valid Atom (RFC 4287): absolute ids and links,
//! built from `base_url`, and an author. The committed site.toml cannot know its owner's address,
//! so `report build` warns while either is missing and `report publish` refuses.

use crate::config::SiteConfig;

/// `https://host/...` or `http://host/...`: a URL a feed reader resolves the same from anywhere.
pub fn is_absolute(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty()
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c))
}

/// One line per site.toml key that keeps the feed from being valid, naming the key to set.
pub fn problems(cfg: &SiteConfig) -> Vec<String> {
    let mut v = Vec::new();
    if !is_absolute(&cfg.base_url) {
        v.push(format!(
            "base_url = \"{}\" is not an absolute URL, so the Atom feed's ids and links are \
             relative and the feed is not valid Atom; set base_url to the address the site is \
             served from, e.g. \"https://<user>.github.io/<repo>/\"",
            cfg.base_url.escape_default()
        ));
    }
    if cfg.author.trim().is_empty() {
        v.push(
            "author is empty, so the Atom feed names no author and is not valid Atom; set \
             author = \"<your name>\""
                .to_string(),
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_absolute_base_url_and_an_author_make_a_valid_feed() {
        for ok in ["https://user.github.io/repo/", "http://localhost:8000/"] {
            assert!(is_absolute(ok), "{ok}");
        }
        for bad in [
            "/",
            "",
            "user.github.io/",
            "https:///x/",
            "https://a b/",
            "ftp://x/",
        ] {
            assert!(!is_absolute(bad), "{bad}");
        }
        let mut cfg = SiteConfig::default();
        let p = problems(&cfg);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with("base_url = \"/\"") && p[0].contains("set base_url"),
            "{p:?}"
        );
        assert!(
            p[1].starts_with("author is empty") && p[1].contains("set author"),
            "{p:?}"
        );
        cfg.base_url = "https://x.org/blog/".into();
        cfg.author = "A. Researcher".into();
        assert!(problems(&cfg).is_empty());
    }
}
