using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Pipeline.Local.Storage;

/// <summary>An object's MD5 and CRC32C (Castagnoli), both base64 as the JSON API writes them (CRC32C as four big-endian bytes).</summary>
/// <param name="Md5Hash">The MD5, base64.</param>
/// <param name="Crc32c">The CRC32C, base64.</param>
public sealed record ObjectHashes(string Md5Hash, string Crc32c)
{
    /// <summary>The hashes of a file's bytes, read once.</summary>
    public static async Task<ObjectHashes> OfFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        return await OfStreamAsync(file, cancellationToken);
    }

    /// <summary>The hashes of what is left in <paramref name="stream"/>.</summary>
    public static async Task<ObjectHashes> OfStreamAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var crc = uint.MaxValue;
        var buffer = new byte[1 << 16];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            md5.AppendData(buffer, 0, read);
            crc = Crc32C(crc, buffer.AsSpan(0, read));
        }
        var crcBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crcBytes, ~crc);
        return new ObjectHashes(Convert.ToBase64String(md5.GetHashAndReset()), Convert.ToBase64String(crcBytes));
    }

    /// <summary>Continues a CRC32C (reflected, before the final inversion) over <paramref name="bytes"/>, eight bytes at a time where it can.</summary>
    private static uint Crc32C(uint crc, ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
            bytes = bytes[8..];
        }
        foreach (var b in bytes)
        {
            crc = BitOperations.Crc32C(crc, b);
        }
        return crc;
    }
}
