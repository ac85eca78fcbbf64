using System.Text.Json;
using Groundwork.Deploy.Processes;

namespace Groundwork.Deploy.Aws;

/// <summary>A stack the synth produced: its name and how many resources its template holds.</summary>
internal sealed record SynthesizedStack(string Name, string Template, int Resources);

/// <summary>
/// Runs the Infra CDK app (the same program cdk.json names) with the version as context into a folder of its own:
/// what a deploy would hand to CloudFormation, without the CDK CLI and without AWS credentials.
/// </summary>
internal static class InfraSynth
{
    public static async Task<IReadOnlyList<SynthesizedStack>> RunAsync(Repository repository, string version, string outputDirectory, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? context = null)
    {
        if (Directory.Exists(outputDirectory))
        {
            Directory.Delete(outputDirectory, recursive: true);
        }
        var result = await ProcessRunner.RunAsync("dotnet", ["run", "--project", repository.InfraProject], repository.Root,
            new Dictionary<string, string?>
            {
                ["CDK_OUTDIR"] = outputDirectory,
                ["CDK_CONTEXT_JSON"] = JsonSerializer.Serialize(new Dictionary<string, string>(context ?? new Dictionary<string, string>()) { ["version"] = version }),
                ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20",
            }, cancellationToken);
        if (!result.Succeeded)
        {
            throw new Cli.DeployException($"synth of the Infra app failed: {result.LastLine}");
        }
        return Directory.EnumerateFiles(outputDirectory, "*.template.json")
            .Select(path =>
            {
                using var template = JsonDocument.Parse(File.ReadAllText(path));
                var resources = template.RootElement.TryGetProperty("Resources", out var r) ? r.EnumerateObject().Count() : 0;
                return new SynthesizedStack(Path.GetFileName(path)[..^".template.json".Length], path, resources);
            })
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
    }
}
