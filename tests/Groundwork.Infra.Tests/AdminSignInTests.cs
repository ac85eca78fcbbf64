using System.Text.Json.Nodes;
using Groundwork.Infra.Components;

namespace Groundwork.Infra.Tests;

/// <summary>
/// The Cognito allowlist trigger's real code (the file deployed inline), run with the local Python interpreter against
/// the event shapes Cognito sends: pre sign-up for a federated user, and pre token generation at hosted sign-in and
/// at refresh.
/// </summary>
public sealed class AdminAllowlistTriggerTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("groundwork-allowlist-").FullName;
    private const string Emails = "Admin@Example.com,ops@example.org";
    private const string Domains = "groundwork.example,@partner.example";

    public static TheoryData<string> Triggers => new() { "PreSignUp_ExternalProvider", "TokenGeneration_HostedAuth", "TokenGeneration_RefreshTokens" };

    [Theory, MemberData(nameof(Triggers))]
    public void Allowlisted_emails_and_domains_pass_in_any_case(string trigger)
    {
        foreach (var email in new[] { "admin@example.com", "ADMIN@EXAMPLE.COM", "ops@example.org", "anyone@groundwork.example", "Someone@GroundWork.Example", "x@partner.example" })
        {
            var (allowed, output) = Run(trigger, Emails, Domains, email, verified: "true");
            Assert.True(allowed, $"{email} was refused: {output}");
            // Cognito requires the event back; the trigger changes nothing in it.
            Assert.Equal(Event(trigger, email, "true").ToJsonString(), JsonNode.Parse(output)!["event"]!.ToJsonString());
        }
    }

    [Theory, MemberData(nameof(Triggers))]
    public void Strangers_and_look_alikes_are_refused(string trigger)
    {
        foreach (var email in new[] { "stranger@gmail.com", "admin@example.com.evil.net", "admin@evil-example.com", "x@sub.groundwork.example",
                     "x@groundwork.example.evil.com", "admin@example.com ", "@groundwork.example", "groundwork.example", "" })
        {
            var (allowed, output) = Run(trigger, Emails, Domains, email, verified: "true");
            Assert.False(allowed, $"'{email}' was let in: {output}");
            Assert.Contains("not allowed", output, StringComparison.Ordinal);
        }
    }

    [Theory, MemberData(nameof(Triggers))]
    public void A_missing_or_unverified_email_is_refused(string trigger)
    {
        Assert.False(Run(trigger, Emails, Domains, email: null, verified: "true").Allowed);
        Assert.False(Run(trigger, Emails, Domains, "admin@example.com", verified: "false").Allowed);
        Assert.False(Run(trigger, Emails, Domains, "admin@example.com", verified: null).Allowed);
    }

    [Fact]
    public void An_empty_allowlist_refuses_everyone()
    {
        Assert.False(Run("TokenGeneration_HostedAuth", "", "", "admin@example.com", "true").Allowed);
        Assert.True(Run("TokenGeneration_HostedAuth", "admin@example.com", "", "admin@example.com", "true").Allowed);
    }

    [Fact]
    public void A_refusal_is_logged_without_the_address()
    {
        var (allowed, output) = Run("PreSignUp_ExternalProvider", Emails, Domains, "stranger@gmail.com", "true");
        Assert.False(allowed);
        var log = JsonNode.Parse(output.Split('\n').First(l => l.Contains("refused", StringComparison.Ordinal)))!;
        Assert.Equal("PreSignUp_ExternalProvider", (string?)log["trigger"]);
        Assert.Equal("Google_110123456789012345678", (string?)log["userName"]);
        Assert.DoesNotContain("stranger@gmail.com", output, StringComparison.Ordinal);
    }

    /// <summary>The event as Cognito sends it (user pool Lambda trigger event shapes, version 1).</summary>
    private static JsonObject Event(string trigger, string? email, string? verified)
    {
        var attributes = new JsonObject();
        if (trigger.StartsWith("TokenGeneration", StringComparison.Ordinal))
        {
            attributes["sub"] = "2f5e6a1c-1111-2222-3333-444455556666";
            attributes["cognito:user_status"] = "EXTERNAL_PROVIDER";
            attributes["identities"] = """[{"userId":"110123456789012345678","providerName":"Google","providerType":"Google","issuer":null,"primary":true,"dateCreated":1764720000000}]""";
        }
        if (email is not null) attributes["email"] = email;
        if (verified is not null) attributes["email_verified"] = verified;
        attributes["name"] = "Somebody";
        var request = new JsonObject { ["userAttributes"] = attributes };
        JsonObject response;
        if (trigger.StartsWith("PreSignUp", StringComparison.Ordinal))
        {
            request["validationData"] = null;
            response = new JsonObject { ["autoConfirmUser"] = false, ["autoVerifyEmail"] = false, ["autoVerifyPhone"] = false };
        }
        else
        {
            request["groupConfiguration"] = new JsonObject { ["groupsToOverride"] = new JsonArray(), ["iamRolesToOverride"] = new JsonArray(), ["preferredRole"] = null };
            response = new JsonObject { ["claimsOverrideDetails"] = null };
        }
        return new JsonObject
        {
            ["version"] = "1",
            ["region"] = "eu-west-1",
            ["userPoolId"] = "eu-west-1_AbCdEfGhI",
            ["userName"] = "Google_110123456789012345678",
            ["callerContext"] = new JsonObject { ["awsSdkVersion"] = "aws-sdk-unknown-unknown", ["clientId"] = "1example23456789" },
            ["triggerSource"] = trigger,
            ["request"] = request,
            ["response"] = response,
        };
    }

    private (bool Allowed, string Output) Run(string trigger, string emails, string domains, string? email, string? verified)
    {
        // The deployed code exactly: the source embedded in Groundwork.Infra, written as index.py like Lambda does.
        File.WriteAllText(Path.Combine(dir, "index.py"), AdminSignIn.ReadSource());
        const string driver = """
            import json, sys
            import index
            event = json.load(sys.stdin)
            try:
                result = index.handler(event, None)
                print(json.dumps({"allowed": True, "event": result}))
            except Exception as error:
                print(json.dumps({"allowed": False, "error": str(error)}))
            """;
        var result = ExternalTool.Run("python3", ["-c", driver], dir, new Dictionary<string, string?>
        {
            ["PYTHONPATH"] = dir,
            ["PYTHONDONTWRITEBYTECODE"] = "1",
            ["ALLOWED_EMAILS"] = emails,
            ["ALLOWED_DOMAINS"] = domains,
        }, standardInput: Event(trigger, email, verified).ToJsonString(), timeout: TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, $"python3 exited {result.ExitCode}: {result.StandardError}");
        var lines = result.StandardOutput.Trim().Split('\n');
        var verdict = JsonNode.Parse(lines[^1])!;
        var allowed = (bool)verdict["allowed"]!;
        return (allowed, allowed ? lines[^1] : result.StandardOutput);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}

