using Groundwork.Workspace;

namespace Groundwork.Bench;

/// <summary>Scenario 1's baseline: bench/Groundwork.Bench.Baseline, bare Kestrel returning a constant 302.</summary>
public static class BaselineServer
{
    public static async Task<(ChildProcess Process, string Url)> StartAsync(string workDirectory, HttpClient http, string configuration = "Release")
    {
        var dll = Repo.Path("bench", "Groundwork.Bench.Baseline", "bin", configuration, "net10.0", "Groundwork.Bench.Baseline.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the baseline in {configuration} first (bench/run.sh does): dotnet build bench/Groundwork.Bench.Baseline -c {configuration}", dll);
        }
        var port = FreePorts.Next();
        var url = $"http://127.0.0.1:{port}";
        var process = ChildProcess.Start("bare-kestrel", Path.Combine(workDirectory, "bare-kestrel.log"),
            new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Production", ["ASPNETCORE_ENVIRONMENT"] = "Production" },
            Path.GetDirectoryName(dll)!, "dotnet", dll, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Ready when it answers the way it is measured: a 302 (the shared client never follows redirects).
        await process.WaitUntilAsync(url, async () =>
        {
            using var response = await http.GetAsync(url + "/probe");
            return (int)response.StatusCode == 302;
        }, TimeSpan.FromSeconds(60));
        return (process, url);
    }
}
