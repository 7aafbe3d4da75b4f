#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    caretaker_fuzz::directory_values(data);
});
