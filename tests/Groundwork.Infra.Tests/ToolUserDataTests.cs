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
            "jenkins-agent" => ["jenkins-agent-start.sh"],
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
    public void Jenkins_secrets_land_in_run_readable_by_jenkins_only()
    {
        using var sandbox = new ToolSandbox();
        sandbox.Fake("chown", "");
        sandbox.PutSecret("groundwork/management/jenkins/admin", """{"username":"admin","password":"Adm1nGenerated"}""");
        sandbox.PutSecret("groundwork/management/jenkins/agent", """{"username":"groundwork-agent","password":"Ag3ntGenerated"}""");
        var secrets = Path.Combine(sandbox.Dir, "run-secrets");
        var exit = sandbox.Run(ToolSandbox.Script("jenkins-secrets.sh"), new Dictionary<string, string>
        {
            ["REGION"] = "eu-west-1",
            ["ADMIN_SECRET"] = "groundwork/management/jenkins/admin",
            ["AGENT_SECRET"] = "groundwork/management/jenkins/agent",
            ["SECRETS"] = secrets,
        });
        Assert.True(exit == 0, sandbox.Output);
        // JCasC reads ${JENKINS_ADMIN_PASSWORD} from $SECRETS/JENKINS_ADMIN_PASSWORD: the value, no newline.
        Assert.Equal("Adm1nGenerated", File.ReadAllText(Path.Combine(secrets, "JENKINS_ADMIN_PASSWORD")));
        Assert.Equal("Ag3ntGenerated", File.ReadAllText(Path.Combine(secrets, "JENKINS_AGENT_PASSWORD")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(secrets, "JENKINS_ADMIN_PASSWORD")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(secrets));
        }
        Assert.Contains($"chown -R jenkins: {secrets}", sandbox.Calls("chown"));

        // A secret the role may not read (or that is missing) fails the start: Jenkins never starts without its admin.
        sandbox.PutSecret("groundwork/management/jenkins/agent", "");
        File.Delete(Path.Combine(sandbox.State, "secrets", "groundwork_management_jenkins_admin"));
        Assert.NotEqual(0, sandbox.Run(ToolSandbox.Script("jenkins-secrets.sh"), new Dictionary<string, string>
        {
            ["REGION"] = "eu-west-1", ["ADMIN_SECRET"] = "groundwork/management/jenkins/admin",
            ["AGENT_SECRET"] = "groundwork/management/jenkins/agent", ["SECRETS"] = secrets,
        }));
    }

    [Fact]
    public void The_agent_finds_the_controller_of_its_group_and_waits_while_there_is_none()
    {
        using var sandbox = new ToolSandbox();
        sandbox.Fake("chown", "");
        sandbox.Fake("curl", """while [ $# -gt 0 ]; do if [ "$1" = -o ]; then out=$2; fi; shift; done; echo "swarm client" > "$out" """);
        sandbox.PutSecret("groundwork/management/jenkins/agent", """{"username":"groundwork-agent","password":"Ag3ntGenerated"}""");
        var run = Path.Combine(sandbox.Dir, "run-agent");
        var environment = new Dictionary<string, string>
        {
            ["REGION"] = "eu-west-1",
            ["AGENT_SECRET"] = "groundwork/management/jenkins/agent",
            ["CONTROLLER_GROUP"] = "groundwork-jenkins",
            ["RUN_DIR"] = run,
        };

        // The controller is being replaced: no running instance. The unit fails and systemd retries (Restart=always).
        Assert.NotEqual(0, sandbox.Run(ToolSandbox.Script("jenkins-agent-start.sh"), environment));
        Assert.Contains("no running controller", sandbox.Output, StringComparison.Ordinal);

        environment["CONTROLLER_IP"] = "10.0.1.23";
        Assert.True(sandbox.Run(ToolSandbox.Script("jenkins-agent-start.sh"), environment) == 0, sandbox.Output);
        Assert.Equal("JENKINS_URL=http://10.0.1.23:8080/\nJENKINS_AGENT_USER=groundwork-agent\n", File.ReadAllText(Path.Combine(run, "agent.env")));
        Assert.Equal("Ag3ntGenerated", File.ReadAllText(Path.Combine(run, "password")));
        Assert.Contains(sandbox.Calls("curl"), c => c.Contains("http://10.0.1.23:8080/swarm/swarm-client.jar", StringComparison.Ordinal));
        Assert.Contains(sandbox.Calls("aws"), c => c.Contains("Name=tag:aws:autoscaling:groupName,Values=groundwork-jenkins", StringComparison.Ordinal)
            && c.Contains("Name=instance-state-name,Values=running", StringComparison.Ordinal));
    }
}
