using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Groundwork.Infra.Configuration;

/// <summary>One deployment environment (staging, production) as data: everything that differs between them.</summary>
public sealed record EnvironmentSettings
{
    public required string Name { get; init; }
    public required string Account { get; init; }
    public required string Region { get; init; }
    /// <summary>Explicit AZs: a stack with an explicit Env would otherwise look them up (needs AWS credentials).</summary>
    public required IReadOnlyList<string> AvailabilityZones { get; init; }
    public required string Domain { get; init; }
    /// <summary>The public hosted zone of <see cref="Domain"/>, created and delegated outside this app.</summary>
    public required string HostedZoneId { get; init; }
    public required string VpcCidr { get; init; }
    public required int NatGateways { get; init; }
    /// <summary>
    /// When set, <see cref="NatGateways"/> NAT instances of this type (Graviton, e.g. t4g.nano) carry the private
    /// subnets' outbound traffic instead of managed NAT gateways: a fraction of the price, but one instance is a single
    /// point of failure for outbound traffic and its bandwidth is the instance's (docs/decisions.md, Cost).
    /// </summary>
    public string? NatInstanceType { get; init; }
    /// <summary>Production keeps data stores and buckets when a stack is deleted; staging does not.</summary>
    public required bool RetainData { get; init; }
    public required AppServerSettings AppServers { get; init; }
    public required DatabaseSettings Database { get; init; }
    public required CacheSettings Cache { get; init; }
    public required AnalyticsSettings Analytics { get; init; }
    public required BastionSettings Bastion { get; init; }
    /// <summary>The admin allowlist (app: Admin:Emails; Cognito trigger: ALLOWED_EMAILS). Empty = nobody.</summary>
    public IReadOnlyList<string> AdminEmails { get; init; } = [];
    /// <summary>Whole email domains on the admin allowlist (app: Admin:Domains; Cognito trigger: ALLOWED_DOMAINS).</summary>
    public IReadOnlyList<string> AdminDomains { get; init; } = [];
    /// <summary>Who the alarm topic emails. Must name someone where <see cref="AlarmSubscriberRequired"/> (production).</summary>
    public IReadOnlyList<string> AlarmEmails { get; init; } = [];
    /// <summary>Synth refuses this environment while <see cref="AlarmEmails"/> is empty: its alarms must reach a person.</summary>
    public bool AlarmSubscriberRequired { get; init; }
    public required string NewRelicOtlpEndpoint { get; init; }

    /// <summary>Rules across fields that JSON binding cannot express; synth stops with the first broken one.</summary>
    public void Validate()
    {
        if (AlarmSubscriberRequired && AlarmEmails.Count == 0)
            throw new InvalidDataException(
                $"environments/{Name}.json: alarmEmails is empty, but this environment's alarms must reach someone (alarmSubscriberRequired). Add at least one address.");
        foreach (var email in AlarmEmails)
        {
            var at = email.LastIndexOf('@');
            if (at <= 0 || at == email.Length - 1 || email.Any(char.IsWhiteSpace))
                throw new InvalidDataException($"environments/{Name}.json: alarmEmails has '{email}', which is not an email address.");
        }
    }

    public string AnalyticsHost => $"analytics.{Domain}";
    /// <summary>The name CloudFront uses to reach the ALB (an alias record of the ALB).</summary>
    public string OriginHost => $"origin.{Domain}";
    public string ParameterPath => $"/groundwork/{Name}";
    public string SecretPrefix => $"groundwork/{Name}";
}

public sealed record AppServerSettings
{
    public required string InstanceType { get; init; }
    public required int MinCapacity { get; init; }
    public required int MaxCapacity { get; init; }
    public required int TargetCpuPercent { get; init; }
}

public sealed record DatabaseSettings
{
    public required string InstanceType { get; init; }
    public required string ReplicaInstanceType { get; init; }
    public required int AllocatedStorageGiB { get; init; }
    public required int MaxAllocatedStorageGiB { get; init; }
    public required bool MultiAz { get; init; }
    public required int BackupRetentionDays { get; init; }
    public required bool DeletionProtection { get; init; }
}

public sealed record CacheSettings
{
    public required string NodeType { get; init; }
    public required int Nodes { get; init; }
    public required bool AutomaticFailover { get; init; }
}

public sealed record AnalyticsSettings
{
    public required string InstanceType { get; init; }
    public required string DatabaseInstanceType { get; init; }
}

public sealed record BastionSettings
{
    public required string InstanceType { get; init; }
    /// <summary>CIDRs allowed to SSH to the bastion. Empty by default: nobody can, until someone is listed.</summary>
    public IReadOnlyList<string> SshAllowlist { get; init; } = [];
}

