using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Groundwork.Infra;
using Groundwork.Infra.Configuration;
using Groundwork.Routing;

namespace Groundwork.Infra.Tests;

/// <summary>
/// The whole CDK app, synthesized once per test run (jsii start-up dominates) into a temporary cdk.out.
/// Tests read the synthesized templates: what would be deployed.
/// </summary>
public sealed class SynthesizedApp : IDisposable
{
    public const string Version = "1.2.3-test";
    public string OutDir { get; }
    public TimeSpan SynthTime { get; }
    public GroundworkApp Model { get; }
    public RoutingRules Routing { get; }
    public IReadOnlyList<EnvironmentSettings> Environments { get; }
    public ManagementSettings Management { get; }
    private readonly Dictionary<string, JsonObject> _templates = new();

    public SynthesizedApp()
    {
        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");
        OutDir = Path.Combine(Path.GetTempPath(), $"groundwork-infra-tests-{Guid.NewGuid():N}");
        var watch = Stopwatch.StartNew();
        var app = new App(new AppProps
        {
            Outdir = OutDir,
            Context = new Dictionary<string, object> { ["version"] = Version },
        });
        Environments = EnvironmentFiles.LoadEnvironments();
        Management = EnvironmentFiles.LoadManagement();
        Routing = RoutingRules.Load(RoutingRules.LocateFile(RepositoryPaths.Root));
        Model = new GroundworkApp(app, Environments, Management, Routing);
        app.Synth();
        SynthTime = watch.Elapsed;
        _nag = new Lazy<JsonObject>(RunNag);
        _cfnLint = new Lazy<CfnLintReport>(() => CfnLintReport.Run(OutDir, StackNames.Select(s => s + ".template.json").ToList()));
    }

    /// <summary>The app synthesized with a size overlay (environments/sizes/&lt;size&gt;/) into a new temporary folder.</summary>
    public static string SynthesizeSize(string size)
    {
        var outDir = Path.Combine(Path.GetTempPath(), $"groundwork-infra-tests-{size}-{Guid.NewGuid():N}");
        var app = new App(new AppProps { Outdir = outDir, Context = new Dictionary<string, object> { ["version"] = Version, ["size"] = size } });
        _ = new GroundworkApp(app, EnvironmentFiles.LoadEnvironments(size), EnvironmentFiles.LoadManagement(size),
            RoutingRules.Load(RoutingRules.LocateFile(RepositoryPaths.Root)));
        app.Synth();
        return outDir;
    }

    public IEnumerable<string> StackNames =>
        Directory.GetFiles(OutDir, "*.template.json").Select(f => Path.GetFileName(f)[..^".template.json".Length]).Order();

    public JsonObject Template(string stackName)
    {
        lock (_templates)
        {
            if (!_templates.TryGetValue(stackName, out var template))
            {
                template = JsonNode.Parse(File.ReadAllText(Path.Combine(OutDir, $"{stackName}.template.json")))!.AsObject();
                _templates[stackName] = template;
            }
            return template;
        }
    }

    public JsonObject Template(string environment, string concern) => Template($"Groundwork-{environment}-{concern}");

    /// <summary>The cdk-nag AwsSolutions findings over the synthesized templates (run once, on first use).</summary>
    public JsonObject NagReport => _nag.Value;
    private readonly Lazy<JsonObject> _nag;

    /// <summary>cfn-lint over every synthesized template (run once, on first use).</summary>
    public CfnLintReport CfnLint => _cfnLint.Value;
    private readonly Lazy<CfnLintReport> _cfnLint;

    private JsonObject RunNag()
    {
        var dir = Path.Combine(RepositoryPaths.Root, "tests", "Groundwork.Infra.Tests", "nag");
        // node_modules from an older package-lock (cdk-nag 2) would run the wrong rule pack: reinstall when it differs.
        var installed = Path.Combine(dir, "node_modules", ".package-lock.json");
        if (!File.Exists(installed) || File.GetLastWriteTimeUtc(installed) < File.GetLastWriteTimeUtc(Path.Combine(dir, "package-lock.json")))
            Run(dir, "npm", ["ci", "--no-audit", "--no-fund"]);
        return JsonNode.Parse(Run(dir, "node", ["nag.js", OutDir]))!.AsObject();
    }

    internal static string Run(string dir, string file, string[] args)
    {
        var result = ExternalTool.Run(file, args, dir);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {result.ExitCode}:\n{result.StandardError}");
        return result.StandardOutput;
    }

    public void Dispose()
    {
        try { Directory.Delete(OutDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class SynthesizedCollection : ICollectionFixture<SynthesizedApp>
{
    public const string Name = "synthesized app";
}
