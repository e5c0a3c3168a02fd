//! Replays the fuzz targets' committed seed corpora (`fuzz/seeds/<target>/`)
//! through the same checks the fuzzers run, so every `cargo test` covers the
//! inputs fuzzing found interesting.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a seed").path();
        let data = std::fs::read(&path).expect("read a seed");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} broke an invariant", path.display());
        n += 1;
    }
    n
}

#[test]
fn csv_import_seeds() {
    assert!(replay("import_csv", foothold_domain::fuzzing::import_csv) >= 2);
}

#[test]
fn question_import_seeds() {
    assert!(replay("question_import", foothold_domain::fuzzing::question_import) >= 2);
}
