using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Pipeline.Functions.Hosting.Logging;

/// <summary>Cloud Logging JSON lines when deployed (K_SERVICE set), single readable lines otherwise.</summary>
public static class FunctionLogging
{
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
        return logging;
    }
}
