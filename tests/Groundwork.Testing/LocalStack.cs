using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Groundwork.Workspace;

namespace Groundwork.Testing;

/// <summary>
/// The whole local topology (AppHost: primary + replica + Redis, migrations, N Api instances, the edge) started
/// once per test class fixture on free ports with a fresh data directory, and stopped with it. Tests drive it
/// through <see cref="EdgeUrl"/> exactly as a user would drive http://127.0.0.1:8080.
/// </summary>
public class LocalStack : IAsyncLifetime
{
    private DistributedApplication? _app;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "groundwork-stack-" + Guid.NewGuid().ToString("N")[..8]);

    public int EdgePort { get; } = FreePorts.Next();
    public int ApiInstances { get; protected init; } = 2;
    public int[] ApiPorts { get; private set; } = [];
    public int PrimaryPort { get; private set; }
    public int ReplicaPort { get; private set; }
    public int RedisPort { get; private set; }
    /// <summary>The local Secrets Manager stand-in (served by the AppHost, in this process).</summary>
    public int SecretsPort { get; private set; }
    /// <summary>Spotlight, Sentry's local tool, which the instances' Sentry SDK sends errors to.</summary>
    public int SpotlightPort { get; private set; }
    public Uri SpotlightUrl => new($"http://127.0.0.1:{SpotlightPort}");
    public Uri EdgeUrl => new($"http://127.0.0.1:{EdgePort}");
    public TimeSpan StartUpTime { get; private set; }
    public string DataDirectory => _dataDirectory;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The stack is not started.");

    /// <summary>Extra environment for the AppHost (read by its Topology), e.g. a lower rate limit.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Environment => [];

    public async Task InitializeAsync()
    {
        var ports = FreePorts.Take(ApiInstances + 5);
        PrimaryPort = ports[0];
        ReplicaPort = ports[1];
        RedisPort = ports[2];
        SecretsPort = ports[3];
        SpotlightPort = ports[4];
        ApiPorts = ports[5..];
        var settings = new Dictionary<string, string>
        {
            ["GROUNDWORK_EDGE_PORT"] = EdgePort.ToString(),
            ["GROUNDWORK_API_INSTANCES"] = ApiInstances.ToString(),
            ["GROUNDWORK_API_PORTS"] = string.Join(',', ApiPorts),
            ["GROUNDWORK_PRIMARY_PORT"] = PrimaryPort.ToString(),
            ["GROUNDWORK_REPLICA_PORT"] = ReplicaPort.ToString(),
            ["GROUNDWORK_REDIS_PORT"] = RedisPort.ToString(),
            ["GROUNDWORK_SECRETS_PORT"] = SecretsPort.ToString(),
            ["GROUNDWORK_SPOTLIGHT_PORT"] = SpotlightPort.ToString(),
            ["GROUNDWORK_DATA_DIR"] = _dataDirectory,
        };
        foreach (var (key, value) in Environment)
        {
            settings[key] = value;
        }
        // The AppHost reads its topology from the environment when its builder is created (in this process).
        foreach (var (key, value) in settings)
        {
            System.Environment.SetEnvironmentVariable(key, value);
        }

        var clock = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Groundwork_AppHost>(
            ["DcpPublisher:RandomizePorts=false"],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);
        _app = await builder.BuildAsync(timeout.Token);
        try
        {
            await _app.StartAsync(timeout.Token);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync("edge", timeout.Token);
            for (var i = 1; i <= ApiInstances; i++)
            {
                await _app.ResourceNotifications.WaitForResourceHealthyAsync($"api-{i}", timeout.Token);
            }
        }
        catch (Exception e) when (e is DistributedApplicationException or OperationCanceledException)
        {
            // Aspire says only that a resource "failed to start"; a CI log must say which one and why.
            throw new InvalidOperationException(
                $"The local stack did not become healthy after {clock.Elapsed.TotalSeconds:F1} s: {e.Message}\n{await DescribeResourcesAsync(_app)}", e);
        }
        StartUpTime = clock.Elapsed;
    }

    /// <summary>Every resource's state, and the last lines of the log of each one that failed or is not healthy yet.</summary>
    private static async Task<string> DescribeResourcesAsync(DistributedApplication app)
    {
        var loggers = app.Services.GetRequiredService<ResourceLoggerService>();
        var report = new System.Text.StringBuilder();
        foreach (var resource in app.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            var snapshot = app.ResourceNotifications.TryGetCurrentState(resource.Name, out var current) ? current.Snapshot : null;
            report.Append($"- {resource.Name}: {snapshot?.State?.Text ?? "no state"}, health {snapshot?.HealthStatus?.ToString() ?? "none"}");
            report.AppendLine(snapshot?.ExitCode is { } code ? $", exit code {code}" : "");
            var asExpected = snapshot is null || snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                || snapshot.State?.Text == KnownResourceStates.NotStarted || snapshot.ExitCode == 0;
            if (asExpected)
            {
                continue;
            }
            var lines = new List<string>();
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await foreach (var batch in loggers.GetAllAsync(resource).WithCancellation(read.Token))
                {
                    lines.AddRange(batch.Select(line => line.Content));
                }
            }
            catch (OperationCanceledException)
            {
                lines.Add("(log read timed out)");
            }
            foreach (var line in lines.TakeLast(40))
            {
                report.Append("    ").AppendLine(line);
            }
        }
        return report.ToString();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>An HttpClient for the edge that does not follow redirects (a 302 is what the tests look at).</summary>
    public HttpClient CreateEdgeClient(CookieContainer? cookies = null) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = cookies is not null,
        CookieContainer = cookies ?? new CookieContainer(),
    })
    { BaseAddress = EdgeUrl, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>An HttpClient straight to one Api instance (1-based), bypassing the edge.</summary>
    public HttpClient CreateInstanceClient(int instance) => new(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{ApiPorts[instance - 1]}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Stops or starts a resource of the topology (e.g. "api-1", "replica") through Aspire's resource commands.</summary>
    public async Task ExecuteAsync(string resource, string command)
    {
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, command);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} on {resource} failed: {result.Message}");
        }
    }

}
