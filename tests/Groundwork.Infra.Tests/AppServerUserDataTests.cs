using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Groundwork.UserData;

namespace Groundwork.Infra.Tests;

/// <summary>The app server's user data, rendered and then run by bash against fakes of what only exists on AWS.</summary>
public sealed class AppServerUserDataTests
{
    private static AppServerUserDataSettings Settings(string version = "2.4.1") => new()
    {
        Version = version,
        EnvironmentName = "staging",
        ArtifactBucket = "groundwork-artifacts-111111111111-eu-west-1",
        Region = "eu-west-1",
        StackName = "Groundwork-staging-App",
        SignalResource = "AppServersASGAC95ACBB",
        ParameterPath = "/groundwork/staging",
        DatabaseCredentialsSecret = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-app",
        RedisAuthSecret = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:redis",
        NewRelicLicenseSecret = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:nr",
        SentryDsnSecret = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:sentry",
        ReadyTimeoutSeconds = 3,
        ReadyPollSeconds = 1,
    };

    [Fact]
    public void Installs_exactly_the_version_given()
    {
        var script = AppServerUserData.Render(Settings("2.4.1"));
        Assert.Contains("VERSION='2.4.1'", script);
        Assert.Equal(new[] { "groundwork-2.4.1.tar.gz" }, Regex.Matches(script, @"groundwork-[0-9][^'""\s/]*\.tar\.gz").Select(m => m.Value).Distinct());
        Assert.Contains("ExecStart=/usr/bin/dotnet /opt/groundwork/releases/${VERSION}/app/Groundwork.Api.dll", script);
        Assert.Contains("dnf install -y dotnet-runtime-10.0 aspnetcore-runtime-10.0", script);
        Assert.Contains("sha256sum --check --strict", script);
        Assert.DoesNotContain("2.4.2", AppServerUserData.Render(Settings("2.4.1")));
        Assert.Contains("groundwork-2.4.2.tar.gz", AppServerUserData.Render(Settings("2.4.2")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.0.0; rm -rf /")]
    [InlineData("1.0.0'")]
    [InlineData("$(reboot)")]
    [InlineData("../1.0.0")]
    public void Rejects_a_version_that_could_escape_the_script(string version) =>
        Assert.Throws<ArgumentException>(() => AppServerUserData.Render(Settings(version)));

    [Fact]
    public void Passes_every_setting_the_api_reads_through_its_environment_file()
    {
        var script = AppServerUserData.Render(Settings());
        foreach (var name in new[]
                 {
                     "ConnectionStrings__primary", "ConnectionStrings__replica", "ConnectionStrings__redis", "AlbIdentity__SignerArn",
                     "AlbIdentity__KeyEndpoint", "AlbIdentity__Issuer", "Admin__Emails", "OTEL_EXPORTER_OTLP_ENDPOINT",
                     "OTEL_EXPORTER_OTLP_HEADERS", "Sentry__Dsn", "Sentry__SendTraces", "Database__Credentials__SecretId", "AWS_REGION",
                 })
            Assert.Matches($"(?m)^{name}=", script);
        Assert.Contains("ASPNETCORE_URLS=http://0.0.0.0:8080", script);
    }

    [Theory]
    [InlineData("$(reboot)")]
    [InlineData("groundwork`id`")]
    [InlineData("groundwork\"")]
    public void Rejects_a_value_the_heredocs_or_double_quotes_would_expand(string databaseName) =>
        Assert.Throws<ArgumentException>(() => AppServerUserData.Render(Settings() with { DatabaseName = databaseName }));

    [Fact]
    public void Accepts_cdk_tokens_which_cloudformation_resolves_before_the_shell_runs()
    {
        var script = AppServerUserData.Render(Settings() with { DatabaseCredentialsSecret = "${Token[TOKEN.123]}", RedisAuthSecret = "${Token[TOKEN.124]}" });
        Assert.Contains("Database__Credentials__SecretId=${Token[TOKEN.123]}\n", script, StringComparison.Ordinal);
        Assert.Contains("secret '${Token[TOKEN.124]}'", script, StringComparison.Ordinal);
    }

    [Fact]
    public void The_unit_it_writes_is_the_unit_template_the_deploy_tool_renders()
    {
        // One template: the heredoc of the user data is the version's unit with ${VERSION} for the version.
        var script = AppServerUserData.Render(Settings("2.4.1"));
        var heredoc = Regex.Match(script, @"<<UNIT\n(?<unit>.*?\n)UNIT\n", RegexOptions.Singleline);
        Assert.True(heredoc.Success, "the user data writes no unit heredoc");
        Assert.Equal(AppServerUserData.SystemdUnit("2.4.1"), heredoc.Groups["unit"].Value.Replace("${VERSION}", "2.4.1", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => AppServerUserData.SystemdUnit("1.0; reboot"));
    }

    [Fact]
    public async Task The_rendered_script_is_shellcheck_clean()
    {
        // The template itself is checked by the repository's shellcheck test; this checks what an instance runs.
        var file = Path.Combine(Path.GetTempPath(), $"groundwork-app-server-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(file, AppServerUserData.Render(Settings()));
        try
        {
            var start = new ProcessStartInfo("shellcheck", ["--severity=warning", "--format=gcc", file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"shellcheck of the app server's user data:\n{output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    // ---- The rendered script, run by bash. dnf, aws, systemctl, curl, cfn-signal are fakes that record calls. ----

    [Fact]
    public void Signals_success_once_the_app_is_ready()
    {
        using var sandbox = new Sandbox("2.4.1", healthy: true);
        var exit = sandbox.Run(AppServerUserData.Render(Settings("2.4.1")));
        Assert.Equal(0, exit);
        Assert.Equal(new[] { "cfn-signal --exit-code 0 --stack Groundwork-staging-App --resource AppServersASGAC95ACBB --region eu-west-1" }, sandbox.Calls("cfn-signal"));
        Assert.True(File.Exists(Path.Combine(sandbox.Root, "opt/groundwork/releases/2.4.1/app/Groundwork.Api.dll")));
        var unit = File.ReadAllText(Path.Combine(sandbox.Root, "etc/systemd/system/groundwork-api.service"));
        Assert.Contains("ExecStart=/usr/bin/dotnet /opt/groundwork/releases/2.4.1/app/Groundwork.Api.dll", unit);
        Assert.Contains("systemctl enable --now groundwork-api.service", sandbox.Calls("systemctl"));
        var env = File.ReadAllText(Path.Combine(sandbox.Root, "etc/groundwork/app.env"));
        // No database credentials on disk: the app reads its user's secret at connection time.
        Assert.Contains("ConnectionStrings__primary=Server=primary.db.internal;Port=3306;Database=groundwork;SslMode=VerifyFull;SslCa=/etc/groundwork/rds-ca-bundle.pem;DNS Check Interval=5\n", env);
        Assert.Contains("ConnectionStrings__replica=Server=replica.db.internal;Port=3306;Database=groundwork;SslMode=VerifyFull;SslCa=/etc/groundwork/rds-ca-bundle.pem;DNS Check Interval=5\n", env);
        Assert.Contains("Database__Credentials__SecretId=arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-app\n", env);
        Assert.Contains("AWS_REGION=eu-west-1\n", env);
        Assert.DoesNotContain("Password=", env);
        Assert.DoesNotContain("User ID=", env);
        // What MySqlConnector makes of them: TLS verified against the RDS bundle, DNS re-checked (a Multi-AZ failover
        // moves the primary's name), no credentials of their own.
        foreach (var line in env.Split('\n').Where(l => l.StartsWith("ConnectionStrings__primary=", StringComparison.Ordinal) || l.StartsWith("ConnectionStrings__replica=", StringComparison.Ordinal)))
        {
            var builder = new MySqlConnector.MySqlConnectionStringBuilder(line[(line.IndexOf('=') + 1)..]);
            Assert.Equal(MySqlConnector.MySqlSslMode.VerifyFull, builder.SslMode);
            Assert.Equal("/etc/groundwork/rds-ca-bundle.pem", builder.SslCa);
            Assert.Equal(5u, builder.DnsCheckInterval);
            Assert.Equal("groundwork", builder.Database);
            Assert.Equal("", builder.UserID);
            Assert.Equal("", builder.Password);
        }
        Assert.Contains("ConnectionStrings__redis=redis.internal:6379,ssl=true,password=t0ken,abortConnect=false", env);
        Assert.Contains("Admin__Emails=\n", env); // "none" stands for an empty allowlist
        Assert.Contains("AlbIdentity__SignerArn=arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/groundwork-staging/abc", env);
        Assert.Contains("dnf install -y dotnet-runtime-10.0 aspnetcore-runtime-10.0 aws-cfn-bootstrap jq tar", sandbox.Calls("dnf"));
        Assert.DoesNotContain(sandbox.Calls("dnf"), c => c.Contains("newrelic")); // no license key stored yet
    }

    [Fact]
    public void Never_reads_or_writes_a_database_password_even_when_the_role_could_read_one()
    {
        // The fake models IAM and Secrets Manager: the instance role may read the app user's secret (the app does, at
        // connection time), so a script that read it would succeed. It must not: no password may reach the disk.
        using var sandbox = new Sandbox("2.4.1", healthy: true);
        Assert.Equal(0, sandbox.Run(AppServerUserData.Render(Settings("2.4.1"))));
        Assert.DoesNotContain(sandbox.Calls("aws"), c => c.Contains("secret:db", StringComparison.Ordinal));
        foreach (var file in Directory.EnumerateFiles(sandbox.Root, "*", SearchOption.AllDirectories))
            Assert.DoesNotContain(Sandbox.AppUserPassword, File.ReadAllText(file));
        // Secrets the role may not read (the master secret, the analytics user's) are refused as AWS refuses them.
        Assert.DoesNotContain("AccessDeniedException", sandbox.Output);
    }

    [Fact]
    public void Signals_failure_when_health_never_comes()
    {
        using var sandbox = new Sandbox("2.4.1", healthy: false);
        var exit = sandbox.Run(AppServerUserData.Render(Settings("2.4.1")));
        Assert.NotEqual(0, exit);
        Assert.Equal(new[] { "cfn-signal --exit-code 1 --stack Groundwork-staging-App --resource AppServersASGAC95ACBB --region eu-west-1" }, sandbox.Calls("cfn-signal"));
        Assert.Equal(3, sandbox.Calls("curl").Count(c => c.Contains("/health/ready")));
    }

    [Fact]
    public void Signals_failure_when_the_artifact_does_not_match_its_checksum()
    {
        using var sandbox = new Sandbox("2.4.1", healthy: true, corruptChecksum: true);
        var exit = sandbox.Run(AppServerUserData.Render(Settings("2.4.1")));
        Assert.NotEqual(0, exit);
        Assert.Equal(new[] { "cfn-signal --exit-code 1 --stack Groundwork-staging-App --resource AppServersASGAC95ACBB --region eu-west-1" }, sandbox.Calls("cfn-signal"));
        Assert.Empty(sandbox.Calls("systemctl"));
    }

    [Fact]
    public void Signals_failure_when_the_artifact_holds_another_version()
    {
        using var sandbox = new Sandbox("2.4.1", healthy: true, manifestVersion: "2.4.0");
        var exit = sandbox.Run(AppServerUserData.Render(Settings("2.4.1")));
        Assert.NotEqual(0, exit);
        Assert.Single(sandbox.Calls("cfn-signal"), c => c.Contains("--exit-code 1"));
        Assert.Empty(sandbox.Calls("systemctl"));
    }

    /// <summary>A fake root, a fake S3 bucket holding a real artifact tarball, and fake AWS/OS commands on PATH.</summary>
    private sealed class Sandbox : IDisposable
    {
        public const string AppUserPassword = "Ap9UserPassw0rdFromSecretsManager";

        public string Dir { get; } = Directory.CreateTempSubdirectory("groundwork-userdata-").FullName;
        public string Root => Path.Combine(Dir, "root");
        private string Bin => Path.Combine(Dir, "bin");
        private string Log => Path.Combine(Dir, "calls.log");

        public Sandbox(string version, bool healthy, bool corruptChecksum = false, string? manifestVersion = null)
        {
            // The script runs with the real jq, sha256sum and tar; only AWS and OS service commands are faked.
            if (!File.Exists("/usr/bin/jq"))
                throw new InvalidOperationException("The user-data tests need jq (apt-get install -y jq).");
            Directory.CreateDirectory(Root);
            Directory.CreateDirectory(Bin);
            var bucket = Directory.CreateDirectory(Path.Combine(Dir, "s3")).FullName;
            var content = Directory.CreateDirectory(Path.Combine(Dir, "artifact")).FullName;
            Directory.CreateDirectory(Path.Combine(content, "app"));
            Directory.CreateDirectory(Path.Combine(content, "web"));
            File.WriteAllText(Path.Combine(content, "app", "Groundwork.Api.dll"), "not really a dll");
            File.WriteAllText(Path.Combine(content, "manifest.json"), $"{{\"version\":\"{manifestVersion ?? version}\"}}");
            var tarball = Path.Combine(bucket, $"groundwork-{version}.tar.gz");
            Exec("tar", ["-czf", tarball, "-C", content, "app", "web", "manifest.json"]);
            var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(tarball)));
            File.WriteAllText(tarball + ".sha256", (corruptChecksum ? new string('0', 64) : hash) + $"  groundwork-{version}.tar.gz\n");

            Fake("dnf", "");
            Fake("systemctl", "");
            Fake("useradd", "");
            Fake("id", "exit 1");
            Fake("cfn-signal", "");
            Fake("sleep", "");
            // Downloads succeed; the readiness probe answers as the test wants.
            Fake("curl", $"case \"$*\" in *health/ready*) exit {(healthy ? 0 : 7)} ;; esac");
            Fake("aws", $$"""
                case "$1 $2" in
                  "s3 cp") src="${@: -2:1}"; dest="${@: -1}"; cp "{{bucket}}/${src#s3://*/}" "$dest" ;;
                  "ssm get-parameter")
                    for a in "$@"; do case "$a" in /groundwork/*) name="$a";; esac; done
                    case "$name" in
                      */database/primary-endpoint) echo primary.db.internal ;;
                      */database/replica-endpoint) echo replica.db.internal ;;
                      */database/port) echo 3306 ;;
                      */cache/primary-endpoint) echo redis.internal ;;
                      */cache/port) echo 6379 ;;
                      */app/alb-arn) echo arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/groundwork-staging/abc ;;
                      */app/alb-key-endpoint) echo https://public-keys.auth.elb.eu-west-1.amazonaws.com ;;
                      */app/alb-issuer) echo https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc ;;
                      */app/admin-emails) echo none ;;
                      */app/admin-domains) echo none ;;
                      */monitoring/otlp-endpoint) echo https://otlp.eu01.nr-data.net ;;
                      *) echo "ParameterNotFound: $name" >&2; exit 254 ;;
                    esac ;;
                  "secretsmanager get-secret-value")
                    # What the app server role may read (AppStack); anything else is refused as IAM refuses it.
                    for a in "$@"; do case "$a" in arn:*|groundwork/*) id="$a";; esac; done
                    case "$id" in
                      *:db-app) echo '{"username":"groundwork_app","password":"{{AppUserPassword}}"}' ;;
                      *:redis) echo '{"token":"t0ken"}' ;;
                      *:nr) echo '{"licenseKey":""}' ;;
                      *:sentry) echo '{"dsn":""}' ;;
                      *) echo "An error occurred (AccessDeniedException) when calling the GetSecretValue operation: not authorized on $id" >&2; exit 254 ;;
                    esac ;;
                  *) echo "unexpected aws $*" >&2; exit 2 ;;
                esac
                """);
        }

        private void Fake(string name, string body)
        {
            var path = Path.Combine(Bin, name);
            File.WriteAllText(path, $"#!/bin/bash\necho \"{name} $*\" >> '{Log}'\n{body}\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        public int Run(string script)
        {
            var file = Path.Combine(Dir, "user-data.sh");
            File.WriteAllText(file, script);
            var start = new ProcessStartInfo("bash", [file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.Environment["PATH"] = $"{Bin}:/usr/bin:/bin";
            start.Environment["GROUNDWORK_ROOT"] = Root;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            Output = stdout.Result + stderr.Result;
            return process.ExitCode;
        }

        public string Output { get; private set; } = "";

        public IReadOnlyList<string> Calls(string command) =>
            File.Exists(Log) ? File.ReadAllLines(Log).Where(l => l.StartsWith(command + " ", StringComparison.Ordinal)).ToList() : [];

        private static void Exec(string file, string[] args)
        {
            using var process = Process.Start(new ProcessStartInfo(file, args))!;
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{file} failed");
        }

        public void Dispose()
        {
            try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
        }
    }
}
