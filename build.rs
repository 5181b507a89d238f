//! Build script: finds the Datastar browser client that the admin UI embeds.
//!
//! The client comes from the npm registry, pinned in `templates/ui/vendor/package.json`
//! and its lock file; it is never copied into the repository. When the package is not
//! installed yet, this script installs it with `npm ci` (the lock file decides the exact
//! version). On a machine without npm it downloads the same package tarball from the
//! registry with `curl`, checks it against the lock file's `integrity` (SHA-512) and
//! unpacks the one file it needs with `tar`, so `cargo run --release -- serve` works on a
//! fresh machine that has only the Rust toolchain (and Debian's base tools).

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha512};

const VENDOR_DIR: &str = "templates/ui/vendor";
const PACKAGE: &str = "@starfederation/datastar";
const VERSION: &str = "1.0.0-beta.11";
const REGISTRY: &str = "https://registry.npmjs.org/";

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
        if has_npm() {
            install(&vendor);
        } else {
            let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
            let client = download(&vendor, &out);
            println!("cargo:rustc-env=LB_DATASTAR_JS={}", client.display());
            return;
        }
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

fn has_npm() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

/// The package tarball straight from the registry, checked against the lock file; returns
/// the path of the unpacked client.
fn download(vendor: &Path, out: &Path) -> PathBuf {
    let client = out.join("package").join("dist").join("datastar.js");
    let tarball = out.join("datastar.tgz");
    let lock = std::fs::read_to_string(vendor.join("package-lock.json"))
        .unwrap_or_else(|error| fail(&format!("cannot read package-lock.json ({error})")));
    let integrity = lock_integrity(&lock)
        .unwrap_or_else(|| fail("package-lock.json has no sha512 integrity for the package"));
    let name = PACKAGE.rsplit('/').next().unwrap_or(PACKAGE);
    let url = format!("{REGISTRY}{PACKAGE}/-/{name}-{VERSION}.tgz");
    let verified = |path: &Path| {
        std::fs::read(path).is_ok_and(|bytes| BASE64.encode(Sha512::digest(&bytes)) == integrity)
    };
    if verified(&tarball) && client.is_file() {
        return client;
    }
    let fetched = Command::new("curl")
        .args(["-fsSL", "--retry", "3", "-o"])
        .arg(&tarball)
        .arg(&url)
        .status();
    match fetched {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!("downloading {url} failed ({status})")),
        Err(error) => fail(&format!(
            "npm is not installed and curl could not run ({error}); install npm or curl"
        )),
    }
    if !verified(&tarball) {
        fail(&format!(
            "{url} does not match the integrity in package-lock.json"
        ));
    }
    let unpacked = Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(out)
        .arg("package/dist/datastar.js")
        .status();
    match unpacked {
        Ok(status) if status.success() && client.is_file() => client,
        Ok(status) => fail(&format!("unpacking {url} failed ({status})")),
        Err(error) => fail(&format!("could not run tar ({error})")),
    }
}

/// The base64 SHA-512 of the package in the lock file (`"integrity": "sha512-..."`).
fn lock_integrity(lock: &str) -> Option<String> {
    let entry = lock.find(&format!("\"node_modules/{PACKAGE}\""))?;
    let rest = &lock[entry..];
    let at = rest.find("\"integrity\"")?;
    let rest = &rest[at..];
    let start = rest.find("sha512-")? + "sha512-".len();
    let rest = &rest[start..];
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
         Install it with:\n\n    (cd {VENDOR_DIR} && npm ci)\n\n\
         (without npm, the build downloads it with curl and unpacks it with tar)\n\n"
    );
}
