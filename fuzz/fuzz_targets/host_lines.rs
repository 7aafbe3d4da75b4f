#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    caretaker_fuzz::host_lines(data);
});
