using System.IO.Compression;

namespace ContainerLogger.Drivers.Gelf;

/// <summary>
/// gzip, zlib or no compression of one UDP message into a reused buffer. .NET offers no reset of a deflate
/// stream, so each message costs a GZipStream/ZLibStream (a few hundred bytes of managed objects and zlib's own
/// state), as Go's gzip.NewWriter per message costs Docker.
/// </summary>
public sealed class GelfCompressor(string type, int level)
{
    private readonly MemoryStream _output = new(4096);
    private readonly ZLibCompressionOptions _options = new() { CompressionLevel = level };

    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> json)
    {
        if (type == "none") return json;
        _output.SetLength(0);
        using (Stream compressor = type == "gzip"
                   ? new GZipStream(_output, _options, leaveOpen: true)
                   : new ZLibStream(_output, _options, leaveOpen: true))
            compressor.Write(json);
        return _output.GetBuffer().AsSpan(0, (int)_output.Length);
    }
}
