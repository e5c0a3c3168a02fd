//! Feeds arbitrary text to the theme engine: it must never panic and every
//! piece of evidence must quote its answer exactly. The check lives in
//! `foothold_themes::fuzzing`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| foothold_themes::fuzzing::analyze(data));
