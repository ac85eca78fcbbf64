using System.CommandLine;
using Groundwork.Deploy.Artifacts;
using Groundwork.Deploy.Aws;
using Groundwork.Deploy.Environments;
using Groundwork.Deploy.History;
using Groundwork.Deploy.Local;
using Spectre.Console;

using Groundwork.LocalServers;

namespace Groundwork.Deploy.Cli;

/// <summary>deploy, status, rollback, stop: everything that moves an artifact into an environment or reports on it.</summary>
internal static class DeploymentCommands
{
    /// <summary>How long the AWS migrate step may run (an ALTER of a large table takes long; the deploy job allows hours).</summary>
    private static readonly Option<int> MigrationTimeoutOption = new("--migration-timeout")
    {
        Description = "Minutes the migrate step of a staging/production deploy may take before it is stopped (default 60)",
        DefaultValueFactory = _ => (int)AwsDeployPlan.DefaultMigrationTimeout.TotalMinutes,
        Validators =
        {
            result =>
            {
                // Read the token, not the value: a token that is no number already has its parse error (reading it would throw).
                if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out var minutes)
                    && minutes is < 1 or > 24 * 60)
                {
                    result.AddError("--migration-timeout must be between 1 and 1440 minutes.");
                }
            },
        },
    };

    /// <summary>What a deploy or a rollback was asked to do, read from its command line.</summary>
    private sealed record DeployRequest(DeployEnvironment Environment, string Version, bool DryRun, bool NoSynth, RollingDeployOptions LocalOptions);

    public static Command Deploy()
    {
        var environment = CliOptions.DeployTarget();
        var version = new Option<string>("--version") { Description = "Artifact version to deploy", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print every step (and synthesize, for AWS) without changing anything" };
        var noSynth = new Option<bool>("--no-synth") { Description = "With --dry-run: print the steps only, skip the CDK synth" };
        var healthTimeout = new Option<int>("--health-timeout") { Description = "Seconds a new local instance has to become ready", DefaultValueFactory = _ => 60 };
        var command = new Command("deploy", "Deploy an artifact version to an environment") { environment, version, dryRun, noSynth, healthTimeout, MigrationTimeoutOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var requested = parse.GetValue(version)!;
            if (!ArtifactVersion.IsValid(requested))
            {
                throw new DeployException($"'{requested}' is not a valid version.", CliOptions.BadInput);
            }
            var options = new RollingDeployOptions { HealthTimeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(healthTimeout))) };
            return await DeployAsync(parse, new DeployRequest(parse.GetValue(environment)!, requested, parse.GetValue(dryRun), parse.GetValue(noSynth), options), cancellationToken);
        });
        return command;
    }

    public static Command Rollback()
    {
        var environment = CliOptions.DeployTarget();
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what the rollback would deploy" };
        var noSynth = new Option<bool>("--no-synth") { Description = "With --dry-run: print the steps only, skip the CDK synth" };
        var versionFile = new Option<string?>("--version-file")
        {
            Description = "Only write the version a rollback would deploy to this file and stop (the deploy job then checks out that version's commit)",
        };
        var command = new Command("rollback", "Deploy the previous version recorded for an environment") { environment, dryRun, noSynth, versionFile, MigrationTimeoutOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var env = parse.GetValue(environment)!;
            var history = CliOptions.HistoryFor(parse, env);
            var previous = history.Previous(env)
                ?? throw new DeployException($"Nothing to roll back to: {history.Path} records no earlier successful version for {env}.");
            if (parse.GetValue(versionFile) is { } file)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                await File.WriteAllTextAsync(file, previous.Version + "\n", cancellationToken);
                AnsiConsole.MarkupLineInterpolated($"A rollback of {env.Name} deploys {previous.Version} (current {history.Current(env)!.Version}); written to {file}");
                return 0;
            }
            AnsiConsole.MarkupLineInterpolated($"Rolling {env.Name} back from {history.Current(env)!.Version} to {previous.Version} (deployed {previous.At:u} by {previous.By})");
            // For staging/production this runs only from a checkout of the previous version's commit (CheckSourceCommitAsync).
            return await DeployAsync(parse, new DeployRequest(env, previous.Version, parse.GetValue(dryRun), parse.GetValue(noSynth), new RollingDeployOptions()), cancellationToken);
        });
        return command;
    }

    public static Command Status()
    {
        var environment = CliOptions.DeployTarget();
        var command = new Command("status", "What runs where: the environment's current version and its deploy history") { environment };
        command.SetAction(parse =>
        {
            var env = parse.GetValue(environment)!;
            var history = CliOptions.HistoryFor(parse, env);
            var current = history.Current(env);
            AnsiConsole.MarkupLineInterpolated($"{env.Name}: {(current is null ? "no recorded deploy" : $"{current.Version} (deployed {current.At:u} by {current.By})")}");
            if (env.IsLocal && LocalDeployment.Read(CliOptions.LocalDataDirectory(parse)) is { } local)
            {
                foreach (var instance in local.Instances)
                {
                    var state = InstanceProcesses.IsRunning(instance.Pid) ? "running" : "not running";
                    AnsiConsole.MarkupLineInterpolated($"  {instance.Name} {instance.Url} pid {instance.Pid} ({state})");
                }
            }
            // Plain lines, not a table: Jenkins logs and scripts read them.
            foreach (var record in history.Of(env).TakeLast(10))
            {
                Console.WriteLine($"  {record.At:u}  {record.Version}  by {record.By}  {(record.Succeeded ? "ok" : "failed: " + record.Note)}");
            }
            return 0;
        });
        return command;
    }

    public static Command Stop()
    {
        var environment = CliOptions.Environment([DeployEnvironment.Local], "Only local");
        var command = new Command("stop", "Stop (SIGTERM) the local instances the tool started, e.g. after the AppHost was stopped") { environment };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var local = LocalDeployment.Read(CliOptions.LocalDataDirectory(parse));
            foreach (var instance in local?.Instances ?? [])
            {
                var stopped = await InstanceProcesses.StopGracefullyAsync(instance.Pid, TimeSpan.FromSeconds(30), cancellationToken);
                AnsiConsole.MarkupLineInterpolated($"{instance.Name} (pid {instance.Pid}): {(stopped ? "stopped" : "still running")}");
            }
            return 0;
        });
        return command;
    }

    private static Task<int> DeployAsync(ParseResult parse, DeployRequest request, CancellationToken cancellationToken) =>
        request.Environment.IsLocal
            ? DeployLocallyAsync(parse, request, cancellationToken)
            : DeployToAwsAsync(parse, request, cancellationToken);

    /// <summary>A rolling replacement of the running local stack's instances (<see cref="LocalRollingDeploy"/>).</summary>
    private static async Task<int> DeployLocallyAsync(ParseResult parse, DeployRequest request, CancellationToken cancellationToken)
    {
        var (environment, version) = (request.Environment, request.Version);
        var dataDirectory = CliOptions.LocalDataDirectory(parse);
        var artifact = ArtifactStore.Locate(CliOptions.ArtifactsDirectory(parse, Repository.Find()), version);
        if (request.DryRun)
        {
            PrintLocalPlan(dataDirectory, artifact, version);
            return 0;
        }
        var history = CliOptions.HistoryFor(parse, environment);
        try
        {
            var result = await Steps.RunAsync($"Deploying {version} to local", step =>
                new LocalRollingDeploy(dataDirectory, request.LocalOptions, step).DeployAsync(artifact, cancellationToken));
            history.Append(DeploymentRecord.Success(environment, version, $"replaced {string.Join(", ", result.Replaced)}"));
            AnsiConsole.MarkupLineInterpolated(
                $"[green]deployed[/] {version} to local: {result.Instances.Count} instance(s) replaced one at a time in {result.Elapsed.TotalSeconds:F1} s");
            return 0;
        }
        catch (DeployException e)
        {
            history.Append(DeploymentRecord.Failure(environment, version, e.Message));
            throw;
        }
    }

    /// <summary>The <see cref="AwsDeployPlan"/> of staging or production, run step by step from this work tree.</summary>
    private static async Task<int> DeployToAwsAsync(ParseResult parse, DeployRequest request, CancellationToken cancellationToken)
    {
        var (environment, version) = (request.Environment, request.Version);
        var repository = Repository.Find();
        var aws = AwsEnvironment.Load(repository, environment);
        var migrationTimeout = TimeSpan.FromMinutes(parse.GetValue(MigrationTimeoutOption));
        await CheckSourceCommitAsync(repository, version, request.DryRun, cancellationToken);
        if (request.DryRun)
        {
            await PrintAwsPlanAsync(repository, aws, version, migrationTimeout, request.NoSynth, CliOptions.ArtifactsDirectory(parse, repository), cancellationToken);
            return 0;
        }
        // Before the first step and outside the recorded attempt: without credentials nothing was tried, so the
        // history gets no failed deploy (the run stops at once with one line).
        await AwsCredentials.RequireAsync($"deploying to {environment.Name}");
        var history = CliOptions.HistoryFor(parse, environment);
        try
        {
            await Steps.RunAsync($"Deploying {version} to {environment.Name}", async step =>
            {
                await AwsDeploy.RunAsync(aws, version, migrationTimeout, step, cancellationToken);
                return 0;
            });
        }
        catch (DeployException e)
        {
            history.Append(DeploymentRecord.Failure(environment, version, e.Message));
            throw;
        }
        history.Append(DeploymentRecord.Success(environment, version));
        AnsiConsole.MarkupLineInterpolated($"[green]deployed[/] {version} to {environment.Name}");
        return 0;
    }

    private static void PrintLocalPlan(string dataDirectory, string artifact, string version)
    {
        var stack = LocalStackManifest.Read(dataDirectory);
        AnsiConsole.MarkupLineInterpolated($"Plan: deploy {version} to local (edge {stack.EdgeUrl}, AppHost pid {stack.AppHostPid}), dry run");
        AnsiConsole.MarkupLineInterpolated($"  1. dotnet {artifact}/app/Groundwork.Api.dll migrate");
        var n = 2;
        foreach (var target in stack.Instances)
        {
            AnsiConsole.MarkupLineInterpolated($"  {n++}. start a {version} instance on a free port; wait for /health/ready; PUT it to {stack.EdgeUrl}/_edge/targets; DELETE (drain) the target behind {target.Url}; SIGTERM its process and wait for its exit");
        }
    }

    /// <summary>
    /// Infrastructure and app move together: a version built from commit C is deployed by the tool and the CDK app of C
    /// (the deploy job checks C out, for a rollback too). A real deploy from another commit is refused; a dry run says so.
    /// Versions given by hand (no commit in them) are not checked.
    /// </summary>
    private static async Task CheckSourceCommitAsync(Repository repository, string version, bool dryRun, CancellationToken cancellationToken)
    {
        if (ArtifactVersion.CommitOf(version) is not { } commit)
        {
            return;
        }
        var head = (await repository.ReadGitStateAsync(cancellationToken)).Commit;
        if (head.StartsWith(commit, StringComparison.Ordinal))
        {
            return;
        }
        var message = $"{version} was built from commit {commit}, but this work tree is at {head[..ArtifactVersion.ShortShaLength]}: " +
                      $"deploy it with that commit's tool and CDK app (git checkout {commit}; the deploy job does this).";
        if (!dryRun)
        {
            throw new DeployException(message, CliOptions.BadInput);
        }
        AnsiConsole.MarkupLineInterpolated($"[yellow]note[/]: {message}");
    }

    private static async Task PrintAwsPlanAsync(Repository repository, AwsEnvironment aws, string version, TimeSpan migrationTimeout, bool noSynth, string artifactsDirectory, CancellationToken cancellationToken)
    {
        AnsiConsole.MarkupLineInterpolated($"Plan: deploy {version} to {aws.Name} (account {aws.Account}, {aws.Region}), dry run: nothing is changed");
        AnsiConsole.MarkupLineInterpolated($"  0. resolve AWS credentials (Jenkins: instance role, then {aws.DeployRoleArn})");
        var steps = AwsDeployPlan.For(aws, version, migrationTimeout);
        for (var i = 0; i < steps.Count; i++)
        {
            AnsiConsole.MarkupLineInterpolated($"  {i + 1}. {steps[i].Title}");
            Console.WriteLine($"     $ {steps[i].Command}");
            if (steps[i].Script is { } script)
            {
                Console.WriteLine("     script:");
                foreach (var line in script.Split('\n'))
                {
                    Console.WriteLine($"       {line}");
                }
            }
        }
        if (noSynth)
        {
            AnsiConsole.MarkupLine("Synth skipped (--no-synth).");
            return;
        }
        await PrintSynthesizedStacksAsync(repository, aws, version, artifactsDirectory, cancellationToken);
    }

    /// <summary>A dry run synthesizes the version's CDK app and names the stacks a real deploy would create or update.</summary>
    private static async Task PrintSynthesizedStacksAsync(Repository repository, AwsEnvironment aws, string version, string artifactsDirectory, CancellationToken cancellationToken)
    {
        var output = Path.Combine(artifactsDirectory, $"cdk.out-{aws.Name}-{version}");
        var stacks = await Steps.RunAsync("Synthesizing", step =>
        {
            step($"Synthesizing the Infra app with -c version={version} into {output}");
            return InfraSynth.RunAsync(repository, version, output, cancellationToken);
        });
        foreach (var stack in stacks.Where(s => aws.AllStacks.Contains(s.Name)))
        {
            AnsiConsole.MarkupLineInterpolated($"  would deploy {stack.Name}: {stack.Resources} resources ({stack.Template})");
        }
        if (aws.AllStacks.FirstOrDefault(name => stacks.All(s => s.Name != name)) is { } missing)
        {
            throw new DeployException($"the synth produced no {missing} stack ({stacks.Count} stacks in {output}).");
        }
    }
}
