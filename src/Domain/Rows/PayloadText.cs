using System.Text;

namespace Pipeline.Domain.Rows;

/// <summary>How a raw payload is kept in the dead-letter table: as text when it is UTF-8, else as base64.</summary>
public static class PayloadText
{
    private static readonly UTF8Encoding s_strictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>The payload's text, or <c>base64:</c> followed by its bytes in base64 when it is not valid UTF-8.</summary>
    public static string Of(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return s_strictUtf8.GetString(payload.Span);
        }
        catch (DecoderFallbackException)
        {
            return "base64:" + Convert.ToBase64String(payload.Span);
        }
    }
}
