//! Feeds arbitrary bytes to the CSV importer: it must never panic, and an
//! accepted plan must be insertable in order. The checks live in
//! `foothold_domain::fuzzing`, so `cargo test` replays the seeds through them.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| foothold_domain::fuzzing::import_csv(data));
