//! The standards' own reference tools (stix2-validator, PyMISP, taxii2-client, idstools, the
//! OASIS TAXII server medallion), installed
//! from PyPI into one venv under target/ on first use. Test binaries run in parallel, so
//! the install is serialised by a lock file and marked done only when it succeeded.

use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGES: &[&str] = &[
    "stix2-validator==3.3.2",
    "stix2==3.0.2",
    "stix2-patterns==2.1.2",
    "pymisp==2.5.34.4",
    "taxii2-client==2.3.0",
    "idstools==0.6.5",
    "medallion==3.0.0",
    "jsonschema",
];

/// The venv's `bin/`; panics with the reason when PyPI cannot be reached.
pub fn bin() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("judges-venv");
    let done = venv.join(".installed-3");
    std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).expect("target tmp dir");
    let lock = std::fs::File::create(Path::new(env!("CARGO_TARGET_TMPDIR")).join("judges.lock"))
        .expect("judges lock file");
    lock.lock().expect("lock the judges venv");
    if !done.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "--disable-pip-version-check"])
                .args(PACKAGES)
                .status()
                .is_ok_and(|s| s.success());
        assert!(
            ok,
            "could not install the judges ({}) from PyPI into {}",
            PACKAGES.join(" "),
            venv.display()
        );
        std::fs::write(&done, PACKAGES.join("\n")).expect("mark the judges installed");
    }
    venv.join("bin")
}

/// `../shared/tools/judges/<script>`.
pub fn script(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/tools/judges")
        .join(name);
    assert!(
        p.exists(),
        "{} is missing: ../shared must sit beside the project",
        p.display()
    );
    p
}

/// Run a judge script with the venv's Python; (success, stdout + stderr without colours).
pub fn run_script(name: &str, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = Command::new(bin().join("python"))
        .arg(script(name))
        .args(args)
        .output()
        .expect("run a judge");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let re = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    (out.status.success(), re.replace_all(&text, "").into_owned())
}
