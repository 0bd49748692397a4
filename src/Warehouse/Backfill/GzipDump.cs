using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Pipeline.Warehouse.Backfill;

/// <summary>
/// Strict gzip reading (RFC 1952) for dumps: every member of the file, each checked against its own trailer, or an
/// <see cref="InvalidDataException"/>. .NET's <see cref="GZipStream"/> returns end-of-stream when the input ends early,
/// so a truncated file would load as a shorter one; this never does.
/// </summary>
public static class GzipDump
{
    /// <summary>
    /// A forward-only, read-only stream of the decompressed bytes of <paramref name="compressed"/>: the members'
    /// contents one after another (<c>cat a.gz b.gz</c>, bgzip). A read throws <see cref="InvalidDataException"/> when
    /// the input is empty or not gzip, when it ends before a member's trailer, when a member's deflate data is corrupt,
    /// when a member's CRC-32 or ISIZE does not match its data, or when bytes other than a gzip member follow a member.
    /// End of stream is returned only after the last member's trailer has been checked and the input has ended.
    /// </summary>
    public static Stream Open(Stream compressed, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        if (!compressed.CanRead)
        {
            throw new ArgumentException("The compressed stream must be readable.", nameof(compressed));
        }
        return new Reader(compressed, leaveOpen);
    }

    /// <summary>
    /// Each member's header and trailer are parsed here; its deflate data is inflated by a <see cref="DeflateStream"/>
    /// (zlib) that reads from <see cref="Feed"/>, which hands it bytes out of this reader's buffer.
    /// <para>
    /// Where the deflate data ends: DeflateStream reads ahead and does not say how much of its last read it used. What
    /// it does (its ReadCore in .NET 10) is read its source only when zlib has consumed every byte it was given, and
    /// never again once zlib has reported the end of the deflate data, which zlib does at the exact byte where it ends.
    /// So the end lies in the last piece handed over, after its first byte. In a valid file the deflate data ends at
    /// a <em>boundary</em>: a position followed by 8 trailer bytes and then either the end of the file or the next
    /// member's ID1 ID2 CM (1f 8b 08). The feed never hands over a piece with a boundary inside it: each piece ends at
    /// the first boundary after its start (or earlier, when the buffer or the reader's request ends first). The deflate
    /// data then ends exactly at the end of the last piece, if that piece ended at a boundary; if it did not, the file
    /// is not valid gzip. Boundaries inside the deflate data (1f 8b 08 there by chance, about once per 16 MiB, or data
    /// that holds gzip files) only split a piece. Deciding a boundary needs 11 bytes beyond it, or the end of the file.
    /// </para>
    /// <para>
    /// Each member's output is checked by its CRC-32 and ISIZE wherever it ends, so what this returns is the members'
    /// data. Two limits, both of the format: a multi-member file cut exactly between two members is a valid gzip file
    /// (of the members before the cut); and a crafted file whose deflate data is followed by its own trailer, other
    /// bytes, and a second copy of that trailer before the next member (or the end) within one piece is read with
    /// those bytes skipped, where gzip(1) would call them trailing garbage. Should DeflateStream ever read ahead of
    /// what zlib consumed, trailers would be read at the wrong place and valid files would fail, not pass.
    /// </para>
    /// </summary>
    private sealed class Reader : Stream
    {
        private const int BufferSize = 128 * 1024;
        private const int MaxHeader = 1024 * 1024;
        private const int TrailerSize = 8;
        private const int Lookahead = TrailerSize + 3;
        private static ReadOnlySpan<byte> MemberStart => [0x1f, 0x8b, 0x08];

        private readonly Stream _source;
        private readonly bool _leaveOpen;
        private readonly Crc32 _crc = new();
        private readonly Feed _feed;
        private byte[] _buffer = new byte[BufferSize];
        private long _bufferOffset; // offset in the file of _buffer[0]
        private int _pos;           // next byte not yet parsed or handed to the inflater
        private int _end;           // end of the buffered bytes
        private bool _sourceEnded;

