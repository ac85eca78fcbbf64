using System.CommandLine;
using Amazon;
using Amazon.S3;
using Groundwork.Deploy.Artifacts;
using Groundwork.Deploy.Aws;
using Groundwork.Deploy.History;
using Groundwork.Deploy.Local;
using Spectre.Console;

namespace Groundwork.Deploy.Cli;

/// <summary>publish, deploy, status, rollback, stop: everything that moves an artifact somewhere.</summary>
internal static partial class DeployCli
{
    public static readonly string[] Environments = ["local", "staging", "production"];

    private static readonly Option<string?> DataDirOption = new("--data-dir")
    {
        Description = "Local stack data directory holding stack.json (default: GROUNDWORK_DATA_DIR, else <repo>/.local/data)",
        Recursive = true,
    };

    private static readonly Option<string?> StateDirOption = new("--state-dir")
    {
        Description = "Where staging/production deploy history is kept (default: GROUNDWORK_DEPLOY_STATE, else <repo>/.local/deployments)",
        Recursive = true,
    };

    static partial void AddDeploymentCommands(RootCommand root)
    {
        root.Options.Add(DataDirOption);
        root.Options.Add(StateDirOption);
        root.Subcommands.Add(PublishCommand());
        root.Subcommands.Add(DeployCommand());
        root.Subcommands.Add(StatusCommand());
        root.Subcommands.Add(RollbackCommand());
        root.Subcommands.Add(StopCommand());
    }

    private static Option<string> EnvironmentOption() => new Option<string>("--env")
    {
        Description = "Target environment: local, staging or production",
        Required = true,
    }.AcceptOnlyFromAmong(Environments);

