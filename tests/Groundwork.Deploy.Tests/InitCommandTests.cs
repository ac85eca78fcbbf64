using System.Text.Json;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// <c>init</c> on a copy of the environment files (never the tracked ones): a new account's values go in, every value is
/// checked first (bad input: one line, exit 2, nothing written), fields not given are kept, and the next commands are printed.
/// </summary>
public sealed class InitCommandTests : IDisposable
{
    private const string Account = "123456789012";
    private const string Region = "eu-central-1";
    private static readonly string Tracked = Path.Combine(ToolProcess.RepoRoot, "src", "Groundwork.Infra", "environments");
    private readonly TemporaryDirectory _temp = new();

    public InitCommandTests()
    {
        foreach (var file in Directory.GetFiles(Tracked, "*.json"))
        {
            System.IO.File.Copy(file, _temp.Combine(Path.GetFileName(file)));
        }
    }

    public void Dispose() => _temp.Dispose();

    private Task<ToolRun> Init(params string[] arguments) =>
        ToolProcess.RunAsync(["init", .. arguments, "--environments-dir", _temp.Path], BuiltArtifactTests.NoAws());

    private JsonElement File(string name) => JsonDocument.Parse(System.IO.File.ReadAllText(_temp.Combine(name + ".json"))).RootElement;

    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(_temp.Path, "*.json").ToDictionary(f => Path.GetFileName(f), f => System.IO.File.ReadAllText(f));

    private Task<ToolRun> InitManagement() => Init("--env", "management", "--account", Account, "--region", Region, "--domain", "acme.io",
        "--hosted-zone-id", "/hostedzone/Z0ACMEIO1234", "--tool-host-ami", "ami-0123456789abcdef0");

