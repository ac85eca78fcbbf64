using System.Text.Json.Nodes;
using Groundwork.Infra.Configuration;

namespace Groundwork.Infra.Tests;

[Collection(SynthesizedCollection.Name)]
public sealed class AppTierInvariantsTests(SynthesizedApp app)
{
    public static TheoryData<string> Environments => new() { "staging", "production" };

    private Resource HttpsListener(string env) =>
        app.Resources($"Groundwork-{env}-App", "AWS::ElasticLoadBalancingV2::Listener").Single(l => (int)l.Properties["Port"]! == 443);

    private IReadOnlyList<Resource> Rules(string env) =>
        app.Resources($"Groundwork-{env}-App", "AWS::ElasticLoadBalancingV2::ListenerRule").ToList();

    private string TargetGroupName(Resource rule, JsonNode action) =>
        (string)app.Target(rule.Stack, action["TargetGroupArn"])!.Properties["Name"]!;

    [Theory, MemberData(nameof(Environments))]
    public void Listener_rules_match_config_routing_json(string env)
    {
        // Read the shared file independently of the code under test.
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "config", "routing.json")))!;
        var expected = file["albListenerRules"]!.AsArray();
        var rules = Rules(env);
        Assert.Equal(expected.Count, rules.Count);
        foreach (var spec in expected)
        {
            var rule = rules.Single(r => (int)r.Properties["Priority"]! == (int)spec!["priority"]!);
            var conditions = TemplateQueries.Array(rule.Properties["Conditions"]).ToList();
            string[] Values(string field, string config) => conditions.Where(c => (string?)c["Field"] == field)
                .SelectMany(c => TemplateQueries.Array(c[config]!["Values"]).Select(v => (string)v!)).ToArray();
            Assert.Equal(TemplateQueries.Array(spec!["pathPatterns"]).Select(v => (string)v!), Values("path-pattern", "PathPatternConfig"));
            Assert.Equal(TemplateQueries.Array(spec["hostHeaders"]).Select(v => (string)v!), Values("host-header", "HostHeaderConfig"));

            var actions = TemplateQueries.Array(rule.Properties["Actions"]).OrderBy(a => (int?)a["Order"] ?? 0).ToList();
            var authenticate = (bool?)spec["authenticate"] ?? false;
            Assert.Equal(authenticate, (string?)actions[0]["Type"] == "authenticate-cognito");
            var last = actions[^1];
            if ((string?)spec["action"] == "not-found")
            {
                Assert.Equal("fixed-response", (string?)last["Type"]);
                Assert.Equal("404", (string?)last["FixedResponseConfig"]!["StatusCode"]);
            }
            else
            {
                Assert.Equal("forward", (string?)last["Type"]);
                Assert.Equal($"groundwork-{env}-{((string)spec["target"]! == "app" ? "app" : "metabase")}", TargetGroupName(rule, last));
            }
        }
        // Anything else goes to the default target (short links at the root).
        var listener = HttpsListener(env);
        var fallback = Assert.Single(TemplateQueries.Array(listener.Properties["DefaultActions"]));
        Assert.Equal("forward", (string?)fallback["Type"]);
        Assert.Equal((string)file["albDefaultTarget"]! == "app" ? $"groundwork-{env}-app" : "?", TargetGroupName(listener, fallback));
    }

    [Theory, MemberData(nameof(Environments))]
    public void Admin_and_analytics_rules_authenticate_with_cognito_before_forwarding(string env)
    {
        var pool = Assert.Single(app.Resources($"Groundwork-{env}-App", "AWS::Cognito::UserPool"));
        foreach (var rule in Rules(env).Where(r =>
                     TemplateQueries.Text(r.Properties["Conditions"]).Contains("/admin/*") || TemplateQueries.Text(r.Properties["Conditions"]).Contains("analytics.")))
        {
            var actions = TemplateQueries.Array(rule.Properties["Actions"]).OrderBy(a => (int)a["Order"]!).ToList();
            Assert.Equal(new[] { "authenticate-cognito", "forward" }, actions.Select(a => (string)a["Type"]!));
            Assert.Equal(pool.LogicalId, app.Target(rule.Stack, actions[0]["AuthenticateCognitoConfig"]!["UserPoolArn"])!.LogicalId);
            Assert.Equal("authenticate", (string?)actions[0]["AuthenticateCognitoConfig"]!["OnUnauthenticatedRequest"]);
        }
        Assert.Equal(2, Rules(env).Count(r => TemplateQueries.Text(r.Properties["Actions"]).Contains("authenticate-cognito")));
    }

    [Theory, MemberData(nameof(Environments))]
    public void Cognito_has_google_as_identity_provider_for_the_alb_client(string env)
    {
        var stack = $"Groundwork-{env}-App";
        var idp = Assert.Single(app.Resources(stack, "AWS::Cognito::UserPoolIdentityProvider"));
        Assert.Equal("Google", (string?)idp.Properties["ProviderType"]);
        Assert.StartsWith("{{resolve:secretsmanager:", TemplateQueries.Text(idp.Properties["ProviderDetails"]!["client_secret"]));
        var client = Assert.Single(app.Resources(stack, "AWS::Cognito::UserPoolClient"));
        Assert.Equal(new[] { "Google" }, TemplateQueries.Array(client.Properties["SupportedIdentityProviders"]).Select(p => TemplateQueries.Text(p)).Select(p => p.Contains(idp.LogicalId) ? "Google" : p));
        Assert.True((bool?)client.Properties["GenerateSecret"]);
        var domain = Assert.Single(TemplateQueries.Array(client.Properties["CallbackURLs"]), u => ((string)u!).EndsWith("/oauth2/idpresponse") && ((string)u!).Contains("analytics."));
        Assert.NotNull(domain);
        Assert.Single(app.Resources(stack, "AWS::Cognito::UserPoolDomain"));
    }

    [Theory, MemberData(nameof(Environments))]
    public void Alb_is_https_with_http_redirect_and_access_logs(string env)
    {
        var stack = $"Groundwork-{env}-App";
        var alb = Assert.Single(app.Resources(stack, "AWS::ElasticLoadBalancingV2::LoadBalancer"));
        Assert.Equal("internet-facing", (string?)alb.Properties["Scheme"]);
        var attributes = TemplateQueries.Array(alb.Properties["LoadBalancerAttributes"]).ToDictionary(a => (string)a["Key"]!, a => TemplateQueries.Text(a["Value"]));
        Assert.Equal("true", attributes["access_logs.s3.enabled"]);
        Assert.Equal("true", attributes["routing.http.drop_invalid_header_fields.enabled"]);
        Assert.All(TemplateQueries.Array(alb.Properties["Subnets"]), s => Assert.Equal("public", app.Target(stack, s)!.Tag("aws-cdk:subnet-name")));

        var https = HttpsListener(env);
        Assert.Equal("HTTPS", (string?)https.Properties["Protocol"]);
        Assert.Single(TemplateQueries.Array(https.Properties["Certificates"]));
        var http = app.Resources(stack, "AWS::ElasticLoadBalancingV2::Listener").Single(l => (int)l.Properties["Port"]! == 80);
        var redirect = Assert.Single(TemplateQueries.Array(http.Properties["DefaultActions"]));
        Assert.Equal("redirect", (string?)redirect["Type"]);
        Assert.Equal("HTTPS", (string?)redirect["RedirectConfig"]!["Protocol"]);
        Assert.Equal("443", (string?)redirect["RedirectConfig"]!["Port"]);
    }

    [Theory, MemberData(nameof(Environments))]
    public void Target_group_checks_health_ready_and_drains_before_deregistering(string env)
    {
        var tg = app.Resources($"Groundwork-{env}-App", "AWS::ElasticLoadBalancingV2::TargetGroup").Single(t => (string?)t.Properties["Name"] == $"groundwork-{env}-app");
        Assert.Equal("/health/ready", (string?)tg.Properties["HealthCheckPath"]);
        Assert.Equal(8080, (int)tg.Properties["Port"]!);
        var attributes = TemplateQueries.Array(tg.Properties["TargetGroupAttributes"]).ToDictionary(a => (string)a["Key"]!, a => (string)a["Value"]!);
        Assert.Equal("30", attributes["deregistration_delay.timeout_seconds"]);
    }

    [Theory, MemberData(nameof(Environments))]
    public void App_servers_roll_out_new_versions_gated_by_health_signals(string env)
    {
        var settings = app.Environments.Single(e => e.Name == env);
        var asg = app.Resources($"Groundwork-{env}-App", "AWS::AutoScaling::AutoScalingGroup").Single(a => (string?)a.Properties["AutoScalingGroupName"] == $"groundwork-{env}-app");
        var rolling = asg.Body["UpdatePolicy"]!["AutoScalingRollingUpdate"]!;
        Assert.True((bool?)rolling["WaitOnResourceSignals"]);
        Assert.Equal(settings.AppServers.MinCapacity, (int)rolling["MinInstancesInService"]!);
        Assert.Equal(1, (int)rolling["MaxBatchSize"]!);
        Assert.True(settings.AppServers.MaxCapacity > settings.AppServers.MinCapacity, "room to launch a replacement before terminating");
        Assert.Equal(settings.AppServers.MinCapacity, (int)asg.Body["CreationPolicy"]!["ResourceSignal"]!["Count"]!);
        Assert.Equal("ELB", (string?)asg.Properties["HealthCheckType"]);
        Assert.Equal(2, TemplateQueries.Array(asg.Properties["VPCZoneIdentifier"]).Count());

        // Target tracking scaling.
        Assert.Contains(app.Resources($"Groundwork-{env}-App", "AWS::AutoScaling::ScalingPolicy"), p =>
            (string?)p.Properties["PolicyType"] == "TargetTrackingScaling" && app.Target(p.Stack, p.Properties["AutoScalingGroupName"])?.LogicalId == asg.LogicalId);
    }

    [Theory, MemberData(nameof(Environments))]
    public void User_data_installs_the_version_given_and_signals_the_app_servers_group(string env)
    {
        var stack = $"Groundwork-{env}-App";
        var asg = app.Resources(stack, "AWS::AutoScaling::AutoScalingGroup").Single(a => (string?)a.Properties["AutoScalingGroupName"] == $"groundwork-{env}-app");
        var template = app.Target(stack, asg.Properties["LaunchTemplate"]!["LaunchTemplateId"])!;
        var script = TemplateQueries.Text(template.Properties["LaunchTemplateData"]!["UserData"]);
        Assert.StartsWith("#!/bin/bash\n", script);
        Assert.Contains($"VERSION='{SynthesizedApp.Version}'", script);
        Assert.Contains($"ARTIFACT='groundwork-{SynthesizedApp.Version}.tar.gz'", script);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(script, @"groundwork-[^'$\s]+\.tar\.gz"));
        Assert.Contains($"--resource '{asg.LogicalId}'", script);
        Assert.Contains($"BUCKET='{app.Management.ArtifactsBucketName}'", script);
        // Every parameter the script reads exists in this environment.
        var parameters = app.EnvironmentResources(env, "AWS::SSM::Parameter").Select(p => (string)p.Properties["Name"]!).ToHashSet();
        var read = System.Text.RegularExpressions.Regex.Matches(script, @"\$\(param ([a-z/-]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(read);
        Assert.All(read, name => Assert.Contains($"/groundwork/{env}/{name}", parameters));
    }

    [Theory, MemberData(nameof(Environments))]
    public void Bastion_is_an_auto_scaling_group_of_exactly_one(string env)
    {
        var bastion = app.Resources($"Groundwork-{env}-App", "AWS::AutoScaling::AutoScalingGroup").Single(a => (string?)a.Properties["AutoScalingGroupName"] == $"groundwork-{env}-bastion");
        Assert.Equal("1", (string?)bastion.Properties["MinSize"]);
        Assert.Equal("1", (string?)bastion.Properties["MaxSize"]);
        var template = app.Target(bastion.Stack, bastion.Properties["LaunchTemplate"]!["LaunchTemplateId"])!;
        var group = app.Target(bastion.Stack, TemplateQueries.Array(template.Properties["LaunchTemplateData"]!["SecurityGroupIds"]).Single())!;
        Assert.Equal($"groundwork-{env}-bastion", (string?)group.Properties["GroupName"]);
    }

    [Theory, MemberData(nameof(Environments))]
    public void Metabase_runs_in_the_app_subnets_behind_the_analytics_target_group(string env)
    {
        var metabase = Assert.Single(app.Resources($"Groundwork-{env}-Analytics", "AWS::AutoScaling::AutoScalingGroup"));
        Assert.All(TemplateQueries.Array(metabase.Properties["VPCZoneIdentifier"]), s => Assert.Equal("app", app.Target(metabase.Stack, s)!.Tag("aws-cdk:subnet-name")));
        var targetGroup = app.Target(metabase.Stack, TemplateQueries.Array(metabase.Properties["TargetGroupARNs"]).Single())!;
        Assert.Equal($"groundwork-{env}-metabase", (string?)targetGroup.Properties["Name"]);
    }
}
