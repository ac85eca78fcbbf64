using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Groundwork.LocalServers;
using Groundwork.Workspace;

namespace Groundwork.Bench;

/// <summary>
/// One local stack (src/Groundwork.AppHost, built in Release) on free ports with a fresh data directory: MariaDB
/// primary + replica, Redis, N Api instances and the edge. Started cold, so its start-up time is scenario 6's figure.
/// </summary>
public sealed class BenchStack : IAsyncDisposable
{
    private readonly ChildProcess _appHost;

    public string Name { get; }
    public StackManifest Manifest { get; }
    public TimeSpan ColdStart { get; }
    public int EdgePort { get; }
    public int[] ApiPorts { get; }
    public int RedisPort { get; }
    public string DataDirectory { get; }
    /// <summary>
    /// The MariaDB servers' own ports. The connection strings name the AppHost's movable endpoints (TCP forwarders
    /// standing in for RDS's DNS name), so a CPU meter on those ports would measure the forwarder, not the database.
    /// </summary>
    public int PrimaryServerPort { get; private init; }
    public int ReplicaServerPort { get; private init; }
    /// <summary>Set when the stack exports its telemetry to the benchmark's OTLP sink rather than the Aspire dashboard.</summary>
    public bool ExportsToSink { get; private init; }

    private BenchStack(string name, ChildProcess appHost, StackManifest manifest, TimeSpan coldStart, int edgePort, int[] apiPorts, int redisPort, string dataDirectory)
    {
        RedisPort = redisPort;
        Name = name;
        _appHost = appHost;
        Manifest = manifest;
        ColdStart = coldStart;
        EdgePort = edgePort;
        ApiPorts = apiPorts;
        DataDirectory = dataDirectory;
    }

    public int AppHostPid => _appHost.Pid;

    public string InstanceUrl(int instance) => $"http://127.0.0.1:{ApiPorts[instance - 1]}";
    public string EdgeUrl => $"http://127.0.0.1:{EdgePort}";

    /// <param name="settings">Extra AppHost environment, e.g. GROUNDWORK_API__Links__CacheRedirects=false, or
    /// GROUNDWORK_OTLP_SINK=&lt;url&gt; (telemetry to the benchmark's sink instead of the Aspire dashboard).</param>
    public static async Task<BenchStack> StartAsync(string name, int instances, string workDirectory, IReadOnlyDictionary<string, string> settings, HttpClient http, string configuration = "Release")
    {
        var appHostDll = Repo.Path("src", "Groundwork.AppHost", "bin", configuration, "net10.0", "Groundwork.AppHost.dll");
        if (!File.Exists(appHostDll))
        {
            throw new FileNotFoundException($"Build the AppHost in {configuration} first (bench/run.sh does): dotnet build src/Groundwork.AppHost -c {configuration}", appHostDll);
        }
        var dataDirectory = Path.Combine(workDirectory, name);
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        Directory.CreateDirectory(dataDirectory);

        var ports = new HashSet<int>();
        int Port()
        {
            int p;
            do
            {
                p = FreePorts.Next();
            }
            while (!ports.Add(p));
            return p;
        }
        var edgePort = Port();
        var apiPorts = Enumerable.Range(0, instances).Select(_ => Port()).ToArray();
        var redisPort = Port();
        string S(int p) => p.ToString(CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string>
        {
            ["GROUNDWORK_EDGE_PORT"] = S(edgePort),
            ["GROUNDWORK_API_PORTS"] = string.Join(',', apiPorts.Select(S)),
            ["GROUNDWORK_PRIMARY_PORT"] = S(Port()),
            ["GROUNDWORK_REPLICA_PORT"] = S(Port()),
            ["GROUNDWORK_REDIS_PORT"] = S(redisPort),
            ["GROUNDWORK_SECRETS_PORT"] = S(Port()),
            // Spotlight (Sentry's local tool) too, beside a developer's on 8969.
            ["GROUNDWORK_SPOTLIGHT_PORT"] = S(Port()),
            ["GROUNDWORK_DATA_DIR"] = Path.Combine(dataDirectory, "data"),
            // Creation is rate limited per client; the load generator is one client.
            ["GROUNDWORK_CREATE_LIMIT"] = "100000000",
            // The AppHost's own endpoints (dashboard, OTLP, resource service) on free ports too: a developer's stack
            // on the default ports can keep running.
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{S(Port())}",
            ["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{S(Port())}",
            ["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{S(Port())}",
            ["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true",
            ["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true",
            // Traces sampled as the app servers sample them in AWS (user data: 5 %); ./groundwork up keeps every trace.
            ["GROUNDWORK_API__Telemetry__TraceSampleRatio"] = "0.05",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        var appHost = ChildProcess.Start($"apphost-{name}", Path.Combine(dataDirectory, "apphost.log"), environment,
            Path.GetDirectoryName(appHostDll)!, "dotnet", appHostDll);
        try
        {
            // Generous: a cold stack starts in ~7 s on a quiet machine, but took 90 s and more while other builds and
            // test runs kept the 2 cores' load average at 40–50.
            await appHost.WaitHealthyAsync(http,
                [$"http://127.0.0.1:{S(edgePort)}/_edge/health", .. apiPorts.Select(p => $"http://127.0.0.1:{S(p)}/health/ready")],
                TimeSpan.FromMinutes(6));
            var coldStart = clock.Elapsed;
            var manifestPath = Path.Combine(dataDirectory, "data", "stack.json");
            var manifest = JsonSerializer.Deserialize<StackManifest>(await File.ReadAllTextAsync(manifestPath), JsonSerializerOptions.Web)
                ?? throw new InvalidOperationException($"{manifestPath} is empty");
            using var endpoints = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dataDirectory, "data", "endpoints.json")));
            return new BenchStack(name, appHost, manifest, coldStart, edgePort, apiPorts, redisPort, dataDirectory)
            {
                PrimaryServerPort = endpoints.RootElement.GetProperty("primaryTargetPort").GetInt32(),
                ReplicaServerPort = endpoints.RootElement.GetProperty("replicaTargetPort").GetInt32(),
                ExportsToSink = environment.ContainsKey("GROUNDWORK_OTLP_SINK"),
            };
        }
        catch
        {
            await appHost.StopAsync(TimeSpan.FromSeconds(20));
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _appHost.StopAsync(TimeSpan.FromSeconds(30));
        try
        {
            Directory.Delete(Path.Combine(DataDirectory, "data"), recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
