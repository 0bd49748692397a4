using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Functions.Hosting.Logging;

namespace Pipeline.Tests.Hosting;

public sealed class CloudLoggingJsonFormatterTest
{
    [Fact]
    public void Warning_WritesSeverityMessageAndStructuredFields()
    {
        var line = Format(LogLevel.Warning, "Stored {Stored} of {Total} for {Function}", 3, 5L, "IngestInteraction");

        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("WARNING", json.GetProperty("severity").GetString());
        Assert.Equal("Stored 3 of 5 for IngestInteraction", json.GetProperty("message").GetString());
        Assert.Equal(3, json.GetProperty("Stored").GetInt32());
        Assert.Equal("IngestInteraction", json.GetProperty("Function").GetString());
        Assert.False(json.TryGetProperty("{OriginalFormat}", out _));
    }

    [Theory]
    [InlineData(LogLevel.Debug, "DEBUG")]
    [InlineData(LogLevel.Information, "INFO")]
    [InlineData(LogLevel.Error, "ERROR")]
    [InlineData(LogLevel.Critical, "CRITICAL")]
    public void Level_MapsToCloudLoggingSeverity(LogLevel level, string severity)
    {
        var json = JsonDocument.Parse(Format(level, "x")).RootElement;

        Assert.Equal(severity, json.GetProperty("severity").GetString());
    }

    private static string Format(LogLevel level, string template, params object[] args)
    {
        using var output = new StringWriter();
#pragma warning disable CA2254 // the template is the test's input
        new FormattingLogger(output).Log(level, template, args);
#pragma warning restore CA2254
        return output.ToString().Trim();
    }

    /// <summary>Feeds the real message-template state ILogger produces to the formatter.</summary>
    private sealed class FormattingLogger(TextWriter output) : ILogger
    {
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            new CloudLoggingJsonFormatter().Write(new LogEntry<TState>(logLevel, "Test", eventId, state, exception, formatter), null, output);

        public bool IsEnabled(LogLevel logLevel) => true;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    }
}
