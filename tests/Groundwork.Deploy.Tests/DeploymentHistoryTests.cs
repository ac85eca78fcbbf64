using Groundwork.Deploy.Environments;
using Groundwork.LocalServers;
using Groundwork.Deploy.History;
using Groundwork.Deploy.Local;

namespace Groundwork.Deploy.Tests;

/// <summary>What runs where, and what a rollback goes back to.</summary>
public sealed class DeploymentHistoryTests : IDisposable
{
    private readonly TemporaryDirectory temp = new();
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Current_is_the_last_success_and_previous_the_last_different_success_before_it()
    {
        var history = new DeploymentHistory(temp.Path);
        history.Append(new DeploymentRecord("staging", "1.0", "ci", T0, true));
        history.Append(new DeploymentRecord("production", "0.9", "ci", T0, true));
        history.Append(new DeploymentRecord("staging", "1.1", "ci", T0.AddHours(1), true));
        history.Append(new DeploymentRecord("staging", "1.1", "ci", T0.AddHours(2), true)); // a re-deploy of the same version
        history.Append(new DeploymentRecord("staging", "1.2", "ana", T0.AddHours(3), false, "never healthy"));

        Assert.Equal("1.1", history.Current(DeployEnvironment.Staging)!.Version);
        Assert.Equal("1.0", history.Previous(DeployEnvironment.Staging)!.Version);
        Assert.Equal("0.9", history.Current(DeployEnvironment.Production)!.Version);
        Assert.Null(history.Previous(DeployEnvironment.Production));
        Assert.Null(history.Current(DeployEnvironment.Local));
        Assert.Equal(4, history.Of(DeployEnvironment.Staging).Count);
    }

    [Fact]
    public async Task Rollback_deploys_the_previous_version_and_says_so()
    {
        var history = new DeploymentHistory(temp.Path);
        history.Append(new DeploymentRecord("production", "20261120.aaaaaaaaaaaa", "ci", T0, true));
        history.Append(new DeploymentRecord("production", "20261127.bbbbbbbbbbbb", "ci", T0.AddDays(7), true));

        var run = await ToolProcess.RunAsync(["rollback", "--env", "production", "--dry-run", "--no-synth", "--state-dir", temp.Path], BuiltArtifactTests.NoAws());
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("Rolling production back from 20261127.bbbbbbbbbbbb to 20261120.aaaaaaaaaaaa", run.Output);
        Assert.Contains("deploy Groundwork-production-App -c version=20261120.aaaaaaaaaaaa", run.Output);

        var status = await ToolProcess.RunAsync(["status", "--env", "production", "--state-dir", temp.Path]);
        Assert.Contains("production: 20261127.bbbbbbbbbbbb", status.Output);
    }

