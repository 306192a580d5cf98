#if canImport(CGlibcMalloc)
    import CGlibcMalloc
#endif

/// The process's C heap, which every Swift allocation comes from.
///
/// glibc keeps the pages of freed memory: only the top of an arena goes back to the kernel, so a peak in the middle
/// of the heap (the first node list decoded, a reclaim's thousands of jobs) stays resident for the process's life.
/// `malloc_trim(0)` gives every whole free page of every arena back (`madvise(MADV_DONTNEED)`), the memory stays
/// mapped and is reused as before. docs/performance.md ("Idle footprint") has what it saves.
enum ProcessHeap {
    /// Returns the heap's free pages to the kernel; a no-op where glibc's <malloc.h> is missing. It walks the free lists once (a few
    /// milliseconds for tens of MiB), so it is called at quiet moments only: once the node cache has synced, and
    /// when the last job of a reclaim has ended.
    static func releaseFreePages() {
        #if canImport(CGlibcMalloc)
            _ = malloc_trim(0)
        #endif
    }
}
