using System.Text.RegularExpressions;

namespace Groundwork.UserData;

/// <summary>What an app server needs to know at boot. Values may be CDK tokens (resolved in the template).</summary>
public sealed record AppServerUserDataSettings
{
    /// <summary>The artifact version to install: s3://{ArtifactBucket}/groundwork-{Version}.tar.gz.</summary>
    public required string Version { get; init; }
    public required string EnvironmentName { get; init; }
    public required string ArtifactBucket { get; init; }
    public required string Region { get; init; }
    /// <summary>The stack and logical id of the Auto Scaling group that waits for this instance's signal.</summary>
    public required string StackName { get; init; }
    public required string SignalResource { get; init; }
    /// <summary>SSM parameter path holding the non-secret configuration (endpoints, ALB ARN, admin allowlist...).</summary>
    public required string ParameterPath { get; init; }
    /// <summary>The app database user's secret (JSON: username, password). The script never reads it: the app reads it
    /// at connection time (Database:Credentials:SecretId), so a rotation needs no restart and no password is on disk.</summary>
    public required string DatabaseCredentialsSecret { get; init; }
    /// <summary>The schema the app uses on the primary and the replica.</summary>
    public string DatabaseName { get; init; } = "groundwork";
    /// <summary>Secrets Manager ids read at boot: the Redis AUTH token (JSON: token), the New Relic license key
    /// (JSON: licenseKey) and the Sentry DSN (JSON: dsn).</summary>
    public required string RedisAuthSecret { get; init; }
    public required string NewRelicLicenseSecret { get; init; }
    public required string SentryDsnSecret { get; init; }
    public int Port { get; init; } = 8080;
    public string ReadyPath { get; init; } = "/health/ready";
    /// <summary>How long to wait for /health/ready before signalling failure (the ASG then rolls back).</summary>
    public int ReadyTimeoutSeconds { get; init; } = 300;
    public int ReadyPollSeconds { get; init; } = 5;
}

/// <summary>
/// Renders the launch template's user data of an app server: install the .NET runtime, download and verify the
/// given artifact version, write the environment file and the systemd unit, start it, wait for /health/ready, signal
/// CloudFormation. The script, the unit and the environment file are templates (Templates/); this class only fills
/// them. A pure function (settings → script text), so the deploy tool renders exactly what the instances will run.
/// </summary>
public static partial class AppServerUserData
{
    public const string InstallRoot = "/opt/groundwork";
    public const string EnvironmentFile = "/etc/groundwork/app.env";
    public const string UnitName = "groundwork-api.service";
    public const string RdsCaBundle = "/etc/groundwork/rds-ca-bundle.pem";
    /// <summary>
    /// How often (seconds) MySqlConnector re-resolves the endpoints' DNS names: a Multi-AZ failover moves the primary's
    /// name to the standby, and the pool then drops connections to the old address instead of keeping them.
    /// </summary>
    public const int DnsCheckIntervalSeconds = 5;

    private static readonly ShellTemplate Script = Template("app-server-user-data.sh");
    private static readonly ShellTemplate Unit = Template("groundwork-api.service");
    private static readonly ShellTemplate Environment = Template("app.env");

    /// <summary>The artifact file name of a version, as the build job uploads it.</summary>
    public static string ArtifactName(string version) => $"groundwork-{version}.tar.gz";

    /// <summary>Versions are interpolated into a shell script and S3 keys: only a safe alphabet is accepted.</summary>
    public static bool IsValidVersion(string version) => SafeVersion().IsMatch(version);