/// <summary>The gate as synthesized: the trigger on both events, its least-privilege role, the feature plan.</summary>
[Collection(SynthesizedCollection.Name)]
public sealed class AdminSignInTemplateTests(SynthesizedApp app)
{
    public static TheoryData<string> Environments => new() { "staging", "production" };

    [Theory, MemberData(nameof(Environments))]
    public void The_user_pool_runs_the_allowlist_on_sign_up_and_on_every_token(string env)
    {
        var stack = $"Groundwork-{env}-App";
        var settings = app.Environments.Single(e => e.Name == env);
        var pool = Assert.Single(app.Resources(stack, "AWS::Cognito::UserPool"));
        var function = Assert.Single(app.Resources(stack, "AWS::Lambda::Function"));
        Assert.Equal(function.LogicalId, app.Target(stack, pool.Properties["LambdaConfig"]!["PreSignUp"])!.LogicalId);
        Assert.Equal(function.LogicalId, app.Target(stack, pool.Properties["LambdaConfig"]!["PreTokenGeneration"])!.LogicalId);
        // Inline, the same file the trigger tests run; a runtime with years of support left.
        Assert.Equal(AdminSignIn.ReadSource(), (string?)function.Properties["Code"]!["ZipFile"]);
        Assert.Equal("python3.14", (string?)function.Properties["Runtime"]);
        var variables = function.Properties["Environment"]!["Variables"]!;
        Assert.Equal(string.Join(',', settings.AdminEmails), (string?)variables["ALLOWED_EMAILS"]);
        Assert.Equal(string.Join(',', settings.AdminDomains), (string?)variables["ALLOWED_DOMAINS"]);
        // ... the same lists the app servers read for their own check (Admin:Emails, Admin:Domains).
        string Parameter(string name) => (string)app.Resources(stack, "AWS::SSM::Parameter")
            .Single(p => (string?)p.Properties["Name"] == $"/groundwork/{env}/app/{name}").Properties["Value"]!;
        Assert.Equal(settings.AdminEmails.Count > 0 ? string.Join(',', settings.AdminEmails) : "none", Parameter("admin-emails"));
        Assert.Equal(settings.AdminDomains.Count > 0 ? string.Join(',', settings.AdminDomains) : "none", Parameter("admin-domains"));
        // The trigger decides on a verified address: Google's email_verified must reach it.
        var idp = Assert.Single(app.Resources(stack, "AWS::Cognito::UserPoolIdentityProvider"));
        Assert.Equal("email_verified", (string?)idp.Properties["AttributeMapping"]!["email_verified"]);
        // Cognito may invoke it for this pool only.
        var permissions = app.Resources(stack, "AWS::Lambda::Permission").Where(p => app.Target(stack, p.Properties["FunctionName"])?.LogicalId == function.LogicalId).ToList();
        Assert.Equal(2, permissions.Count);
        Assert.All(permissions, p =>
        {
            Assert.Equal("cognito-idp.amazonaws.com", (string?)p.Properties["Principal"]);
            Assert.Equal(pool.LogicalId, app.Target(stack, p.Properties["SourceArn"])!.LogicalId);
        });
    }

