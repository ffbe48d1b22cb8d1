//! What a test does when a tool or fixture it needs is absent: on a developer's machine it
//! says so and skips; under CI (`CI` set, and not `false`/`0`) it fails, because a skip there
//! would pass without testing anything.

/// True when the environment says this is a CI run.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Skips (prints why) or, under CI, fails naming what is missing and how to provide it.
pub fn missing(what: &str, how: &str) {
    assert!(
        !in_ci(),
        "{what} is missing and CI is set: this test must run in CI ({how})"
    );
    println!("skipped: {what} is missing ({how})");
}
