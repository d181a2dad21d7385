using System.Runtime.InteropServices;

namespace ContainerLogger.Benchmarks.Receivers;

/// <summary>
/// One zlib inflate stream (gzip or zlib, detected), reset per message: a GZipStream per datagram made this
/// receiver, not the logger, the bottleneck of compressed GELF.
/// </summary>
internal sealed unsafe partial class ZlibInflater : IDisposable
{
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

    private readonly ZStream* _stream = (ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZStream));
    private readonly byte[] _output = new byte[1 << 20];

    public ZlibInflater()
    {
        fixed (byte* version = "1.2.11\0"u8)
            if (inflateInit2_(_stream, 15 + 32, version, sizeof(ZStream)) != 0) throw new InvalidOperationException("inflateInit2 failed");
    }

    public ReadOnlySpan<byte> Inflate(ReadOnlySpan<byte> input)
    {
        if (inflateReset(_stream) != 0) throw new InvalidOperationException("inflateReset failed");
        fixed (byte* source = input)
        fixed (byte* destination = _output)
        {
            _stream->NextIn = source;
            _stream->AvailIn = (uint)input.Length;
            _stream->NextOut = destination;
            _stream->AvailOut = (uint)_output.Length;
            int result = inflate(_stream, 4);
            if (result != 1) throw new InvalidDataException($"inflate failed ({result})");
            return _output.AsSpan(0, _output.Length - (int)_stream->AvailOut);
        }
    }

    public void Dispose()
    {
        inflateEnd(_stream);
        NativeMemory.Free(_stream);
    }

    [LibraryImport("libz.so.1")]
    private static partial int inflateInit2_(ZStream* stream, int windowBits, byte* version, int streamSize);

    [LibraryImport("libz.so.1")]
    private static partial int inflate(ZStream* stream, int flush);

    [LibraryImport("libz.so.1")]
    private static partial int inflateReset(ZStream* stream);

    [LibraryImport("libz.so.1")]
    private static partial int inflateEnd(ZStream* stream);
}
