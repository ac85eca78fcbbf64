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
    public string DeployRoleArn => $"arn:aws:iam::{Account}:role/groundwork-{Name}-deploy";
    /// <summary>Where the environment's stacks publish endpoints and names (SSM parameters, DataStack / StaticSiteStack).</summary>
    public string ParameterPath => $"/groundwork/{Name}";
    /// <summary>The app user's credentials (DataStack: groundwork/&lt;env&gt;/db/app).</summary>
    public string AppUserSecret => $"groundwork/{Name}/db/app";
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
/// otherwise, from the Jenkins controller with the environment's deploy role. Order matters: the artifact must exist in
/// the bucket; migrations run once (before any instance of the new version serves, and compatible with the old one still
/// running: expand, then contract in a later release); then the app stack with the version as context, whose ASG rolling
/// update replaces instances one at a time and rolls back on a failed cfn-signal; then the static site stack (bucket and
/// CloudFront only); then the version's web build is synced into the site bucket (pruning old files) and CloudFront is
/// invalidated. No step runs a command on an instance and no step needs a Lambda.
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
        var cdk = $"npx --yes {CdkCli} deploy {{0}} -c version={version} --require-approval never --exclusively";
        return
        [
            new PlanStep($"Check that {archive} and {web} are in the artifacts bucket (published by the build job)",
                $"aws s3api head-object --region {region} --bucket {bucket} --key {archive} && aws s3api head-object --region {region} --bucket {bucket} --key {web}"),
            Scripted($"Run the migrations of {version} once, from here (Jenkins, over the VPC peering to the primary) as the RDS-managed master user",
                MigrateScript(environment, archive)),
            new PlanStep($"Deploy {environment.AppStack} with version {version}: the ASG's rolling update replaces the app servers one at a time",
                string.Format(System.Globalization.CultureInfo.InvariantCulture, cdk, environment.AppStack)),
            new PlanStep($"Deploy {environment.StaticSiteStack} (site bucket and CloudFront)",
                string.Format(System.Globalization.CultureInfo.InvariantCulture, cdk, environment.StaticSiteStack)),
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
    /// with the deploy role, which is the only role that may read the master secret.
    /// </summary>
    internal static string MigrateScript(AwsEnvironment environment, string archive)
    {
        var region = environment.Region;
        var bucket = environment.ArtifactsBucket;
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
            export AWS_REGION={{region}}
            dotnet "$W/r/app/Groundwork.Api.dll" migrate
            """;
    }

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
