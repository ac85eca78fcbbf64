using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.LocalServers;
using Groundwork.Testing;
using MySqlConnector;
using Xunit.Abstractions;

namespace Groundwork.AppHost.Tests;

/// <summary>
/// Sentry locally: an unhandled exception in an instance reaches Spotlight (the AppHost's "spotlight" resource)
/// through the instance's real Sentry SDK, and Spotlight serves it on its event stream (/stream, what its UI reads).
/// A stack of its own: the test breaks the schema to make the error real.
/// </summary>
[Collection(Name)]
public sealed class SpotlightTests(SpotlightTests.Stack stack, ITestOutputHelper output) : IClassFixture<SpotlightTests.Stack>
{
    public const string Name = "spotlight";

    /// <summary>
    /// Alone: a stack reads its ports from process-wide environment variables when it starts, so two stacks starting
    /// in parallel (this one and LocalStackTests') could take each other's ports.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class Collection;

    public sealed class Stack : LocalStack;

    [Fact]
    public async Task An_unhandled_exception_in_an_instance_arrives_in_Spotlight()
    {
        using var spotlight = new HttpClient { BaseAddress = stack.SpotlightUrl, Timeout = Timeout.InfiniteTimeSpan };
        Assert.Equal("OK", await spotlight.GetStringAsync("/health"));
        using var ui = await spotlight.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("<html", await ui.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        // A schema the code does not expect (a half-applied migration, say): every insert fails with error 1146,
        // which nothing handles, so the request ends in a 500 and the SDK captures the exception.
        var admin = new DataTierSetup(await DataTierLayout.DiscoverAsync(stack.DataDirectory, default)).PrimaryConnectionString;
        await ExecuteAsync(admin, "RENAME TABLE groundwork.links TO groundwork.links_moved_by_test");
        var clock = Stopwatch.StartNew();
        try
        {
            using var instance = stack.CreateInstanceClient(1);
            var failed = await instance.PostAsJsonAsync("/api/links", new { url = "https://example.com/spotlight" });
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }
        finally
        {
            await ExecuteAsync(admin, "RENAME TABLE groundwork.links_moved_by_test TO groundwork.links");
        }

        var error = await WaitForErrorAsync(spotlight, e => e.ToString().Contains("links", StringComparison.Ordinal)
            && e.ToString().Contains("MySqlException", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        output.WriteLine($"error in Spotlight {clock.ElapsedMilliseconds} ms after the request");
        var (header, evt) = error;
        // Sent by the instance's own SDK (Sentry .NET), with the release/environment the app set.
        Assert.StartsWith("sentry.dotnet", header.GetProperty("sdk").GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Equal("error", evt.GetProperty("level").GetString());
        var exception = evt.GetProperty("exception").GetProperty("values").EnumerateArray()
            .Select(v => v.GetProperty("type").GetString()).ToArray();
        Assert.Contains("MySqlConnector.MySqlException", exception);
        Assert.Equal("/api/links", new Uri(evt.GetProperty("request").GetProperty("url").GetString()!).AbsolutePath);
    }

    /// <summary>Reads Spotlight's server-sent events (it replays what it holds, then streams) until an error event matches.</summary>
    private static async Task<(JsonElement Header, JsonElement Event)> WaitForErrorAsync(HttpClient spotlight, Func<JsonElement, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var response = await spotlight.GetAsync("/stream", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var seen = new List<string>();
        try
        {
            while (await reader.ReadLineAsync(cts.Token) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }
                // data: [envelopeHeader, [[itemHeader, itemPayload], ...]]
                using var envelope = JsonDocument.Parse(line["data: ".Length..]);
                var header = envelope.RootElement[0];
                foreach (var item in envelope.RootElement[1].EnumerateArray())
                {
                    var type = item[0].GetProperty("type").GetString();
                    seen.Add(type ?? "?");
                    if (type == "event" && item[1].ValueKind == JsonValueKind.Object && match(item[1]))
                    {
                        return (header.Clone(), item[1].Clone());
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        throw new Xunit.Sdk.XunitException($"No matching error in Spotlight within {timeout.TotalSeconds} s; items seen: [{string.Join(", ", seen)}]");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
