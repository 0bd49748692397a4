using System.CommandLine;
using System.CommandLine.Invocation;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;

namespace Pipeline.Local.Commands;

/// <summary>
/// The command line of the local stack, parsed by System.CommandLine: with no command it serves the stack
/// (<see cref="LocalOptions"/>), <c>load</c> loads one dump (<see cref="LoadRequest"/>). <c>--help</c> prints the usage
/// and exits 0; a wrong argument prints the parser's errors and a hint to use <c>--help</c> in one line, and exits 2.
/// </summary>
public static class LocalCommandLine
{
    /// <summary>The exit code of a command line the parser refused.</summary>
    public const int UsageError = 2;

    /// <summary>The name the usage shows.</summary>
    public const string Name = "pipeline-local";

    /// <summary>
    /// The command tree. <paramref name="serve"/> runs the stack, <paramref name="load"/> the <c>load</c> command;
    /// each returns the exit code. Tests pass their own to see what a command line parses to.
    /// </summary>
    public static RootCommand Create(Func<LocalOptions, CancellationToken, Task<int>> serve, Func<LoadRequest, CancellationToken, Task<int>> load)
    {
        var defaults = new LocalOptions();
        var port = new Option<int>("--port")
        {
            Description = "TCP port to serve on, on 127.0.0.1 only (0 picks a free one)",
            HelpName = "port",
            DefaultValueFactory = _ => defaults.Port,
            CustomParser = ParsePort,
        };
        var pubSubPort = new Option<int>("--pubsub-port")
        {
            Description = "TCP port of the Pub/Sub emulator API (gRPC google.pubsub.v1.Publisher over HTTP/2 cleartext), on 127.0.0.1 " +
                "only, for PUBSUB_EMULATOR_HOST=localhost:<port> (0 picks a free one)",
            HelpName = "port",
            DefaultValueFactory = _ => defaults.PubSubPort,
            CustomParser = ParsePort,
        };
        var project = new Option<string>("--project")
        {
            Description = "The Google Cloud project the stack plays: the product topics user-interaction and content-meta exist in it " +
                "only, as deployed (other projects' topics must be created first)",
            HelpName = "project",
            DefaultValueFactory = _ => defaults.Project,
        };
        var dataDir = DataDirOption("Directory for the DuckDB warehouse (warehouse.duckdb), the local bucket (bucket/) and dead letters (dead-letter/)");
        var demo = new Option<bool>("--demo")
        {
            Description = "Before serving, load a generated seed-like dataset (3000 readers, 100k interactions) so the sample query answers at once",
        };
        var warehouse = new Option<string>("--warehouse")
        {
            Description = "Where rows are stored: duckdb (a file under --data-dir) or bigquery (needs GOOGLE_CLOUD_PROJECT, " +
                "BIGQUERY_DATASET, BIGQUERY_LOCATION and Application Default Credentials)",
            DefaultValueFactory = _ => defaults.Warehouse,
        };
        warehouse.AcceptOnlyFromAmong("duckdb", "bigquery");

        var root = new RootCommand("Runs the whole pipeline on this machine, on http://127.0.0.1:<port>: the four functions in one process over " +
            "one warehouse, with Pub/Sub publish, the dump bucket and Eventarc delivery played locally.")
        {
            port, pubSubPort, project, dataDir, demo, warehouse, LoadCommandOf(load),
        };
        root.HelpName = Name;
        root.Validators.Add(result =>
        {
            if (result.GetValue(demo) && result.GetValue(warehouse) == "bigquery")
            {
                result.AddError("--demo fills the local DuckDB warehouse; it cannot be combined with --warehouse bigquery.");
            }
            if (PortOf(result, port, defaults.Port) is not (null or 0) and var same && PortOf(result, pubSubPort, defaults.PubSubPort) == same)
            {
                result.AddError($"--pubsub-port must differ from --port; both are {same}.");
            }
        });
        root.SetAction((result, cancellationToken) => serve(
            new LocalOptions(result.GetValue(port), result.GetRequiredValue(dataDir), result.GetValue(demo), result.GetRequiredValue(warehouse))
            {
                PubSubPort = result.GetValue(pubSubPort),
                Project = result.GetRequiredValue(project),
            },
            cancellationToken));
        return root;
    }

