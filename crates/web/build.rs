//! The front-end packages (ECharts, htmx) are embedded into the binary from npm's
//! node_modules; install them from the lockfile when they are missing.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = PathBuf::from(manifest).join("../..");
    println!("cargo:rerun-if-changed=../../package-lock.json");
    println!("cargo:rerun-if-changed=static");
    println!("cargo:rerun-if-changed=templates");
    let needed = [
        "node_modules/echarts/dist/echarts.min.js",
        "node_modules/htmx.org/dist/htmx.min.js",
    ];
    if needed.iter().all(|p| root.join(p).exists()) {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&root)
        .status();
    match status {
        Ok(s) if s.success() => {}
        _ => panic!(
            "the front-end packages are missing and `npm ci` failed: install Node.js and run `npm ci` in the repository root"
        ),
    }
}
