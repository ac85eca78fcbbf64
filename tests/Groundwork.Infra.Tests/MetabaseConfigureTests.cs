using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Groundwork.Workspace;

namespace Groundwork.Infra.Tests;

/// <summary>
/// metabase-configure.sh (the Metabase host's configuration unit, at every boot) run by bash with the real curl and
/// jq against a fake Metabase speaking the API the script uses (setup token, POST /api/setup, sessions, databases),
/// and the fake Secrets Manager: first boot, reboot, a rotated analytics password, a wrong admin password.
/// </summary>
public sealed class MetabaseConfigureTests : IDisposable
{
    private const string AdminSecret = "groundwork/staging/metabase/admin";
    private const string AnalyticsSecret = "groundwork/staging/db/analytics-readonly";
    private readonly ToolSandbox _sandbox = new();
    private readonly FakeMetabase _metabase = new();

    public MetabaseConfigureTests()
    {
        _sandbox.PutSecret(AdminSecret, """{"username":"admin@staging.groundwork.example","password":"Mb4dminFromCfnGenerated"}""");
        _sandbox.PutSecret(AnalyticsSecret, """{"username":"analytics_ro","password":"Ro1nlyPassw0rd"}""");
    }

    private int Configure() => _sandbox.Run(ToolSandbox.Script("metabase-configure.sh"), new Dictionary<string, string>
    {
        ["METABASE_URL"] = _metabase.Url,
        ["REGION"] = "eu-west-1",
        ["ADMIN_SECRET"] = AdminSecret,
        ["ANALYTICS_SECRET"] = AnalyticsSecret,
        ["REPLICA_HOST"] = "groundwork-staging-replica.abc.eu-west-1.rds.amazonaws.com",
        ["REPLICA_PORT"] = "3306",
        ["DATABASE_NAME"] = "groundwork",
        ["SITE_NAME"] = "Groundwork staging",
        ["CA_BUNDLE"] = "/etc/metabase/rds-ca-bundle.pem",
    });

    [Fact]
    public void First_boot_sets_up_the_admin_from_its_secret_and_adds_the_replica_as_the_read_only_user()
    {
        Assert.True(Configure() == 0, _sandbox.Output);

        Assert.Equal(("admin@staging.groundwork.example", "Mb4dminFromCfnGenerated"), _metabase.Admin);
        var database = Assert.Single(_metabase.Databases);
        Assert.Equal("Groundwork (read replica)", (string?)database["name"]);
        Assert.Equal("mysql", (string?)database["engine"]);
        var details = database["details"]!;
        Assert.Equal("groundwork-staging-replica.abc.eu-west-1.rds.amazonaws.com", (string?)details["host"]);
        Assert.Equal(3306, (int)details["port"]!);
        Assert.Equal("groundwork", (string?)details["dbname"]);
        Assert.Equal("analytics_ro", (string?)details["user"]);
        Assert.Equal("Ro1nlyPassw0rd", (string?)details["password"]);
        Assert.True((bool)details["ssl"]!);
        Assert.Contains("serverSslCert=/etc/metabase/rds-ca-bundle.pem", (string?)details["additional-options"], StringComparison.Ordinal);
        Assert.Equal(["GET /api/session/properties", "POST /api/setup", "GET /api/database", "POST /api/database"],
            _metabase.Requests.Where(r => r != "GET /api/health").ToArray());
    }

    [Fact]
    public void A_reboot_signs_in_and_keeps_one_data_source_whose_password_follows_the_rotated_secret()
    {
        Assert.True(Configure() == 0, _sandbox.Output);
        _sandbox.PutSecret(AnalyticsSecret, """{"username":"analytics_ro","password":"R0tatedByHand2"}""");
        _metabase.Requests.Clear();

        Assert.True(Configure() == 0, _sandbox.Output);

        Assert.DoesNotContain("POST /api/setup", _metabase.Requests);
        Assert.Contains("POST /api/session", _metabase.Requests);
        var database = Assert.Single(_metabase.Databases);
        Assert.Equal("R0tatedByHand2", (string?)database["details"]!["password"]);
        Assert.Contains($"PUT /api/database/{(int)database["id"]!}", _metabase.Requests);
    }

