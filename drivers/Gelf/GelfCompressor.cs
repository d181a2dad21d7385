namespace ContainerLogger.Drivers.Gelf;

/// <summary>gzip, zlib or no compression of one UDP message, into a buffer reused from message to message.</summary>
public sealed class GelfCompressor(string type, int level) : IDisposable
{
    private readonly ZlibDeflater? _deflater = type == "none" ? null : new ZlibDeflater(gzip: type == "gzip", level);

    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> json) => _deflater is null ? json : _deflater.Compress(json);

    public void Dispose() => _deflater?.Dispose();
}
