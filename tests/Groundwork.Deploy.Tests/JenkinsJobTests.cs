using System.Text.RegularExpressions;
using Groundwork.Deploy.Cli;
using YamlDotNet.RepresentationModel;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// The two Jenkins jobs and the JCasC file that defines them (no Jenkins here to lint them against): the stages are
/// there in order, and every call of the deploy tool parses with the tool's own command tree.
/// </summary>
public sealed partial class JenkinsJobTests
{
    private static readonly string Jenkins = Path.Combine(ToolProcess.RepoRoot, "ci", "jenkins");

    private static string Read(string file) => File.ReadAllText(Path.Combine(Jenkins, file));

    [GeneratedRegex(@"stage\('([^']+)'\)")]
    private static partial Regex Stage();

    [GeneratedRegex(@"\$\{GROUNDWORK_DEPLOY\} ([^'\n]+)'")]
    private static partial Regex ToolCall();

    private static IReadOnlyList<string> Stages(string jenkinsfile) => Stage().Matches(jenkinsfile).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The tool's command lines in a Jenkinsfile, with shell variables replaced by sample values.</summary>
    private static IReadOnlyList<string[]> ToolCalls(string jenkinsfile) => ToolCall().Matches(jenkinsfile)
        // The tool's own arguments end where the shell takes over again (|| true, && ...).
        .Select(m => m.Groups[1].Value.Split(["||", "&&", ";"], StringSplitOptions.None)[0]
            .Replace("${GROUNDWORK_VERSION}", "20261127.9a0206f14636")
            .Replace("${VERSION}", "20261127.9a0206f14636")
            .Replace("${DEPLOY_VERSION}", "20261127.9a0206f14636")
            .Replace("${ENVIRONMENT}", "production")
            .Replace("${GROUNDWORK_ARTIFACTS_BUCKET}", "groundwork-artifacts-111111111111-eu-west-1")
            .Replace("${AWS_REGION}", "eu-west-1")
            .Replace("\"", "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .ToList();

    private static void AssertParses(string[] arguments)
    {
        var parse = DeployCli.Create().Parse(arguments);
        Assert.True(parse.Errors.Count == 0, $"{string.Join(' ', arguments)}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
    }

    [Fact]
    public void The_build_job_checks_out_tests_builds_verifies_and_publishes_with_the_tool()
    {
        var jenkinsfile = Read("build.Jenkinsfile");
        Assert.Equal(["Checkout", "Test", "Build", "Verify", "Publish"], Stages(jenkinsfile));
        Assert.Contains("string(name: 'BRANCH'", jenkinsfile);
        Assert.Contains("./groundwork test", jenkinsfile);
        var calls = ToolCalls(jenkinsfile);
        Assert.Equal(["build", "verify", "publish"], calls.Select(c => c[0]));
        Assert.Contains("--to", calls[2]);
        Assert.StartsWith("s3://", calls[2][Array.IndexOf(calls[2], "--to") + 1]);
        foreach (var call in calls)
        {
            AssertParses(call);
        }
    }

    [Fact]
    public void The_deploy_job_plans_then_waits_for_approval_in_production_then_deploys_with_the_tool()
    {
        var jenkinsfile = Read("deploy.Jenkinsfile");
        Assert.Equal(["Checkout", "Plan", "Approval", "Deploy"], Stages(jenkinsfile));
        Assert.Contains("choice(name: 'ENVIRONMENT', choices: ['staging', 'production']", jenkinsfile);
        Assert.Contains("string(name: 'VERSION'", jenkinsfile);
        var approval = jenkinsfile[jenkinsfile.IndexOf("stage('Approval')", StringComparison.Ordinal)..jenkinsfile.IndexOf("stage('Deploy')", StringComparison.Ordinal)];
        Assert.Contains("params.ENVIRONMENT == 'production'", approval);
        Assert.Contains("input message:", approval);

        var calls = ToolCalls(jenkinsfile);
        var commands = calls.Select(c => string.Join(' ', c.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)))).ToList();
        Assert.Contains("deploy", commands);
        Assert.Contains("rollback", commands);
        Assert.Contains("status", commands);
        Assert.Contains(calls, c => c[0] == "deploy" && c.Contains("--dry-run"));
        Assert.Contains(calls, c => c[0] == "deploy" && !c.Contains("--dry-run") && c.Contains("--env") && c.Contains("--version"));
        foreach (var call in calls)
        {
            AssertParses(call);
        }
        // The real deploy comes after the approval stage, the dry run before it.
        Assert.True(jenkinsfile.IndexOf("--dry-run", StringComparison.Ordinal) < jenkinsfile.IndexOf("stage('Approval')", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rollback_deploys_the_previous_version_with_the_tool_and_cdk_app_of_that_versions_commit()
    {
        var jenkinsfile = Read("deploy.Jenkinsfile");
        var checkout = jenkinsfile[jenkinsfile.IndexOf("stage('Checkout')", StringComparison.Ordinal)..jenkinsfile.IndexOf("stage('Plan')", StringComparison.Ordinal)];
        // 1. the history says which version (main's tool only writes it down) ...
        var resolve = checkout.IndexOf("rollback --env \"${ENVIRONMENT}\" --version-file artifacts/ROLLBACK_VERSION", StringComparison.Ordinal);
        Assert.True(resolve > checkout.IndexOf("params.ROLLBACK", StringComparison.Ordinal), checkout);
        Assert.Contains("env.DEPLOY_VERSION = readFile('artifacts/ROLLBACK_VERSION').trim()", checkout);
        Assert.Contains("env.DEPLOY_VERSION = params.VERSION", checkout);
        // ... 2. the commit named in that version is checked out (for a deploy and a rollback alike), after the lookup ...
        var versionCheckout = checkout.IndexOf("checkout scmGit(branches: [[name: env.DEPLOY_VERSION.tokenize('.')[1]]]", StringComparison.Ordinal);
        Assert.True(versionCheckout > resolve, checkout);
        Assert.True(checkout.IndexOf("DEPLOY_VERSION ==~ /^[0-9]{8}\\.[0-9a-f]{12}$/", StringComparison.Ordinal) is var check && check > resolve && check < versionCheckout, checkout);
        // main is checked out only to read the history, never for what gets deployed.
        Assert.DoesNotContain("'main' :", jenkinsfile);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(jenkinsfile, "name: 'main'"));
        // ... 3. and plan and deploy run the same commands for both, with that version: no second lookup that could differ.
        var calls = ToolCalls(jenkinsfile).Select(c => string.Join(' ', c)).ToList();
        Assert.Equal(
            [
                "rollback --env production --version-file artifacts/ROLLBACK_VERSION",
                "status --env production",
                "deploy --env production --version 20261127.9a0206f14636 --dry-run",
                "deploy --env production --version 20261127.9a0206f14636",
                "status --env production",
            ], calls);
        // The version's commit is what the tool checks before it deploys (a deploy from another commit is refused).
        Assert.Equal("9a0206f14636", Groundwork.Deploy.Artifacts.ArtifactVersion.CommitOf("20261127.9a0206f14636"));
        Assert.Null(Groundwork.Deploy.Artifacts.ArtifactVersion.CommitOf("1.4.2"));
    }

    [Fact]
    public void The_rotation_job_rotates_each_environment_on_a_schedule_with_the_tool_under_the_deploy_lock()
    {
        var jenkinsfile = Read("rotate-credentials.Jenkinsfile");
        Assert.Equal(["Checkout", "Rotate"], Stages(jenkinsfile));
        Assert.Contains("%ENVIRONMENT=staging", jenkinsfile);
        Assert.Contains("%ENVIRONMENT=production", jenkinsfile);
        var call = Assert.Single(ToolCalls(jenkinsfile));
        Assert.Equal(["rotate-credentials", "--env", "production"], call);
        // The command itself belongs to the credentials work; once it is in the tool, it must parse like the others.
        if (DeployCli.Create().Subcommands.Any(c => c.Name == "rotate-credentials"))
            AssertParses(call);
        // A deploy's migrate step and a rotation never touch the same users at once.
        const string Lock = "lock(resource: \"groundwork-${params.ENVIRONMENT}-database\")";
        Assert.Contains(Lock, jenkinsfile);
        Assert.Contains(Lock, Read("deploy.Jenkinsfile"));
    }

    [Theory]
    [InlineData("build.Jenkinsfile")]
    [InlineData("deploy.Jenkinsfile")]
    [InlineData("rotate-credentials.Jenkinsfile")]
    public void Jenkinsfiles_are_declarative_pipelines_with_balanced_brackets(string file)
    {
        var text = Read(file);
        Assert.StartsWith("pipeline {", text.Split('\n').First(l => !l.StartsWith("//", StringComparison.Ordinal)));
        // Brackets outside strings and comments balance (the cheapest lint there is without a Jenkins).
        var depth = new Dictionary<char, int> { ['{'] = 0, ['('] = 0, ['['] = 0 };
        var pairs = new Dictionary<char, char> { ['}'] = '{', [')'] = '(', [']'] = '[' };
        foreach (var line in text.Split('\n').Select(l => l.TrimStart()).Where(l => !l.StartsWith("//", StringComparison.Ordinal)))
        {
            var inString = (char?)null;
            foreach (var c in line)
            {
                if (inString is { } quote)
                {
                    if (c == quote) inString = null;
                    continue;
                }
                if (c is '\'' or '"') inString = c;
                else if (depth.ContainsKey(c)) depth[c]++;
                else if (pairs.TryGetValue(c, out var open)) Assert.True(--depth[open] >= 0, $"{file}: unbalanced '{c}' in: {line}");
            }
        }
        Assert.All(depth.Values, d => Assert.Equal(0, d));
    }

    [Fact]
    public void The_jcasc_file_defines_both_jobs_from_their_jenkinsfiles_with_the_same_parameters()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Read("jenkins.yaml")));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.True(root.Children.ContainsKey("jenkins"));
        var scripts = ((YamlSequenceNode)root["jobs"]).Children
            .Select(job => ((YamlScalarNode)((YamlMappingNode)job)["script"]).Value!).ToList();
        Assert.Equal(3, scripts.Count);

        var build = Assert.Single(scripts, s => s.Contains("pipelineJob('groundwork-build')"));
        Assert.Contains("scriptPath('ci/jenkins/build.Jenkinsfile')", build);
        Assert.Contains("stringParam('BRANCH'", build);

        var deploy = Assert.Single(scripts, s => s.Contains("pipelineJob('groundwork-deploy')"));
        Assert.Contains("scriptPath('ci/jenkins/deploy.Jenkinsfile')", deploy);
        Assert.Contains("choiceParam('ENVIRONMENT', ['staging', 'production']", deploy);
        Assert.Contains("stringParam('VERSION'", deploy);

        var rotate = Assert.Single(scripts, s => s.Contains("pipelineJob('groundwork-rotate-credentials')"));
        Assert.Contains("scriptPath('ci/jenkins/rotate-credentials.Jenkinsfile')", rotate);
        Assert.Contains("choiceParam('ENVIRONMENT', ['staging', 'production']", rotate);

        foreach (var path in Regex.Matches(string.Join('\n', scripts), @"scriptPath\('([^']+)'\)").Select(m => m.Groups[1].Value))
        {
            Assert.True(File.Exists(Path.Combine(ToolProcess.RepoRoot, path)), path);
        }
        // No secrets in the repository: environment-specific values come from the controller's environment.
        Assert.DoesNotContain("AKIA", Read("jenkins.yaml"));
    }
}