    [Fact]
    public async Task A_new_account_gets_management_then_staging_then_production_with_everything_else_kept()
    {
        var tracked = Directory.GetFiles(Tracked, "*.json").ToDictionary(f => f, f => System.IO.File.ReadAllText(f));

        var management = await InitManagement();
        Assert.True(management.ExitCode == 0, management.Error);
        Assert.Contains("staging.json is still in another account or region", management.Output);
        var staging = await Init("--env", "staging", "--account", Account, "--region", Region, "--domain", "Staging.Acme.io.",
            "--hosted-zone-id", "Z0STAGING5678", "--admin-email", "ana@acme.io", "--admin-email", "bo@acme.io", "--admin-domain", "acme.io",
            "--bastion-cidr", "203.0.113.0/24", "--bastion-cidr", "198.51.100.7/32");
        Assert.True(staging.ExitCode == 0, staging.Error);
        var production = await Init("--env", "production", "--account", Account, "--region", Region, "--domain", "acme.io",
            "--hosted-zone-id", "Z0ACMEIO1234", "--alarm-email", "oncall@acme.io", "--availability-zones", "eu-central-1b,eu-central-1c");
        Assert.True(production.ExitCode == 0, production.Error);

        var m = File("management");
        Assert.Equal(Account, m.GetProperty("account").GetString());
        Assert.Equal("Z0ACMEIO1234", m.GetProperty("hostedZoneId").GetString());
        Assert.Equal("ami-0123456789abcdef0", m.GetProperty("amazonLinux2023Amis").GetProperty(Region).GetString());
        Assert.Equal("10.0.0.0/16", m.GetProperty("vpcCidr").GetString());

        var s = File("staging");
        Assert.Equal("staging", s.GetProperty("name").GetString());
        Assert.Equal(Region, s.GetProperty("region").GetString());
        Assert.Equal(["eu-central-1a", "eu-central-1b"], s.GetProperty("availabilityZones").EnumerateArray().Select(z => z.GetString()));
        Assert.Equal("staging.acme.io", s.GetProperty("domain").GetString());
        Assert.Equal(["ana@acme.io", "bo@acme.io"], s.GetProperty("adminEmails").EnumerateArray().Select(z => z.GetString()));
        Assert.Equal(["acme.io"], s.GetProperty("adminDomains").EnumerateArray().Select(z => z.GetString()));
        Assert.Equal(["203.0.113.0/24", "198.51.100.7/32"], s.GetProperty("bastion").GetProperty("sshAllowlist").EnumerateArray().Select(z => z.GetString()));
        // Not given: kept as they were in the tracked file.
        var before = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Tracked, "staging.json"))).RootElement;
        Assert.Equal(before.GetProperty("bastion").GetProperty("instanceType").GetString(), s.GetProperty("bastion").GetProperty("instanceType").GetString());
        Assert.Equal(before.GetProperty("vpcCidr").GetString(), s.GetProperty("vpcCidr").GetString());
        Assert.Equal(before.GetProperty("appServers").GetProperty("minCapacity").GetInt32(), s.GetProperty("appServers").GetProperty("minCapacity").GetInt32());

        // The placeholder notice goes; the rest of the comment stays.
        var stagingComment = s.GetProperty("$comment").GetString();
        Assert.StartsWith("The staging environment as data. Sized for a budget", stagingComment);
        Assert.DoesNotContain("placeholder", stagingComment, StringComparison.OrdinalIgnoreCase);
        var p = File("production");
        Assert.StartsWith("The production environment as data. Production alarms must reach someone", p.GetProperty("$comment").GetString());
        Assert.Equal(["eu-central-1b", "eu-central-1c"], p.GetProperty("availabilityZones").EnumerateArray().Select(z => z.GetString()));
        Assert.Equal(["oncall@acme.io"], p.GetProperty("alarmEmails").EnumerateArray().Select(z => z.GetString()));
        Assert.True(p.GetProperty("retainData").GetBoolean());
        Assert.True(p.GetProperty("database").GetProperty("multiAz").GetBoolean());

        // The commands that come next, with this account and the CDK CLI the deploy runs.
        Assert.Contains($"npx --yes aws-cdk@2.1148.1 bootstrap aws://{Account}/{Region} aws://{Account}/us-east-1", production.Output);
        Assert.Contains("npx --yes aws-cdk@2.1148.1 deploy Groundwork-management --exclusively", production.Output);
        Assert.Contains("dotnet run --project src/Groundwork.Deploy -- deploy --env production --version <version>", production.Output);
        Assert.Contains($"s3://groundwork-artifacts-{Account}-{Region}", production.Output);

        // A second run with only what is required keeps the lists given before, and says nothing changed.
        var again = await Init("--env", "staging", "--account", Account, "--region", Region, "--domain", "staging.acme.io");
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("no change", again.Output);
        Assert.Equal(2, File("staging").GetProperty("adminEmails").GetArrayLength());

        // The tracked files were not touched.
        Assert.All(tracked, t => Assert.Equal(t.Value, System.IO.File.ReadAllText(t.Key)));
    }

    [Fact]
    public async Task A_placeholder_left_in_the_file_is_named()
    {
        Assert.Equal(0, (await InitManagement()).ExitCode);
        var run = await Init("--env", "production", "--account", Account, "--region", Region, "--domain", "acme.io", "--hosted-zone-id", "Z0ACMEIO1234");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("placeholder alarmEmails: oncall@groundwork.example", run.Output);
    }

    [Theory]
    [InlineData("--env qa --account 123456789012 --region eu-central-1 --domain acme.io", "'qa'")]
    [InlineData("--env staging --account 12345 --region eu-central-1 --domain acme.io", "not an AWS account id")]
    [InlineData("--env staging --account 111111111111 --region eu-west-1 --domain acme.io", "placeholder")]
    [InlineData("--env staging --account 123456789012 --region Europe --domain acme.io", "not an AWS region name")]
    [InlineData("--env staging --account 123456789012 --region eu-central-1 --domain acme_io", "not a DNS name")]
    [InlineData("--env staging --account 123456789012 --region eu-central-1 --domain acme.io", "Run init --env management")]
    [InlineData("--env management --account 123456789012 --region eu-central-1 --domain acme.io --hosted-zone-id Z0ACMEIO1234", "--tool-host-ami is needed")]
    [InlineData("--env management --account 123456789012 --region eu-central-1 --domain acme.io --tool-host-ami ami-0123456789abcdef0", "--hosted-zone-id is needed")]
    [InlineData("--env management --account 123456789012 --region eu-central-1 --domain acme.io --hosted-zone-id zone1 --tool-host-ami ami-0123456789abcdef0", "not a Route 53 hosted zone id")]
    [InlineData("--env management --account 123456789012 --region eu-central-1 --domain acme.io --hosted-zone-id Z0ACMEIO1234 --tool-host-ami ami-xyz", "not an AMI id")]
    [InlineData("--env management --account 123456789012 --region eu-central-1 --domain acme.io --hosted-zone-id Z0ACMEIO1234 --tool-host-ami ami-0123456789abcdef0 --availability-zones eu-west-1a,eu-west-1b", "not a zone of eu-central-1")]
    [InlineData("--env management --account 123456789012 --region eu-central-1 --domain acme.io --hosted-zone-id Z0ACMEIO1234 --tool-host-ami ami-0123456789abcdef0 --availability-zones eu-central-1a", "exactly two")]
    public async Task Bad_input_is_one_line_exit_2_and_nothing_written(string arguments, string expected)
    {
        var before = Snapshot();
        var run = await Init(arguments.Split(' '));
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("groundwork-deploy: ", line);
        Assert.Contains(expected, line);
        Assert.Equal(before, Snapshot());
    }

    [Theory]
    [InlineData("--bastion-cidr 203.0.113.5/24", "has host bits set; the network is 203.0.113.0/24")]
    [InlineData("--bastion-cidr 0.0.0.0/0", "whole internet")]
    [InlineData("--bastion-cidr 2001:db8::/32", "not an IPv4 network")]
    [InlineData("--bastion-cidr 10.0.0.1", "not an IPv4 network")]
    [InlineData("--admin-email ana", "not an email address")]
    [InlineData("--alarm-email oncall@acme", "not an email address")]
    [InlineData("--admin-domain acme..io", "not a DNS name")]
    [InlineData("--tool-host-ami ami-0123456789abcdef0", "is for --env management")]
    public async Task Bad_environment_values_are_refused_after_management_is_in_place(string extra, string expected)
    {
        Assert.Equal(0, (await InitManagement()).ExitCode);
        var before = Snapshot();
        var run = await Init(["--env", "staging", "--account", Account, "--region", Region, "--domain", "staging.acme.io", "--hosted-zone-id", "Z0STAGING5678", .. extra.Split(' ')]);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
        Assert.Equal(before, Snapshot());
    }
}
