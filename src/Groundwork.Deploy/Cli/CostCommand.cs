using System.CommandLine;
using Groundwork.Deploy.Aws;
using Groundwork.Cost;

namespace Groundwork.Deploy.Cli;

/// <summary>cost: what each environment costs a month, computed from the synthesized templates and the dated price table.</summary>
internal static class CostCommand
{
    internal static readonly string[] CostFormats = ["text", "json"];

    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" }
            .AcceptOnlyFromAmong(CostFormats);
        var cdkOut = new Option<string?>("--cdk-out") { Description = "Read this synthesized cloud assembly instead of synthesizing the Infra app" };
        var size = new Option<string>("--size")
        {
            Description = "Environment sizes to synthesize: base (environments/*.json) or an overlay in environments/sizes/<size>/ (10k, 100k: docs/performance.md's sizing rows)",
            DefaultValueFactory = _ => "base",
        };
        var pricesFile = new Option<string?>("--prices") { Description = $"Price table (default: the {PriceTable.FileName} shipped with the tool)" };
        var command = new Command("cost", "Monthly on-demand cost of staging, production and management, with line items, from the synthesized templates")
        { format, cdkOut, size, pricesFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sizeName = parse.GetValue(size)!;
            if (!System.Text.RegularExpressions.Regex.IsMatch(sizeName, "^[a-z0-9][a-z0-9-]{0,31}$"))
                throw new DeployException($"'{sizeName}' is not a size name (lower-case letters, digits, '-').", CliOptions.BadInput);
            var existing = parse.GetValue(cdkOut);
            if (existing is not null && sizeName != "base")
                throw new DeployException("--size synthesizes the app with that size; it cannot be combined with --cdk-out.", CliOptions.BadInput);
            try
            {
                var prices = PriceTable.Load(parse.GetValue(pricesFile));
                CloudAssembly assembly;
                if (existing is not null)
                {
                    assembly = CloudAssembly.Read(Path.GetFullPath(existing));
                }
                else
                {
                    var repository = Repository.Find();
                    if (sizeName != "base" && !Directory.Exists(Path.Combine(repository.Root, "src", "Groundwork.Infra", "environments", "sizes", sizeName)))
                        throw new DeployException($"no size '{sizeName}': src/Groundwork.Infra/environments/sizes/{sizeName}/ does not exist.", CliOptions.BadInput);
                    var outDir = Path.Combine(Path.GetTempPath(), $"groundwork-cost-{Guid.NewGuid():N}");
                    try
                    {
                        await Console.Error.WriteLineAsync($"Synthesizing the Infra app (size {sizeName}) …");
                        await InfraSynth.RunAsync(repository, "cost", outDir, cancellationToken,
                            sizeName == "base" ? null : new Dictionary<string, string> { ["size"] = sizeName });
                        assembly = CloudAssembly.Read(outDir);
                    }
                    finally
                    {
                        if (Directory.Exists(outDir))
                            Directory.Delete(outDir, recursive: true);
                    }
                }
                var report = CostReport.Create(prices, assembly, sizeName);
                Console.Out.Write(parse.GetValue(format) == "json" ? report.ToJson() + "\n" : report.ToText());
                return 0;
            }
            catch (CostException e)
            {
                throw new DeployException(e.Message, CliOptions.BadInput);
            }
        });
        return command;
    }
}
