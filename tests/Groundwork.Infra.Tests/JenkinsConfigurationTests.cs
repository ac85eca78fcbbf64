using System.Text.RegularExpressions;
using Groundwork.Infra.UserData;
using YamlDotNet.RepresentationModel;

namespace Groundwork.Infra.Tests;

/// <summary>
/// Jenkins as code, checked against the Jenkinsfiles it runs: ci/jenkins/jenkins.yaml (JCasC, rendered into the
/// controller's user data) defines exactly the jobs of ci/jenkins/*.Jenkinsfile with the parameters each declares,
/// plugins.txt pins a plugin for every step and JCasC section used, and every ${VALUE} JCasC reads is supplied on
/// the controller.
/// </summary>
public sealed partial class JenkinsConfigurationTests
{
    private static readonly string JenkinsDir = Path.Combine(RepositoryPaths.Root, "ci", "jenkins");

    /// <summary>The YAML the controller gets: the copy embedded in the user data, which must be the repository's file.</summary>
    private static YamlMappingNode Casc()
    {
        var embedded = ToolUserData.File("jenkins.yaml");
        Assert.Equal(File.ReadAllText(Path.Combine(JenkinsDir, "jenkins.yaml")), embedded);
        var stream = new YamlStream();
        stream.Load(new StringReader(embedded));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private sealed record Job(string Name, string Dsl, string ScriptPath);

    private static List<Job> Jobs() =>
        ((YamlSequenceNode)Casc()["jobs"]).Children
            .Select(j => ((YamlScalarNode)((YamlMappingNode)j)["script"]).Value!)
            .Select(dsl => new Job(PipelineJob().Match(dsl).Groups[1].Value, dsl, ScriptPathDsl().Match(dsl).Groups[1].Value))
            .ToList();

    /// <summary>(type, name) of each parameter: Job DSL's stringParam/choiceParam/booleanParam, a Jenkinsfile's string/choice/booleanParam.</summary>
    private static string[] DslParameters(string dsl) =>
        DslParameter().Matches(dsl).Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}").Order().ToArray();

    private static string[] JenkinsfileParameters(string jenkinsfile)
    {
        var block = ParametersBlock().Match(jenkinsfile);
        Assert.True(block.Success, "no parameters block");
        return JenkinsfileParameter().Matches(block.Groups[1].Value)
            .Select(m => $"{(m.Groups[1].Value == "booleanParam" ? "boolean" : m.Groups[1].Value)}:{m.Groups[2].Value}").Order().ToArray();
    }

