using Groundwork.LocalServers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Deploy.Artifacts;
using Groundwork.Deploy.Cli;
using Groundwork.Deploy.Processes;
using Groundwork.Workspace;

namespace Groundwork.Deploy.Local;

/// <summary>Timeouts of a local rolling deploy (configuration as data; the CLI exposes them).</summary>
internal sealed record RollingDeployOptions
{
    /// <summary>How long a new instance has to answer /health/ready with the new version.</summary>
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>The edge's deregistration delay: in-flight requests of an old target get this long to finish.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long an old instance gets after SIGTERM to flush its clicks and exit.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>What a local deploy did.</summary>
internal sealed record LocalDeployResult(string Version, IReadOnlyList<DeployedInstance> Instances, IReadOnlyList<string> Replaced, TimeSpan Elapsed);

/// <summary>
/// <c>deploy --env local</c>: replaces the running Api instances of the local stack one at a time with instances
/// started from the artifact, the way the ASG's rolling update does in AWS: migrations once, then for each old
/// target: start new → /health/ready (reporting the new version) → register at the edge → edge sees it healthy →
/// deregister the old one (drain) → SIGTERM it and wait for its exit (it flushes its clicks). A new instance that
/// never becomes healthy is stopped and the deploy fails with the old instances still serving.
/// </summary>
internal sealed class LocalRollingDeploy(string dataDirectory, RollingDeployOptions options, Action<string> step)
{
    /// <summary>What one rolling deploy works with: the stack, the new version's app and environment, the edge's old targets.</summary>
    private sealed record Rollout(StackManifest Stack, string Version, string AppDll, IReadOnlyDictionary<string, string?> Environment,
        EdgeTargets Edge, IReadOnlyList<EdgeTarget> Old, LocalDeployment? Previous, List<DeployedInstance> Started, string Batch);

