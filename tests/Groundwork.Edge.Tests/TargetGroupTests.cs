using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Edge.Tests;

/// <summary>The ALB target group: health checks, retry on a dead instance, registration and draining.</summary>
public sealed class TargetGroupTests
{
    private static async Task<string> InstanceOfAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("instance").GetString()!;

    private static async Task<JsonElement> TargetAsync(EdgeHost edge, string name)
    {
        var targets = await edge.Client.GetFromJsonAsync<JsonElement>("/_edge/targets");
        return targets.EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task Stopped_instance_leaves_rotation_without_failed_GETs_and_rejoins_when_healthy()
    {
        await using var api1 = await Backend.StartAsync("api-1");
        await using var api2 = await Backend.StartAsync("api-2");
        await using var edge = await EdgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["Edge:Targets:api-1"] = api1.Url,
            ["Edge:Targets:api-2"] = api2.Url,
        });

        await api2.StopAsync();

        // Until the health check notices, every other GET meets the dead instance and is retried on the live one.
        for (var i = 0; i < 20; i++)
        {
            using var response = await edge.Client.GetAsync("/api/links/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("api-1", await InstanceOfAsync(response));
        }

        await Eventually.TrueAsync(
            async () => (await TargetAsync(edge, "api-2")).GetProperty("activeHealth").GetString() == "Unhealthy",
            "api-2 marked unhealthy by the active health check");

        await api2.RestartAsync();

        var lastSeen = "";
        await Eventually.TrueAsync(async () =>
        {
            using var response = await edge.Client.GetAsync("/api/links/x");
            lastSeen = $"{response.StatusCode} {await response.Content.ReadAsStringAsync()} targets: {await edge.Client.GetStringAsync("/_edge/targets")}";
            return response.IsSuccessStatusCode && await InstanceOfAsync(response) == "api-2";
        }, () => $"api-2 back in rotation (last: {lastSeen})");
    }

