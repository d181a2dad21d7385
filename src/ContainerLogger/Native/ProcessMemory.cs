namespace ContainerLogger.Native;

/// <summary>
/// For work off the line path that allocates in bulk through the runtime and its native libraries, once in a while:
/// an s3 upload (the AWS SDK, about 110 KB of managed memory for a 100 KB object), the gzip or age of a rotated
/// json-file. Part of it lives as long as the work and so reaches the GC's oldest generation, which is collected only
/// rarely; zlib's state and the native buffers stay in the working thread's malloc arena. Each sidecar's private memory
/// grew with every such piece of work (the soak in docs/benchmarks.md) until this was called after it.
/// </summary>
internal static class ProcessMemory
{
    /// <summary>One full, compacting collection (about a millisecond for this small heap), then malloc_trim(3).</summary>
    public static void ReleaseAfterBulkWork()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Libc.malloc_trim(0);
    }
}