    public static string Render(AppServerUserDataSettings s)
    {
        Validate(s);
        // The script reads the endpoints and secrets at boot into shell variables; the heredocs that write the
        // environment file and the unit expand them there.
        var environment = Environment.Render(new Dictionary<string, string>
        {
            ["Port"] = Invariant(s.Port), ["PrimaryHost"] = "${PRIMARY_HOST}", ["ReplicaHost"] = "${REPLICA_HOST}",
            ["DatabasePort"] = "${DB_PORT}", ["DatabaseName"] = s.DatabaseName, ["RdsCaBundle"] = RdsCaBundle,
            ["DnsCheckIntervalSeconds"] = Invariant(DnsCheckIntervalSeconds), ["DatabaseCredentialsSecret"] = s.DatabaseCredentialsSecret,
            ["Region"] = "${REGION}", ["RedisHost"] = "${REDIS_HOST}", ["RedisPort"] = "${REDIS_PORT}", ["RedisToken"] = "${REDIS_TOKEN}",
            ["AlbArn"] = "${ALB_ARN}", ["AlbKeyEndpoint"] = "${ALB_KEY_ENDPOINT}", ["AlbIssuer"] = "${ALB_ISSUER}",
            ["AdminEmails"] = "${ADMIN_EMAILS}", ["AdminDomains"] = "${ADMIN_DOMAINS}", ["OtlpEndpoint"] = "${OTLP_ENDPOINT}",
            ["NewRelicLicense"] = "${NEW_RELIC_LICENSE}", ["Version"] = "${VERSION}", ["EnvironmentName"] = s.EnvironmentName,
            ["SentryDsn"] = "${SENTRY_DSN}",
        });
        return Script.Render(new Dictionary<string, string>
        {
            ["Version"] = s.Version, ["Artifact"] = ArtifactName(s.Version), ["ArtifactBucket"] = s.ArtifactBucket,
            ["Region"] = s.Region, ["ParameterPath"] = s.ParameterPath, ["StackName"] = s.StackName,
            ["SignalResource"] = s.SignalResource, ["InstallRoot"] = InstallRoot, ["RedisAuthSecret"] = s.RedisAuthSecret,
            ["NewRelicLicenseSecret"] = s.NewRelicLicenseSecret, ["SentryDsnSecret"] = s.SentryDsnSecret,
            ["RdsCaBundle"] = RdsCaBundle, ["EnvironmentFile"] = EnvironmentFile, ["AppEnvironment"] = WithoutFinalNewline(environment),
            ["EnvironmentName"] = s.EnvironmentName, ["UnitName"] = UnitName, ["SystemdUnit"] = WithoutFinalNewline(RenderUnit("${VERSION}")),
            ["ReadyAttempts"] = Invariant(s.ReadyTimeoutSeconds / s.ReadyPollSeconds), ["Port"] = Invariant(s.Port),
            ["ReadyPath"] = s.ReadyPath, ["ReadyPollSeconds"] = Invariant(s.ReadyPollSeconds),
        });
    }

    /// <summary>The systemd unit of a version: the very template the user data writes (there with ${VERSION}).</summary>
    public static string SystemdUnit(string version)
    {
        if (!IsValidVersion(version)) throw new ArgumentException($"'{version}' is not a valid artifact version.", nameof(version));
        return RenderUnit(version);
    }

    private static string RenderUnit(string version) => Unit.Render(new Dictionary<string, string>
    {
        ["Version"] = version, ["InstallRoot"] = InstallRoot, ["EnvironmentFile"] = EnvironmentFile,
    });

    private static void Validate(AppServerUserDataSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (!IsValidVersion(s.Version))
            throw new ArgumentException($"'{s.Version}' is not a valid artifact version.", nameof(s));
        foreach (var (name, value) in new[]
                 {
                     (nameof(s.EnvironmentName), s.EnvironmentName), (nameof(s.ArtifactBucket), s.ArtifactBucket),
                     (nameof(s.Region), s.Region), (nameof(s.StackName), s.StackName),
                     (nameof(s.SignalResource), s.SignalResource), (nameof(s.ParameterPath), s.ParameterPath),
                     (nameof(s.DatabaseCredentialsSecret), s.DatabaseCredentialsSecret), (nameof(s.DatabaseName), s.DatabaseName),
                     (nameof(s.RedisAuthSecret), s.RedisAuthSecret),
                     (nameof(s.NewRelicLicenseSecret), s.NewRelicLicenseSecret),
                     (nameof(s.SentryDsnSecret), s.SentryDsnSecret), (nameof(s.ReadyPath), s.ReadyPath),
                 })
        {
            // Some values also land inside the heredocs and double quotes (environment file, URLs), where the shell
            // would expand $ and ` and a quote or newline would end them. A CDK token (${Token[...]}) is not shell:
            // CloudFormation replaces it with the resolved value before the script ever runs.
            var bare = CdkToken().Replace(value ?? "", "");
            if (string.IsNullOrEmpty(value) || bare.IndexOfAny(['\'', '"', '\n', '\r', '\\', '$', '`']) >= 0)
                throw new ArgumentException($"{name} must be non-empty and free of quotes, backslashes, $, ` and newlines.", nameof(s));
        }
        if (s.Port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(s), "Port out of range.");
        if (s.ReadyPollSeconds < 1 || s.ReadyTimeoutSeconds < s.ReadyPollSeconds)
            throw new ArgumentOutOfRangeException(nameof(s), "ReadyTimeoutSeconds must be at least ReadyPollSeconds >= 1.");
    }

    private static ShellTemplate Template(string file) =>
        ShellTemplate.FromResource(typeof(AppServerUserData).Assembly, $"Groundwork.UserData.Templates.{file}");

    /// <summary>A rendered file placed between a heredoc's first line and its delimiter line.</summary>
    private static string WithoutFinalNewline(string text) => text.EndsWith('\n') ? text[..^1] : text;

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[0-9A-Za-z][0-9A-Za-z._+-]{0,127}$")]
    private static partial Regex SafeVersion();

    [GeneratedRegex(@"\$\{Token\[[A-Za-z0-9_.\-]+\]\}")]
    private static partial Regex CdkToken();
}
