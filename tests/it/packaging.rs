//! How iamtrim ships: the wheel's pyproject.toml, the pre-commit hooks and their mirror, the
//! crate's published contents. (tests/pre-commit-try-repo.sh installs each route for real.)

use std::path::Path;
use std::process::Command;

fn root_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The hook definitions of a .pre-commit-hooks.yaml, each as its text from `- id: NAME` to the
/// next hook, comments left out.
fn hooks(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(id) = line.strip_prefix("- id: ") {
            out.push((id.to_string(), String::new()));
        }
        if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

#[test]
fn python_and_cargo_hooks_run_the_same_commands_on_the_same_files() {
    let hooks = hooks(&root_file(".pre-commit-hooks.yaml"));
    let ids: Vec<&str> = hooks.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "iamtrim",
            "iamtrim-fix",
            "iamtrim-cargo",
            "iamtrim-cargo-fix"
        ]
    );
    let field = |body: &str, key: &str| {
        body.lines()
            .find_map(|l| l.trim().strip_prefix(key).map(str::to_string))
            .unwrap_or_else(|| panic!("no {key} in {body}"))
    };
    for (python, cargo) in [(0, 2), (1, 3)] {
        let (p, c) = (&hooks[python].1, &hooks[cargo].1);
        assert_eq!(field(p, "language: "), "python");
        assert_eq!(field(c, "language: "), "rust");
        for key in [
            "entry: ",
            "files: ",
            "types: ",
            "require_serial: ",
            "name: ",
        ] {
            assert_eq!(field(p, key), field(c, key), "{key} of {ids:?}");
        }
    }
}

#[test]
fn the_mirror_has_this_repositorys_python_hooks_and_pins_this_version() {
    let main = hooks(&root_file(".pre-commit-hooks.yaml"));
    let mirror = hooks(&root_file("mirror/.pre-commit-hooks.yaml"));
    assert_eq!(
        mirror,
        main[..2].to_vec(),
        "mirror/.pre-commit-hooks.yaml is out of date"
    );
    let pyproject: toml::Table = toml::from_str(&root_file("mirror/pyproject.toml")).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(pyproject["project"]["version"].as_str(), Some(version));
    let deps = pyproject["project"]["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 1);
    assert_eq!(
        deps[0].as_str(),
        Some(format!("iamtrim=={version}").as_str())
    );
}

#[test]
fn the_wheel_is_the_binary_built_by_maturin() {
    let pyproject: toml::Table = toml::from_str(&root_file("pyproject.toml")).unwrap();
    assert_eq!(
        pyproject["build-system"]["build-backend"].as_str(),
        Some("maturin")
    );
    assert_eq!(pyproject["project"]["name"].as_str(), Some("iamtrim"));
    let dynamic = pyproject["project"]["dynamic"].as_array().unwrap();
    assert!(
        dynamic.iter().any(|d| d.as_str() == Some("version")),
        "the version comes from Cargo.toml"
    );
    assert_eq!(
        pyproject["tool"]["maturin"]["bindings"].as_str(),
        Some("bin")
    );
}

/// `cargo install iamtrim` builds from the published package: it must hold every file the code
/// embeds (the catalogue), and nothing of the tests or fixtures.
#[test]
fn the_crate_package_holds_the_embedded_data_and_no_tests() {
    let out = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8(out.stdout).unwrap();
    let files: Vec<&str> = list.lines().collect();
    // Every `include_str!`/`include_bytes!` of src/, resolved against its file's folder.
    let mut embedded = Vec::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let parts = ["include_str!(\"", "include_bytes!(\""]
                .into_iter()
                .flat_map(|m| text.split(m).skip(1));
            for part in parts {
                let Some(rel) = part.split('"').next() else {
                    continue;
                };
                let full = dir.join(rel);
                let full = full
                    .canonicalize()
                    .unwrap_or_else(|e| panic!("{}: {rel}: {e}", path.display()));
                let root = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .canonicalize()
                    .unwrap();
                embedded.push(
                    full.strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    assert!(
        embedded.iter().any(|f| f == "data/catalog.txt"),
        "{embedded:?}"
    );
    for f in &embedded {
        assert!(
            files.contains(&f.as_str()),
            "{f} is embedded but not packaged: {files:?}"
        );
    }
    for f in &files {
        assert!(
            !f.starts_with("tests/") && !f.starts_with("examples/") && !f.starts_with("mirror/"),
            "{f} should not be published"
        );
    }
}
