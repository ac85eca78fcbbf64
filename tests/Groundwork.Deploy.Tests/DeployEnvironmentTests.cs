using Groundwork.Deploy.Cli;
using Groundwork.Deploy.Environments;

namespace Groundwork.Deploy.Tests;

/// <summary>--env is turned into a <see cref="DeployEnvironment"/> once, where the command line is parsed.</summary>
public sealed class DeployEnvironmentTests
{
    [Theory]
    [InlineData("deploy", "local", "local")]
    [InlineData("deploy", "production", "production")]
    [InlineData("init", "management", "management")]
    public void A_known_name_parses_into_its_environment(string command, string name, string expected)
    {
        var parse = DeployCli.Create().Parse([command, "--env", name, .. ArgumentsOf(command)]);
        Assert.Empty(parse.Errors);
        var environment = parse.CommandResult.Command.Options.Single(o => o.Name == "--env");
        Assert.Same(DeployEnvironment.Find(expected, [DeployEnvironment.Local, DeployEnvironment.Staging, DeployEnvironment.Production, DeployEnvironment.Management]),
            parse.GetValue<DeployEnvironment>(environment.Name));
    }

    [Theory]
    [InlineData("deploy", "management")] // management holds Jenkins and Sentry: nothing is deployed to it
    [InlineData("deploy", "Staging")]
    [InlineData("init", "local")] // the local stack has no environment file
    [InlineData("stop", "staging")] // stop ends the local instances the tool started
    [InlineData("failover", "qa")]
    public void A_name_the_command_does_not_take_is_a_parse_error(string command, string name)
    {
        var parse = DeployCli.Create().Parse([command, "--env", name, .. ArgumentsOf(command)]);
        Assert.Contains(parse.Errors, e => e.Message.Contains($"'{name}'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_environment_fails_with_one_line_and_exit_code_2()
    {
        var run = await ToolProcess.RunAsync(["status", "--env", "qa"]);
        Assert.Equal(CliOptions.BadInput, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("groundwork-deploy: ", line, StringComparison.Ordinal);
        Assert.Contains("'qa'", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_command_takes_only_the_environments_it_acts_on()
    {
        Assert.Equal(["local", "staging", "production"], DeployEnvironment.DeployTargets.Select(e => e.Name));
        Assert.Equal(["staging", "production", "management"], DeployEnvironment.InAws.Select(e => e.Name));
        Assert.True(DeployEnvironment.Local.IsLocal);
        Assert.False(DeployEnvironment.Staging.IsLocal);
        Assert.True(DeployEnvironment.Management.IsManagement);
        Assert.Null(DeployEnvironment.Find("management", DeployEnvironment.DeployTargets));
    }

    private static string[] ArgumentsOf(string command) => command switch
    {
        "deploy" => ["--version", "1.4.2"],
        "init" => ["--account", "123456789012", "--region", "eu-west-1", "--domain", "acme.io"],
        _ => [],
    };
}
