using System.Buffers.Binary;
using System.Numerics;

namespace ContainerLogger.Storage;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of the disk buffer's records: BitOperations.Crc32C is the SSE4.2 / ARMv8
/// instruction where the CPU has it (8 bytes a step), so checking every record on replay costs little.
/// </summary>
internal static class Crc32C
{
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
    }

    /// <summary>The CRC-32C of <paramref name="data"/> (initial value and final XOR of all ones).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(~0u, data);
}
