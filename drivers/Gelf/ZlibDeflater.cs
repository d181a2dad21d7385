using System.Runtime.InteropServices;

namespace ContainerLogger.Drivers.Gelf;

/// <summary>
/// One zlib deflate stream, reset for each message instead of created: .NET's GZipStream/ZLibStream cannot be
/// reset, and a new one per UDP message cost an allocation per line and a fresh zlib state. Native AOT links
/// zlib statically (the ILCompiler's libz.a, as System.IO.Compression does), so these are direct calls.
/// </summary>
internal sealed unsafe partial class ZlibDeflater : IDisposable
{
    private const int Deflated = 8, DefaultMemLevel = 8, DefaultStrategy = 0, Finish = 4, StreamEnd = 1, Ok = 0;

    [StructLayout(LayoutKind.Sequential)]
    private struct ZStream
    {
        public byte* NextIn;
        public uint AvailIn;
        public nuint TotalIn;
        public byte* NextOut;
        public uint AvailOut;
        public nuint TotalOut;
        public byte* Message;
        public void* State;
        public void* Alloc;
        public void* Free;
        public void* Opaque;
        public int DataType;
        public nuint Adler;
        public nuint Reserved;
    }

    // zlib keeps a pointer to its z_stream, so it lives at one address, outside the managed heap.
    private readonly ZStream* _stream = (ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZStream));
    private byte[] _output = new byte[4096];

    /// <param name="gzip">A gzip wrapper (header and CRC-32 trailer); otherwise zlib's.</param>
    public ZlibDeflater(bool gzip, int level)
    {
        fixed (byte* version = "1.2.11\0"u8)
        {
            int result = deflateInit2_(_stream, level, Deflated, gzip ? 15 + 16 : 15, DefaultMemLevel, DefaultStrategy, version, sizeof(ZStream));
            if (result != Ok) throw new InvalidOperationException($"zlib deflateInit2 failed ({result})");
        }
    }

    /// <summary>The compressed message, valid until the next call.</summary>
    public ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> input)
    {
        // zlib's own bound for a single deflate call, plus the gzip wrapper.
        int bound = input.Length + (input.Length >> 12) + (input.Length >> 14) + (input.Length >> 25) + 13 + 18 + 64;
        if (_output.Length < bound) _output = new byte[Math.Max(bound, 2 * _output.Length)];
        if (deflateReset(_stream) != Ok) throw new InvalidOperationException("zlib deflateReset failed");
        fixed (byte* source = input)
        fixed (byte* destination = _output)
        {
            _stream->NextIn = source;
            _stream->AvailIn = (uint)input.Length;
            _stream->NextOut = destination;
            _stream->AvailOut = (uint)_output.Length;
            int result = deflate(_stream, Finish);
            if (result != StreamEnd) throw new InvalidOperationException($"zlib deflate did not finish ({result})");
            return _output.AsSpan(0, _output.Length - (int)_stream->AvailOut);
        }
    }

    public void Dispose()
    {
        deflateEnd(_stream);
        NativeMemory.Free(_stream);
    }

    [LibraryImport("libz")]
    private static partial int deflateInit2_(ZStream* stream, int level, int method, int windowBits, int memLevel, int strategy, byte* version, int streamSize);

    [LibraryImport("libz")]
    private static partial int deflate(ZStream* stream, int flush);

    [LibraryImport("libz")]
    private static partial int deflateReset(ZStream* stream);

    [LibraryImport("libz")]
    private static partial int deflateEnd(ZStream* stream);
}
