namespace Pipeline.Domain.Backfill;

/// <summary>
/// A forward-only read of another stream, for object sources that watch the read (progress) or own something
/// beside the stream (a download to stop). Derived classes see each read's size and the disposal.
/// </summary>
public abstract class ReadThroughStream(Stream inner) : Stream
{
    private bool _disposed;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Reported(inner.Read(buffer, offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer) => Reported(inner.Read(buffer));

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Reported(await inner.ReadAsync(buffer, cancellationToken));

    /// <summary>Does nothing: the stream is read-only.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Called after each read with the bytes it returned.</summary>
    protected virtual void OnRead(int bytes)
    {
    }

    /// <summary>Called once, before the inner stream is disposed, however often the stream is disposed.</summary>
    protected virtual void OnDispose()
    {
    }

    /// <summary>Calls <see cref="OnDispose"/>, then disposes the inner stream; only the first disposal does anything.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            // Readers (a StreamReader, a decompressor) may dispose what they read, and so may its owner: once only.
            _disposed = true;
            OnDispose();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private int Reported(int read)
    {
        OnRead(read);
        return read;
    }
}
