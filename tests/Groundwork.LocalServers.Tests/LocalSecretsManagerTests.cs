using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Groundwork.Workspace;

namespace Groundwork.LocalServers.Tests;

/// <summary>
/// The Secrets Manager stand-in speaks the service's JSON 1.1 protocol and models version stages as AWS documents
/// them; these drive it over HTTP exactly as the SDK-shaped client does.
/// </summary>
public sealed class LocalSecretsManagerTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gw-secrets-" + Guid.NewGuid().ToString("N")[..8]);
    private LocalSecretsManager _server = null!;
    private readonly HttpClient _http = new();

    private string StorePath => Path.Combine(_root, "secrets", "secrets.json");

    public Task InitializeAsync()
    {
        _server = LocalSecretsManager.Start(StorePath, FreePorts.Next());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> CallAsync(string operation, JsonObject body, bool signed = true, LocalSecretsManager? server = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, (server ?? _server).Url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "secretsmanager." + operation);
        if (signed)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=local/20261203/local/secretsmanager/aws4_request, SignedHeaders=host, Signature=00");
        }
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, (JsonNode.Parse(await response.Content.ReadAsStringAsync()) as JsonObject)!);
    }

    private async Task<JsonObject> OkAsync(string operation, JsonObject body)
    {
        var (status, answer) = await CallAsync(operation, body);
        Assert.True(status == HttpStatusCode.OK, $"{operation}: {(int)status} {answer.ToJsonString()}");
        return answer;
    }

    private async Task<string> ErrorAsync(string operation, JsonObject body)
    {
        var (status, answer) = await CallAsync(operation, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        return (string)answer["__type"]!;
    }

    private async Task<Dictionary<string, string[]>> StagesAsync(string name) =>
        (await OkAsync("DescribeSecret", new JsonObject { ["SecretId"] = name }))["VersionIdsToStages"]!.AsObject()
            .ToDictionary(v => v.Key, v => v.Value!.AsArray().Select(s => (string)s!).Order().ToArray());

    [Fact]
    public async Task A_rotation_moves_stages_as_AWS_does()
    {
        var created = await OkAsync("CreateSecret", new JsonObject { ["Name"] = "groundwork/test/db", ["ClientRequestToken"] = "v1", ["SecretString"] = "one" });
        Assert.StartsWith("arn:aws:secretsmanager:local:000000000000:secret:groundwork/test/db-", (string)created["ARN"]!, StringComparison.Ordinal);

        await OkAsync("PutSecretValue", new JsonObject { ["SecretId"] = "groundwork/test/db", ["ClientRequestToken"] = "v2", ["SecretString"] = "two", ["VersionStages"] = new JsonArray("AWSPENDING") });
        var pending = await OkAsync("GetSecretValue", new JsonObject { ["SecretId"] = "groundwork/test/db", ["VersionStage"] = "AWSPENDING" });
        Assert.Equal(("v2", "two"), ((string)pending["VersionId"]!, (string)pending["SecretString"]!));
        // By ARN too, and the default stage is AWSCURRENT.
        Assert.Equal("one", (string)(await OkAsync("GetSecretValue", new JsonObject { ["SecretId"] = (string)created["ARN"]! }))["SecretString"]!);

        // AWSCURRENT is held by v1: moving it without naming v1 is refused.
        Assert.Equal("InvalidParameterException", await ErrorAsync("UpdateSecretVersionStage", new JsonObject { ["SecretId"] = "groundwork/test/db", ["VersionStage"] = "AWSCURRENT", ["MoveToVersionId"] = "v2" }));
        Assert.Equal("InvalidParameterException", await ErrorAsync("UpdateSecretVersionStage", new JsonObject { ["SecretId"] = "groundwork/test/db", ["VersionStage"] = "AWSCURRENT", ["MoveToVersionId"] = "v2", ["RemoveFromVersionId"] = "v2" }));
        Assert.Equal("ResourceNotFoundException", await ErrorAsync("UpdateSecretVersionStage", new JsonObject { ["SecretId"] = "groundwork/test/db", ["VersionStage"] = "AWSCURRENT", ["MoveToVersionId"] = "v9", ["RemoveFromVersionId"] = "v1" }));

        await OkAsync("UpdateSecretVersionStage", new JsonObject { ["SecretId"] = "groundwork/test/db", ["VersionStage"] = "AWSCURRENT", ["MoveToVersionId"] = "v2", ["RemoveFromVersionId"] = "v1" });
        await OkAsync("UpdateSecretVersionStage", new JsonObject { ["SecretId"] = "groundwork/test/db", ["VersionStage"] = "AWSPENDING", ["RemoveFromVersionId"] = "v2" });
        var stages = await StagesAsync("groundwork/test/db");
        Assert.Equal(["AWSPREVIOUS"], stages["v1"]);
        Assert.Equal(["AWSCURRENT"], stages["v2"]);
        Assert.Equal("ResourceNotFoundException", await ErrorAsync("GetSecretValue", new JsonObject { ["SecretId"] = "groundwork/test/db", ["VersionStage"] = "AWSPENDING" }));
        Assert.Equal("InvalidParameterException", await ErrorAsync("UpdateSecretVersionStage", new JsonObject { ["SecretId"] = "groundwork/test/db", ["VersionStage"] = "AWSCURRENT", ["RemoveFromVersionId"] = "v2" }));

        // A second rotation: v2 becomes AWSPREVIOUS, v1 loses its last stage and is deprecated (gone).
        await OkAsync("PutSecretValue", new JsonObject { ["SecretId"] = "groundwork/test/db", ["ClientRequestToken"] = "v3", ["SecretString"] = "three" });
        stages = await StagesAsync("groundwork/test/db");
        Assert.Equal(["v2", "v3"], stages.Keys.Order().ToArray());
        Assert.Equal(["AWSPREVIOUS"], stages["v2"]);
        Assert.Equal("two", (string)(await OkAsync("GetSecretValue", new JsonObject { ["SecretId"] = "groundwork/test/db", ["VersionStage"] = "AWSPREVIOUS" }))["SecretString"]!);
    }

    [Fact]
    public async Task Errors_are_the_services_own_and_puts_are_idempotent_by_token()
    {
        Assert.Equal("ResourceNotFoundException", await ErrorAsync("GetSecretValue", new JsonObject { ["SecretId"] = "groundwork/test/none" }));
        Assert.Equal("InvalidParameterException", await ErrorAsync("GetSecretValue", new JsonObject()));
        Assert.Equal("UnknownOperationException", await ErrorAsync("RotateSecret", new JsonObject { ["SecretId"] = "x" }));
        var (status, unsigned) = await CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = "x" }, signed: false);
        Assert.Equal((HttpStatusCode.BadRequest, "IncompleteSignatureException"), (status, (string)unsigned["__type"]!));

        await OkAsync("CreateSecret", new JsonObject { ["Name"] = "groundwork/test/idem", ["SecretString"] = "a" });
        Assert.Equal("ResourceExistsException", await ErrorAsync("CreateSecret", new JsonObject { ["Name"] = "groundwork/test/idem", ["SecretString"] = "b" }));
        var put = new JsonObject { ["SecretId"] = "groundwork/test/idem", ["ClientRequestToken"] = "t1", ["SecretString"] = "b" };
        await OkAsync("PutSecretValue", put.DeepClone().AsObject());
        await OkAsync("PutSecretValue", put.DeepClone().AsObject()); // a retried request changes nothing
        Assert.Equal(2, (await StagesAsync("groundwork/test/idem")).Count);
        Assert.Equal("ResourceExistsException", await ErrorAsync("PutSecretValue", new JsonObject { ["SecretId"] = "groundwork/test/idem", ["ClientRequestToken"] = "t1", ["SecretString"] = "c" }));
    }

    [Fact]
    public async Task Secrets_persist_in_a_0600_file_and_seeding_leaves_an_existing_secret_alone()
    {
        var first = _server.EnsureUserSecret("groundwork/test/seeded", "some_user");
        Assert.Equal(first, _server.EnsureUserSecret("groundwork/test/seeded", "some_user"));
        using (var json = JsonDocument.Parse(first))
        {
            Assert.Equal("some_user", json.RootElement.GetProperty("username").GetString());
            Assert.Equal(32, json.RootElement.GetProperty("password").GetString()!.Length);
        }
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(StorePath));
        }

        await using var second = LocalSecretsManager.Start(StorePath, FreePorts.Next());
        var (status, answer) = await CallAsync("GetSecretValue", new JsonObject { ["SecretId"] = "groundwork/test/seeded" }, server: second);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(first, (string)answer["SecretString"]!);
    }
}

/// <summary>A data directory made by the previous version keeps working: its credentials file is brought to this shape.</summary>
public sealed class DataTierCredentialsTests
{
    [Fact]
    public void An_earlier_credentials_file_keeps_its_replication_password_gains_an_admin_one_and_loses_the_app_passwords()
    {
        var root = Path.Combine(Path.GetTempPath(), "gw-creds-" + Guid.NewGuid().ToString("N")[..8]);
        var path = Path.Combine(root, "credentials.json");
        try
        {
            Directory.CreateDirectory(root);
            File.WriteAllText(path, """{ "AppPassword": "app-old", "AnalyticsPassword": "ana-old", "ReplicationPassword": "repl-kept" }""");
            var upgraded = DataTierCredentials.LoadOrCreate(path);
            Assert.Equal("repl-kept", upgraded.ReplicationPassword); // the replica's CHANGE MASTER stores it
            Assert.Equal(32, upgraded.AdminPassword.Length);
            var text = File.ReadAllText(path);
            Assert.DoesNotContain("app-old", text, StringComparison.Ordinal);
            Assert.DoesNotContain("AppPassword", text, StringComparison.Ordinal);
            Assert.Equal(upgraded, DataTierCredentials.LoadOrCreate(path)); // stable from then on
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
