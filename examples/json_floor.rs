//! The floor of a lint run, for `scripts/bench-peers.sh`: read every `.json` file under the given
//! folders and parse it with serde_json, in parallel as `iamtrim check` does; nothing else. Prints
//! the file count and how many held valid JSON.
//!
//!   cargo run --release --example json_floor -- DIR...

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut files = Vec::new();
    for dir in std::env::args_os().skip(1) {
        if let Err(e) = collect(Path::new(&dir), &mut files) {
            eprintln!("json_floor: {}: {e}", Path::new(&dir).display());
            return ExitCode::from(2);
        }
    }
    let valid = files
        .par_iter()
        .filter(|path| {
            std::fs::read(path)
                .is_ok_and(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).is_ok())
        })
        .count();
    println!("{} files, {valid} valid JSON", files.len());
    ExitCode::SUCCESS
}
