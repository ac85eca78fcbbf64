using System.Net.Http.Json;

namespace Groundwork.Bench;

/// <summary>The hot set: N links with known slugs, created through the API and then read once on every instance so
/// the measured redirects hit a warm cache (scenario 1's "cache warm").</summary>
public static class HotSet
{
    public static IReadOnlyList<string> Slugs(int count) => [.. Enumerable.Range(1, count).Select(i => $"hot-{i:D4}")];

    public static async Task CreateAsync(HttpClient http, string apiUrl, IReadOnlyList<string> slugs)
    {
        await Parallel.ForEachAsync(slugs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (slug, ct) =>
        {
            using var response = await http.PostAsJsonAsync($"{apiUrl}/api/links", new { url = $"https://example.com/hot/{slug}", slug }, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"creating {slug} on {apiUrl}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        });
    }

    public static async Task WarmAsync(HttpClient http, IEnumerable<string> urls, IReadOnlyList<string> slugs)
    {
        foreach (var url in urls)
        {
            await Parallel.ForEachAsync(slugs, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (slug, ct) =>
            {
                using var response = await http.GetAsync($"{url}/{slug}", ct);
                if ((int)response.StatusCode != 302)
                {
                    throw new InvalidOperationException($"GET {url}/{slug}: {(int)response.StatusCode}, expected 302");
                }
            });
        }
    }
}