    [Fact]
    public void An_admin_password_metabase_refuses_fails_the_boot()
    {
        Assert.True(Configure() == 0, _sandbox.Output);
        _sandbox.PutSecret(AdminSecret, """{"username":"admin@staging.groundwork.example","password":"NotTheOneMetabaseHas"}""");
        Assert.NotEqual(0, Configure());
        Assert.Single(_metabase.Databases);
    }

    public void Dispose()
    {
        _metabase.Dispose();
        _sandbox.Dispose();
    }

    /// <summary>
    /// Metabase's setup and database API as the script uses it: a setup token until the first user exists, 403 for a
    /// wrong token, sessions for the admin's password only, 401 without a session, GET /api/database as {"data": [...]}.
    /// </summary>
    private sealed class FakeMetabase : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly string _setupToken = Guid.NewGuid().ToString();
        private readonly HashSet<string> _sessions = [];
        private readonly Task _loop;
        public string Url { get; }
        public (string Email, string Password)? Admin { get; private set; }
        public List<JsonObject> Databases { get; } = [];
        public List<string> Requests { get; } = [];

        public FakeMetabase()
        {
            var port = FreePorts.Next();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                var (status, body) = Handle(context.Request);
                var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        private (int, JsonNode) Handle(HttpListenerRequest request)
        {
            var path = request.Url!.AbsolutePath;
            lock (Requests) Requests.Add($"{request.HttpMethod} {path}");
            var body = request.HasEntityBody ? JsonNode.Parse(new StreamReader(request.InputStream).ReadToEnd()) : null;
            var signedIn = request.Headers["X-Metabase-Session"] is { } s && _sessions.Contains(s);
            switch (request.HttpMethod, path)
            {
                case ("GET", "/api/health"):
                    return (200, new JsonObject { ["status"] = "ok" });
                case ("GET", "/api/session/properties"):
                    return (200, new JsonObject { ["setup-token"] = Admin is null ? _setupToken : null, ["has-user-setup"] = Admin is not null });
                case ("POST", "/api/setup"):
                    if (Admin is not null || (string?)body?["token"] != _setupToken) return (403, new JsonObject { ["message"] = "Token does not match the setup token." });
                    if (string.IsNullOrEmpty((string?)body?["prefs"]?["site_name"])) return (400, new JsonObject { ["errors"] = "site_name" });
                    Admin = ((string)body!["user"]!["email"]!, (string)body["user"]!["password"]!);
                    return (200, NewSession());
                case ("POST", "/api/session"):
                    return Admin is { } admin && (string?)body?["username"] == admin.Email && (string?)body?["password"] == admin.Password
                        ? (200, NewSession())
                        : (401, new JsonObject { ["errors"] = new JsonObject { ["password"] = "did not match stored password" } });
                case (_, _) when path.StartsWith("/api/database", StringComparison.Ordinal) && !signedIn:
                    return (401, JsonValue.Create("Unauthenticated")!);
                case ("GET", "/api/database"):
                    return (200, new JsonObject { ["data"] = new JsonArray(Databases.Select(d => (JsonNode)d.DeepClone()).ToArray()), ["total"] = Databases.Count });
                case ("POST", "/api/database"):
                    if ((string?)body?["engine"] is null || body["details"] is null) return (400, new JsonObject { ["errors"] = "engine, details" });
                    var database = body.AsObject();
                    database["id"] = Databases.Count + 2; // id 1 is Metabase's sample database in a real one
                    Databases.Add(database);
                    return (200, database.DeepClone());
                case ("PUT", _) when path.StartsWith("/api/database/", StringComparison.Ordinal):
                    var id = int.Parse(path["/api/database/".Length..], System.Globalization.CultureInfo.InvariantCulture);
                    var existing = Databases.SingleOrDefault(d => (int)d["id"]! == id);
                    if (existing is null) return (404, JsonValue.Create("Not found.")!);
                    if (body?["details"] is { } details) existing["details"] = details.DeepClone();
                    return (200, existing.DeepClone());
                default:
                    return (404, JsonValue.Create("API endpoint does not exist.")!);
            }
        }

        private JsonObject NewSession()
        {
            var session = Guid.NewGuid().ToString();
            _sessions.Add(session);
            return new JsonObject { ["id"] = session };
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        }
    }
}
