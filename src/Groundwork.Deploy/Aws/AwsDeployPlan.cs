using Groundwork.Deploy.Artifacts;

namespace Groundwork.Deploy.Aws;

/// <summary>One step of an AWS deploy: what it does, the exact command (bash) that does it, and for a remote step the
/// script it runs on the instance (shipped base64-encoded, so no quoting survives three shells).</summary>
internal sealed record PlanStep(string Title, string Command, string? Script = null);

/// <summary>Where an AWS environment lives (src/Groundwork.Infra/environments/*.json, read as data).</summary>
internal sealed record AwsEnvironment(string Name, string Account, string Region)
{
    /// <summary>CloudFront and its certificate live in us-east-1 (the StaticSite stack).</summary>
    public const string CloudFrontRegion = "us-east-1";

    public string ArtifactsBucket => $"groundwork-artifacts-{Account}-{Region}";
    public string AppStack => $"Groundwork-{Name}-App";
    public string StaticSiteStack => $"Groundwork-{Name}-StaticSite";
    public string AppServerGroup => $"groundwork-{Name}-app";
    public string DeployRoleArn => $"arn:aws:iam::{Account}:role/groundwork-{Name}-deploy";
    /// <summary>The SELECT-only analytics user's credentials (DataStack: groundwork/&lt;env&gt;/db/analytics-readonly).</summary>
    public string AnalyticsSecret => $"groundwork/{Name}/db/analytics-readonly";

    public static AwsEnvironment Load(Repository repository, string name)
    {
        var path = Path.Combine(repository.Root, "src", "Groundwork.Infra", "environments", name + ".json");
        if (!File.Exists(path))
        {
            throw new Cli.DeployException($"Unknown environment '{name}': {path} does not exist.", Cli.DeployCli.BadInput);
        }
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        return new AwsEnvironment(name, json.RootElement.GetProperty("account").GetString()!, json.RootElement.GetProperty("region").GetString()!);
    }
}

/// <summary>
/// The steps of <c>deploy --env staging|production --version V</c>, as data: printed by <c>--dry-run</c>, run one by one
/// otherwise. Order matters: the artifact must exist in the bucket; migrations run once (before any instance of the new
/// version serves, and compatible with the old one still running: expand, then contract in a later release); then the
/// app stack with the version as context, whose ASG rolling update replaces instances one at a time and rolls back on a
/// failed cfn-signal; then the static site stack, whose BucketDeployment copies the version's web build into the site
/// bucket (pruning old files) and invalidates CloudFront.
/// </summary>
internal static class AwsDeployPlan
{
    /// <summary>
    /// The CDK CLI every deploy runs (npm). The CLI is released apart from the library since 2.1000 and deploys cloud
    /// assemblies of any 2.x library, so it stays current while Amazon.CDK.Lib stays at 2.160.0 (the newest that restores
    /// here). README, docs and Jenkinsfiles name the same version (a Deploy test checks it).
    /// </summary>
    public const string CdkCli = "aws-cdk@2.1148.1";

    public static IReadOnlyList<PlanStep> For(AwsEnvironment environment, string version)
    {
        if (!ArtifactVersion.IsValid(version))
        {
            throw new ArgumentException($"'{version}' is not a valid version.", nameof(version));
        }
        var archive = ArtifactVersion.ArchiveName(version);
        var web = ArtifactVersion.WebArchiveName(version);
        var bucket = environment.ArtifactsBucket;
        var region = environment.Region;
        // Runs on one in-service app server through SSM Run Command: it has the network path to the primary and the
        // database credentials in /etc/groundwork/app.env. Evolve takes a database lock, so even a retry cannot race.
        var migrateScript = MigrateScript(bucket, region, archive, environment.AnalyticsSecret);
        var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(migrateScript));
        var cdk = $"npx --yes {CdkCli} deploy {{0}} -c version={version} --require-approval never --exclusively";
        return
        [
            new PlanStep($"Check that {archive} and {web} are in the artifacts bucket (published by the build job)",
                $"aws s3api head-object --region {region} --bucket {bucket} --key {archive} && aws s3api head-object --region {region} --bucket {bucket} --key {web}"),
            new PlanStep($"Run the migrations of {version} once, as a one-off on one {environment.AppServerGroup} instance (SSM Run Command)",
                $"INSTANCE=$(aws autoscaling describe-auto-scaling-groups --region {region} --auto-scaling-group-names {environment.AppServerGroup} " +
                "--query 'AutoScalingGroups[0].Instances[?LifecycleState==`InService`]|[0].InstanceId' --output text) && " +
                $"COMMAND=$(aws ssm send-command --region {region} --instance-ids $INSTANCE --document-name AWS-RunShellScript " +
                $"--comment 'groundwork {version} migrate' --parameters 'commands=[\"echo {encoded} | base64 -d | bash\"]' --query Command.CommandId --output text) && " +
                $"aws ssm wait command-executed --region {region} --command-id $COMMAND --instance-id $INSTANCE",
                migrateScript),
            new PlanStep($"Deploy {environment.AppStack} with version {version}: the ASG's rolling update replaces the app servers one at a time",
                string.Format(System.Globalization.CultureInfo.InvariantCulture, cdk, environment.AppStack)),
            new PlanStep($"Deploy {environment.StaticSiteStack} with version {version}: copies {web} to the site bucket (prune) and invalidates CloudFront /*",
                string.Format(System.Globalization.CultureInfo.InvariantCulture, cdk, environment.StaticSiteStack)),
        ];
    }

    /// <summary>
    /// What the one-off migration runs on the app server: fetch, verify, unpack the artifact, migrate (schema, then the
    /// analytics read-only user, whose credentials only this step reads).
    /// </summary>
    internal static string MigrateScript(string bucket, string region, string archive, string analyticsSecret) => $"""
        set -euo pipefail
        W=$(mktemp -d)
        trap 'rm -rf "$W"' EXIT
        aws s3 cp --region {region} s3://{bucket}/{archive} "$W/"
        aws s3 cp --region {region} s3://{bucket}/{archive}.sha256 "$W/"
        echo "$(cut -d' ' -f1 "$W/{archive}.sha256")  $W/{archive}" | sha256sum --check --strict -
        mkdir "$W/r" && tar -xzf "$W/{archive}" -C "$W/r"
        set -a && . /etc/groundwork/app.env && set +a
        ANALYTICS_JSON="$(aws secretsmanager get-secret-value --region {region} --secret-id {analyticsSecret} --query SecretString --output text)"
        Analytics__ReadOnlyUser="$(jq -r .username <<<"$ANALYTICS_JSON")"
        Analytics__ReadOnlyPassword="$(jq -r .password <<<"$ANALYTICS_JSON")"
        export Analytics__ReadOnlyUser Analytics__ReadOnlyPassword
        /usr/bin/dotnet "$W/r/app/Groundwork.Api.dll" migrate
        """;
}