    [Fact]
    public async Task Dead_instance_not_yet_detected_GETs_are_retried_POSTs_are_not()
    {
        await using var api1 = await Backend.StartAsync("api-1");
        await using var api2 = await Backend.StartAsync("api-2");
        // Health checks slowed down so that the dead instance stays in rotation for this test.
        await using var edge = await EdgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["Edge:Targets:api-1"] = api1.Url,
            ["Edge:Targets:api-2"] = api2.Url,
            ["Edge:HealthCheckInterval"] = "01:00:00",
        });
        await api2.StopAsync();

        var posts = new List<HttpStatusCode>();
        for (var i = 0; i < 2; i++)
        {
            using var post = await edge.Client.PostAsJsonAsync("/api/links", new { url = "https://example.com" });
            posts.Add(post.StatusCode);
            if (!post.IsSuccessStatusCode)
            {
                Assert.Equal("application/problem+json", post.Content.Headers.ContentType?.MediaType);
            }
        }

        var gets = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var get = await edge.Client.GetAsync("/abc123");
            gets.Add(get.StatusCode);
        }

        // Round robin over two targets: one of two POSTs met the dead one and was not replayed.
        Assert.Equal(1, posts.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(1, posts.Count(s => s == HttpStatusCode.BadGateway));
        Assert.Equal(1, api1.Requests - gets.Count);
        Assert.All(gets, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task GET_whose_connection_is_dropped_without_a_response_is_retried_on_another_target()
    {
        await using var api1 = await Backend.StartAsync("api-1");
        await using var api2 = await Backend.StartAsync("api-2");
        await using var edge = await EdgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["Edge:Targets:api-1"] = api1.Url,
            ["Edge:Targets:api-2"] = api2.Url,
        });
        api2.ResetConnections = true; // healthy by its health endpoint, but drops every other request

        for (var i = 0; i < 4; i++)
        {
            using var response = await edge.Client.GetAsync("/abc123");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("api-1", await InstanceOfAsync(response));
        }

        Assert.True(api2.Requests > 0, "the dropping instance was never tried");
    }

    [Fact]
    public void Control_endpoints_refuse_clients_that_are_not_on_this_machine()
    {
        var remote = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        remote.Connection.RemoteIpAddress = IPAddress.Parse("10.0.0.7");
        var local = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        local.Connection.RemoteIpAddress = IPAddress.IPv6Loopback;

        Assert.False(LoopbackOnly.IsLoopback(remote));
        Assert.True(LoopbackOnly.IsLoopback(local));
        Assert.False(LoopbackOnly.IsLoopback(new Microsoft.AspNetCore.Http.DefaultHttpContext()));
    }

    [Fact]
    public async Task Deregistration_takes_the_target_out_at_once_and_returns_after_in_flight_requests_finish()
    {
        await using var api1 = await Backend.StartAsync("api-1");
        await using var api2 = await Backend.StartAsync("api-2");
        await using var edge = await EdgeHost.StartAsync();
        using (var put = await edge.Client.PutAsJsonAsync("/_edge/targets/api-1", new { url = api1.Url }))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        using var slowClient = edge.NewClient();
        var slow = slowClient.GetAsync("/slow");
        await api1.SlowStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using (var put = await edge.Client.PutAsJsonAsync("/_edge/targets/api-2", new { url = api2.Url }))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var deregister = edge.Client.DeleteAsync("/_edge/targets/api-1");
        await Eventually.TrueAsync(async () =>
        {
            var targets = await edge.Client.GetFromJsonAsync<JsonElement>("/_edge/targets");
            return targets.GetArrayLength() == 1;
        }, "api-1 out of the target list");

        for (var i = 0; i < 4; i++)
        {
            using var response = await edge.Client.GetAsync("/api/links/x");
            Assert.Equal("api-2", await InstanceOfAsync(response));
        }

        Assert.False(deregister.IsCompleted, "deregistration returned while a request was still in flight");
        api1.ReleaseSlow();
        using var slowResponse = await slow;
        using var drained = await deregister;

        Assert.Equal(HttpStatusCode.OK, slowResponse.StatusCode);
        Assert.Equal("api-1", await InstanceOfAsync(slowResponse));
        Assert.Equal(HttpStatusCode.OK, drained.StatusCode);
        var result = await drained.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(result.GetProperty("drained").GetBoolean());
    }

    [Fact]
    public async Task Deregistration_gives_up_waiting_after_the_drain_timeout()
    {
        await using var api1 = await Backend.StartAsync("api-1");
        await using var edge = await EdgeHost.StartAsync(new Dictionary<string, string?> { ["Edge:Targets:api-1"] = api1.Url });
        using var slowClient = edge.NewClient();
        var slow = slowClient.GetAsync("/slow");
        await api1.SlowStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var response = await edge.Client.DeleteAsync("/_edge/targets/api-1?drainTimeoutSeconds=0.2");
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        api1.ReleaseSlow();
        using var finished = await slow;

        Assert.False(result.GetProperty("drained").GetBoolean());
        Assert.Equal(1, result.GetProperty("inFlight").GetInt32());
    }

    [Fact]
    public async Task Registration_api_validates_its_input()
    {
        await using var edge = await EdgeHost.StartAsync();

        using var badUrl = await edge.Client.PutAsJsonAsync("/_edge/targets/api-1", new { url = "not a url" });
        using var badScheme = await edge.Client.PutAsJsonAsync("/_edge/targets/api-1", new { url = "file:///etc/passwd" });
        using var badName = await edge.Client.PutAsJsonAsync("/_edge/targets/a%20b", new { url = "http://127.0.0.1:1" });
        using var unknown = await edge.Client.DeleteAsync("/_edge/targets/nobody");

        Assert.Equal(HttpStatusCode.BadRequest, badUrl.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badScheme.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Empty_target_group_is_503_problem_details()
    {
        await using var edge = await EdgeHost.StartAsync();

        using var response = await edge.Client.GetAsync("/api/links/x");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
