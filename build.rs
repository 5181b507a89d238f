//! Build script: finds the Datastar browser client that the admin UI embeds.
//!
//! The client comes from the npm registry, pinned in `templates/ui/vendor/package.json`
//! and its lock file; it is never copied into the repository. When the package is not
//! installed yet, this script installs it with `npm ci` (the lock file decides the exact
//! version), so `cargo run --release -- serve` works on a fresh machine that has npm.

use std::path::{Path, PathBuf};
use std::process::Command;

const VENDOR_DIR: &str = "templates/ui/vendor";
const PACKAGE: &str = "@starfederation/datastar";
const VERSION: &str = "1.0.0-beta.11";

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let vendor = root.join(VENDOR_DIR);
    let package_dir = vendor.join("node_modules").join(PACKAGE);
    let client = package_dir.join("dist").join("datastar.js");

    println!("cargo:rerun-if-changed={VENDOR_DIR}/package.json");
    println!("cargo:rerun-if-changed={VENDOR_DIR}/package-lock.json");
    println!("cargo:rerun-if-changed={}", client.display());

    if installed_version(&package_dir).as_deref() != Some(VERSION) {
        install(&vendor);
    }
    match installed_version(&package_dir) {
        Some(version) if version == VERSION => {}
        other => fail(&format!(
            "{PACKAGE} {VERSION} is required in {VENDOR_DIR}/node_modules, found {}",
            other.unwrap_or_else(|| "nothing".to_owned())
        )),
    }
    if !client.is_file() {
        fail(&format!(
            "{} is missing from the installed package",
            client.display()
        ));
    }
    println!("cargo:rustc-env=LB_DATASTAR_JS={}", client.display());
}

/// The `version` of the installed package, if any.
fn installed_version(package_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(package_dir.join("package.json")).ok()?;
    let start = text.find("\"version\"")?;
    let rest = &text[start + "\"version\"".len()..];
    let rest = &rest[rest.find('"')? + 1..];
    Some(rest[..rest.find('"')?].to_owned())
}

fn install(vendor: &Path) {
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(vendor)
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!("`npm ci` in {VENDOR_DIR} failed ({status})")),
        Err(error) => fail(&format!(
            "could not run npm ({error}); install Node.js and npm"
        )),
    }
}

fn fail(reason: &str) -> ! {
    panic!(
        "\n\nlifebase embeds the Datastar client from npm: {reason}.\n\
         Install it with:\n\n    (cd {VENDOR_DIR} && npm ci)\n\n"
    );
}