    /// <summary>
    /// Parses <paramref name="args"/> and runs what they ask for (the bench's command line too: the hint names the
    /// command's <see cref="RootCommand.HelpName"/>); returns the exit code. The usage goes to
    /// <paramref name="output"/>, the parser's errors to <paramref name="error"/> (the console's by default).
    /// </summary>
    public static async Task<int> InvokeAsync(RootCommand command, IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null)
    {
        error ??= Console.Error;
        var result = command.Parse(args);
        if (result.Action is ParseErrorAction)
        {
            // One line: every problem the parser found, then where the usage is.
            var program = command.HelpName ?? Name;
            var path = result.CommandResult.Command is RootCommand ? program : $"{program} {result.CommandResult.Command.Name}";
            var problems = string.Join(" ", result.Errors.Select(problem =>
                System.Text.RegularExpressions.Regex.Replace(problem.Message, @"\s+", " ").Trim().TrimEnd('.') + "."));
            await error.WriteLineAsync($"{problems} Run '{path} --help' to see the usage.");
            return UsageError;
        }
        // ProcessTerminationTimeout null: Ctrl+C is the host's to handle (a graceful stop closes the warehouse).
        return await result.InvokeAsync(new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error,
            ProcessTerminationTimeout = null,
        });
    }

    private static Command LoadCommandOf(Func<LoadRequest, CancellationToken, Task<int>> load)
    {
        var file = new Argument<FileInfo>("file")
        {
            Description = "The dump to load: a CSV file with a header row, plain (.csv) or gzipped (.csv.gz)",
        };
        file.AcceptExistingOnly();
        var table = new Option<string>("--table")
        {
            Description = "The table the dump fills: user_interaction (reading events) or content_meta (content categories)",
            Required = true,
        };
        table.AcceptOnlyFromAmong("user_interaction", "content_meta");
        var dataDir = DataDirOption("Directory of the local warehouse (warehouse.duckdb) to load into");
        var maxBadRows = new Option<int>("--max-bad-rows")
        {
            Description = "How many bad rows the file may have; one more and the file fails whole, nothing of it loaded",
            HelpName = "count",
            DefaultValueFactory = _ => CsvLoad.DefaultMaxBadRows,
        };
        maxBadRows.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 0)
            {
                result.AddError($"--max-bad-rows must be 0 or more, got {result.GetValueOrDefault<int>()}.");
            }
        });

        var command = new Command("load", "Copy one CSV dump into the local bucket (user_interaction/<file name> or content_meta/<file name>) and load " +
            "that object into the local DuckDB warehouse, with a progress bar, by the same rules and exactly-once bookkeeping as BackfillCsv. The stack must not be running (DuckDB allows one process per file).")
        {
            file, table, dataDir, maxBadRows,
        };
        command.SetAction((result, cancellationToken) => load(new LoadRequest(
            result.GetRequiredValue(file),
            result.GetRequiredValue(table) == "content_meta" ? RecordKind.ContentMeta : RecordKind.Interaction,
            result.GetRequiredValue(dataDir),
            result.GetValue(maxBadRows)), cancellationToken));
        return command;
    }

    private static Option<string> DataDirOption(string description) => new("--data-dir")
    {
        Description = description,
        HelpName = "dir",
        DefaultValueFactory = _ => new LocalOptions().DataDir,
    };

    /// <summary>The port an option names (its default when not given), or null when it is not a valid port (already an error).</summary>
    private static int? PortOf(System.CommandLine.Parsing.CommandResult result, Option<int> option, int fallback) =>
        result.GetResult(option) is not { Implicit: false } given ? fallback
        : given.Tokens is [var token] && int.TryParse(token.Value, out var value) && value is >= 0 and < 65536 ? value
        : null;

    private static int ParsePort(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, out var port) && port is >= 0 and < 65536)
        {
            return port;
        }
        var name = (result.Parent as System.CommandLine.Parsing.OptionResult)?.Option.Name ?? "--port";
        result.AddError($"{name}: '{text}' is not a TCP port (1 to 65535, or 0 for a free one).");
        return 0;
    }
}