/// <summary>The management VPC shared by every environment: Jenkins, Sentry, the artifacts bucket.</summary>
public sealed record ManagementSettings
{
    public required string Account { get; init; }
    public required string Region { get; init; }
    public required IReadOnlyList<string> AvailabilityZones { get; init; }
    public required string VpcCidr { get; init; }
    public required ToolHostSettings Jenkins { get; init; }
    public required ToolHostSettings Sentry { get; init; }
    /// <summary>The management VPC's outbound NAT: a NAT instance of this type, or a NAT gateway when unset.</summary>
    public string? NatInstanceType { get; init; }
    public required int ArtifactRetentionDays { get; init; }
    /// <summary>The public hosted zone the tool hosts' names live in (sentry.&lt;domain&gt;: the TLS name of Sentry's ingest).</summary>
    public required string Domain { get; init; }
    public required string HostedZoneId { get; init; }
    /// <summary>
    /// The Amazon Linux 2023 AMI of the tool hosts, per region. Pinned: a new AMI replaces Jenkins and Sentry (their data
    /// volumes are re-attached), so it happens when someone changes this, not whenever AWS publishes one.
    /// </summary>
    public required IReadOnlyDictionary<string, string> AmazonLinux2023Amis { get; init; }
    /// <summary>How long the daily snapshots of the tool hosts' data volumes are kept.</summary>
    public required int ToolDataBackupRetentionDays { get; init; }
    /// <summary>The Git repository the Jenkins jobs check out (GROUNDWORK_REPO_URL of ci/jenkins/jenkins.yaml).</summary>
    public required string RepositoryUrl { get; init; }
    /// <summary>The Debian build agent Jenkins runs its jobs on (`./groundwork test` needs apt).</summary>
    public required JenkinsAgentHostSettings JenkinsAgent { get; init; }
    /// <summary>The Debian 12 AMI of the build agent, per region; pinned like <see cref="AmazonLinux2023Amis"/>.</summary>
    public required IReadOnlyDictionary<string, string> Debian12Amis { get; init; }

    /// <summary>The pinned Debian AMI of the management region; synth stops with a one-line message when it is missing or malformed.</summary>
    public string JenkinsAgentAmi =>
        Debian12Amis.TryGetValue(Region, out var ami) && System.Text.RegularExpressions.Regex.IsMatch(ami, "^ami-[0-9a-f]{8}([0-9a-f]{9})?$")
            ? ami
            : throw new InvalidDataException($"environments/management.json: debian12Amis has no valid AMI id for {Region}.");

    public string SentryHost => $"sentry.{Domain}";

    /// <summary>The pinned AMI of the management region; synth stops with a one-line message when it is missing or malformed.</summary>
    public string ToolHostAmi =>
        AmazonLinux2023Amis.TryGetValue(Region, out var ami) && System.Text.RegularExpressions.Regex.IsMatch(ami, "^ami-[0-9a-f]{8}([0-9a-f]{9})?$")
            ? ami
            : throw new InvalidDataException($"environments/management.json: amazonLinux2023Amis has no valid AMI id for {Region}.");

    /// <summary>Deterministic so that stacks in any region can name it without a cross-stack reference.</summary>
    public string ArtifactsBucketName => $"groundwork-artifacts-{Account}-{Region}";
}

public sealed record JenkinsAgentHostSettings
{
    public required string InstanceType { get; init; }
    /// <summary>Workspace, NuGet/npm caches, the test run's servers and browsers live on the root volume.</summary>
    public required int RootVolumeGiB { get; init; }
}

public sealed record ToolHostSettings
{
    public required string InstanceType { get; init; }
    public required int DataVolumeGiB { get; init; }
}

/// <summary>Reads the environment files (environments/*.json) shipped next to the assembly.</summary>
public static class EnvironmentFiles
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "environments");

    /// <summary>The deployment environments, in a stable order (staging before production).</summary>
    /// <param name="size">
    /// A size overlay (environments/sizes/&lt;size&gt;/&lt;name&gt;.json, merged over the environment's file as a JSON
    /// merge patch): what the same code deploys at another row of docs/performance.md's sizing table. Null: the base size.
    /// </param>
    public static IReadOnlyList<EnvironmentSettings> LoadEnvironments(string? size = null) =>
        new[] { "staging", "production" }.Select(name => LoadEnvironment(name, size)).ToList();

    public static EnvironmentSettings LoadEnvironment(string name, string? size = null)
    {
        var settings = Read<EnvironmentSettings>($"{name}.json", size);
        if (settings.Name != name)
            throw new InvalidDataException($"environments/{name}.json names itself '{settings.Name}'.");
        if (settings.AvailabilityZones.Count != 2)
            throw new InvalidDataException($"environments/{name}.json must list exactly 2 availability zones.");
        settings.Validate();
        return settings;
    }

    public static ManagementSettings LoadManagement(string? size = null) => Read<ManagementSettings>("management.json", size);

    /// <summary>The sizes with an overlay folder (environments/sizes/*), besides the base size.</summary>
    public static IReadOnlyList<string> Sizes =>
        System.IO.Directory.Exists(Path.Combine(Directory, "sizes"))
            ? System.IO.Directory.GetDirectories(Path.Combine(Directory, "sizes")).Select(d => Path.GetFileName(d)!).OrderBy(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).ToList()
            : [];

    private static T Read<T>(string file, string? size = null)
    {
        var path = Path.Combine(Directory, file);
        var text = File.ReadAllText(path);
        if (size is not null)
        {
            var sizeDirectory = Path.Combine(Directory, "sizes", size);
            if (!System.IO.Directory.Exists(sizeDirectory))
                throw new InvalidDataException($"environments/sizes/{size}/ does not exist (sizes: {string.Join(", ", Sizes)}).");
            var overlay = Path.Combine(sizeDirectory, file);
            if (File.Exists(overlay))
                text = MergePatch(JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }),
                    JsonNode.Parse(File.ReadAllText(overlay), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }))!.ToJsonString();
        }
        return JsonSerializer.Deserialize<T>(text, Json)
            ?? throw new InvalidDataException($"{path} is empty.");
    }

    /// <summary>RFC 7386 JSON merge patch: objects merge member by member, null removes, anything else replaces.</summary>
    internal static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
            return patch?.DeepClone();
        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
                result.Remove(key);
            else
                result[key] = MergePatch(result[key], value);
        }
        return result;
    }
}
