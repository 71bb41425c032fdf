#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iamtrim::fuzzing::refine_fix(data));
