using System.CommandLine;
using Groundwork.Deploy.Artifacts;
using Spectre.Console;

namespace Groundwork.Deploy.Cli;

/// <summary>
/// The command line: build, verify, publish, deploy, status, rollback, stop, init, rotate-credentials, failover. Parse errors and operator errors
/// (<see cref="DeployException"/>) print one line to stderr and exit non-zero (2 = bad input, 1 = failed).
/// </summary>
internal static partial class DeployCli
{
    public const int BadInput = 2;

    private static readonly Option<string?> ArtifactsOption = new("--artifacts")
    {
        Description = "Folder holding the artifacts (default: <repo>/artifacts)",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        if (Console.IsOutputRedirected)
        {
            // Jenkins logs and test captures: no wrapping at a pretend 80 columns.
            AnsiConsole.Profile.Width = 240;
        }
        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            var message = string.Join(' ', parse.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await Console.Error.WriteLineAsync($"groundwork-deploy: {message} (see --help)");
            return BadInput;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (DeployException e)
        {
            await Console.Error.WriteLineAsync($"groundwork-deploy: {e.Message}");
            return e.ExitCode;
        }
    }

    /// <summary>The command tree (also what the Jenkins job tests parse the jobs' command lines with).</summary>
    internal static RootCommand Create()
    {
        var root = new RootCommand("Groundwork deploy tool: build once, deploy anywhere.");
        root.Options.Add(ArtifactsOption);
        root.Subcommands.Add(BuildCommand());
        root.Subcommands.Add(VerifyCommand());
        AddDeploymentCommands(root);
        root.Subcommands.Add(InitCommand());
        root.Subcommands.Add(RotateCredentialsCommand());
        root.Subcommands.Add(FailoverCommand());
        root.Subcommands.Add(CostCommand());
        return root;
    }

    private static string ArtifactsDirectory(ParseResult parse, Repository repository) =>
        Path.GetFullPath(parse.GetValue(ArtifactsOption) ?? repository.ArtifactsDirectory);

    private static Command BuildCommand()
    {
        var version = new Option<string?>("--version") { Description = "Artifact version (default: <yyyyMMdd>.<short sha>[+dirty] from git)" };
        var versionFile = new Option<string?>("--version-file") { Description = "Also write the version to this file (for CI jobs)" };
        var command = new Command("build", "Build artifacts/groundwork-<version>/ and its .tar.gz from the work tree") { version, versionFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var requested = parse.GetValue(version);
            if (requested is not null && !ArtifactVersion.IsValid(requested))
            {
                throw new DeployException($"'{requested}' is not a valid version (letters, digits, '.', '_', '+', '-'; at most 128).", BadInput);
            }
            var repository = Repository.Find();
            var built = await Steps.RunAsync("Building", step =>
                new ArtifactBuilder(repository, step).BuildAsync(requested, ArtifactsDirectory(parse, repository), cancellationToken));
            AnsiConsole.MarkupLineInterpolated(
                $"[green]built[/] {built.Manifest.Version}: {built.Archive} ({built.ArchiveBytes / 1024.0 / 1024.0:F1} MiB, {built.Manifest.Files.Count} files) in {built.Elapsed.TotalSeconds:F0} s");
            if (parse.GetValue(versionFile) is { } file)
            {
                await File.WriteAllTextAsync(file, built.Manifest.Version + "\n", cancellationToken);
            }
            if (built.Manifest.WebNote is { } note)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]note[/]: {note}");
            }
            return 0;
        });
        return command;
    }

    private static Command VerifyCommand()
    {
        var artifact = new Argument<string>("artifact") { Description = "An artifact folder or .tar.gz" };
        var command = new Command("verify", "Check every file of an artifact against the SHA-256 in its manifest") { artifact };
        command.SetAction(parse =>
        {
            var verification = ArtifactVerifier.Verify(parse.GetValue(artifact)!);
            if (!verification.Intact)
            {
                throw new DeployException($"verification failed: {verification.Summary}");
            }
            AnsiConsole.MarkupLineInterpolated($"[green]ok[/] {verification.Summary}");
            return 0;
        });
        return command;
    }

    static partial void AddDeploymentCommands(RootCommand root);
}