        private State _state = State.Header;
        private int _member;        // 1-based number of the current (or last) member
        private long _memberOffset;
        private DeflateStream? _inflater;
        private long _inflated;     // this member's decompressed bytes
        private int _pieceStart;    // the last piece handed to the inflater: [_pieceStart, _pos)
        private bool _pieceAtBoundary;
        private bool _feedEnded;    // the inflater asked for more after the input's end
        private string? _failure;
        private bool _disposed;

        public Reader(Stream source, bool leaveOpen)
        {
            _source = source;
            _leaveOpen = leaveOpen;
            _feed = new Feed(this);
        }

        private enum State
        {
            Header,
            Body,
            Done,
            Failed,
        }

        public override bool CanRead => !_disposed;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            ValidateBufferArguments(buffer, offset, count);
            return Read(buffer.AsSpan(offset, count));
        }

        public override int ReadByte()
        {
            Span<byte> one = stackalloc byte[1];
            return Read(one) == 1 ? one[0] : -1;
        }

        public override int Read(Span<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            while (true)
            {
                switch (_state)
                {
                    case State.Header:
                        int need;
                        while (!TryStartMember(out need))
                        {
                            Fill(need);
                        }
                        break;
                    case State.Body:
                        if (buffer.IsEmpty)
                        {
                            return 0;
                        }
                        int read;
                        try
                        {
                            read = _inflater!.Read(buffer);
                        }
                        catch (InvalidDataException e)
                        {
                            throw Corrupt(e);
                        }
                        if (Inflated(buffer, read))
                        {
                            return read;
                        }
                        break;
                    case State.Done:
                        return 0;
                    default:
                        throw new InvalidDataException(_failure);
                }
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            ValidateBufferArguments(buffer, offset, count);
            return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            while (true)
            {
                switch (_state)
                {
                    case State.Header:
                        int need;
                        while (!TryStartMember(out need))
                        {
                            await FillAsync(need, cancellationToken).ConfigureAwait(false);
                        }
                        break;
                    case State.Body:
                        if (buffer.IsEmpty)
                        {
                            return 0;
                        }
                        int read;
                        try
                        {
                            read = await _inflater!.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                        }
                        catch (InvalidDataException e)
                        {
                            throw Corrupt(e);
                        }
                        if (Inflated(buffer.Span, read))
                        {
                            return read;
                        }
                        break;
                    case State.Done:
                        return 0;
                    default:
                        throw new InvalidDataException(_failure);
                }
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                _inflater?.Dispose();
                _inflater = null;
                if (!_leaveOpen)
                {
                    _source.Dispose();
                }
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                _inflater?.Dispose();
                _inflater = null;
                if (!_leaveOpen)
                {
                    await _source.DisposeAsync().ConfigureAwait(false);
                }
            }
            await base.DisposeAsync().ConfigureAwait(false);
        }

        /// <summary>
        /// Parses the next member's header from the buffer and starts inflating, or sees the end after the last
        /// member. False when more bytes are needed: at least <paramref name="need"/> buffered from <see cref="_pos"/>.
        /// </summary>
        private bool TryStartMember(out int need)
        {
            need = 0;
            var available = _end - _pos;
            if (_member > 0 && available == 0 && _sourceEnded)
            {
                _state = State.Done;
                return true;
            }
            var header = _buffer.AsSpan(_pos, available);
            var member = _member + 1;
            if (_member == 0 && header.Length < 2 && _sourceEnded)
            {
                throw Fail(header.IsEmpty ? "the file is empty" : "the file is 1 byte long, too short for gzip");
            }
            if (header.Length >= 2 && (header[0] != 0x1f || header[1] != 0x8b))
            {
                throw Fail(_member == 0
                    ? $"it does not start with gzip's magic bytes 1f 8b but with {Hex(header[..Math.Min(header.Length, 4)])}"
                    : $"the bytes after member {_member} are not a gzip member");
            }
            var length = HeaderLength(header, member);
            if (length < 0)
            {
                if (_sourceEnded)
                {
                    throw Fail($"the file ends inside the header of gzip member {member}, which starts at byte {_bufferOffset + _pos}");
                }
                if (available >= MaxHeader)
                {
                    throw Fail($"the header of gzip member {member} is longer than {MaxHeader} bytes");
                }
                need = available + 1;
                return false;
            }
            _member = member;
            _memberOffset = _bufferOffset + _pos;
            _pos += length;
            _pieceStart = _pos;
            _pieceAtBoundary = false;
            _feedEnded = false;
            _inflated = 0;
            _crc.Reset();
            _inflater = new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
            _state = State.Body;
            return true;
        }

        /// <summary>The length of the member header at the start of <paramref name="header"/>, or -1 if it goes on past it.</summary>
        private int HeaderLength(ReadOnlySpan<byte> header, int member)
        {
            // ID1 ID2 CM FLG MTIME(4) XFL OS, then the fields FLG announces.
            const byte FHCRC = 0x02, FEXTRA = 0x04, FNAME = 0x08, FCOMMENT = 0x10, Reserved = 0xe0;
            if (header.Length < 10)
            {
                return header.Length >= 3 && header[2] != 8 ? throw UnknownMethod(header[2], member) : -1;
            }
            if (header[2] != 8)
            {
                throw UnknownMethod(header[2], member);
            }
            var flags = header[3];
            if ((flags & Reserved) != 0)
            {
                throw Fail($"gzip member {member} sets reserved header flags (FLG 0x{flags:x2})");
            }
            var length = 10;
            if ((flags & FEXTRA) != 0)
            {
                if (header.Length < length + 2)
                {
                    return -1;
                }
                length += 2 + BinaryPrimitives.ReadUInt16LittleEndian(header[length..]);
                if (header.Length < length)
                {
                    return -1;
                }
            }
            foreach (var flag in (ReadOnlySpan<byte>)[FNAME, FCOMMENT])
            {
                if ((flags & flag) != 0)
                {
                    var zero = header[length..].IndexOf((byte)0);
                    if (zero < 0)
                    {
                        return -1;
                    }
                    length += zero + 1;
                }
            }
            if ((flags & FHCRC) != 0)
            {
                if (header.Length < length + 2)
                {
                    return -1;
                }
                var stored = BinaryPrimitives.ReadUInt16LittleEndian(header[length..]);
                var actual = (ushort)Crc32.HashToUInt32(header[..length]);
                if (stored != actual)
                {
                    throw Fail($"the header CRC16 of gzip member {member} does not match (the header says {stored:x4}, its bytes give {actual:x4})");
                }
                length += 2;
            }
            return length;
        }

        /// <summary>After a read of the inflater: true to return <paramref name="read"/> bytes; false when the member ended.</summary>
        private bool Inflated(ReadOnlySpan<byte> buffer, int read)
        {
            if (read > 0)
            {
                _crc.Append(buffer[..read]);
                _inflated += read;
                return true;
            }
            if (_feedEnded)
            {
                throw Truncated();
            }
            EndMember();
            return false;
        }

        private InvalidDataException Truncated() =>
            Fail($"the file ends inside the compressed data of gzip member {_member} (the member starts at byte {_memberOffset}, " +
                $"the file ends at byte {_bufferOffset + _end}, {_inflated} bytes were decompressed): it is truncated");

        /// <summary>The inflater saw the end of the deflate data, which is at <see cref="_pos"/> in a valid file: check the trailer.</summary>
        private void EndMember()
        {
            _inflater!.Dispose();
            _inflater = null;
            Span<byte> expected = stackalloc byte[TrailerSize];
            BinaryPrimitives.WriteUInt32LittleEndian(expected, _crc.GetCurrentHashAsUInt32());
            BinaryPrimitives.WriteUInt32LittleEndian(expected[4..], (uint)_inflated);
            if (!_pieceAtBoundary)
            {
                throw Fail(Misplaced(expected) ?? $"gzip member {_member} (at byte {_memberOffset}) is not followed by its trailer " +
                    $"(CRC-32 {_crc.GetCurrentHashAsUInt32():x8}, ISIZE {(uint)_inflated}) and then another member or the end of the file");
            }
            // A boundary was decided with its 8 trailer bytes buffered.
            var trailer = _buffer.AsSpan(_pos, TrailerSize);
            if (!trailer.SequenceEqual(expected))
            {
                var storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
                var storedSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
                throw Fail(Misplaced(expected) ?? (storedCrc != _crc.GetCurrentHashAsUInt32()
                    ? $"the CRC-32 of gzip member {_member} (at byte {_memberOffset}) does not match its data: the trailer says " +
                      $"{storedCrc:x8}, the {_inflated} decompressed bytes give {_crc.GetCurrentHashAsUInt32():x8}"
                    : $"the length of gzip member {_member} (at byte {_memberOffset}) does not match its data: the trailer's ISIZE " +
                      $"says {storedSize} bytes (mod 2^32), it decompressed to {_inflated}"));
            }
            _pos += TrailerSize;
            _state = State.Header;
        }

        /// <summary>
        /// For the message only, when the member did not end at the boundary assumed: where in the last piece its
        /// <paramref name="expected"/> trailer is (then other bytes follow it), or that the file ends inside it.
        /// </summary>
        private string? Misplaced(ReadOnlySpan<byte> expected)
        {
            for (var at = _pieceStart; at <= _pos; at++)
            {
                var rest = _end - at;
                if (rest >= TrailerSize && _buffer.AsSpan(at, TrailerSize).SequenceEqual(expected))
                {
                    var after = _buffer.AsSpan(at + TrailerSize, Math.Min(rest - TrailerSize, 4));
                    return $"gzip member {_member} (at byte {_memberOffset}) is followed by bytes that are not a gzip member, " +
                        $"at byte {_bufferOffset + at + TrailerSize}: {Hex(after)}";
                }
                if (_sourceEnded && rest < TrailerSize && _buffer.AsSpan(at, rest).SequenceEqual(expected[..rest]))
                {
                    return rest == 0
                        ? $"the file ends right after the compressed data of gzip member {_member} (at byte {_memberOffset}), " +
                          "before its 8-byte trailer: it is truncated"
                        : $"the file ends inside the 8-byte trailer of gzip member {_member} (at byte {_memberOffset}), " +
                          $"after {rest} of its bytes: it is truncated";
                }
            }
            return null;
        }

        /// <summary>
        /// The inflater's read (see <see cref="Reader"/>): the bytes from <see cref="_pos"/> up to the first boundary
        /// after it, at most <paramref name="into"/>'s length; 0 only at the end of the input.
        /// </summary>
        private int Hand(Span<byte> into)
        {
            var available = _end - _pos;
            if (available == 0)
            {
                _feedEnded = true;
                return 0;
            }
            var decided = _sourceEnded ? _end : _end - Lookahead;
            var end = Math.Min(_pos + into.Length, decided);
            var atBoundary = false;
            // A boundary b in (_pos, end] by the next member: 1f 8b 08 at b + 8.
            var from = _pos + TrailerSize + 1;
            var to = Math.Min(end + Lookahead, _end);
            if (to > from)
            {
                var found = _buffer.AsSpan(from, to - from).IndexOf(MemberStart);
                if (found >= 0)
                {
                    end = from + found - TrailerSize;
                    atBoundary = true;
                }
            }
            // The boundary by the end of the file.
            if (_sourceEnded && _end - TrailerSize > _pos && _end - TrailerSize <= end)
            {
                end = _end - TrailerSize;
                atBoundary = true;
            }
            _buffer.AsSpan(_pos, end - _pos).CopyTo(into);
            _pieceStart = _pos;
            _pieceAtBoundary = atBoundary;
            _pos = end;
            return end - _pieceStart;
        }

        private bool NeedsFill(int want) => !_sourceEnded && _end - _pos < want + Lookahead;

        private int FeedRead(Span<byte> into)
        {
            if (into.IsEmpty)
            {
                return 0;
            }
            if (NeedsFill(into.Length))
            {
                Fill(Lookahead + 1);
            }
            return Hand(into);
        }

        private ValueTask<int> FeedReadAsync(Memory<byte> into, CancellationToken cancellationToken)
        {
            return into.IsEmpty ? ValueTask.FromResult(0)
                : NeedsFill(into.Length) ? Filled(into, cancellationToken)
                : ValueTask.FromResult(Hand(into.Span));

            async ValueTask<int> Filled(Memory<byte> into, CancellationToken cancellationToken)
            {
                await FillAsync(Lookahead + 1, cancellationToken).ConfigureAwait(false);
                return Hand(into.Span);
            }
        }

        /// <summary>Reads the source until <paramref name="need"/> bytes from <see cref="_pos"/> are buffered, or it ends.</summary>
        private void Fill(int need)
        {
            MakeRoom(need);
            do
            {
                var read = _source.Read(_buffer, _end, _buffer.Length - _end);
                if (!Filled(read))
                {
                    return;
                }
            }
            while (_end - _pos < need);
        }

        private async ValueTask FillAsync(int need, CancellationToken cancellationToken)
        {
            MakeRoom(need);
            do
            {
                var read = await _source.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
                if (!Filled(read))
                {
                    return;
                }
            }
            while (_end - _pos < need);
        }

        private bool Filled(int read)
        {
            if (read <= 0)
            {
                _sourceEnded = true;
                return false;
            }
            _end += read;
            return true;
        }

        /// <summary>Drops the bytes before <see cref="_pos"/> (all parsed or consumed by the inflater) and makes room for <paramref name="need"/>.</summary>
        private void MakeRoom(int need)
        {
            var kept = _end - _pos;
            if (need > _buffer.Length)
            {
                var larger = new byte[Math.Max(need, 2 * _buffer.Length)];
                _buffer.AsSpan(_pos, kept).CopyTo(larger);
                _buffer = larger;
            }
            else
            {
                _buffer.AsSpan(_pos, kept).CopyTo(_buffer);
            }
            _bufferOffset += _pos;
            _pieceStart -= _pos;
            _pos = 0;
            _end = kept;
        }

        // DeflateStream throws at the input's end itself when the process sets System.IO.Compression.UseStrictValidation.
        private InvalidDataException Corrupt(InvalidDataException e) =>
            _feedEnded ? Truncated() : Fail($"the compressed data of gzip member {_member} (at byte {_memberOffset}) is corrupt: {e.Message}");

        private InvalidDataException UnknownMethod(byte method, int member) =>
            Fail($"gzip member {member} uses compression method {method}, not deflate (8)");

        private InvalidDataException Fail(string message)
        {
            _state = State.Failed;
            _failure = message;
            _inflater?.Dispose();
            _inflater = null;
            return new InvalidDataException(message);
        }

        private static string Hex(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? "nothing" : Convert.ToHexString(bytes).ToLowerInvariant();

        /// <summary>The inflater's source: the reader's buffer, handed over piece by piece.</summary>
        private sealed class Feed(Reader reader) : Stream
        {
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count)
            {
                ValidateBufferArguments(buffer, offset, count);
                return reader.FeedRead(buffer.AsSpan(offset, count));
            }

            public override int Read(Span<byte> buffer) => reader.FeedRead(buffer);

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                ValidateBufferArguments(buffer, offset, count);
                return reader.FeedReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
            }

            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
                reader.FeedReadAsync(buffer, cancellationToken);

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
