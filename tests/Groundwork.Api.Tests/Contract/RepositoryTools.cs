using System.Text;
using System.Xml.Linq;
using CliWrap;
using Groundwork.Workspace;

namespace Groundwork.Api.Tests.Contract;

/// <summary>The repository's pinned tools (Kiota from .config/dotnet-tools.json, redocly from eng/openapi), run with CliWrap.</summary>
internal static class RepositoryTools
{
    public static string Root => RepositoryRoot.Current;



    /// <summary>Runs a command and returns its exit code, standard output and standard error (never throws on a non-zero exit).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory,
        TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var output = new StringBuilder();
        var error = new StringBuilder();
        using var cts = new CancellationTokenSource(timeout);
        var result = await Cli.Wrap(program)
            .WithArguments(arguments)
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(environment ?? new Dictionary<string, string?>())
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(output))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(error))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(cts.Token);
        return (result.ExitCode, output.ToString(), error.ToString());
    }

    /// <summary>A version from Directory.Packages.props (central package management), so the temp client project uses the same.</summary>
    public static string PackageVersion(string id)
    {
        var props = XDocument.Load(Path.Combine(Root, "Directory.Packages.props"));
        return props.Descendants("PackageVersion").FirstOrDefault(e => (string?)e.Attribute("Include") == id)?.Attribute("Version")?.Value
               ?? throw new InvalidOperationException($"{id} has no version in Directory.Packages.props");
    }
}
