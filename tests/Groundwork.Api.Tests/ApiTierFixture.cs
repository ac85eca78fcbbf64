using Groundwork.Api.Migrations;
using Groundwork.LocalServers;
using Groundwork.ServiceDefaults.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Groundwork.Workspace;

namespace Groundwork.Api.Tests;

/// <summary>
/// A real data tier (MariaDB primary + replica with GTID replication, Redis) and two app instances on it, "A" and
/// "B", each with its own memory cache, exactly like two app servers behind the load balancer.
/// </summary>
public sealed class ApiTierFixture : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gw-api-" + Guid.NewGuid().ToString("N")[..8]);

    public LocalDataTier Tier { get; private set; } = null!;
    public ApiInstance A { get; private set; } = null!;
    public ApiInstance B { get; private set; } = null!;
    /// <summary>The Secrets Manager stand-in (in this process) for the tests of credentials read from secrets.</summary>
    public LocalSecretsManager Secrets { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        Tier = await LocalDataTier.StartAsync(DataTierLayout.ForTests(_root));
        Secrets = LocalSecretsManager.Start(Tier.Layout.SecretsFile, FreePorts.Next());
        A = StartInstance();
        await ApiMigrations.ApplyAsync(A.Services, default);
        B = StartInstance();
        await Tier.Setup.WaitForReplicaCaughtUpAsync(TimeSpan.FromSeconds(30), default);
    }

    public ApiInstance StartInstance(int createLimit = 10_000, string? redis = null, IReadOnlyDictionary<string, string>? settings = null) =>
        new(Tier, createLimit, redis, settings);

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Secrets.DisposeAsync();
        await Tier.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public async Task<T> OnPrimaryAsync<T>(string sql, object? args = null)
    {
        await using var connection = new MySqlConnection(Tier.Setup.PrimaryConnectionString);
        return await Dapper.SqlMapper.ExecuteScalarAsync<T>(connection, sql, args) ?? throw new InvalidOperationException("no result");
    }
}

/// <summary>One app server, hosted in-process on the real data tier.</summary>
public sealed class ApiInstance : WebApplicationFactory<Program>
{
    private readonly LocalDataTier _tier;
    private readonly int _createLimit;
    private readonly string? _redis;
    private readonly IReadOnlyDictionary<string, string> _settings;

    public ApiInstance(LocalDataTier tier, int createLimit, string? redis, IReadOnlyDictionary<string, string>? settings = null)
    {
        _tier = tier;
        _createLimit = createLimit;
        _redis = redis;
        _settings = settings ?? new Dictionary<string, string>();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:primary", _tier.Setup.PrimaryConnectionString);
        builder.UseSetting("ConnectionStrings:replica", _tier.Setup.ReplicaConnectionString);
        builder.UseSetting("ConnectionStrings:redis", _redis ?? _tier.Layout.Redis.ConnectionString);
        // Redis speaks TLS only; its certificate is issued by the tier's CA (AWS: a public chain, no setting).
        builder.UseSetting("Cache:RedisCaFile", _tier.Layout.Certificates.CaFile);
        builder.UseSetting("Database:ReplicaCheckInterval", "00:00:00.250");
        builder.UseSetting("Database:ReplicaLagBound", "00:00:01");
        builder.UseSetting("Links:CreatePerClientPerMinute", _createLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Clicks:FlushInterval", "00:00:01");
        builder.UseEnvironment("Production");
        // Every status this instance answers is recorded for the contract test (OpenAPI document vs. observed).
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, Contract.ObservedStatusesStartupFilter>());
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>The base URL of the real Kestrel server, after <c>UseKestrel(0)</c> and <c>StartServer()</c>.</summary>
    public string ServerAddress() =>
        Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();

    public HttpClient Client() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
}
