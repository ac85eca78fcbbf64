using System.Diagnostics;
using Groundwork.Infra.UserData;

namespace Groundwork.Infra.Tests;

/// <summary>
/// The tool hosts' user data as C# renders it: shellcheck-clean as a whole (the embedded scripts are checked as files
/// by the repository's shellcheck test), within EC2's 16 KiB in the synthesized templates, and the Jenkins boot
/// scripts run against fakes.
/// </summary>
public sealed class ToolUserDataTests
{
    public static TheoryData<string> Hosts => new() { "jenkins", "jenkins-agent", "sentry", "metabase" };

    private static string[] Render(string host) => host switch
    {
        "jenkins" => JenkinsConfigurationTests.ControllerUserData(),
        "jenkins-agent" => JenkinsConfigurationTests.AgentUserData(),
        "sentry" => ToolUserData.SentryConfigure(new SentryConfigureSettings
        {
            Region = "eu-west-1",
            AdminSecret = "groundwork/management/sentry/admin",
            DsnSecrets = new Dictionary<string, string> { ["staging"] = "groundwork/staging/sentry/dsn", ["production"] = "groundwork/production/sentry/dsn" },
        }),
        "metabase" => ToolUserData.MetabaseConfigure(new MetabaseConfigureSettings
        {
            Region = "eu-west-1",
            AdminSecret = "groundwork/staging/metabase/admin",
            AnalyticsSecret = "groundwork/staging/db/analytics-readonly",
            ReplicaHost = "replica.example",
            ReplicaPort = "3306",
            DatabaseName = "groundwork",
            SiteName = "Groundwork staging",
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(host)),
    };

    [Theory, MemberData(nameof(Hosts))]
    public async Task The_rendered_user_data_is_shellcheck_clean(string host)
    {
        var file = Path.Combine(Path.GetTempPath(), $"groundwork-{host}-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(file, "#!/bin/bash\nset -euo pipefail\n" + string.Join('\n', Render(host)) + "\n");
        try
        {
            var start = new ProcessStartInfo("shellcheck", ["--severity=warning", "--format=gcc", file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"shellcheck of {host}'s user data:\n{output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory, MemberData(nameof(Hosts))]
    public void Embedded_files_are_written_verbatim(string host)
    {
        var script = string.Join('\n', Render(host));
        var files = host switch
        {
            "jenkins" => new[] { "jenkins-secrets.sh", "jenkins.yaml", "plugins.txt" },
            "jenkins-agent" => [],
            "sentry" => ["sentry-configure.sh", "sentry-configure.py"],
            _ => ["metabase-configure.sh"],
        };
        foreach (var name in files)
        {
            // A quoted heredoc: the shell writes the file as it is in the repository, nothing expanded.
            Assert.Contains($"<<'GROUNDWORK_FILE_END'\n{ToolUserData.File(name)}GROUNDWORK_FILE_END", script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_setting_that_would_break_out_of_its_unit_line_is_refused()
    {
        // Settings land in systemd units written by quoted heredocs: a newline would start a unit line of its own.
        Assert.Throws<ArgumentException>(() => ToolUserData.MetabaseConfigure(new MetabaseConfigureSettings
        {
            Region = "eu-west-1",
            AdminSecret = "groundwork/staging/metabase/admin",
            AnalyticsSecret = "groundwork/staging/db/analytics-readonly",
            ReplicaHost = "replica.example\nExecStartPre=/bin/sh -c reboot",
            ReplicaPort = "3306",
            DatabaseName = "groundwork",
            SiteName = "Groundwork staging",
        }));
    }

    private const string AgentKey = "-----BEGIN RSA PRIVATE KEY-----\nMIIEfakefakefake\n-----END RSA PRIVATE KEY-----";

    [Fact]
    public void Jenkins_secrets_land_in_run_readable_by_jenkins_only()
    {
        using var sandbox = new ToolSandbox();
        sandbox.Fake("chown", "");
        sandbox.PutSecret("groundwork/management/jenkins/admin", """{"username":"admin","password":"Adm1nGenerated"}""");
        sandbox.PutParameter("/ec2/keypair/key-0123456789abcdef0", AgentKey);
        var secrets = Path.Combine(sandbox.Dir, "run-secrets");
        var environment = new Dictionary<string, string>
        {
            ["REGION"] = "eu-west-1",
            ["ADMIN_SECRET"] = "groundwork/management/jenkins/admin",
            ["AGENT_KEY_PARAMETER"] = "/ec2/keypair/key-0123456789abcdef0",
            ["SECRETS"] = secrets,
        };
        var exit = sandbox.Run(ToolSandbox.Script("jenkins-secrets.sh"), environment);
        Assert.True(exit == 0, sandbox.Output);
        // JCasC reads ${JENKINS_ADMIN_PASSWORD} from $SECRETS/JENKINS_ADMIN_PASSWORD: the value, no newline.
        Assert.Equal("Adm1nGenerated", File.ReadAllText(Path.Combine(secrets, "JENKINS_ADMIN_PASSWORD")));
        // The SSH credential's key, decrypted (a SecureString read without decryption is a ciphertext blob).
        Assert.Equal(AgentKey + "\n", File.ReadAllText(Path.Combine(secrets, "JENKINS_AGENT_SSH_KEY")));
        Assert.Contains(sandbox.Calls("aws"), c => c.StartsWith("aws ssm get-parameter", StringComparison.Ordinal) && c.Contains("--with-decryption", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(secrets, "JENKINS_ADMIN_PASSWORD")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(secrets, "JENKINS_AGENT_SSH_KEY")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(secrets));
        }
        Assert.Contains($"chown -R jenkins: {secrets}", sandbox.Calls("chown"));

        // No key pair parameter (the role may not read it, or the key pair is gone): the start fails instead of
        // starting a Jenkins whose cloud cannot reach its agent.
        File.Delete(Path.Combine(sandbox.State, "parameters", "_ec2_keypair_key-0123456789abcdef0"));
        Assert.NotEqual(0, sandbox.Run(ToolSandbox.Script("jenkins-secrets.sh"), environment));
        // A value that is not a private key: refused too.
        sandbox.PutParameter("/ec2/keypair/key-0123456789abcdef0", "");
        Assert.NotEqual(0, sandbox.Run(ToolSandbox.Script("jenkins-secrets.sh"), environment));
        Assert.Contains("holds no private key", sandbox.Output, StringComparison.Ordinal);

        // A secret the role may not read (or that is missing) fails the start: Jenkins never starts without its admin.
        sandbox.PutParameter("/ec2/keypair/key-0123456789abcdef0", AgentKey);
        File.Delete(Path.Combine(sandbox.State, "secrets", "groundwork_management_jenkins_admin"));
        Assert.NotEqual(0, sandbox.Run(ToolSandbox.Script("jenkins-secrets.sh"), environment));
    }

    [Fact]
    public void The_agent_authorises_the_controller_key_only_once_it_is_fully_provisioned()
    {
        var lines = JenkinsConfigurationTests.AgentUserData();
        var authorised = Array.FindIndex(lines, l => l.Contains("/.ssh/authorized_keys", StringComparison.Ordinal));
        Assert.True(authorised > 0, "the agent never authorises the key pair");
        // Every installation comes before: the controller's SSH attempts fail (and are retried) until then.
        Assert.All(lines.Select((l, i) => (l, i)).Where(p => p.l.Contains("apt-get install", StringComparison.Ordinal) || p.l.StartsWith("useradd", StringComparison.Ordinal)
                || p.l.Contains("sudoers", StringComparison.Ordinal)),
            p => Assert.True(p.i < authorised, $"'{p.l}' runs after the key is authorised"));
        // The public half comes from the instance metadata (IMDSv2 token), i.e. from the launch template's key pair.
        Assert.Contains(lines, l => l.Contains("meta-data/public-keys/0/openssh-key", StringComparison.Ordinal) && l.Contains("X-aws-ec2-metadata-token", StringComparison.Ordinal));
        // Debian's default user (sudo for everything) loses the key cloud-init gave it: the key opens `jenkins` only.
        Assert.Contains(": > /home/admin/.ssh/authorized_keys", string.Join('\n', lines), StringComparison.Ordinal);
        // The agent joins nobody by itself any more: no Swarm client, no service of its own.
        Assert.DoesNotContain(lines, l => l.Contains("swarm", StringComparison.OrdinalIgnoreCase) || l.Contains("systemctl enable", StringComparison.Ordinal));
    }
}