    private static Command PublishCommand()
    {
        var artifact = new Argument<string>("artifact") { Description = "The artifact's .tar.gz (or its folder)" };
        var to = new Option<string>("--to") { Description = "s3://bucket[/prefix] (the artifacts bucket)", Required = true };
        var region = new Option<string?>("--region") { Description = "Bucket region (default: AWS_REGION, else eu-west-1)" };
        var command = new Command("publish", "Upload a verified artifact to the artifacts bucket (idempotent, never overwrites a version)") { artifact, to, region };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (bucket, prefix) = S3ArtifactPublisher.ParseUri(parse.GetValue(to)!);
            var archive = Path.GetFullPath(parse.GetValue(artifact)!);
            if (Directory.Exists(archive))
            {
                archive = archive.TrimEnd('/') + ".tar.gz";
            }
            var verification = ArtifactVerifier.Verify(archive);
            if (!verification.Intact)
            {
                throw new DeployException($"refusing to publish: {verification.Summary}");
            }
            var credentials = await AwsCredentials.RequireAsync($"publishing to s3://{bucket}");
            var regionName = parse.GetValue(region) ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? "eu-west-1";
            var config = new AmazonS3Config { RegionEndpoint = RegionEndpoint.GetBySystemName(regionName) };
            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3")))
            {
                // A custom S3 endpoint (the SDK reads AWS_ENDPOINT_URL_S3 itself) is addressed by path, not by bucket host name.
                config.ForcePathStyle = true;
            }
            using var s3 = new AmazonS3Client(credentials, config);
            var uploaded = await Steps.RunAsync("Publishing", step =>
                new S3ArtifactPublisher(s3, step).PublishAsync(S3ArtifactPublisher.FilesOf(archive), bucket, prefix, cancellationToken));
            AnsiConsole.MarkupLineInterpolated($"[green]published[/] {verification.Manifest!.Version} to s3://{bucket}/{prefix} ({uploaded} uploaded)");
            return 0;
        });
        return command;
    }

    private static Command DeployCommand()
    {
        var environment = EnvironmentOption();
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
                throw new DeployException($"'{requested}' is not a valid version.", BadInput);
            }
            var options = new RollingDeployOptions { HealthTimeout = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(healthTimeout))) };
            return await DeployAsync(parse, parse.GetValue(environment)!, requested, parse.GetValue(dryRun), parse.GetValue(noSynth), options, cancellationToken);
        });
        return command;
    }

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

    private static Command RollbackCommand()
    {
        var environment = EnvironmentOption();
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
            var history = HistoryFor(parse, env);
            var previous = history.Previous(env)
                ?? throw new DeployException($"Nothing to roll back to: {history.Path} records no earlier successful version for {env}.");
            if (parse.GetValue(versionFile) is { } file)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
                await File.WriteAllTextAsync(file, previous.Version + "\n", cancellationToken);
                AnsiConsole.MarkupLineInterpolated($"A rollback of {env} deploys {previous.Version} (current {history.Current(env)!.Version}); written to {file}");
                return 0;
            }
            AnsiConsole.MarkupLineInterpolated($"Rolling {env} back from {history.Current(env)!.Version} to {previous.Version} (deployed {previous.At:u} by {previous.By})");
            // For staging/production this runs only from a checkout of the previous version's commit (CheckSourceCommitAsync).
            return await DeployAsync(parse, env, previous.Version, parse.GetValue(dryRun), parse.GetValue(noSynth), new RollingDeployOptions(), cancellationToken);
        });
        return command;
    }

    private static Command StatusCommand()
    {
        var environment = EnvironmentOption();
        var command = new Command("status", "What runs where: the environment's current version and its deploy history") { environment };
        command.SetAction(parse =>
        {
            var env = parse.GetValue(environment)!;
            var history = HistoryFor(parse, env);
            var records = history.Of(env);
            var current = history.Current(env);
            AnsiConsole.MarkupLineInterpolated($"{env}: {(current is null ? "no recorded deploy" : $"{current.Version} (deployed {current.At:u} by {current.By})")}");
            if (env == "local" && LocalDeployment.Read(LocalDataDirectory(parse)) is { } local)
            {
                foreach (var instance in local.Instances)
                {
                    var state = InstanceProcesses.IsRunning(instance.Pid) ? "running" : "not running";
                    AnsiConsole.MarkupLineInterpolated($"  {instance.Name} {instance.Url} pid {instance.Pid} ({state})");
                }
            }
            // Plain lines, not a table: Jenkins logs and scripts read them.
            foreach (var record in records.TakeLast(10))
            {
                Console.WriteLine($"  {record.At:u}  {record.Version}  by {record.By}  {(record.Succeeded ? "ok" : "failed: " + record.Note)}");
            }
            return 0;
        });
        return command;
    }

    private static Command StopCommand()
    {
        var environment = new Option<string>("--env") { Description = "Only local", Required = true }.AcceptOnlyFromAmong("local");
        var command = new Command("stop", "Stop (SIGTERM) the local instances the tool started, e.g. after the AppHost was stopped") { environment };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataDirectory = LocalDataDirectory(parse);
            var local = LocalDeployment.Read(dataDirectory);
            foreach (var instance in local?.Instances ?? [])
            {
                var stopped = await InstanceProcesses.StopGracefullyAsync(instance.Pid, TimeSpan.FromSeconds(30), cancellationToken);
                AnsiConsole.MarkupLineInterpolated($"{instance.Name} (pid {instance.Pid}): {(stopped ? "stopped" : "still running")}");
            }
            return 0;
        });
        return command;
    }

    private static async Task<int> DeployAsync(ParseResult parse, string env, string version, bool dryRun, bool noSynth,
        RollingDeployOptions options, CancellationToken cancellationToken)
    {
        var repository = Repository.Find();
        var history = HistoryFor(parse, env);
        if (env == "local")
        {
            var dataDirectory = LocalDataDirectory(parse);
            var artifact = ArtifactStore.Locate(ArtifactsDirectory(parse, repository), version);
            if (dryRun)
            {
                PrintLocalPlan(dataDirectory, artifact, version);
                return 0;
            }
            try
            {
                var result = await Steps.RunAsync($"Deploying {version} to local", step =>
                    new LocalRollingDeploy(dataDirectory, options, step).DeployAsync(artifact, cancellationToken));
                history.Append(new DeploymentRecord(env, version, DeploymentHistory.CurrentUser(), DateTimeOffset.UtcNow, true,
                    $"replaced {string.Join(", ", result.Replaced)}"));
                AnsiConsole.MarkupLineInterpolated(
                    $"[green]deployed[/] {version} to local: {result.Instances.Count} instance(s) replaced one at a time in {result.Elapsed.TotalSeconds:F1} s");
                return 0;
            }
            catch (DeployException e)
            {
                history.Append(new DeploymentRecord(env, version, DeploymentHistory.CurrentUser(), DateTimeOffset.UtcNow, false, e.Message));
                throw;
            }
        }

        var aws = AwsEnvironment.Load(repository, env);
        var migrationTimeout = TimeSpan.FromMinutes(parse.GetValue(MigrationTimeoutOption));
        await CheckSourceCommitAsync(repository, version, dryRun, cancellationToken);
        if (dryRun)
        {
            await PrintAwsPlanAsync(repository, aws, version, migrationTimeout, noSynth, ArtifactsDirectory(parse, repository), cancellationToken);
            return 0;
        }
        try
        {
            await Steps.RunAsync($"Deploying {version} to {env}", async step =>
            {
                await AwsDeploy.RunAsync(aws, version, migrationTimeout, step, cancellationToken);
                return 0;
            });
        }
        catch (DeployException e) when (!e.Message.StartsWith("No AWS credentials", StringComparison.Ordinal) && !e.Message.StartsWith("No usable AWS credentials", StringComparison.Ordinal))
        {
            history.Append(new DeploymentRecord(env, version, DeploymentHistory.CurrentUser(), DateTimeOffset.UtcNow, false, e.Message));
            throw;
        }
        history.Append(new DeploymentRecord(env, version, DeploymentHistory.CurrentUser(), DateTimeOffset.UtcNow, true));
        AnsiConsole.MarkupLineInterpolated($"[green]deployed[/] {version} to {env}");
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
            throw new DeployException(message, BadInput);
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

    private static string LocalDataDirectory(ParseResult parse) =>
        LocalStackManifest.DataDirectory(parse.GetValue(DataDirOption), TryFindRepository());

    private static DeploymentHistory HistoryFor(ParseResult parse, string env)
    {
        if (env == "local")
        {
            return new DeploymentHistory(LocalDeployment.StateDirectory(LocalDataDirectory(parse)));
        }
        var configured = parse.GetValue(StateDirOption) ?? Environment.GetEnvironmentVariable("GROUNDWORK_DEPLOY_STATE");
        return new DeploymentHistory(Path.GetFullPath(configured ?? Path.Combine(Repository.Find().Root, ".local", "deployments")));
    }

    private static Repository? TryFindRepository()
    {
        try
        {
            return Repository.Find();
        }
        catch (DeployException)
        {
            return null;
        }
    }
}
