using System.IO.Compression;
using System.Text;
using Google.Cloud.Storage.V1;
using nietras.SeparatedValues;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>Reads the header row of a CSV object in Cloud Storage (the staging table's columns are named from it).</summary>
public interface IObjectHeaderReader
{
    /// <summary>The header's column names; <see cref="FileNotFoundException"/> when the object does not exist.</summary>
    Task<IReadOnlyList<string>> ReadHeaderAsync(string bucket, string objectName, CancellationToken cancellationToken);
}

/// <summary>
/// Reads the first 64 KiB of the object with Google.Cloud.Storage.V1 (which honours <c>STORAGE_EMULATOR_HOST</c>),
/// un-gzipping <c>*.gz</c>, and parses the first CSV row.
/// </summary>
public sealed class GcsHeaderReader(StorageClient storage) : IObjectHeaderReader
{
    private const int PrefixBytes = 64 * 1024;

    public static GcsHeaderReader Create() =>
        new(new StorageClientBuilder { EmulatorDetection = Google.Api.Gax.EmulatorDetection.EmulatorOrProduction }.Build());

    public async Task<IReadOnlyList<string>> ReadHeaderAsync(string bucket, string objectName, CancellationToken cancellationToken)
    {
        using var prefix = new MemoryStream();
        try
        {
            await storage.DownloadObjectAsync(bucket, objectName, prefix,
                new DownloadObjectOptions { Range = new System.Net.Http.Headers.RangeHeaderValue(0, PrefixBytes - 1) }, cancellationToken);
        }
        catch (Google.GoogleApiException e) when (e.HttpStatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"gs://{bucket}/{objectName} does not exist", e);
        }
        prefix.Position = 0;
        Stream content = objectName.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(prefix, CompressionMode.Decompress) : prefix;
        using var text = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var firstLine = await text.ReadLineAsync(cancellationToken) ?? "";
        using var reader = Sep.New(',').Reader(o => o with { Unescape = true }).FromText(firstLine);
        return reader.Header.ColNames.ToList();
    }
}
