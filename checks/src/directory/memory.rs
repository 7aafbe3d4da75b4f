//! Giving memory back between the phases of a large read.

/// Hands the pages that the allocator holds free back to the system. Reading a group of tens of
/// thousands of members leaves its decoded entry freed but still resident; the accounts that
/// follow are smaller pieces that would not fill those pages again, so the audit's peak would be
/// both phases added together. glibc only (elsewhere this does nothing).
pub(super) fn give_back_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and only returns free pages of glibc's own arenas;
    // it is safe to call at any time from any thread.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}
