using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Groundwork.LocalServers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Groundwork.Api.Tests;

/// <summary>
/// What TLS brings at an app server's start-up, on the real tier: a server certificate for the wrong host name and a
/// CA the app does not trust are refused — readiness fails (the load balancer never sends traffic) and the log says
/// why — instead of connecting anyway. Own tier: the servers' certificate is replaced here.
/// </summary>
public sealed class TlsStartupTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "gw-tls-" + Guid.NewGuid().ToString("N")[..8]);
    private LocalDataTier _tier = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        _tier = await LocalDataTier.StartAsync(DataTierLayout.ForTests(_root));
    }

    public async Task DisposeAsync()
    {
        await _tier.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task An_instance_with_the_right_CA_is_ready_over_TLS()
    {
        await using var app = new LoggedInstance(_tier, _tier.Layout.Certificates.CaFile);
        var (status, checks) = await ReadinessAsync(app, s => s == HttpStatusCode.OK && checks_redis_connected(s, app));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", checks["primary"].Status);
        Assert.Equal("redis connected", checks["redis"].Detail);

        static bool checks_redis_connected(HttpStatusCode _, LoggedInstance instance) =>
            instance.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().IsConnected;
    }

    [Fact]
    public async Task An_untrusted_CA_is_refused_readiness_fails_and_the_log_says_why()
    {
        var foreignCa = Path.Combine(_root, "foreign-ca.pem");
        DataTierCertificates.WriteForeignCa(foreignCa);
        await using var app = new LoggedInstance(_tier, foreignCa);

        var (status, checks) = await ReadinessAsync(app, s => s == HttpStatusCode.ServiceUnavailable && app.Errors.Any(e => e.Contains("Redis", StringComparison.Ordinal)));
        Report(status, checks, app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", checks["primary"].Status);
        Assert.Contains($"is not issued by the CA in {foreignCa}", checks["primary"].Detail);
        Assert.Equal("Unhealthy", checks["redis"].Status);
        Assert.Contains($"is not issued by the CA in {foreignCa}", checks["redis"].Detail);
        Assert.Contains(app.Errors, e => e.Contains("Redis TLS certificate refused", StringComparison.Ordinal) && e.Contains(foreignCa, StringComparison.Ordinal));
        Assert.Contains(app.Errors, e => e.Contains("primary", StringComparison.Ordinal) && e.Contains("certificate", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_server_certificate_for_another_host_name_is_refused_readiness_fails_and_the_log_says_why()
    {
        try
        {
            using (_tier.Layout.Certificates.IssueServerCertificate(["db.wrong.example"]))
                await _tier.ReloadCertificatesAsync();
            await using var app = new LoggedInstance(_tier, _tier.Layout.Certificates.CaFile);

            var (status, checks) = await ReadinessAsync(app, s => s == HttpStatusCode.ServiceUnavailable && app.Errors.Any(e => e.Contains("Redis", StringComparison.Ordinal)));
            Report(status, checks, app);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("Unhealthy", checks["primary"].Status);
            Assert.Contains("RemoteCertificateNameMismatch", checks["primary"].Detail + string.Join('\n', app.Errors));
            Assert.Equal("Unhealthy", checks["redis"].Status);
            Assert.Contains("db.wrong.example", checks["redis"].Detail);
            Assert.Contains("is not valid for the host name", checks["redis"].Detail);
            Assert.Contains(app.Errors, e => e.Contains("Redis TLS certificate refused", StringComparison.Ordinal) && e.Contains("db.wrong.example", StringComparison.Ordinal));
        }
        finally
        {
            using (_tier.Layout.Certificates.IssueServerCertificate())
                await _tier.ReloadCertificatesAsync();
        }
    }

    private void Report(HttpStatusCode status, IReadOnlyDictionary<string, Check> checks, LoggedInstance app)
    {
        output.WriteLine($"/health/ready: {(int)status}");
        foreach (var (name, check) in checks) output.WriteLine($"  {name}: {check.Status} — {check.Detail}");
        foreach (var line in app.Errors.Take(6)) output.WriteLine("log: " + line);
    }

    private static async Task<(HttpStatusCode Status, IReadOnlyDictionary<string, Check> Checks)> ReadinessAsync(
        LoggedInstance app, Func<HttpStatusCode, bool> done)
    {
        var client = app.CreateClient();
        var last = (HttpStatusCode.InternalServerError, (IReadOnlyDictionary<string, Check>)new Dictionary<string, Check>());
        await Http.EventuallyAsync(async () =>
        {
            var response = await client.GetAsync("/health/ready");
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var checks = body.RootElement.GetProperty("checks").EnumerateObject().ToDictionary(
                p => p.Name, p => new Check(p.Value.GetProperty("status").GetString()!, p.Value.GetProperty("detail").GetString() ?? ""));
            last = (response.StatusCode, checks);
            return response.StatusCode;
        }, done, TimeSpan.FromSeconds(15));
        return last;
    }

    private sealed record Check(string Status, string Detail);

    /// <summary>An app server on the tier (connection strings as the tier renders them) trusting <c>caFile</c>; errors logged are kept.</summary>
    private sealed class LoggedInstance(LocalDataTier tier, string caFile) : WebApplicationFactory<Program>
    {
        private readonly ErrorLog _log = new();

        public IReadOnlyCollection<string> Errors => _log.Lines;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            static string WithCa(string connectionString, string ca) =>
                new MySqlConnector.MySqlConnectionStringBuilder(connectionString) { SslCa = ca, Pooling = false }.ConnectionString;
            builder.UseSetting("ConnectionStrings:primary", WithCa(tier.Setup.PrimaryConnectionString, caFile));
            builder.UseSetting("ConnectionStrings:replica", WithCa(tier.Setup.ReplicaConnectionString, caFile));
            builder.UseSetting("ConnectionStrings:redis", tier.Layout.Redis.ConnectionString);
            builder.UseSetting("Cache:RedisCaFile", caFile);
            builder.UseEnvironment("Production");
            builder.ConfigureLogging(logging => logging.AddProvider(_log));
        }
    }

    private sealed class ErrorLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) log._lines.Enqueue($"{category}: {formatter(state, exception)} {exception?.Message}");
            }
        }
    }
}
