//! Feeds arbitrary bytes to both question set importers: they must never
//! panic, and what they accept must be a valid set that reads back the same.
//! The checks live in `foothold_domain::fuzzing`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| foothold_domain::fuzzing::question_import(data));
