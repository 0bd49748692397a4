namespace Pipeline.Warehouse.Backfill;

/// <summary>
/// A forward-only read of another stream, for object sources that watch the read (progress) or own something
/// beside the stream (a download to stop). Derived classes see each read's size and the disposal.
/// </summary>
public abstract class ReadThroughStream(Stream inner) : Stream
{
    private bool _disposed;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Reported(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Reported(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Reported(await inner.ReadAsync(buffer, cancellationToken));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Called after each read with the bytes it returned.</summary>
    protected virtual void OnRead(int bytes)
    {
    }

    /// <summary>Called once, before the inner stream is disposed, however often the stream is disposed.</summary>
    protected virtual void OnDispose()
    {
    }

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
