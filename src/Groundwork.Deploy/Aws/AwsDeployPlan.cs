using Groundwork.Deploy.Artifacts;

namespace Groundwork.Deploy.Aws;

/// <summary>One step of an AWS deploy: what it does, the exact command (bash) that does it, and for a step that runs a
/// script, that script (shipped base64-encoded, so no quoting survives two shells and the dry run shows it as is).</summary>
internal sealed record PlanStep(string Title, string Command, string? Script = null);

/// <summary>Where an AWS environment lives (src/Groundwork.Infra/environments/*.json, read as data).</summary>
internal sealed record AwsEnvironment(string Name, string Account, string Region)
{
    /// <summary>CloudFront and its certificate live in us-east-1 (the StaticSite stack).</summary>
    public const string CloudFrontRegion = "us-east-1";

    public string ArtifactsBucket => $"groundwork-artifacts-{Account}-{Region}";
    public string AppStack => $"Groundwork-{Name}-App";
    public string StaticSiteStack => $"Groundwork-{Name}-StaticSite";
    /// <summary>What the migrations and the app servers need first: the network, the log groups, the data tier (RDS, Redis, secrets).</summary>
    public IReadOnlyList<string> FoundationStacks => [$"Groundwork-{Name}-Network", $"Groundwork-{Name}-Monitoring", $"Groundwork-{Name}-Data"];
    /// <summary>What builds on the app stack (Metabase behind its ALB rule, CloudFront in front of the ALB, the alarms on both).</summary>
    public IReadOnlyList<string> DependentStacks => [$"Groundwork-{Name}-Analytics", StaticSiteStack, $"Groundwork-{Name}-Alarms"];
    /// <summary>Every stack of the environment, in the order a deploy goes through them (GroundworkApp builds the same seven).</summary>
    public IReadOnlyList<string> AllStacks => [.. FoundationStacks, AppStack, .. DependentStacks];
    public string DeployRoleArn => $"arn:aws:iam::{Account}:role/groundwork-{Name}-deploy";
    /// <summary>Where the environment's stacks publish endpoints and names (SSM parameters, DataStack / StaticSiteStack).</summary>
    public string ParameterPath => $"/groundwork/{Name}";
    /// <summary>The app user's credentials (DataStack: groundwork/&lt;env&gt;/db/app).</summary>
    public string AppUserSecret => $"groundwork/{Name}/db/app";
    /// <summary>The SELECT-only analytics user's credentials (DataStack: groundwork/&lt;env&gt;/db/analytics-readonly).</summary>
    public string AnalyticsSecret => $"groundwork/{Name}/db/analytics-readonly";

    public static AwsEnvironment Load(Repository repository, Environments.DeployEnvironment environment)
    {
        var path = Path.Combine(repository.Root, "src", "Groundwork.Infra", "environments", environment.Name + ".json");
        if (!File.Exists(path))
        {
            throw new Cli.DeployException($"Unknown environment '{environment.Name}': {path} does not exist.", Cli.CliOptions.BadInput);
        }
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        return new AwsEnvironment(environment.Name, json.RootElement.GetProperty("account").GetString()!, json.RootElement.GetProperty("region").GetString()!);
    }
}

