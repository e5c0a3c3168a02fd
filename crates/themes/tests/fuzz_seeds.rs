//! Replays the fuzz target's committed seed corpus (`fuzz/seeds/analyze/`)
//! through the same check the fuzzer runs.

use std::path::Path;

#[test]
fn analyze_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/analyze");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a seed").path();
        let data = std::fs::read(&path).expect("read a seed");
        let outcome = std::panic::catch_unwind(|| foothold_themes::fuzzing::analyze(&data));
        assert!(outcome.is_ok(), "{} broke an invariant", path.display());
        n += 1;
    }
    assert!(n >= 1);
}