    [Fact]
    public void Every_jenkinsfile_has_exactly_one_job_whose_script_path_exists()
    {
        var jobs = Jobs();
        Assert.Equal(["groundwork-build", "groundwork-deploy", "groundwork-rotate-credentials"], jobs.Select(j => j.Name).Order().ToArray());
        var jenkinsfiles = Directory.GetFiles(JenkinsDir, "*.Jenkinsfile").Select(f => Path.GetRelativePath(RepositoryPaths.Root, f)).Order().ToArray();
        Assert.Equal(jenkinsfiles, jobs.Select(j => j.ScriptPath).Order().ToArray());
        foreach (var job in jobs)
            Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, job.ScriptPath)), job.ScriptPath);
    }

    [Fact]
    public void Each_job_declares_the_parameters_its_jenkinsfile_declares()
    {
        foreach (var job in Jobs())
        {
            var jenkinsfile = File.ReadAllText(Path.Combine(RepositoryPaths.Root, job.ScriptPath));
            var declared = JenkinsfileParameters(jenkinsfile);
            Assert.NotEmpty(declared);
            Assert.Equal(declared, DslParameters(job.Dsl));
            // The choices too: a job offering an environment its Jenkinsfile does not know would fail at run time.
            foreach (Match choice in JenkinsfileChoices().Matches(jenkinsfile))
                Assert.Contains($"choiceParam('{choice.Groups[1].Value}', {choice.Groups[2].Value.Trim()}", job.Dsl, StringComparison.Ordinal);
        }
    }

    /// <summary>Which pinned plugin provides each step, option, trigger and JCasC section the configuration uses.</summary>
    private static readonly (string Used, string Plugin)[] Providers =
    [
        ("pipeline {", "workflow-aggregator"), ("input ", "workflow-aggregator"), ("timeout(", "workflow-aggregator"),
        ("archiveArtifacts", "workflow-aggregator"), ("checkout scmGit", "git"), ("timestamps()", "timestamper"),
        ("lock(", "lockable-resources"), ("parameterizedCron(", "parameterized-scheduler"),
        ("pipelineJob(", "job-dsl"), ("roleBased:", "role-strategy"), ("jobs:", "configuration-as-code"),
        ("groundwork-agent", "swarm"),
    ];

    [Fact]
    public void The_pinned_plugins_cover_every_step_and_section_used_and_nothing_floats()
    {
        var lines = ToolUserData.File("plugins.txt").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal(File.ReadAllText(Path.Combine(JenkinsDir, "plugins.txt")), ToolUserData.File("plugins.txt"));
        var plugins = new Dictionary<string, string>();
        foreach (var line in lines)
        {
            var match = PinnedPlugin().Match(line);
            Assert.True(match.Success, $"'{line}' is not <plugin>:<exact version>");
            Assert.True(plugins.TryAdd(match.Groups[1].Value, match.Groups[2].Value), $"{match.Groups[1].Value} listed twice");
        }
        var used = string.Join('\n', Directory.GetFiles(JenkinsDir, "*.Jenkinsfile").Select(File.ReadAllText))
                   + File.ReadAllText(Path.Combine(JenkinsDir, "jenkins.yaml"));
        foreach (var (step, plugin) in Providers)
        {
            if (used.Contains(step, StringComparison.Ordinal))
                Assert.True(plugins.ContainsKey(plugin), $"'{step}' is used but {plugin} is not pinned in plugins.txt");
        }
        Assert.Contains("lock(", used, StringComparison.Ordinal); // the table above is exercised, not vacuous
    }

    [Fact]
    public void Builds_run_on_the_debian_agent_and_the_approval_and_agent_accounts_are_roles()
    {
        var jenkins = (YamlMappingNode)Casc()["jenkins"];
        Assert.Equal("0", ((YamlScalarNode)jenkins["numExecutors"]).Value); // the Amazon Linux controller builds nothing
        var users = ((YamlSequenceNode)jenkins["securityRealm"]["local"]["users"]).Children.Select(u => ((YamlScalarNode)u["id"]).Value ?? "").ToArray();
        Assert.Equal(["admin", "groundwork-agent"], users);
        var roles = ((YamlSequenceNode)jenkins["authorizationStrategy"]["roleBased"]["roles"]["global"]).Children.Cast<YamlMappingNode>()
            .ToDictionary(r => ((YamlScalarNode)r["name"]).Value!, r => ((YamlSequenceNode)r["permissions"]).Children.Select(p => ((YamlScalarNode)p).Value!).ToArray());
        Assert.DoesNotContain(roles["build-agents"], p => p is "Overall/Administer" or "Job/Build" or "Job/Configure");
        Assert.Contains("Agent/Connect", roles["build-agents"]);
        // The deploy job's input step names the role group that may approve production.
        var deploy = File.ReadAllText(Path.Combine(JenkinsDir, "deploy.Jenkinsfile"));
        Assert.Contains("submitter: 'groundwork-release-managers'", deploy, StringComparison.Ordinal);
        Assert.True(roles.ContainsKey("groundwork-release-managers"));
        // The agent joins with the label the controller's user data gives it, and in normal mode (`agent any`).
        Assert.Contains($"-labels {ToolUserData.JenkinsAgentLabel}", string.Join('\n', AgentUserData()), StringComparison.Ordinal);
        Assert.DoesNotContain("-mode exclusive", string.Join('\n', AgentUserData()), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_value_jcasc_reads_is_supplied_on_the_controller()
    {
        var yaml = ToolUserData.File("jenkins.yaml");
        var controller = string.Join('\n', ControllerUserData());
        var secrets = ToolUserData.File("jenkins-secrets.sh");
        var variables = CascVariable().Matches(yaml).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains("JENKINS_ADMIN_PASSWORD", variables);
        foreach (var variable in variables)
        {
            var supplied = Regex.IsMatch(controller, $@"Environment=.*\b{variable}=") || secrets.Contains($"$SECRETS/{variable}\"", StringComparison.Ordinal);
            Assert.True(supplied, $"${{{variable}}} of jenkins.yaml is neither in the controller's unit environment nor a file under $SECRETS");
        }
        Assert.Contains("CASC_JENKINS_CONFIG=/etc/jenkins/casc/jenkins.yaml", controller, StringComparison.Ordinal);
        Assert.Contains("-Djenkins.install.runSetupWizard=false", controller, StringComparison.Ordinal);
        Assert.Contains($"jenkins-{ToolUserData.JenkinsVersion}", controller, StringComparison.Ordinal);
        Assert.Contains("--plugin-file /etc/jenkins/plugins.txt", controller, StringComparison.Ordinal);
    }

    internal static string[] ControllerUserData() => ToolUserData.JenkinsController(new JenkinsControllerSettings
    {
        Region = "eu-west-1",
        AdminSecret = "groundwork/management/jenkins/admin",
        AgentSecret = "groundwork/management/jenkins/agent",
        RepositoryUrl = "https://git.example/groundwork/groundwork.git",
        ArtifactsBucket = "groundwork-artifacts-111111111111-eu-west-1",
    });

    internal static string[] AgentUserData() => ToolUserData.JenkinsAgent(new JenkinsAgentSettings
    {
        Region = "eu-west-1",
        AgentSecret = "groundwork/management/jenkins/agent",
        ControllerGroup = "groundwork-jenkins",
    });

    [GeneratedRegex(@"pipelineJob\('([^']+)'\)")]
    private static partial Regex PipelineJob();
    [GeneratedRegex(@"scriptPath\('([^']+)'\)")]
    private static partial Regex ScriptPathDsl();
    [GeneratedRegex(@"(string|choice|boolean)Param\('([^']+)'")]
    private static partial Regex DslParameter();
    [GeneratedRegex(@"parameters \{(.*?)\n  \}", RegexOptions.Singleline)]
    private static partial Regex ParametersBlock();
    [GeneratedRegex(@"\b(string|choice|booleanParam)\(name: '([^']+)'")]
    private static partial Regex JenkinsfileParameter();
    [GeneratedRegex(@"choice\(name: '([^']+)', choices: (\[[^\]]*\])")]
    private static partial Regex JenkinsfileChoices();
    [GeneratedRegex(@"^([A-Za-z0-9._-]+):([0-9][A-Za-z0-9._-]*)$")]
    private static partial Regex PinnedPlugin();
    [GeneratedRegex(@"\$\{([A-Z_]+)(:-[^}]*)?\}")]
    private static partial Regex CascVariable();
}
