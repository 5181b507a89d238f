use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_folders(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.push(path.clone());
            rust_folders(&path, found);
        }
    }
}

#[test]
fn every_rust_folder_starts_with_a_module_header() {
    let mut folders = vec![];
    rust_folders(&root().join("src"), &mut folders);
    assert!(!folders.is_empty());
    let mut missing = vec![];
    for folder in folders {
        let module = folder.join("mod.rs");
        let text = std::fs::read_to_string(&module).unwrap_or_default();
        if !text.starts_with("//!") {
            missing.push(module.display().to_string());
        }
    }
    for file in ["src/lib.rs", "src/main.rs"] {
        let text = std::fs::read_to_string(root().join(file)).unwrap_or_default();
        if !text.starts_with("//!") {
            missing.push(file.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "these modules lack a `//!` header paragraph: {missing:?}"
    );
}

#[test]
fn every_other_folder_has_a_readme() {
    let mut missing = vec![];
    for folder in [
        "templates",
        "codegen",
        "modules",
        "projects",
        "tests/js",
        "tests/python",
    ] {
        if !root().join(folder).join("README.md").is_file() {
            missing.push(folder);
        }
    }
    for top in ["modules", "projects"] {
        let Ok(entries) = std::fs::read_dir(root().join(top)) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().is_dir() && !entry.path().join("README.md").is_file() {
                missing.push(top);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these folders lack a README.md: {missing:?}"
    );
}

#[test]
fn the_fixed_top_level_layout_is_present() {
    for entry in [
        "Cargo.toml",
        "src",
        "templates",
        "codegen",
        "modules",
        "projects",
        "Taskfile.yml",
        "process-compose.yaml",
        "README.md",
        "ARCHITECTURE.md",
        ".ci/run",
    ] {
        assert!(root().join(entry).exists(), "{entry} is missing");
    }
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    assert!(
        readme.contains("cargo run --release -- serve"),
        "the README must start with the run command"
    );
    assert!(
        readme.contains("bash tests/run.sh"),
        "the README must name the test command"
    );
}
