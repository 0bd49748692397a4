using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Pipeline.Functions.Hosting.Logging;

/// <summary>Cloud Logging JSON lines when deployed (K_SERVICE set), single readable lines otherwise.</summary>
public static class FunctionLogging
{
    /// <summary>Replaces every logging provider with the console in the form the deployment reads.</summary>
    /// <param name="logging">The host's logging.</param>
    /// <param name="deployed">JSON for Cloud Logging when true, one line of text otherwise.</param>
    public static ILoggingBuilder AddFunctionConsole(this ILoggingBuilder logging, bool deployed)
    {
        logging.ClearProviders();
        if (deployed)
        {
            logging.AddConsole(options => options.FormatterName = CloudLoggingJsonFormatter.FormatterName);
            logging.AddConsoleFormatter<CloudLoggingJsonFormatter, ConsoleFormatterOptions>();
        }
        else
        {
            logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Four lines per outgoing request (the HTTP client's start, send, headers, end, and Polly's attempt) say nothing
        // a failure would not: only their warnings (a retry, say) are kept. Fewer lines also start faster.
        logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        logging.AddFilter("Polly", LogLevel.Warning);
        return logging;
    }
}