/// <summary>
/// The steps of <c>deploy --env staging|production --version V</c>, as data: printed by <c>--dry-run</c>, run one by one
/// otherwise, from the Jenkins agent in the management VPC with the environment's deploy role. One plan for an empty
/// environment and a running one (every CDK step creates what is missing and leaves unchanged stacks alone):
/// the artifact must exist in the bucket; the foundation stacks (network, monitoring, data tier) exist and are current;
/// migrations run once, from the agent, over the VPC peering (no instance needed, so the first deploy into an
/// environment without app servers works; before any instance of V serves, and compatible with the old version still
/// running: expand, then contract in a later release); then the app stack with the version as context, whose ASG is
/// created with V (first deploy) or rolled one instance at a time with a rollback on a failed cfn-signal; then the
/// stacks built on it (analytics, static site, alarms); then the version's web build is synced into the site bucket
/// (pruning old files) and CloudFront is invalidated. No step runs a command on an instance and no step needs a Lambda.
/// </summary>
internal static class AwsDeployPlan
{
    /// <summary>
    /// The CDK CLI every deploy runs (npm). The CLI is released apart from the library since 2.1000 and deploys cloud
    /// assemblies of any 2.x library, so it stays current while Amazon.CDK.Lib stays at 2.160.0 (the newest that restores
    /// here). README, docs and Jenkinsfiles name the same version (a Deploy test checks it).
    /// </summary>
    public const string CdkCli = "aws-cdk@2.1148.1";

    /// <summary>RDS certificates chain to Amazon's RDS CAs, which are not in the OS trust store: VerifyFull needs the bundle.</summary>
    public const string RdsCaBundleUrl = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

    /// <summary>How long the migrate step may take by default: long enough for an ALTER of a large table.</summary>
    public static readonly TimeSpan DefaultMigrationTimeout = TimeSpan.FromMinutes(60);

    public static IReadOnlyList<PlanStep> For(AwsEnvironment environment, string version) =>
        For(environment, version, DefaultMigrationTimeout);

    public static IReadOnlyList<PlanStep> For(AwsEnvironment environment, string version, TimeSpan migrationTimeout)
    {
        if (!ArtifactVersion.IsValid(version))
        {
            throw new ArgumentException($"'{version}' is not a valid version.", nameof(version));
        }
        var archive = ArtifactVersion.ArchiveName(version);
        var web = ArtifactVersion.WebArchiveName(version);
        var bucket = environment.ArtifactsBucket;
        var region = environment.Region;
        string Cdk(IEnumerable<string> stacks) =>
            $"npx --yes {CdkCli} deploy {string.Join(' ', stacks)} -c version={version} --require-approval never --exclusively";
        return
        [
            new PlanStep($"Check that {archive} and {web} are in the artifacts bucket (published by the build job)",
                $"aws s3api head-object --region {region} --bucket {bucket} --key {archive} && aws s3api head-object --region {region} --bucket {bucket} --key {web}"),
            new PlanStep($"Deploy {string.Join(", ", environment.FoundationStacks)}: created in an empty environment, skipped when unchanged",
                Cdk(environment.FoundationStacks)),
            Scripted($"Run the migrations of {version} once, from here (Jenkins, over the VPC peering to the primary) as the RDS-managed master user, at most {migrationTimeout.TotalMinutes:0} min",
                MigrateScript(environment, archive, migrationTimeout)),
            new PlanStep($"Deploy {environment.AppStack} with version {version}: a new ASG starts with {version}; a running one is rolled one app server at a time",
                Cdk([environment.AppStack])),
            new PlanStep($"Deploy {string.Join(", ", environment.DependentStacks)} (Metabase, site bucket and CloudFront, alarms)",
                Cdk(environment.DependentStacks)),
            Scripted($"Sync {web} into the site bucket (aws s3 sync --delete) and invalidate CloudFront /*",
                WebSyncScript(environment, web)),
        ];
    }

    private static PlanStep Scripted(string title, string script) =>
        new(title, $"echo {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(script))} | base64 -d | bash", script);

