using System.Text;
using Groundwork.Deploy.Environments;
using Groundwork.Deploy.Aws;

namespace Groundwork.Deploy.Tests;

/// <summary>staging/production: the plan as data, the dry run, and the fail-fast without credentials.</summary>
public sealed class AwsPlanTests
{
    private static AwsEnvironment Load(string name) =>
        AwsEnvironment.Load(new Repository(ToolProcess.RepoRoot), DeployEnvironment.Find(name, DeployEnvironment.AwsApplications)!);

    [Theory]
    [InlineData("staging")]
    [InlineData("production")]
    public void The_plan_checks_the_artifact_deploys_the_data_tier_migrates_once_then_rolls_the_app_stack_then_the_rest_then_syncs_the_web_build(string environment)
    {
        var env = Load(environment);
        var steps = AwsDeployPlan.For(env, "20261127.9a0206f14636");
        Assert.Equal(6, steps.Count);
        Assert.Contains($"--bucket {env.ArtifactsBucket} --key groundwork-20261127.9a0206f14636.tar.gz", steps[0].Command);
        Assert.Contains("groundwork-20261127.9a0206f14636-web.zip", steps[0].Command);
        const string Cdk = "npx --yes aws-cdk@2.1148.1 deploy";
        const string Context = "-c version=20261127.9a0206f14636 --require-approval never --exclusively";
        // The migrations need the database (an empty environment has none yet), not an app server.
        Assert.Equal($"{Cdk} Groundwork-{environment}-Network Groundwork-{environment}-Monitoring Groundwork-{environment}-Data {Context}", steps[1].Command);
        Assert.Contains("Groundwork.Api.dll\" migrate", steps[2].Script);
        Assert.Equal($"{Cdk} Groundwork-{environment}-App {Context}", steps[3].Command);
        Assert.Equal($"{Cdk} Groundwork-{environment}-Analytics Groundwork-{environment}-StaticSite Groundwork-{environment}-Alarms {Context}", steps[4].Command);
        Assert.Contains("invalidate CloudFront", steps[5].Title);
        // Every stack the CDK app defines for the environment is deployed by some step.
        Assert.Equal(env.AllStacks.Order(StringComparer.Ordinal), steps.SelectMany(s => s.Command.Split(' ')).Where(w => w.StartsWith($"Groundwork-{environment}-", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        // Nothing runs on an instance any more: no SSM Run Command, no Session Manager.
        Assert.DoesNotContain(steps, s => (s.Command + s.Script).Contains("aws ssm send-command", StringComparison.Ordinal)
                                          || (s.Command + s.Script).Contains("start-session", StringComparison.Ordinal));
    }

    [Fact]
    public void The_web_build_is_synced_with_delete_and_cloudfront_is_invalidated_after_it()
    {
        var env = Load("production");
        var step = AwsDeployPlan.For(env, "1.4.2")[5];
        var lines = step.Script!.Split('\n');
        var download = Array.FindIndex(lines, l => l.Contains($"s3://{env.ArtifactsBucket}/groundwork-1.4.2-web.zip", StringComparison.Ordinal));
        var sync = Array.FindIndex(lines, l => l.Contains("aws s3 sync --region us-east-1 --delete", StringComparison.Ordinal) && l.Contains("s3://$SITE_BUCKET", StringComparison.Ordinal));
        var invalidate = Array.FindIndex(lines, l => l.Contains("aws cloudfront create-invalidation --distribution-id \"$DISTRIBUTION\" --paths '/*'", StringComparison.Ordinal));
        Assert.True(download >= 0 && sync > download && invalidate > sync, step.Script);
        // The bucket and distribution come from the StaticSite stack's parameters (us-east-1), not from guesses.
        Assert.Contains("--region us-east-1 --name \"/groundwork/production/site/$1\"", step.Script);
    }

    [Fact]
    public void Every_mention_of_the_cdk_cli_names_the_version_the_deploy_runs()
    {
        var root = ToolProcess.RepoRoot;
        var files = new[] { "README.md", "cdk.json" }.Select(f => Path.Combine(root, f))
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md"))
            .Concat(Directory.GetFiles(Path.Combine(root, "ci", "jenkins")))
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal)));
        var mentions = files.Where(File.Exists)
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), @"aws-cdk@[0-9][0-9A-Za-z.\-]*").Select(m => (File: Path.GetRelativePath(root, f), m.Value)))
            .ToList();
        Assert.Contains(mentions, m => m.File.EndsWith("deploy.Jenkinsfile", StringComparison.Ordinal));
        Assert.Contains(mentions, m => m.File == "README.md");
        Assert.All(mentions, m => Assert.True(m.Value == AwsDeployPlan.CdkCli, $"{m.File}: {m.Value}, the deploy runs {AwsDeployPlan.CdkCli}"));
    }

    [Fact]
    public void The_one_off_migration_runs_here_with_secret_ids_only_and_verifies_the_artifact_before_running_it()
    {
        var env = Load("staging");
        var step = AwsDeployPlan.For(env, "1.4.2")[2];
        var encoded = System.Text.RegularExpressions.Regex.Match(step.Command, "^echo ([A-Za-z0-9+/=]+) \\| base64 -d \\| bash$").Groups[1].Value;
        var script = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        Assert.Equal(step.Script, script);
        var lines = script.Split('\n');
        var check = Array.FindIndex(lines, l => l.Contains("sha256sum --check --strict"));
        var migrate = Array.FindIndex(lines, l => l.Contains("Groundwork.Api.dll\" migrate", StringComparison.Ordinal));
        Assert.True(check >= 0 && migrate > check, script);
        Assert.Contains($"s3://{env.ArtifactsBucket}/groundwork-1.4.2.tar.gz", script);

        // Credentials: secret ids only (the app reads them with the deploy role); the master secret's ARN from SSM.
        Assert.Contains("MASTER_SECRET=\"$(param master-secret-arn)\"", script);
        Assert.Contains("export Database__Credentials__SecretId=\"$MASTER_SECRET\"", script);
        Assert.Contains("export Database__AppUserSecretId=groundwork/staging/db/app", script);
        Assert.Contains("export Analytics__ReadOnlySecretId=groundwork/staging/db/analytics-readonly", script);
        Assert.DoesNotContain("get-secret-value", script);
        Assert.DoesNotContain("Password", script);
        Assert.DoesNotContain("/etc/groundwork/app.env", script);
        Assert.Contains(lines, l => l.StartsWith("export ConnectionStrings__primary=\"Server=$PRIMARY;Port=$PORT;Database=groundwork;SslMode=VerifyFull;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_migration_and_web_sync_scripts_are_valid_bash()
    {
        var script = AwsDeployPlan.For(Load("production"), "1.4.2")[2].Script! + "\n" + AwsDeployPlan.For(Load("production"), "1.4.2")[5].Script!;
        var file = Path.Combine(Path.GetTempPath(), $"gw-migrate-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(file, script);
        try
        {
            var check = await Groundwork.Deploy.Processes.ProcessRunner.RunAsync("bash", ["-n", file]);
            Assert.True(check.Succeeded, check.Error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_plan_scripts_are_shellcheck_clean()
    {
        foreach (var step in AwsDeployPlan.For(Load("production"), "20261127.9a0206f14636").Where(s => s.Script is not null))
        {
            var file = Path.Combine(Path.GetTempPath(), $"gw-plan-{Guid.NewGuid():N}.sh");
            await File.WriteAllTextAsync(file, "#!/bin/bash\n" + step.Script);
            try
            {
                var check = await Groundwork.Deploy.Processes.ProcessRunner.RunAsync("shellcheck", ["--severity=warning", "--format=gcc", file]);
                Assert.True(check.Succeeded, $"{step.Title}:\n{check.Output}{check.Error}");
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    [Fact]
    public void Environments_differ_only_in_configuration()
    {
        var staging = AwsDeployPlan.For(Load("staging"), "1.4.2");
        var production = AwsDeployPlan.For(Load("production"), "1.4.2");
        Assert.Equal(staging.Count, production.Count);
        string Normalize(string? text, string name, AwsEnvironment env) =>
            // The remote script travels base64-encoded: compare it decoded (its Script), not as bytes.
            System.Text.RegularExpressions.Regex.Replace(text ?? "", "echo [A-Za-z0-9+/=]+ \\| base64", "echo SCRIPT | base64")
                .Replace(name, "ENV").Replace(env.Account, "ACCOUNT").Replace(env.Region, "REGION");
        for (var i = 0; i < staging.Count; i++)
        {
            Assert.Equal(Normalize(staging[i].Command, "staging", Load("staging")), Normalize(production[i].Command, "production", Load("production")));
            Assert.Equal(Normalize(staging[i].Script, "staging", Load("staging")), Normalize(production[i].Script, "production", Load("production")));
        }
    }

    [Fact]
    public async Task A_dry_run_prints_every_step_without_credentials()
    {
        var run = await ToolProcess.RunAsync(["deploy", "--env", "production", "--version", "1.4.2", "--dry-run", "--no-synth"], BuiltArtifactTests.NoAws());
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("aws s3api head-object", run.Output);
        Assert.Contains("aws s3 sync --region us-east-1 --delete", run.Output);
        Assert.DoesNotContain("send-command", run.Output);
        Assert.Contains("deploy Groundwork-production-App -c version=1.4.2 --require-approval never", run.Output);
        Assert.Contains("deploy Groundwork-production-Analytics Groundwork-production-StaticSite Groundwork-production-Alarms -c version=1.4.2", run.Output);
        Assert.Contains("deploy Groundwork-production-Network Groundwork-production-Monitoring Groundwork-production-Data -c version=1.4.2", run.Output);
        Assert.Contains("Groundwork.Api.dll\" migrate", run.Output);
    }

    [Fact]
    public async Task A_dry_run_synthesizes_the_app_and_static_site_stacks_of_that_version()
    {
        using var temp = new TemporaryDirectory();
        var run = await ToolProcess.RunAsync(["deploy", "--env", "staging", "--version", "1.4.2", "--dry-run", "--artifacts", temp.Path],
            BuiltArtifactTests.NoAws(), TimeSpan.FromMinutes(8));
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Matches(@"would deploy Groundwork-staging-App: \d+ resources", run.Output);
        Assert.Matches(@"would deploy Groundwork-staging-StaticSite: \d+ resources", run.Output);
        Assert.Matches(@"would deploy Groundwork-staging-Data: \d+ resources", run.Output);
        var template = File.ReadAllText(Path.Combine(temp.Path, "cdk.out-staging-1.4.2", "Groundwork-staging-App.template.json"));
        Assert.Contains("1.4.2", template);
    }

    [Theory]
    [InlineData("staging")]
    [InlineData("production")]
    public async Task Without_aws_credentials_a_deploy_fails_at_once_with_one_line(string environment)
    {
        var run = await ToolProcess.RunAsync(["deploy", "--env", environment, "--version", "1.4.2"], BuiltArtifactTests.NoAws());
        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"groundwork-deploy: No AWS credentials for deploying to {environment}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (Jenkins uses its instance role).", line);
    }

    [Theory]
    [InlineData("deploy --env qa --version 1.0")]
    [InlineData("deploy --env staging")]
    [InlineData("deploy --env staging --version a;b")]
    [InlineData("rollback")]
    [InlineData("publish x.tar.gz --to http://example.com")]
    [InlineData("frobnicate")]
    public async Task Bad_input_gets_one_line_and_a_non_zero_exit(string arguments)
    {
        var run = await ToolProcess.RunAsync(arguments.Split(' '), BuiltArtifactTests.NoAws());
        Assert.NotEqual(0, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("groundwork-deploy: ", line);
    }
}
