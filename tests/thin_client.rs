//! A thin-client build (without the `builtin-hub` feature) links no hub code: no hub, sqlx or
//! ezk crate is in its dependency tree; the default build has the hub inside.

#![allow(clippy::unwrap_used)]

use std::process::Command;

/// The crates in the desktop's dependency tree (its tests' too), as `cargo tree` lists them.
fn crates(default_features: bool) -> Vec<String> {
    let mut tree = Command::new(env!("CARGO"));
    tree.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "tree",
        "--locked",
        "-p",
        "switchboard",
        "--prefix",
        "none",
    ]);
    if !default_features {
        tree.arg("--no-default-features");
    }
    let output = tree.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_thin_client_build_links_no_hub_code() {
    let thin = crates(false);
    assert!(thin.iter().any(|name| name == "switchboard-client"));
    let hub_code = |name: &String| {
        name == "switchboard-hub" || name.starts_with("sqlx") || name.starts_with("ezk-")
    };
    let linked: Vec<&String> = thin.iter().filter(|name| hub_code(name)).collect();
    assert!(linked.is_empty(), "a thin client links {linked:?}");
    assert!(
        crates(true).iter().any(|name| name == "switchboard-hub"),
        "the default build has the hub inside"
    );
}
