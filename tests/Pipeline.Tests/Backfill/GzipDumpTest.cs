using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Pipeline.Warehouse.Backfill;

namespace Pipeline.Tests.Backfill;

public sealed class GzipDumpTest
{
    private static readonly byte[] s_csv = Csv(rows: 20_000, seed: 1);

    [Theory]
    [InlineData(int.MaxValue, false)]
    [InlineData(int.MaxValue, true)]
    [InlineData(1, false)]
    [InlineData(7, true)]
    [InlineData(4096, false)]
    public async Task WholeFile_RoundTripsExactly(int sourceReadSize, bool async)
    {
        var gzip = Gzip(s_csv);

        Assert.Equal(s_csv, await DecompressAsync(gzip, sourceReadSize, async));
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Fastest)]
    [InlineData(CompressionLevel.SmallestSize)]
    public async Task AnyCompressionLevel_RoundTripsExactly(CompressionLevel level)
    {
        Assert.Equal(s_csv, await DecompressAsync(Gzip(s_csv, level)));
    }

    [Fact]
    public async Task HeaderWithExtraNameCommentAndHeaderCrc_IsSkipped()
    {
        var content = Csv(rows: 300, seed: 2);
        var gzip = Member(content, extra: [1, 2, 3, 4, 5], name: "dump.csv", comment: "a comment", headerCrc: true);

        Assert.Equal(content, await DecompressAsync(gzip));
        Assert.Equal(content, await DecompressAsync(gzip, sourceReadSize: 1));
    }

    [Fact]
    public async Task EmptyContent_DecompressesToNothing()
    {
        // .NET's GZipStream writes no bytes at all for no content; gzip writes a member holding an empty deflate stream.
        Assert.Empty(await DecompressAsync(Member([])));
        Assert.Equal(s_csv, await DecompressAsync(Concat(Member([]), Gzip(s_csv), Member([]), Member([]))));
    }

    [Theory]
    [InlineData("inside the magic bytes", 1, "1 byte long")]
    [InlineData("inside the fixed header", 5, "ends inside the header")]
    [InlineData("inside the file name", 14, "ends inside the header")]
    [InlineData("right after the header", 0, "ends inside the compressed data")]
    [InlineData("just into the deflate data", 1, "ends inside the compressed data")]
    [InlineData("in the middle of the deflate data", 2, "ends inside the compressed data")]
    [InlineData("one byte before the deflate data ends", -9, "ends inside the compressed data")]
    [InlineData("right after the deflate data", -8, "before its 8-byte trailer")]
    [InlineData("inside the trailer", -5, "ends inside the 8-byte trailer")]
    [InlineData("one byte before the end", -1, "ends inside the 8-byte trailer")]
    public async Task Truncated_Throws(string where, int at, string message)
    {
        var gzip = Member(s_csv, name: "dump.csv");
        var header = 10 + "dump.csv".Length + 1;
        var cut = where switch
        {
            "right after the header" => header,
            "just into the deflate data" => header + at,
            "in the middle of the deflate data" => gzip.Length / at,
            _ => at < 0 ? gzip.Length + at : at,
        };

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(gzip[..cut]));
        Assert.Contains(message, e.Message);
        e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(gzip[..cut], sourceReadSize: 3, async: true));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task EveryCut_OfTwoMembers_ThrowsUnlessAtTheEndOfTheFirst()
    {
        var first = Encoding.UTF8.GetBytes("content_id,category_name\n1,fiction\n2,poetry\n");
        var second = Csv(rows: 40, seed: 3);
        var one = Gzip(first);
        var gzip = Concat(one, Member(second, name: "b.csv", comment: "second", headerCrc: true));

        for (var cut = 0; cut < gzip.Length; cut++)
        {
            var prefix = gzip[..cut];
            if (cut == one.Length)
            {
                Assert.Equal(first, await DecompressAsync(prefix));
            }
            else
            {
                await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(prefix));
                await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(prefix, sourceReadSize: 1, async: true));
            }
        }
        Assert.Equal(Concat(first, second), await DecompressAsync(gzip));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task FlippedCrcByte_Throws(int crcByte)
    {
        var gzip = Gzip(s_csv);
        gzip[gzip.Length - 8 + crcByte] ^= 0x01;

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(gzip));
        Assert.Contains("CRC-32", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(1 << 24)]
    public async Task WrongIsize_Throws(int difference)
    {
        var gzip = Gzip(s_csv);
        BinaryPrimitives.WriteUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4), (uint)(s_csv.Length + difference));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(gzip));
        Assert.Contains("ISIZE", e.Message);
    }

    [Fact]
    public async Task WrongCrcInTheFirstOfTwoMembers_Throws()
    {
        var first = Gzip(Csv(rows: 100, seed: 4));
        first[^6] ^= 0x80;

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(Concat(first, Gzip(s_csv))));
        Assert.Contains("CRC-32 of gzip member 1", e.Message);
    }

    [Fact]
    public async Task TwoConcatenatedMembers_DecompressToBothContents()
    {
        var first = Csv(rows: 1000, seed: 5);
        var second = Csv(rows: 2000, seed: 6);

        var gzip = Concat(Gzip(first), Gzip(second));

        Assert.Equal(Concat(first, second), await DecompressAsync(gzip));
        Assert.Equal(Concat(first, second), await DecompressAsync(gzip, sourceReadSize: 5, async: true));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1000)]
    [InlineData(1)]
    public async Task ManyMembersLikeBgzip_DecompressToTheWholeContent(int sourceReadSize)
    {
        // bgzip: members of at most 64 KiB of input, each with a BC extra field, and an empty member at the end.
        var members = s_csv.Chunk(65_280).Select(block => Member(block, extra: [(byte)'B', (byte)'C', 2, 0, 0, 0])).ToList();
        members.Add(Member([], extra: [(byte)'B', (byte)'C', 2, 0, 0, 0]));

        Assert.Equal(s_csv, await DecompressAsync(Concat([.. members]), sourceReadSize));
    }

    [Fact]
    public async Task MembersOfRandomSizesAndLevels_DecompressToTheWholeContent()
    {
        var random = new Random(7);
        for (var round = 0; round < 20; round++)
        {
            var contents = Enumerable.Range(0, random.Next(1, 8))
                .Select(_ => s_csv.AsSpan(random.Next(s_csv.Length / 2), random.Next(0, 50_000)).ToArray()).ToList();
            var levels = new[] { CompressionLevel.NoCompression, CompressionLevel.Fastest, CompressionLevel.Optimal };
            var gzip = Concat([.. contents.Select(c => Gzip(c, levels[random.Next(levels.Length)]))]);

            Assert.Equal(Concat([.. contents]), await DecompressAsync(gzip, sourceReadSize: random.Next(1, 20_000), async: round % 2 == 0));
        }
    }

    [Fact]
    public async Task DataHoldingGzipMagicBytes_IsReadWhole()
    {
        // Stored deflate blocks carry the content as it is: its 1f 8b 08 sequences sit inside the deflate data.
        var content = Concat([.. Enumerable.Range(0, 50).Select(i => Gzip(Csv(rows: 20, seed: i)))]);
        var gzip = Concat(Gzip(content, CompressionLevel.NoCompression), Gzip(content, CompressionLevel.NoCompression));
        Assert.True(gzip.AsSpan(20, gzip.Length - 40).IndexOf((ReadOnlySpan<byte>)[0x1f, 0x8b, 0x08]) >= 0);

        Assert.Equal(Concat(content, content), await DecompressAsync(gzip));
        Assert.Equal(Concat(content, content), await DecompressAsync(gzip, sourceReadSize: 1));
    }

    [Theory]
    [InlineData("content_id,category_name\n1,fiction\n")]
    [InlineData("PK\u0003\u0004 a zip file")]
    [InlineData("\u001f")]
    [InlineData("\u001f\u008b")]
    public async Task NonGzipBytes_Throw(string text)
    {
        var bytes = text.Select(c => (byte)c).ToArray();

        await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(bytes));
    }

    [Fact]
    public async Task EmptyInput_Throws()
    {
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync([]));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public async Task CompressionMethodOtherThanDeflate_Throws()
    {
        var gzip = Gzip(s_csv);
        gzip[2] = 7;

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(gzip));
        Assert.Contains("compression method 7", e.Message);
    }

    [Fact]
    public async Task ReservedFlag_Throws()
    {
        var gzip = Gzip(s_csv);
        gzip[3] |= 0x20;

        await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(gzip));
    }

    [Fact]
    public async Task WrongHeaderCrc_Throws()
    {
        var gzip = Member(s_csv, name: "a.csv", headerCrc: true);
        gzip[10 + "a.csv".Length + 1] ^= 0x01;

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(gzip));
        Assert.Contains("header CRC16", e.Message);
    }

    [Fact]
    public async Task CorruptDeflateData_Throws()
    {
        var gzip = Gzip(s_csv);
        for (var at = 100; at < gzip.Length - 100; at += gzip.Length / 7)
        {
            var corrupt = gzip.ToArray();
            corrupt[at] ^= 0x5a;

            await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(corrupt));
        }
    }

    [Theory]
    [InlineData(1, 0x00)]
    [InlineData(512, 0x00)]
    [InlineData(3, 0x1f)]
    [InlineData(20, 0x42)]
    public async Task BytesAfterTheLastMember_Throw(int count, byte value)
    {
        var gzip = Concat(Gzip(s_csv), Enumerable.Repeat(value, count).ToArray());

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(gzip));
        Assert.Contains("not a gzip member", e.Message);
    }

    [Fact]
    public async Task ReadAfterAFailure_ThrowsAgain()
    {
        await using var stream = GzipDump.Open(new MemoryStream(Gzip(s_csv)[..1000]));
        var buffer = new byte[1 << 16];
        var e = Assert.Throws<InvalidDataException>(() => { while (stream.Read(buffer) > 0) { } });

        Assert.Equal(e.Message, (await Assert.ThrowsAsync<InvalidDataException>(() => stream.ReadAsync(buffer).AsTask())).Message);
    }

    [Fact]
    public void Dispose_DisposesTheSourceUnlessLeftOpen()
    {
        var owned = new MemoryStream(Gzip(s_csv));
        GzipDump.Open(owned).Dispose();
        var kept = new MemoryStream(Gzip(s_csv));
        GzipDump.Open(kept, leaveOpen: true).Dispose();

        Assert.False(owned.CanRead);
        Assert.True(kept.CanRead);
    }

    private static async Task<byte[]> DecompressAsync(byte[] gzip, int sourceReadSize = int.MaxValue, bool async = false)
    {
        await using var stream = GzipDump.Open(new Trickle(gzip, sourceReadSize));
        var output = new MemoryStream();
        var buffer = new byte[81_920];
        int read;
        while ((read = async ? await stream.ReadAsync(buffer) : stream.Read(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
        }
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] content, CompressionLevel level = CompressionLevel.Optimal)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(content);
        }
        return output.ToArray();
    }

    /// <summary>A gzip member written field by field (RFC 1952), with the optional header fields asked for.</summary>
    private static byte[] Member(byte[] content, byte[]? extra = null, string? name = null, string? comment = null, bool headerCrc = false)
    {
        var output = new MemoryStream();
        var flags = (byte)((headerCrc ? 0x02 : 0) | (extra is null ? 0 : 0x04) | (name is null ? 0 : 0x08) | (comment is null ? 0 : 0x10));
        output.Write([0x1f, 0x8b, 8, flags, 0x10, 0x20, 0x30, 0x40, 0, 3]);
        if (extra is not null)
        {
            output.Write([(byte)extra.Length, (byte)(extra.Length >> 8)]);
            output.Write(extra);
        }
        foreach (var text in new[] { name, comment }.OfType<string>())
        {
            output.Write(Encoding.Latin1.GetBytes(text));
            output.WriteByte(0);
        }
        if (headerCrc)
        {
            var crc = Crc32.HashToUInt32(output.ToArray());
            output.Write([(byte)crc, (byte)(crc >> 8)]);
        }
        if (content.Length == 0)
        {
            output.Write([0x03, 0x00]); // one final fixed-Huffman block holding only its end code (DeflateStream writes nothing)
        }
        else
        {
            using var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true);
            deflate.Write(content);
        }
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32.HashToUInt32(content));
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)content.Length);
        output.Write(trailer);
        return output.ToArray();
    }

    private static byte[] Csv(int rows, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("user_id,content_id,read_percent,updated_at\n");
        for (var row = 0; row < rows; row++)
        {
            text.Append(random.Next(1, 1_000_000)).Append(',').Append(random.Next(1, 100_000)).Append(',')
                .Append(random.Next(0, 101)).Append(",2022-03-").Append(random.Next(10, 29)).Append('\n');
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(part => part).ToArray();

    /// <summary>A source that returns at most so many bytes a read, as a network stream may.</summary>
    private sealed class Trickle(byte[] bytes, int readSize) : MemoryStream(bytes, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, readSize));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, readSize)]);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, readSize), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
    }
}
