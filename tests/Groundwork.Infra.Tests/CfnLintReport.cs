using System.Text.Json.Nodes;

namespace Groundwork.Infra.Tests;

/// <summary>One cfn-lint finding: the rule, its level (Error, Warning, Informational), where, and what it says.</summary>
public sealed record CfnLintFinding(string Rule, string Level, string Stack, string Path, string Message);

/// <summary>
/// cfn-lint (AWS's CloudFormation linter, a tool nobody here wrote) over every synthesized template: it knows the
/// resource specifications, valid engine versions and the Lambda runtime deprecation dates. Installed by
/// <c>./groundwork test</c> (eng/test.sh) where missing; <c>GROUNDWORK_CFN_LINT</c> may name the executable.
/// </summary>
public sealed class CfnLintReport
{
    public required string Version { get; init; }
    public required IReadOnlyList<CfnLintFinding> Findings { get; init; }
    public IEnumerable<CfnLintFinding> Errors => Findings.Where(f => f.Level == "Error");
    public IEnumerable<CfnLintFinding> Warnings => Findings.Where(f => f.Level == "Warning");

    public static string Executable => System.Environment.GetEnvironmentVariable("GROUNDWORK_CFN_LINT") is { Length: > 0 } e ? e : "cfn-lint";

    public static CfnLintReport Run(string directory, IReadOnlyList<string> templates)
    {
        string version;
        try
        {
            version = Exec(directory, ["--version"], out _).Trim().Replace("cfn-lint ", "", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException(
                $"cfn-lint is not installed ('{Executable}' not found): ./groundwork test installs it (pip install cfn-lint==1.51.0), or set GROUNDWORK_CFN_LINT.");
        }
        // Exit code: a bit mask of what was found (2 error, 4 warning, 8 informational); 1 means cfn-lint itself failed.
        // Plus Groundwork's own rule (cfnlint_rules/): E9531, a Lambda runtime with less than a year of support left.
        var rules = Path.Combine(RepositoryPaths.Root, "tests", "Groundwork.Infra.Tests", "cfnlint_rules");
        var json = Exec(directory, ["--append-rules", rules, "--format", "json", "--", .. templates], out var exitCode);
        if (exitCode == 1 || exitCode > 14)
            throw new InvalidOperationException($"cfn-lint failed (exit {exitCode}).");
        var findings = JsonNode.Parse(json)!.AsArray().Select(f => new CfnLintFinding(
            (string)f!["Rule"]!["Id"]!,
            (string)f["Level"]!,
            Path.GetFileName((string)f["Filename"]!).Replace(".template.json", "", StringComparison.Ordinal),
            string.Join('/', f["Location"]!["Path"]!.AsArray().Select(p => p!.ToString())),
            (string)f["Message"]!)).ToList();
        return new CfnLintReport { Version = version, Findings = findings };
    }

    private static string Exec(string directory, string[] args, out int exitCode)
    {
        // Loading the custom rule must not leave a __pycache__ in the repository.
        var result = ExternalTool.Run(Executable, args, directory, new Dictionary<string, string?> { ["PYTHONDONTWRITEBYTECODE"] = "1" });
        exitCode = result.ExitCode;
        if (exitCode == 1)
            throw new InvalidOperationException($"cfn-lint {string.Join(' ', args.Take(3))} failed:\n{result.StandardError}");
        return result.StandardOutput;
    }
}
