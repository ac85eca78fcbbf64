using System.CommandLine;
using Amazon.Runtime;
using Groundwork.Deploy.Aws;
using Groundwork.Deploy.Credentials;
using Groundwork.Deploy.Environments;
using Groundwork.Deploy.Local;
using Groundwork.Deploy.Processes;
using Groundwork.SecretsManager;
using Spectre.Console;

namespace Groundwork.Deploy.Cli;

/// <summary>rotate-credentials: Secrets Manager's single-user rotation of a database user, run by this tool (no Lambda).</summary>
internal static class RotateCredentialsCommand
{
    public static Command Create()
    {
        var environment = CliOptions.DeployTarget();
        var user = new Option<string>("--user")
        {
            Description = "Which database user: app (the app servers' groundwork_app) or analytics (Metabase's analytics_ro)",
            DefaultValueFactory = _ => "app",
        }.AcceptOnlyFromAmong(RotationTarget.Users);
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the rotation's steps and endpoints without changing anything" };
        var region = new Option<string?>("--region") { Description = "AWS region for staging/production (default: AWS_REGION, else eu-west-1)" };
        var command = new Command("rotate-credentials",
            "Rotate a database user's password as Secrets Manager's single-user rotation does, and check the old one is refused")
        { environment, user, dryRun, region };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = new RotationTarget(parse.GetValue(environment)!, parse.GetValue(user)!);
            var (client, primary, replica) = target.Environment.IsLocal
                ? LocalRotationEndpoints(parse)
                : await AwsRotationEndpointsAsync(target.Environment, parse.GetValue(region), parse.GetValue(dryRun), cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"Rotating {target.SecretId} on {target.Environment}: primary {primary}, replica {replica}, Secrets Manager {client?.Endpoint.ToString() ?? "(dry run)"}");
            if (parse.GetValue(dryRun) || client is null)
            {
                foreach (var step in new[]
                {
                    $"createSecret: store a new generated password for the user of {target.SecretId} as AWSPENDING",
                    $"setSecret: connect to {primary} as that user and SET PASSWORD to it; wait with MASTER_GTID_WAIT until {replica} applied it",
                    $"testSecret: open new connections with the new password on {primary} and {replica}",
                    "finishSecret: move AWSCURRENT to the new version (the old one becomes AWSPREVIOUS), remove AWSPENDING",
                    $"check: the old password is refused (1045) by {primary} and {replica}",
                })
                {
                    AnsiConsole.MarkupLineInterpolated($"  [grey]would[/] {step}");
                }
                return 0;
            }
            var rotation = new CredentialRotation(client, primary, replica, line => AnsiConsole.MarkupLineInterpolated($"  {line}"));
            var result = await rotation.RotateAsync(target.SecretId, cancellationToken);
            AnsiConsole.MarkupLineInterpolated(
                $"[green]rotated[/] {result.SecretId} ({result.Username}): version {result.OldVersionId} -> {result.NewVersionId} in {result.Elapsed.TotalSeconds:F1} s");
            AnsiConsole.MarkupLineInterpolated($"the old password of {result.Username} is now refused (error 1045 on the primary and the replica)");
            return 0;
        });
        return command;
    }

    /// <summary>The running local stack: its Secrets Manager stand-in (dummy credentials) and its two servers.</summary>
    private static (SecretsManagerClient, DatabaseEndpoint, DatabaseEndpoint) LocalRotationEndpoints(ParseResult parse)
    {
        var dataDirectory = CliOptions.LocalDataDirectory(parse);
        var stack = LocalStackManifest.Read(dataDirectory);
        if (stack.SecretsUrl is not { } secretsUrl)
        {
            throw new DeployException($"the running stack has no Secrets Manager stand-in (its stack.json predates it): restart it with ./groundwork up.");
        }
        var client = new SecretsManagerClient("local", new Uri(secretsUrl), _ => Task.FromResult(new ImmutableCredentials("local", "local", null)));
        return (client, DatabaseEndpoint.FromConnectionString(stack.PrimaryConnectionString), DatabaseEndpoint.FromConnectionString(stack.ReplicaConnectionString));
    }

    /// <summary>
    /// Staging/production: the endpoints from the environment's SSM parameters (aws CLI, as the Jenkins agent has it),
    /// Secrets Manager with the SDK's credentials (the deploy role). A dry run reads nothing.
    /// </summary>
    private static async Task<(SecretsManagerClient?, DatabaseEndpoint, DatabaseEndpoint)> AwsRotationEndpointsAsync(
        DeployEnvironment environment, string? region, bool dryRun, CancellationToken cancellationToken)
    {
        var regionName = region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? "eu-west-1";
        var primaryParameter = $"/groundwork/{environment}/database/primary-endpoint";
        var replicaParameter = $"/groundwork/{environment}/database/replica-endpoint";
        if (dryRun)
        {
            return (null, new DatabaseEndpoint($"<{primaryParameter}>", 3306), new DatabaseEndpoint($"<{replicaParameter}>", 3306));
        }
        var credentials = await AwsCredentials.RequireAsync($"rotating {environment}'s database credentials");
        // Verified TLS as the app servers and the migrate step connect: the RDS CA bundle, fetched as they fetch it.
        var caFile = await RdsCaBundleAsync(cancellationToken);
        var primary = DatabaseEndpoint.Parse(await SsmParameterAsync(primaryParameter, regionName, cancellationToken), primaryParameter) with { CaFile = caFile };
        var replica = DatabaseEndpoint.Parse(await SsmParameterAsync(replicaParameter, regionName, cancellationToken), replicaParameter) with { CaFile = caFile };
        var client = new SecretsManagerClient(regionName, null, async _ => await credentials.GetCredentialsAsync());
        return (client, primary, replica);
    }

    /// <summary>The RDS global CA bundle (<see cref="AwsDeployPlan.RdsCaBundleUrl"/>) in a temporary file.</summary>
    private static async Task<string> RdsCaBundleAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        string bundle;
        try
        {
            bundle = await http.GetStringAsync(AwsDeployPlan.RdsCaBundleUrl, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new DeployException($"cannot fetch the RDS CA bundle from {AwsDeployPlan.RdsCaBundleUrl}: {e.Message}");
        }
        var path = Path.Combine(Path.GetTempPath(), "groundwork-rds-ca-bundle.pem");
        await File.WriteAllTextAsync(path, bundle, cancellationToken);
        return path;
    }

    private static async Task<string> SsmParameterAsync(string name, string region, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync("aws",
            ["ssm", "get-parameter", "--name", name, "--region", region, "--query", "Parameter.Value", "--output", "text"],
            cancellationToken: cancellationToken);
        return result.Succeeded && result.Output.Trim() is { Length: > 0 } value
            ? value
            : throw new DeployException($"cannot read SSM parameter {name}: {result.LastLine}");
    }
}