    [Fact]
    public async Task Rollback_without_an_earlier_version_fails_with_one_line()
    {
        var run = await ToolProcess.RunAsync(["rollback", "--env", "staging", "--state-dir", temp.Path], BuiltArtifactTests.NoAws());
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Nothing to roll back to", Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("1.4.2", "abc1", 1, "v1.4.2-abc1-1")]
    [InlineData("20261127.9a0206f14636+dirty", "abc1", 2, "v20261127.9a0206f14636-dirty-abc1-2")]
    public void Edge_target_names_are_derived_from_the_version_in_the_alphabet_the_edge_accepts(string version, string batch, int slot, string expected)
    {
        var name = LocalRollingDeploy.TargetName(version, batch, slot);
        Assert.Equal(expected, name);
        Assert.Matches("^[A-Za-z0-9._-]{1,64}$", LocalRollingDeploy.TargetName(new string('9', 128), batch, slot));
    }

    [Fact]
    public void New_instances_get_the_stacks_configuration_the_version_and_the_artifacts_admin_console()
    {
        var stack = new StackManifest(1, "http://127.0.0.1:8080", "arn:alb", "http://127.0.0.1:8080/_edge/alb-keys", "a@example.com",
            "Server=primary", "Server=replica", "127.0.0.1:6379", []);
        var environment = LocalRollingDeploy.InstanceEnvironment(stack, "/opt/a", "1.4.2");
        Assert.Equal("1.4.2", environment["GROUNDWORK_VERSION"]);
        Assert.Equal("Server=primary", environment["ConnectionStrings__primary"]);
        Assert.Equal("Server=replica", environment["ConnectionStrings__replica"]);
        Assert.Equal("127.0.0.1:6379", environment["ConnectionStrings__redis"]);
        Assert.Equal("arn:alb", environment["AlbIdentity__SignerArn"]);
        Assert.Equal("/opt/a/web/admin", environment["Admin__ConsoleRoot"]);
        Assert.Equal("http://127.0.0.1:8080", environment["Links__PublicBaseUrl"]);
        Assert.Null(environment["ASPNETCORE_URLS"]);
    }

    [Fact]
    public void With_a_secrets_stand_in_new_instances_read_the_app_user_from_its_secret_not_the_admin_from_stack_json()
    {
        var stack = new StackManifest(1, "http://127.0.0.1:8080", "arn:alb", "http://127.0.0.1:8080/_edge/alb-keys", "a@example.com",
            "Server=127.0.0.1;Port=13306;User ID=groundwork_admin;Password=admin-secret;Database=groundwork",
            "Server=127.0.0.1;Port=13307;User ID=groundwork_admin;Password=admin-secret;Database=groundwork", "127.0.0.1:6379", [], "http://127.0.0.1:14566/");
        var environment = LocalRollingDeploy.InstanceEnvironment(stack, "/opt/a", "1.4.2");
        Assert.Equal("Server=127.0.0.1;Port=13306;Database=groundwork", environment["ConnectionStrings__primary"]);
        Assert.Equal("Server=127.0.0.1;Port=13307;Database=groundwork", environment["ConnectionStrings__replica"]);
        Assert.DoesNotContain(environment.Values, v => v?.Contains("admin-secret", StringComparison.Ordinal) == true);
        Assert.Equal(DataTierSetup.AppSecretName, environment["Database__Credentials__SecretId"]);
        Assert.Equal("http://127.0.0.1:14566/", environment["Database__Credentials__ServiceUrl"]);
        Assert.False(environment.ContainsKey("Sentry__Spotlight")); // a stack without Spotlight
    }

    [Fact]
    public void New_instances_connect_as_the_AppHost_instances_do_TLS_verified_against_the_tier_CA()
    {
        var stack = new StackManifest(1, "http://127.0.0.1:8080", "arn:alb", "http://127.0.0.1:8080/_edge/alb-keys", "a@example.com",
            "Server=127.0.0.1;Port=13306;User ID=groundwork_admin;Password=admin-secret;Database=groundwork;SSL Mode=VerifyFull;SSL CA=/data/tls/ca.pem",
            "Server=127.0.0.1;Port=13307;User ID=groundwork_admin;Password=admin-secret;Database=groundwork;SSL Mode=VerifyFull;SSL CA=/data/tls/ca.pem",
            "127.0.0.1:16379,ssl=true,password=r3dis,abortConnect=false", [], "http://127.0.0.1:14566/", "/data/tls/ca.pem",
            "http://127.0.0.1:8969");
        var environment = LocalRollingDeploy.InstanceEnvironment(stack, "/opt/a", "1.4.2");
        Assert.Equal("http://127.0.0.1:8969", environment["Sentry__Spotlight"]);
        var primary = new MySqlConnector.MySqlConnectionStringBuilder(environment["ConnectionStrings__primary"]!);
        Assert.Equal(MySqlConnector.MySqlSslMode.VerifyFull, primary.SslMode);
        Assert.Equal("/data/tls/ca.pem", primary.SslCa);
        Assert.Equal("127.0.0.1:16379,ssl=true,password=r3dis,abortConnect=false", environment["ConnectionStrings__redis"]);
        Assert.Equal("/data/tls/ca.pem", environment["Cache__RedisCaFile"]);
    }
}

/// <summary>The local deploy's guards that need no running stack.</summary>
public sealed class LocalDeployGuardTests : IDisposable
{
    private readonly TemporaryDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private string MakeArtifact(string version)
    {
        var root = temp.Combine("artifacts", Artifacts.ArtifactVersion.DirectoryName(version));
        Directory.CreateDirectory(Path.Combine(root, "app"));
        File.WriteAllText(Path.Combine(root, "app", "Groundwork.Api.dll"), "not really");
        new Artifacts.ArtifactManifest(version, new string('d', 40), false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "linux-x64", null,
            Artifacts.ArtifactManifest.HashTree(root)).WriteTo(root);
        return root;
    }

    private void WriteStack(int appHostPid) =>
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(temp.Combine("data")).FullName, "stack.json"), System.Text.Json.JsonSerializer.Serialize(
            new StackManifest(appHostPid, "http://127.0.0.1:9", "arn", "http://127.0.0.1:9/keys", "", "p", "r", "x", []),
            System.Text.Json.JsonSerializerOptions.Web));

    private Task<ToolRun> DeployAsync() => ToolProcess.RunAsync(
        ["deploy", "--env", "local", "--version", "4.0.0", "--data-dir", temp.Combine("data"), "--artifacts", temp.Combine("artifacts")]);

    [Fact]
    public async Task Without_a_running_stack_the_deploy_fails_at_once_and_says_how_to_start_one()
    {
        MakeArtifact("4.0.0");
        var run = await DeployAsync();
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("No running local stack", Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        // A stack.json left behind by a crashed AppHost is not a running stack.
        WriteStack(int.MaxValue - 1);
        run = await DeployAsync();
        Assert.Contains("is not running: the stack is down", run.Error);
    }

    [Fact]
    public async Task A_second_deploy_to_the_same_stack_is_refused_while_one_runs()
    {
        MakeArtifact("4.0.0");
        WriteStack(Environment.ProcessId);
        var lockPath = Path.Combine(Directory.CreateDirectory(LocalDeployment.StateDirectory(temp.Combine("data"))).FullName, "deploy.lock");
        using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var run = await DeployAsync();
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("Another deploy to this local stack is running", run.Error);
        }
    }
}
