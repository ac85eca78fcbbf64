using Groundwork.Workspace;

namespace Groundwork.Bench;

/// <summary>nginx (the Debian package) from bench/nginx/nginx.conf.template, balancing the given instances.</summary>
public static class NginxBalancer
{
    public static async Task<(ChildProcess Process, string Url)> StartAsync(string workDirectory, IEnumerable<string> instanceUrls, HttpClient http)
    {
        var dir = Path.Combine(workDirectory, "nginx");
        Directory.CreateDirectory(dir);
        var port = FreePorts.Next();
        var upstreams = string.Join('\n', instanceUrls.Select(u => $"        server {new Uri(u).Authority};"));
        var config = (await File.ReadAllTextAsync(Repo.Path("bench", "nginx", "nginx.conf.template")))
            .Replace("{{dir}}", dir, StringComparison.Ordinal)
            .Replace("{{port}}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{upstreams}}", upstreams, StringComparison.Ordinal);
        var configPath = Path.Combine(dir, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);
        var process = ChildProcess.Start("nginx", Path.Combine(dir, "nginx.out.log"), new Dictionary<string, string>(), dir,
            "nginx", "-p", dir, "-c", configPath, "-e", Path.Combine(dir, "error.log"));
        var url = $"http://127.0.0.1:{port}";
        await process.WaitUntilAsync("nginx", async () =>
        {
            using var response = await http.GetAsync(url + "/health/ready");
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(30));
        return (process, url);
    }
}
