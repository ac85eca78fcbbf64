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
/// The management tools' boot scripts, configured as code: the files they run (UserData/tools/*.sh, the Jenkins
/// configuration of ci/jenkins/) are embedded in this assembly and written to the host by the user data, and each
/// configuration step runs as a systemd unit at every boot, so a reboot or a replacement host (same data volume)
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

    /// <summary>Writes an embedded file on the host, verbatim (a quoted heredoc: nothing in it is expanded).</summary>
    private static string WriteFile(string name, string path, string mode)
    {
        var text = File(name);
        const string end = "GROUNDWORK_FILE_END";
        if (text.Contains(end, StringComparison.Ordinal))
            throw new InvalidOperationException($"{name} contains the heredoc delimiter.");
        if (!text.EndsWith('\n')) text += "\n";
        return $"mkdir -p \"$(dirname {path})\"\ncat > {path} <<'{end}'\n{text}{end}\nchmod {mode} {path}";
    }

    private static string Unit(string path, params string[] lines) =>
        $"cat > {path} <<'GROUNDWORK_UNIT_END'\n{string.Join('\n', lines)}\nGROUNDWORK_UNIT_END";

    /// <summary>
    /// After the data volume is mounted on /var/lib/jenkins: Jenkins (pinned), the plugin installation manager, the
    /// JCasC file and plugin list, and a drop-in that, before every start, fetches the passwords JCasC needs into /run
    /// and installs the pinned plugins; then Jenkins starts with JCasC and without the setup wizard.
    /// </summary>
    public static string[] JenkinsController(JenkinsControllerSettings s) =>
    [
        "curl -fsSL -o /etc/yum.repos.d/jenkins.repo https://pkg.jenkins.io/redhat-stable/jenkins.repo",
        "rpm --import https://pkg.jenkins.io/redhat-stable/jenkins.io-2023.key",
        $"dnf install -y java-21-amazon-corretto-headless jq git jenkins-{JenkinsVersion}",
        WriteFile("jenkins-secrets.sh", $"{ScriptDirectory}/jenkins-secrets.sh", "0755"),
        WriteFile("jenkins.yaml", "/etc/jenkins/casc/jenkins.yaml", "0644"),
        WriteFile("plugins.txt", "/etc/jenkins/plugins.txt", "0644"),
        $"curl -fsSL -o {ScriptDirectory}/jenkins-plugin-manager.jar https://github.com/jenkinsci/plugin-installation-manager-tool/releases/download/{PluginManagerVersion}/jenkins-plugin-manager-{PluginManagerVersion}.jar",
        "mkdir -p /etc/systemd/system/jenkins.service.d",
        Unit("/etc/systemd/system/jenkins.service.d/groundwork.conf",
            "[Service]",
            // A controller that runs no builds on a 2 GiB host: most of the memory for the heap (the default is a quarter).
            "Environment=\"JAVA_OPTS=-Djava.awt.headless=true -Djenkins.install.runSetupWizard=false -XX:MaxRAMPercentage=60\"",
            "Environment=CASC_JENKINS_CONFIG=/etc/jenkins/casc/jenkins.yaml",
            "Environment=SECRETS=/run/groundwork-jenkins",
            $"Environment=REGION={s.Region} AWS_REGION={s.Region}",
            $"Environment=ADMIN_SECRET={s.AdminSecret} AGENT_KEY_PARAMETER={s.AgentKeyParameter} JENKINS_AGENT_GROUP={s.AgentGroup}",
            $"Environment=GROUNDWORK_REPO_URL={s.RepositoryUrl} GROUNDWORK_ARTIFACTS_BUCKET={s.ArtifactsBucket}",
            // Operators reach the UI through an SSH tunnel from a bastion (docs/operations.md): http://localhost:8080/.
            "Environment=JENKINS_URL=http://localhost:8080/",
            // '+': as root (reads the secrets with the instance role); the plugins install as the jenkins user.
            $"ExecStartPre=+{ScriptDirectory}/jenkins-secrets.sh",
            $"ExecStartPre=/usr/bin/java -jar {ScriptDirectory}/jenkins-plugin-manager.jar --war /usr/share/java/jenkins.war --plugin-download-directory /var/lib/jenkins/plugins --plugin-file /etc/jenkins/plugins.txt",
            "TimeoutStartSec=900"),
        "chown -R jenkins:jenkins /var/lib/jenkins",
        "systemctl daemon-reload",
        "systemctl enable --now jenkins",
    ];

    /// <summary>
    /// A Debian 12 host that runs `./groundwork test` as the README writes it (apt, sudo for apt-get only), with the
    /// .NET SDK, Node 20 and Java 21. It does not join the controller by itself: the controller's EC2 Fleet cloud starts
    /// it (desired capacity 0 → 1) when a build is queued and connects over SSH as <see cref="JenkinsAgentUser"/>, with
    /// the key pair of the launch template. The login is authorised last, so the controller's SSH attempts fail (and are
    /// retried) until the host is completely provisioned: a build never lands on a half-installed agent.
    /// </summary>
    public static string[] JenkinsAgent() =>
    [
        "set -euo pipefail",
        "export DEBIAN_FRONTEND=noninteractive",
        "apt-get update",
        "apt-get install -y git jq curl awscli sudo ca-certificates gnupg python3 python3-venv",
        // Java 21 like the controller (Debian 12 ships 17; the remoting agent wants the controller's Java): Eclipse
        // Temurin's repository. .NET SDK 10 (Microsoft's Debian 12 repository) and Node 20 (NodeSource): the versions
        // the repository builds with.
        "curl -fsSL https://packages.adoptium.net/artifactory/api/gpg/key/public | gpg --dearmor --yes -o /usr/share/keyrings/adoptium.gpg",
        "echo 'deb [signed-by=/usr/share/keyrings/adoptium.gpg] https://packages.adoptium.net/artifactory/deb bookworm main' > /etc/apt/sources.list.d/adoptium.list",
        "curl -fsSL -o /tmp/packages-microsoft-prod.deb https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb",
        "dpkg -i /tmp/packages-microsoft-prod.deb",
        "curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /usr/share/keyrings/nodesource.gpg",
        "echo 'deb [signed-by=/usr/share/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main' > /etc/apt/sources.list.d/nodesource.list",
        "apt-get update",
        "apt-get install -y temurin-21-jre dotnet-sdk-10.0 nodejs",
        // Password '*': no password login, yet not "locked" ('!'), which sshd would refuse for key logins too.
        $"id {JenkinsAgentUser} >/dev/null 2>&1 || useradd --system --create-home --home-dir {JenkinsAgentHome} --shell /bin/bash --password '*' {JenkinsAgentUser}",
        // ./groundwork installs its OS packages with sudo apt-get when not root: that, and nothing else.
        $"echo '{JenkinsAgentUser} ALL=(root) NOPASSWD: /usr/bin/apt-get' > /etc/sudoers.d/groundwork-agent",
        "chmod 0440 /etc/sudoers.d/groundwork-agent",
        // Last: the launch template's key pair (its public half, from the instance metadata) may log in as the agent
        // user. The key itself never leaves AWS except into the controller's memory (/run).
        "IMDS_TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
        $"install -d -m 0700 -o {JenkinsAgentUser} -g {JenkinsAgentUser} {JenkinsAgentHome}/.ssh",
        $"curl -fsS -H \"X-aws-ec2-metadata-token: $IMDS_TOKEN\" http://169.254.169.254/latest/meta-data/public-keys/0/openssh-key > {JenkinsAgentHome}/.ssh/authorized_keys.new",
        $"install -m 0600 -o {JenkinsAgentUser} -g {JenkinsAgentUser} {JenkinsAgentHome}/.ssh/authorized_keys.new {JenkinsAgentHome}/.ssh/authorized_keys",
        $"rm -f {JenkinsAgentHome}/.ssh/authorized_keys.new",
        // cloud-init also gave the key to Debian's default user `admin`, who may sudo anything: the controller's key
        // opens the agent account (sudo apt-get only) and nothing else.
        "if [ -f /home/admin/.ssh/authorized_keys ]; then : > /home/admin/.ssh/authorized_keys; fi",
    ];

    /// <summary>After Sentry's install: the configuration unit (admin, project, keys, DSN secrets), run now and at every boot.</summary>
    public static string[] SentryConfigure(SentryConfigureSettings s)
    {
        var dsnSecrets = string.Join(' ', s.DsnSecrets.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return
        [
            "dnf install -y jq",
            WriteFile("sentry-configure.sh", $"{ScriptDirectory}/sentry-configure.sh", "0755"),
            WriteFile("sentry-configure.py", $"{ScriptDirectory}/sentry-configure.py", "0644"),
            Unit("/etc/systemd/system/groundwork-sentry-configure.service",
                "[Unit]",
                "Description=Configure self-hosted Sentry (admin, Groundwork project, per-environment DSN secrets)",
                "Requires=docker.service",
                "After=docker.service",
                "[Service]",
                "Type=oneshot",
                "WorkingDirectory=/opt/sentry",
                $"Environment=SENTRY_DIR=/opt/sentry REGION={s.Region} ADMIN_SECRET={s.AdminSecret}",
                $"Environment=\"DSN_SECRETS={dsnSecrets}\"",
                "ExecStartPre=/usr/bin/docker compose up -d",
                $"ExecStart={ScriptDirectory}/sentry-configure.sh",
                "TimeoutStartSec=3600",
                "[Install]",
                "WantedBy=multi-user.target"),
            // Hourly too: an environment deployed after the management stack gets its DSN within the hour.
            Unit("/etc/systemd/system/groundwork-sentry-configure.timer",
                "[Unit]",
                "Description=Configure self-hosted Sentry again (DSN secrets of environments deployed since)",
                "[Timer]",
                "OnUnitActiveSec=1h",
                "[Install]",
                "WantedBy=timers.target"),
            "systemctl daemon-reload",
            // Start waits for the oneshot: the boot (and the CloudFormation signal) fails when the configuration does.
            "systemctl enable groundwork-sentry-configure groundwork-sentry-configure.timer",
            "systemctl start groundwork-sentry-configure",
            "systemctl start groundwork-sentry-configure.timer",
        ];
    }

    /// <summary>After Metabase's unit: the configuration unit (admin, the replica data source), run now and at every boot.</summary>
    public static string[] MetabaseConfigure(MetabaseConfigureSettings s) =>
    [
        "mkdir -p /etc/metabase",
        $"curl -fsSL -o {MetabaseCaBundle} https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
        WriteFile("metabase-configure.sh", $"{ScriptDirectory}/metabase-configure.sh", "0755"),
        Unit("/etc/systemd/system/groundwork-metabase-configure.service",
            "[Unit]",
            "Description=Configure Metabase (admin, the read replica as data source)",
            "Requires=metabase.service",
            "After=metabase.service",
            "[Service]",
            "Type=oneshot",
            "RemainAfterExit=yes",
            $"Environment=REGION={s.Region} ADMIN_SECRET={s.AdminSecret} ANALYTICS_SECRET={s.AnalyticsSecret}",
            $"Environment=REPLICA_HOST={s.ReplicaHost} REPLICA_PORT={s.ReplicaPort} DATABASE_NAME={s.DatabaseName} CA_BUNDLE={MetabaseCaBundle}",
            $"Environment=\"SITE_NAME={s.SiteName}\"",
            $"ExecStart={ScriptDirectory}/metabase-configure.sh",
            "TimeoutStartSec=1200",
            "[Install]",
            "WantedBy=multi-user.target"),
        "systemctl daemon-reload",
        "systemctl enable groundwork-metabase-configure",
        "systemctl start groundwork-metabase-configure",
    ];
}