    public async Task<LocalDeployResult> DeployAsync(string artifactDirectory, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var version = ArtifactManifest.Read(artifactDirectory).Version;
        var appDll = Path.Combine(artifactDirectory, "app", "Groundwork.Api.dll");
        var stack = LocalStackManifest.Read(dataDirectory);
        using var exclusive = DeployLock(dataDirectory);
        using var edge = EdgeTargets.For(stack.EdgeUrl);
        var old = await edge.ListAsync(cancellationToken);
        if (old.Count == 0)
        {
            throw new DeployException($"The edge at {stack.EdgeUrl} has no targets: nothing to replace.");
        }
        var environment = InstanceEnvironment(stack, artifactDirectory, version);
        await MigrateAsync(appDll, version, environment, cancellationToken);
        var previous = await StopOrphansAsync(stack, cancellationToken);
        var rollout = new Rollout(stack, version, appDll, environment, edge, old, previous, [],
            DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", CultureInfo.InvariantCulture));
        var replaced = new List<string>();
        for (var i = 0; i < old.Count; i++)
        {
            rollout.Started.Add(await StartAndRegisterAsync(rollout, i, cancellationToken));
            await RetireAsync(rollout, i, cancellationToken);
            replaced.Add(old[i].Name);
            Record(stack, version, previous, rollout.Started, old.Skip(i + 1).ToList());
        }
        return new LocalDeployResult(version, rollout.Started, replaced, clock.Elapsed);
    }

    private async Task MigrateAsync(string appDll, string version, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        step($"Running the migrations of {version} (once, before any new instance serves)");
        var migrate = await ProcessRunner.RunAsync("dotnet", [appDll, "migrate"], Path.GetDirectoryName(appDll), environment, cancellationToken);
        if (!migrate.Succeeded)
        {
            throw new DeployException($"migrations of {version} failed, nothing was replaced: {migrate.LastLine}");
        }
    }

    /// <summary>The previous deploy into this stack, or null after stopping instances deployed into an earlier run of it.</summary>
    private async Task<LocalDeployment?> StopOrphansAsync(StackManifest stack, CancellationToken cancellationToken)
    {
        var previous = LocalDeployment.Read(dataDirectory);
        if (previous is null || previous.AppHostPid == stack.AppHostPid)
        {
            return previous;
        }
        // Instances deployed into an earlier run of the stack outlived its AppHost; their data tier is gone.
        foreach (var orphan in previous.Instances.Where(i => InstanceProcesses.IsRunning(i.Pid)))
        {
            step($"Stopping {orphan.Name} (pid {orphan.Pid}), left over from an earlier stack (AppHost pid {previous.AppHostPid})");
            await InstanceProcesses.StopGracefullyAsync(orphan.Pid, options.StopTimeout, cancellationToken);
        }
        return null;
    }

    /// <summary>Starts the i-th new instance, waits until it is ready and the edge sees it healthy; on failure stops it and fails the deploy.</summary>
    private async Task<DeployedInstance> StartAndRegisterAsync(Rollout rollout, int i, CancellationToken cancellationToken)
    {
        var (count, version) = (rollout.Old.Count, rollout.Version);
        var name = TargetName(version, rollout.Batch, i + 1);
        var port = FreePorts.Next();
        var url = $"http://127.0.0.1:{port}";
        var log = Path.Combine(LocalDeployment.StateDirectory(dataDirectory), "logs", name + ".log");

        step($"[{i + 1}/{count}] Starting {name} from the artifact on {url}");
        var pid = InstanceProcesses.StartDetached(rollout.AppDll, url, new Dictionary<string, string?>(rollout.Environment) { ["GROUNDWORK_INSTANCE"] = name }, log);
        var instance = new DeployedInstance(name, url, port, pid, log, DateTimeOffset.UtcNow);
        try
        {
            await WaitReadyAsync(instance, version, cancellationToken);
            step($"[{i + 1}/{count}] {name} is ready; registering it at the edge");
            await rollout.Edge.RegisterAsync(name, url, cancellationToken);
            await WaitEdgeHealthyAsync(rollout.Edge, name, cancellationToken);
            return instance;
        }
        catch (Exception e) when (e is DeployException or HttpRequestException or TimeoutException)
        {
            step($"{name} failed ({e.Message}); stopping it, the old instances keep serving");
            await rollout.Edge.DeregisterAsync(name, TimeSpan.FromSeconds(5), CancellationToken.None);
            await InstanceProcesses.StopGracefullyAsync(pid, options.StopTimeout, CancellationToken.None);
            Record(rollout.Stack, version, rollout.Previous, rollout.Started, rollout.Old.Skip(i).ToList());
            throw new DeployException($"deploy of {version} stopped: {e.Message} (log: {log}); {count - i} old instance(s) still serving");
        }
    }

    /// <summary>Drains the i-th old target at the edge, then stops its process with SIGTERM (it flushes its clicks).</summary>
    private async Task RetireAsync(Rollout rollout, int i, CancellationToken cancellationToken)
    {
        var (count, target) = (rollout.Old.Count, rollout.Old[i]);
        step($"[{i + 1}/{count}] Draining {target.Name} at the edge");
        var drain = await rollout.Edge.DeregisterAsync(target.Name, options.DrainTimeout, cancellationToken);
        if (drain is { Drained: false })
        {
            step($"{target.Name}: {drain.InFlight} request(s) still in flight after {options.DrainTimeout.TotalSeconds:0} s");
        }
        var oldPort = new Uri(target.Url).Port;
        if (InstanceProcesses.FindListener(oldPort) is not { } oldPid)
        {
            step($"{target.Name}: nothing listens on port {oldPort} any more");
            return;
        }
        step($"[{i + 1}/{count}] Stopping {target.Name} (pid {oldPid}) with SIGTERM; it flushes its clicks");
        if (!await InstanceProcesses.StopGracefullyAsync(oldPid, options.StopTimeout, cancellationToken))
        {
            step($"{target.Name} (pid {oldPid}) did not exit within {options.StopTimeout.TotalSeconds:0} s; it is out of rotation, left running");
        }
    }

    /// <summary>One deploy at a time per stack: a second one would replace instances the first is still starting.</summary>
    private static FileStream DeployLock(string dataDirectory)
    {
        var path = Path.Combine(Directory.CreateDirectory(LocalDeployment.StateDirectory(dataDirectory)).FullName, "deploy.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            throw new DeployException($"Another deploy to this local stack is running ({path} is locked).");
        }
    }

    /// <summary>
    /// The same configuration the AppHost gives its api-N instances (data tier, ALB identity, admin allowlist,
    /// public base URL, Spotlight), plus the version; the admin console comes from the artifact's web build, not the work tree.
    /// </summary>
    internal static Dictionary<string, string?> InstanceEnvironment(StackManifest stack, string artifactDirectory, string version)
    {
        var environment = BaseEnvironment(stack, artifactDirectory, version);
        if (stack.SecretsUrl is { } secretsUrl)
        {
            // As the AppHost's instances: the app user from its secret; the manifest's connection strings are the
            // admin user's (tools), so they go without user and password.
            environment["ConnectionStrings__primary"] = WithoutCredentials(stack.PrimaryConnectionString);
            environment["ConnectionStrings__replica"] = WithoutCredentials(stack.ReplicaConnectionString);
            foreach (var (key, value) in LocalAppCredentials.InstanceEnvironment(secretsUrl))
            {
                environment[key] = value;
            }
        }
        if (stack.CaFile is { } caFile)
        {
            foreach (var (key, value) in LocalTls.ClientEnvironment(caFile))
            {
                environment[key] = value;
            }
        }
        if (stack.SpotlightUrl is { } spotlightUrl)
        {
            // A deployed instance reports its errors where the AppHost's instances do (Sentry's local tool).
            environment["Sentry__Spotlight"] = spotlightUrl;
        }
        return environment;
    }

    private static string WithoutCredentials(string connectionString)
    {
        var csb = new MySqlConnector.MySqlConnectionStringBuilder(connectionString);
        csb.Remove("User ID");
        csb.Remove("Password");
        return csb.ConnectionString;
    }

    private static Dictionary<string, string?> BaseEnvironment(StackManifest stack, string artifactDirectory, string version) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_URLS"] = null,
        ["ASPNETCORE_HTTP_PORTS"] = null,
        ["ConnectionStrings__primary"] = stack.PrimaryConnectionString,
        ["ConnectionStrings__replica"] = stack.ReplicaConnectionString,
        ["ConnectionStrings__redis"] = stack.RedisConnectionString,
        ["AlbIdentity__SignerArn"] = stack.AlbArn,
        ["AlbIdentity__KeyEndpoint"] = stack.KeyEndpoint,
        ["Admin__Emails"] = stack.AdminEmails,
        ["Admin__ConsoleRoot"] = Path.Combine(artifactDirectory, "web", "admin"),
        ["Links__PublicBaseUrl"] = stack.EdgeUrl,
        ["GROUNDWORK_VERSION"] = version,
        // No dashboard to export to locally; without an endpoint the exporters stay off.
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = null,
    };

