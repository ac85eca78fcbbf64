using Groundwork.AppHost;
using Groundwork.LocalServers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The architecture on one machine. Same shape as AWS: data tier (primary + replica + Redis), migrations applied
// once, N stateless app servers, and the edge in front of them standing in for CloudFront + ALB + Cognito.
var topology = Topology.FromEnvironment();
var builder = DistributedApplication.CreateBuilder(args);

var layout = new DataTierLayout(topology.DataDirectory, topology.PrimaryPort, topology.ReplicaPort, topology.RedisPort);
var data = await builder.AddDataTierAsync(layout);
var secrets = builder.AddSecretsTier(layout, topology.SecretsPort);
var secretsUrl = secrets.Server.Url.ToString();

// One deploy step, before any instance serves: the same `migrate` command the deploy job runs in AWS.
var migrations = builder.AddProject<Projects.Groundwork_Api>("migrations", launchProfileName: null)
    .WithArgs("migrate")
    // As the local master user, through the primary endpoint (either server may be the primary after a failover).
    .WithEnvironment("ConnectionStrings__primary", data.PrimaryConnectionString).WaitFor(data.Primary).WaitFor(data.Replica)
    .WithEnvironment(LocalAppCredentials.MigrateEnvironment(secretsUrl)).WaitFor(secrets.Secrets)
    .WithoutOtlpRetry();

// Sentry's local tool: the instances' Sentry SDK sends their errors to it (no DSN, nothing leaves the machine).
var spotlightPort = SpotlightTier.Port;
var spotlight = builder.AddSpotlight(topology, spotlightPort);
var spotlightUrl = spotlight is null ? null : "http://127.0.0.1:" + spotlightPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

var edgeUrl = $"http://127.0.0.1:{topology.EdgePort}";
var adminEmails = Environment.GetEnvironmentVariable("GROUNDWORK_ADMIN_EMAILS") ?? "admin@example.com";
var edge = builder.AddProject<Projects.Groundwork_Edge>("edge", launchProfileName: null)
    .WithEnvironment("GROUNDWORK_EDGE_PORT", topology.EdgePort.ToString(System.Globalization.CultureInfo.InvariantCulture))
    .WithEnvironment("Edge__AlbArn", Topology.LocalAlbArn)
    .WithEnvironment("Edge__StaticRoot", Path.Combine(topology.RepoRoot, "web", "dist"))
    .WithEnvironment("Edge__RoutingFile", Path.Combine(topology.RepoRoot, "config", "routing.json"))
    .WithHttpEndpoint(port: topology.EdgePort, isProxied: false)
    .WithHttpHealthCheck("/_edge/health")
    .WithoutOtlpRetry()
    .WithOtlpSinkForBenchmarks();

for (var i = 1; i <= topology.ApiPorts.Length; i++)
{
    var port = topology.ApiPorts[i - 1];
    var name = $"api-{i}";
    var api = builder.AddProject<Projects.Groundwork_Api>(name, launchProfileName: null)
        .WithHttpEndpoint(port: port, isProxied: false)
        .WithReference(data.Primary).WithReference(data.Replica).WithReference(data.Redis)
        .WaitFor(data.Primary).WaitFor(data.Replica).WaitFor(data.Redis)
        .WithEnvironment(LocalAppCredentials.InstanceEnvironment(secretsUrl)).WaitFor(secrets.Secrets)
        .WithEnvironment(data.ClientEnvironment)
        .WaitForCompletion(migrations)
        .WithEnvironment("GROUNDWORK_INSTANCE", name)
        .WithEnvironment("AlbIdentity__SignerArn", Topology.LocalAlbArn)
        .WithEnvironment("AlbIdentity__KeyEndpoint", $"{edgeUrl}/_edge/alb-keys")
        .WithEnvironment("Admin__Emails", adminEmails)
        .WithEnvironment("Admin__ConsoleRoot", Path.Combine(topology.RepoRoot, "web", "dist", "admin"))
        .WithEnvironment("Links__PublicBaseUrl", edgeUrl)
        .WithEnvironment("Links__CreatePerClientPerMinute", Environment.GetEnvironmentVariable("GROUNDWORK_CREATE_LIMIT") ?? "600")
        .WithHttpHealthCheck("/health/ready")
        .WithoutOtlpRetry()
        .WithOtlpSinkForBenchmarks()
        .WithPassThroughSettings();
    if (spotlight is not null)
    {
        api.WithEnvironment("Sentry__Spotlight", spotlightUrl).WaitFor(spotlight);
    }
    var target = "http://127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    edge.WithEnvironment($"Edge__Targets__{name}", target);
}

var manifestPath = StackManifest.Write(topology.DataDirectory, new StackManifest(
    Environment.ProcessId, edgeUrl, Topology.LocalAlbArn, $"{edgeUrl}/_edge/alb-keys", adminEmails,
    data.PrimaryConnectionString, data.ReplicaConnectionString, data.RedisConnectionString,
    [.. topology.ApiPorts.Select((port, i) => new StackInstance($"api-{i + 1}", $"http://127.0.0.1:{port}"))],
    secretsUrl, layout.Certificates.CaFile, spotlightUrl));

// One stop: instances a local deploy started into this stack end with it (registered last, so stopped first).
builder.Services.AddHostedService(sp => new DeployedInstances(topology.DataDirectory, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DeployedInstances>>()));

var app = builder.Build();
app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(() => File.Delete(manifestPath));
app.Run();