    [Theory, MemberData(nameof(Environments))]
    public void The_trigger_may_write_its_own_logs_and_nothing_else(string env)
    {
        var stack = $"Groundwork-{env}-App";
        var function = Assert.Single(app.Resources(stack, "AWS::Lambda::Function"));
        var role = app.Target(stack, function.Properties["Role"])!;
        Assert.Null(role.Properties["ManagedPolicyArns"]);
        Assert.Null(role.Properties["Policies"]);
        var statements = app.Resources(stack, "AWS::IAM::Policy")
            .Where(p => TemplateQueries.Text(p.Properties["Roles"]).Contains(role.LogicalId, StringComparison.Ordinal))
            .SelectMany(p => TemplateQueries.Array(p.Properties["PolicyDocument"]!["Statement"])).ToList();
        var statement = Assert.Single(statements);
        Assert.Equal(new[] { "logs:CreateLogStream", "logs:PutLogEvents" }, TemplateQueries.Array(statement["Action"]).Select(a => (string)a!).Order());
        var logGroup = app.Target(stack, statement["Resource"])!;
        Assert.Equal("AWS::Logs::LogGroup", logGroup.Type);
        Assert.Equal(logGroup.LogicalId, app.Target(stack, function.Properties["LoggingConfig"]!["LogGroup"])!.LogicalId);
        Assert.NotNull(logGroup.Properties["RetentionInDays"]);
    }

    [Theory, MemberData(nameof(Environments))]
    public void The_feature_plan_matches_the_security_mode(string env)
    {
        var pool = Assert.Single(app.Resources($"Groundwork-{env}-App", "AWS::Cognito::UserPool"));
        // Threat protection (ENFORCED/AUDIT) needs the Plus plan; with every user federated it is off, on Essentials.
        Assert.Equal("OFF", (string?)pool.Properties["UserPoolAddOns"]!["AdvancedSecurityMode"]);
        Assert.Equal("ESSENTIALS", (string?)pool.Properties["UserPoolTier"]);
        var client = Assert.Single(app.Resources($"Groundwork-{env}-App", "AWS::Cognito::UserPoolClient"));
        Assert.Equal(new[] { "Google" }, TemplateQueries.Array(client.Properties["SupportedIdentityProviders"]).Select(p => TemplateQueries.Text(p)).Select(p => p.Contains("Google", StringComparison.Ordinal) ? "Google" : p));
        Assert.True((bool?)pool.Properties["AdminCreateUserConfig"]!["AllowAdminCreateUserOnly"]);
    }
}