    /// <summary>
    /// The one-off migration: fetch, verify, unpack the artifact, then <c>Groundwork.Api.dll migrate</c> against the
    /// primary. Credentials are never on disk nor in the environment: the app reads the RDS-managed master secret
    /// (schema, users) and the app and analytics users' secrets (to create or update those users) from Secrets Manager
    /// with the deploy role, which is the only role that may read the master secret. The whole step is bounded by
    /// <paramref name="timeout"/> (coreutils timeout, then SIGKILL a minute later), and so is each statement (Evolve's
    /// command timeout): a long ALTER is allowed that long, a hung one does not hold the deploy job forever.
    /// </summary>
    internal static string MigrateScript(AwsEnvironment environment, string archive, TimeSpan timeout)
    {
        var region = environment.Region;
        var bucket = environment.ArtifactsBucket;
        var seconds = (long)timeout.TotalSeconds;
        return $$"""
            set -euo pipefail
            W=$(mktemp -d)
            trap 'rm -rf "$W"' EXIT
            aws s3 cp --region {{region}} s3://{{bucket}}/{{archive}} "$W/"
            aws s3 cp --region {{region}} s3://{{bucket}}/{{archive}}.sha256 "$W/"
            echo "$(cut -d' ' -f1 "$W/{{archive}}.sha256")  $W/{{archive}}" | sha256sum --check --strict -
            mkdir "$W/r" && tar -xzf "$W/{{archive}}" -C "$W/r"
            param() { aws ssm get-parameter --region {{region}} --name "{{environment.ParameterPath}}/database/$1" --query Parameter.Value --output text; }
            PRIMARY="$(param primary-endpoint)"
            REPLICA="$(param replica-endpoint)"
            PORT="$(param port)"
            MASTER_SECRET="$(param master-secret-arn)"
            curl -fsSL -o "$W/rds-ca-bundle.pem" {{RdsCaBundleUrl}}
            export ConnectionStrings__primary="Server=$PRIMARY;Port=$PORT;Database=groundwork;SslMode=VerifyFull;SslCa=$W/rds-ca-bundle.pem"
            export ConnectionStrings__replica="Server=$REPLICA;Port=$PORT;Database=groundwork;SslMode=VerifyFull;SslCa=$W/rds-ca-bundle.pem"
            export Database__Credentials__SecretId="$MASTER_SECRET"
            export Database__AppUserSecretId={{environment.AppUserSecret}}
            export Analytics__ReadOnlySecretId={{environment.AnalyticsSecret}}
            export Database__ConnectTimeoutSeconds=15
            export Database__MigrationCommandTimeout={{TimeSpanText(timeout)}}
            export AWS_REGION={{region}}
            rc=0
            timeout --kill-after=60 {{seconds}} dotnet "$W/r/app/Groundwork.Api.dll" migrate || rc=$?
            if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
              echo "migrate timed out after {{seconds}} s (deploy --migration-timeout); Evolve's lock is released with its connection" >&2
            fi
            exit "$rc"
            """;
    }

    private static string TimeSpanText(TimeSpan value) => value.ToString("c", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The web build of the version into the site bucket: unzip, <c>aws s3 sync --delete</c> (old files pruned), then
    /// a CloudFront invalidation of /*. Cache headers are CloudFront's (the StaticSite stack's response headers
    /// policies: immutable assets, no-cache index.html), as they were with the BucketDeployment: objects carry none.
    /// </summary>
    internal static string WebSyncScript(AwsEnvironment environment, string web)
    {
        var region = environment.Region;
        var site = AwsEnvironment.CloudFrontRegion;
        return $$"""
            set -euo pipefail
            W=$(mktemp -d)
            trap 'rm -rf "$W"' EXIT
            aws s3 cp --region {{region}} s3://{{environment.ArtifactsBucket}}/{{web}} "$W/"
            python3 -m zipfile -e "$W/{{web}}" "$W/site"
            test -f "$W/site/index.html"
            param() { aws ssm get-parameter --region {{site}} --name "{{environment.ParameterPath}}/site/$1" --query Parameter.Value --output text; }
            SITE_BUCKET="$(param bucket)"
            DISTRIBUTION="$(param distribution-id)"
            aws s3 sync --region {{site}} --delete --no-progress "$W/site" "s3://$SITE_BUCKET"
            aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths '/*' --query Invalidation.Id --output text
            """;
    }
}
