using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Deploy.Cli;

namespace Groundwork.Deploy.Local;

/// <summary>One target as the edge reports it (GET /_edge/targets).</summary>
internal sealed record EdgeTarget(string Name, string Url, string ActiveHealth, string PassiveHealth, int InFlight);

/// <summary>What DELETE /_edge/targets/{name} answers once the target has drained (or the drain timeout passed).</summary>
internal sealed record EdgeDrain(string Name, bool Drained, int InFlight);

/// <summary>
/// The edge's loopback-only target registration API: the local stand-in for ELB RegisterTargets / DeregisterTargets
/// (see src/Groundwork.Edge/TargetRegistrationApi.cs).
/// </summary>
internal sealed class EdgeTargets(HttpClient http) : IDisposable
{
    public static EdgeTargets For(string edgeUrl) =>
        new(new HttpClient { BaseAddress = new Uri(edgeUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(2) });

    public async Task<IReadOnlyList<EdgeTarget>> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await http.GetFromJsonAsync<List<EdgeTarget>>("_edge/targets", JsonSerializerOptions.Web, cancellationToken) ?? [];
        }
        catch (HttpRequestException e)
        {
            throw new DeployException($"The edge at {http.BaseAddress} does not answer its target API ({e.Message.TrimEnd('.')}).");
        }
    }

    public async Task RegisterAsync(string name, string url, CancellationToken cancellationToken)
    {
        using var response = await http.PutAsJsonAsync($"_edge/targets/{Uri.EscapeDataString(name)}", new { url }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DeployException($"The edge refused target {name} ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>Takes the target out of rotation and returns once its in-flight requests are done (or the timeout passed).</summary>
    public async Task<EdgeDrain?> DeregisterAsync(string name, TimeSpan drainTimeout, CancellationToken cancellationToken)
    {
        using var response = await http.DeleteAsync(
            $"_edge/targets/{Uri.EscapeDataString(name)}?drainTimeoutSeconds={drainTimeout.TotalSeconds:0}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<EdgeDrain>(JsonSerializerOptions.Web, cancellationToken);
    }

    public void Dispose() => http.Dispose();
}
