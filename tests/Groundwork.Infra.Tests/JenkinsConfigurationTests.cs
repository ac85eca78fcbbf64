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
        ("eC2Fleet:", "ec2-fleet"), ("sSHConnector:", "ssh-slaves"), ("basicSSHUserPrivateKey:", "ssh-slaves"),
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
        Assert.Contains("eC2Fleet:", used, StringComparison.Ordinal);
        // The agent is started by the EC2 Fleet cloud now: the Swarm plugin it used to join with is gone.
        Assert.DoesNotContain("swarm", plugins.Keys);
    }

    [Fact]
    public void Builds_run_on_the_debian_agent_and_only_the_admin_and_the_approvers_have_accounts()
    {
        var jenkins = (YamlMappingNode)Casc()["jenkins"];
        Assert.Equal("0", ((YamlScalarNode)jenkins["numExecutors"]).Value); // the Amazon Linux controller builds nothing
        var users = ((YamlSequenceNode)jenkins["securityRealm"]["local"]["users"]).Children.Select(u => ((YamlScalarNode)u["id"]).Value ?? "").ToArray();
        Assert.Equal(["admin"], users); // no agent account: the controller connects to the agent, not the other way round
        var roles = ((YamlSequenceNode)jenkins["authorizationStrategy"]["roleBased"]["roles"]["global"]).Children.Cast<YamlMappingNode>()
            .ToDictionary(r => ((YamlScalarNode)r["name"]).Value!, r => ((YamlSequenceNode)r["permissions"]).Children.Select(p => ((YamlScalarNode)p).Value!).ToArray());
        Assert.Equal(["admin", "groundwork-release-managers"], roles.Keys.Order().ToArray());
        // The deploy job's input step names the role group that may approve production.
        var deploy = File.ReadAllText(Path.Combine(JenkinsDir, "deploy.Jenkinsfile"));
        Assert.Contains("submitter: 'groundwork-release-managers'", deploy, StringComparison.Ordinal);
        // Every job runs on any agent (`agent any`): the cloud's agent must take them (NORMAL mode, not restricted).
        foreach (var jenkinsfile in Directory.GetFiles(JenkinsDir, "*.Jenkinsfile"))
            Assert.Contains("agent any", File.ReadAllText(jenkinsfile), StringComparison.Ordinal);
        Assert.Equal("NORMAL", ((YamlScalarNode)jenkins["mode"]).Value);
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value ?? "";

    [Fact]
    public void The_agent_scales_from_zero_to_one_and_the_controller_logs_in_with_the_key_pair()
    {
        var clouds = ((YamlSequenceNode)Casc()["jenkins"]["clouds"]).Children.Cast<YamlMappingNode>().ToList();
        var fleet = (YamlMappingNode)Assert.Single(clouds)["eC2Fleet"];
        Assert.Equal("0", Scalar(fleet, "minSize")); // nothing runs (nor is billed) while no build waits
        Assert.Equal("1", Scalar(fleet, "maxSize"));
        Assert.Equal("0", Scalar(fleet, "minSpareSize"));
        Assert.InRange(int.Parse(Scalar(fleet, "idleMinutes"), System.Globalization.CultureInfo.InvariantCulture), 5, 30);
        Assert.Equal("${JENKINS_AGENT_GROUP}", Scalar(fleet, "fleet"));
        Assert.Equal("true", Scalar(fleet, "privateIpUsed")); // the agent has no public address
        // The label the build runs on, the root the agent user's home, as the agent's user data creates them.
        Assert.Equal(ToolUserData.JenkinsAgentLabel, Scalar(fleet, "labelString"));
        Assert.Equal(ToolUserData.JenkinsAgentHome, Scalar(fleet, "fsRoot"));
        // Provisioning takes minutes (apt): the plugin must wait longer than the default 3 before giving up on a node.
        Assert.True(int.Parse(Scalar(fleet, "initOnlineTimeoutSec"), System.Globalization.CultureInfo.InvariantCulture) >= 900);

        var ssh = (YamlMappingNode)fleet["computerConnector"]["sSHConnector"];
        Assert.Equal("22", Scalar(ssh, "port"));
        // Never "accept any host key": trusted on first contact, then pinned for the node's life.
        var strategy = (YamlMappingNode)ssh["sshHostKeyVerificationStrategy"];
        Assert.Equal("false", Scalar((YamlMappingNode)strategy["manuallyTrustedKeyVerificationStrategy"], "requireInitialManualTrust"));

        var credentials = ((YamlSequenceNode)Casc()["credentials"]["system"]["domainCredentials"]).Children
            .SelectMany(d => ((YamlSequenceNode)d["credentials"]).Children).Cast<YamlMappingNode>()
            .Select(c => (YamlMappingNode)c["basicSSHUserPrivateKey"]).ToList();
        var key = Assert.Single(credentials, c => Scalar(c, "id") == Scalar(ssh, "credentialsId"));
        Assert.Equal(ToolUserData.JenkinsAgentUser, Scalar(key, "username"));
        Assert.Equal("SYSTEM", Scalar(key, "scope")); // for agent connections only, not readable by jobs
        // The key is read from memory at each start, never written in the configuration or on a disk.
        var privateKey = Scalar((YamlMappingNode)key["privateKeySource"]["directEntry"], "privateKey");
        var path = ReadFile().Match(privateKey);
        Assert.True(path.Success, privateKey);
        var controller = string.Join('\n', ControllerUserData());
        Assert.Contains($"Environment=SECRETS={Path.GetDirectoryName(path.Groups[1].Value)}", controller, StringComparison.Ordinal);
        Assert.StartsWith("/run/", path.Groups[1].Value, StringComparison.Ordinal);
        Assert.Contains($"\"$SECRETS/{Path.GetFileName(path.Groups[1].Value)}\"", ToolUserData.File("jenkins-secrets.sh"), StringComparison.Ordinal);
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
        AgentKeyParameter = "/ec2/keypair/key-0123456789abcdef0",
        AgentGroup = "groundwork-jenkins-agent",
        RepositoryUrl = "https://git.example/groundwork/groundwork.git",
        ArtifactsBucket = "groundwork-artifacts-111111111111-eu-west-1",
    });

    internal static string[] AgentUserData() => ToolUserData.JenkinsAgent();

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
    [GeneratedRegex(@"^\$\{readFile:(/[^}]+)\}$")]
    private static partial Regex ReadFile();
}
