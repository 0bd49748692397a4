using System.Diagnostics;
using System.Text.RegularExpressions;
using Pipeline.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.Deploy;

/// <summary>Keeps the deployment honest without a cloud: cloudbuild.yaml against the repository it deploys.</summary>
public sealed partial class CloudBuildTest
{
    private static readonly YamlMappingNode s_build = Load();

    private static readonly IReadOnlyList<(string Name, string Service, string Trigger)> s_functions =
        File.ReadAllLines(Repository.PathOf("deploy/functions.env"))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('|'))
            .Select(parts => (parts[0], parts[1], parts[2]))
            .ToList();

    [Fact]
    public void Functions_ListedForDeployAreExactlyTheFunctionsFolders()
    {
        var folders = Directory.GetDirectories(Repository.PathOf("functions")).Select(Path.GetFileName).Order();

        Assert.Equal(folders, s_functions.Select(f => f.Name).Order());
    }

    [Fact]
    public void EveryFunction_HasItsPublishPushDeployAndTriggerSteps()
    {
        var steps = Steps().ToDictionary(s => Scalar(s, "id"));
        var push = string.Join("\n", Args(steps["push-images"]));
        foreach (var (name, service, trigger) in s_functions)
        {
            Assert.Equal("dotnet", Scalar(steps[$"publish-{service}"], "entrypoint"));
            var publish = Args(steps[$"publish-{service}"]);
            Assert.Equal(["publish", $"functions/{name}", "-c", "Release", "/t:PublishContainer"], publish.Take(5));
            Assert.Contains(publish, a => a.EndsWith($"/{service}", StringComparison.Ordinal) && a.StartsWith("-p:ContainerRepository=", StringComparison.Ordinal));
            Assert.Contains(service, push);
            var deploy = Args(steps[$"deploy-{service}"]);
            Assert.Equal(["deploy/deploy-function.sh", name, service], deploy.Take(3));
            var expectedTrigger = trigger.StartsWith("pubsub:", StringComparison.Ordinal) ? $"pubsub:${{{trigger["pubsub:".Length..]}}}" : trigger;
            Assert.Equal(expectedTrigger, deploy[3]);
            Assert.EndsWith($"/{service}:${{_IMAGE_TAG}}", deploy[4]);
        }
    }

    [Fact]
    public void EverySubstitutionUsed_IsDeclaredAndEveryDeclaredOneUsed()
    {
        var declared = ((YamlMappingNode)s_build["substitutions"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
        var text = Repository.Read("cloudbuild.yaml");
        var body = text[text.IndexOf("\noptions:", StringComparison.Ordinal)..];
        var used = SubstitutionUse().Matches(body).Select(m => m.Groups[1].Value).ToHashSet();

        Assert.Empty(used.Except(declared));
        Assert.Empty(declared.Except(used));
    }

    [Fact]
    public void ShellVariables_AreEscapedFromCloudBuildSubstitution()
    {
        // Cloud Build replaces $name itself; a shell variable must be written $$name.
        var scripts = Steps().SelectMany(Args).Where(a => a.Contains('\n'));
        foreach (var script in scripts)
        {
            Assert.DoesNotMatch(@"(?<!\$)\$(?!\$|\{|PROJECT_ID|BUILD_ID)[a-z_]+", script);
        }
    }

    [Fact]
    public void InfrastructureChanges_OnlyAfterTheTestsPass()
    {
        var steps = Steps().ToDictionary(s => Scalar(s, "id"));

        Assert.Equal(["test"], ((YamlSequenceNode)steps["setup"]["waitFor"]).Cast<YamlScalarNode>().Select(n => n.Value));
    }

    [Fact]
    public void UserContent_IsPrivateUnlessTheSubstitutionSaysOtherwise()
    {
        var substitutions = (YamlMappingNode)s_build["substitutions"];

        Assert.Equal("false", ((YamlScalarNode)substitutions["_ALLOW_UNAUTHENTICATED"]).Value);
        var script = Repository.Read("deploy/deploy-function.sh");
        Assert.Contains("""[[ "$ALLOW_UNAUTHENTICATED" == "true" ]] && echo --allow-unauthenticated || echo --no-allow-unauthenticated""", script);
    }

    [Fact]
    public void TestStep_InstallsNodeForTheGoogleSqlTestsThenRunsCi()
    {
        var test = Steps().Single(s => Scalar(s, "id") == "test");

        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", Scalar(test, "name"));
        Assert.Matches(@"apt-get install .*\bnodejs npm\b.*&& exec bash ""\$\$0""$", Args(test)[1]);
        Assert.Equal(".ci/run", Args(test)[^1]);
    }

    [Fact]
    public void EveryPathTheBuildNames_Exists()
    {
        var paths = Steps().SelectMany(Args).Where(a => RepositoryPath().IsMatch(a)).ToList();

        Assert.Contains(".ci/run", paths);
        Assert.All(paths, path => Assert.True(File.Exists(Repository.PathOf(path)) || Directory.Exists(Repository.PathOf(path)), $"{path} does not exist"));
        foreach (var script in Directory.GetFiles(Repository.PathOf("deploy"), "*.sh"))
        {
            foreach (Match reference in ScriptReference().Matches(File.ReadAllText(script)))
            {
                Assert.True(File.Exists(Repository.PathOf(reference.Value)), $"{Path.GetFileName(script)} names {reference.Value}, which does not exist");
            }
        }
    }

    [Fact]
    public void SetupScript_CreatesOnlyWhatIsMissing()
    {
        var lines = File.ReadAllLines(Repository.PathOf("deploy/setup.sh"));
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].TrimStart().StartsWith('#') && CreateCommand().IsMatch(lines[i]))
            {
                var guardedHere = lines[i].TrimStart().StartsWith("exists ", StringComparison.Ordinal) && lines[i].Contains("||", StringComparison.Ordinal);
                var guardedAbove = i > 0 && lines[i - 1].TrimEnd().EndsWith("||", StringComparison.Ordinal) && lines[i - 1].TrimStart().StartsWith("exists ", StringComparison.Ordinal);
                Assert.True(guardedHere || guardedAbove,
                    $"deploy/setup.sh line {i + 1} creates without checking first: {lines[i].Trim()}");
            }
        }
    }

    [Fact]
    public void DeployScripts_AreValidBash()
    {
        foreach (var script in Directory.GetFiles(Repository.PathOf("deploy"), "*.sh"))
        {
            using var bash = Process.Start(new ProcessStartInfo("bash", ["-n", script]) { RedirectStandardError = true })!;
            var errors = bash.StandardError.ReadToEnd();
            bash.WaitForExit();
            Assert.True(bash.ExitCode == 0, $"{Path.GetFileName(script)}: {errors}");
        }
    }

    [Fact]
    public void Readme_DeploysWithOneCommand()
    {
        var readme = Repository.Read("README.md");
        var deploy = readme[readme.IndexOf("## Deploy", StringComparison.Ordinal)..];
        deploy = deploy[..(deploy.IndexOf("\n## ", 3, StringComparison.Ordinal) is var end and > 0 ? end : deploy.Length)];

        var commands = string.Join("\n", Regex.Matches(deploy, "```sh\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value));

        Assert.Single(Regex.Matches(commands, "deploy/submit.sh"));
        Assert.Contains("gcloud builds submit --config cloudbuild.yaml", Repository.Read("deploy/submit.sh"), StringComparison.Ordinal);
        Assert.DoesNotContain("gcloud run deploy", commands);
        Assert.DoesNotContain("gcloud eventarc triggers create", commands);
    }

    private static YamlMappingNode Load()
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(Repository.Read("cloudbuild.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static IEnumerable<YamlMappingNode> Steps() => ((YamlSequenceNode)s_build["steps"]).Cast<YamlMappingNode>();

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    private static List<string> Args(YamlMappingNode step) =>
        step.Children.TryGetValue("args", out var args) ? ((YamlSequenceNode)args).Cast<YamlScalarNode>().Select(a => a.Value!).ToList() : [];

    [GeneratedRegex(@"\$\{(_[A-Z_]+)\}")]
    private static partial Regex SubstitutionUse();

    [GeneratedRegex(@"^(\.ci/run|deploy/[\w.-]+|functions/\w+)$")]
    private static partial Regex RepositoryPath();

    [GeneratedRegex(@"deploy/[\w.-]+\.(sh|sql|env)")]
    private static partial Regex ScriptReference();

    [GeneratedRegex(@"\b(create|mk)\b")]
    private static partial Regex CreateCommand();
}
