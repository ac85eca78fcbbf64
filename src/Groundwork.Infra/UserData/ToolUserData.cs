using System.Text;

namespace Groundwork.Infra.UserData;

/// <summary>The Jenkins controller's boot: Jenkins, its pinned plugins and JCasC. Values may be CDK tokens.</summary>
public sealed record JenkinsControllerSettings
{
    public required string Region { get; init; }
    /// <summary>Secret (JSON: username, password) JCasC creates the admin from.</summary>
    public required string AdminSecret { get; init; }
    /// <summary>
    /// The SSM parameter EC2 keeps the build agent key pair's private key in (/ec2/keypair/&lt;key-pair-id&gt;): the
    /// controller reads it into /run at each start for the SSH credential the EC2 Fleet cloud connects with.
    /// </summary>
    public required string AgentKeyParameter { get; init; }
    /// <summary>The build agent's Auto Scaling group, which the EC2 Fleet cloud scales between 0 and 1.</summary>
    public required string AgentGroup { get; init; }
    public required string RepositoryUrl { get; init; }
    public required string ArtifactsBucket { get; init; }
}

/// <summary>What configures self-hosted Sentry after its install. Values may be CDK tokens.</summary>
public sealed record SentryConfigureSettings
{
    public required string Region { get; init; }
    /// <summary>Secret (JSON: username = e-mail, password) of Sentry's admin user.</summary>
    public required string AdminSecret { get; init; }
    /// <summary>Environment name → the id of the DSN secret its app servers read (JSON: dsn).</summary>
    public required IReadOnlyDictionary<string, string> DsnSecrets { get; init; }
}

/// <summary>What configures Metabase after it starts. Values may be CDK tokens.</summary>
public sealed record MetabaseConfigureSettings
{
    public required string Region { get; init; }
    public required string AdminSecret { get; init; }
    public required string AnalyticsSecret { get; init; }
    public required string ReplicaHost { get; init; }
    public required string ReplicaPort { get; init; }
    public required string DatabaseName { get; init; }
    public required string SiteName { get; init; }
}

/// <summary>
/// The management tools' boot scripts, configured as code: each host's user data is a template
/// (UserData/Templates/*.sh, rendered with <see cref="ShellTemplate"/>), the files it writes (UserData/tools/*.sh, the
/// Jenkins configuration of ci/jenkins/) are embedded in this assembly and written verbatim by a quoted heredoc, and
/// each configuration step runs as a systemd unit at every boot, so a reboot or a replacement host (same data volume)
/// converges on the same state. Pure functions (settings → shell lines), rendered and run against fakes by the tests.
/// </summary>
public static class ToolUserData
{
    public const string JenkinsVersion = "2.580.1";
    public const string PluginManagerVersion = "2.15.0";
    public const string ScriptDirectory = "/usr/local/lib/groundwork";
    public const string JenkinsAgentLabel = "debian";
    /// <summary>The build agent's account, home and Jenkins root (fsRoot of the EC2 Fleet cloud); the SSH credential's user.</summary>
    public const string JenkinsAgentUser = "jenkins";
    public const string JenkinsAgentHome = "/var/lib/jenkins-agent";
    public const string MetabaseCaBundle = "/etc/metabase/rds-ca-bundle.pem";
    /// <summary>EC2 accepts at most 16 KiB of user data (before base64).</summary>
    public const int UserDataLimitBytes = 16 * 1024;