    /// <summary>Edge target names allow [A-Za-z0-9._-]{1,64}: the version (+ → -), the deploy batch and the slot.</summary>
    internal static string TargetName(string version, string batch, int slot)
    {
        var safe = new string(version.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray());
        var suffix = $"-{batch}-{slot}";
        return "v" + safe[..Math.Min(safe.Length, 63 - suffix.Length)] + suffix;
    }

    private async Task WaitReadyAsync(DeployedInstance instance, string version, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        string last = "no answer yet";
        while (deadline.Elapsed < options.HealthTimeout)
        {
            if (!InstanceProcesses.IsRunning(instance.Pid))
            {
                throw new DeployException($"{instance.Name} exited before it became ready");
            }
            try
            {
                using var response = await http.GetAsync($"{instance.Url}/health/ready", cancellationToken);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                var reported = body.TryGetProperty("version", out var v) ? v.GetString() : null;
                if (response.IsSuccessStatusCode && reported == version)
                {
                    return;
                }
                last = $"{(int)response.StatusCode}, version {reported}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                last = e.GetType().Name;
            }
            await Task.Delay(250, cancellationToken);
        }
        throw new DeployException($"{instance.Name} was not ready within {options.HealthTimeout.TotalSeconds:0} s (last: {last})");
    }

    /// <summary>The edge probes targets itself; rotation is only safe once it has seen the new one healthy.</summary>
    private async Task WaitEdgeHealthyAsync(EdgeTargets edge, string name, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < options.HealthTimeout)
        {
            var target = (await edge.ListAsync(cancellationToken)).FirstOrDefault(t => t.Name == name);
            if (target?.ActiveHealth == "Healthy")
            {
                return;
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new DeployException($"the edge never saw {name} healthy within {options.HealthTimeout.TotalSeconds:0} s");
    }

    /// <summary>local.json after every step: the instances we started and still run, so a later deploy or stop finds them.</summary>
    private void Record(StackManifest stack, string version, LocalDeployment? previous, List<DeployedInstance> started, IReadOnlyList<EdgeTarget> remaining)
    {
        var stillRunning = (previous?.Instances ?? []).Where(p => remaining.Any(r => r.Name == p.Name) && InstanceProcesses.IsRunning(p.Pid));
        new LocalDeployment(stack.AppHostPid, started.Count > 0 ? version : previous?.Version ?? "(AppHost build)", DateTimeOffset.UtcNow,
            [.. stillRunning, .. started]).Write(dataDirectory);
    }
}