    /// <summary>An embedded file: a script of UserData/tools or the Jenkins configuration (jenkins.yaml, plugins.txt).</summary>
    public static string File(string name)
    {
        using var stream = typeof(ToolUserData).Assembly.GetManifestResourceStream($"Groundwork.Infra.Tools.{name}")
            ?? throw new InvalidOperationException($"Embedded tool file '{name}' is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>A host's user data template (UserData/Templates/), embedded in this assembly.</summary>
    public static ShellTemplate Template(string name) =>
        ShellTemplate.FromResource(typeof(ToolUserData).Assembly, $"Groundwork.Infra.UserData.Templates.{name}");

    /// <summary>
    /// After the data volume is mounted on /var/lib/jenkins: Jenkins (pinned), the plugin installation manager, the
    /// JCasC file and plugin list, and a drop-in that, before every start, fetches the passwords JCasC needs into /run
    /// and installs the pinned plugins; then Jenkins starts with JCasC and without the setup wizard.
    /// </summary>
    public static string[] JenkinsController(JenkinsControllerSettings s) => Lines("jenkins-controller.sh",
        new()
        {
            ["JenkinsVersion"] = JenkinsVersion, ["PluginManagerVersion"] = PluginManagerVersion, ["ScriptDirectory"] = ScriptDirectory,
            ["Region"] = s.Region, ["AdminSecret"] = s.AdminSecret, ["AgentKeyParameter"] = s.AgentKeyParameter,
            ["AgentGroup"] = s.AgentGroup, ["RepositoryUrl"] = s.RepositoryUrl, ["ArtifactsBucket"] = s.ArtifactsBucket,
        },
        new() { ["JenkinsSecretsScript"] = "jenkins-secrets.sh", ["JenkinsYaml"] = "jenkins.yaml", ["PluginsTxt"] = "plugins.txt" });

    /// <summary>
    /// A Debian 12 host that runs `./groundwork test` as the README writes it (apt, sudo for apt-get only), with the
    /// .NET SDK, Node 20 and Java 21. It does not join the controller by itself: the controller's EC2 Fleet cloud starts
    /// it (desired capacity 0 → 1) when a build is queued and connects over SSH as <see cref="JenkinsAgentUser"/>, with
    /// the key pair of the launch template. The login is authorised last, so the controller's SSH attempts fail (and are
    /// retried) until the host is completely provisioned: a build never lands on a half-installed agent.
    /// </summary>
    public static string[] JenkinsAgent() => Lines("jenkins-agent.sh",
        new() { ["AgentUser"] = JenkinsAgentUser, ["AgentHome"] = JenkinsAgentHome }, []);

    /// <summary>After Sentry's install: the configuration unit (admin, project, keys, DSN secrets), run now and at every boot.</summary>
    public static string[] SentryConfigure(SentryConfigureSettings s) => Lines("sentry.sh",
        new()
        {
            ["ScriptDirectory"] = ScriptDirectory, ["Region"] = s.Region, ["AdminSecret"] = s.AdminSecret,
            ["DsnSecrets"] = string.Join(' ', s.DsnSecrets.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
        },
        new() { ["SentryConfigureScript"] = "sentry-configure.sh", ["SentryConfigurePython"] = "sentry-configure.py" });

    /// <summary>After Metabase's unit: the configuration unit (admin, the replica data source), run now and at every boot.</summary>
    public static string[] MetabaseConfigure(MetabaseConfigureSettings s) => Lines("metabase.sh",
        new()
        {
            ["CaBundle"] = MetabaseCaBundle, ["ScriptDirectory"] = ScriptDirectory, ["Region"] = s.Region,
            ["AdminSecret"] = s.AdminSecret, ["AnalyticsSecret"] = s.AnalyticsSecret, ["ReplicaHost"] = s.ReplicaHost,
            ["ReplicaPort"] = s.ReplicaPort, ["DatabaseName"] = s.DatabaseName, ["SiteName"] = s.SiteName,
        },
        new() { ["MetabaseConfigureScript"] = "metabase-configure.sh" });

    /// <summary>
    /// A template rendered into user data lines: <paramref name="settings"/> (single-line values; they land in systemd
    /// units written by quoted heredocs, where nothing expands but a newline would end the line) and
    /// <paramref name="files"/> (placeholder → embedded file written verbatim as a heredoc's body).
    /// </summary>
    private static string[] Lines(string template, Dictionary<string, string> settings, Dictionary<string, string> files)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in settings)
        {
            if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
                throw new ArgumentException($"{name} must be a single line.", nameof(settings));
            values[name] = value;
        }
        foreach (var (name, file) in files) values[name] = HeredocBody(file);
        var text = Template(template).Render(values);
        return (text.EndsWith('\n') ? text[..^1] : text).Split('\n');
    }

    /// <summary>An embedded file as the body of a quoted heredoc: verbatim, its final newline given by the delimiter's line.</summary>
    private static string HeredocBody(string name)
    {
        var text = File(name);
        if (text.Split('\n').Any(line => line.StartsWith("GROUNDWORK_", StringComparison.Ordinal)))
            throw new InvalidOperationException($"{name} contains a line that could end the heredoc writing it.");
        return text.EndsWith('\n') ? text[..^1] : text;
    }
}
