using System.Globalization;
using Groundwork.Workspace;

namespace Groundwork.Bench;

/// <summary>
/// A standalone Api process started exactly as an instance of the stack (its command line, working directory and
/// environment, read from /proc) on a port of its own, with a few settings changed: the same code, data tier and
/// telemetry sink, so the difference in CPU per request between two twins is what the changed settings cost.
/// </summary>
public sealed class InstanceTwin(string variant, ChildProcess process, int port) : IAsyncDisposable
{
    public string Variant { get; } = variant;
    public ChildProcess Process { get; } = process;
    public string Url { get; } = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
    public CpuMeter Cpu { get; } = new(variant, [process.Pid], []);

    public static async Task<InstanceTwin> StartAsync(int instancePid, string variant, IReadOnlyDictionary<string, string> changes, string workDirectory, HttpClient http)
    {
        var environment = ReadEnvironment(instancePid);
        var command = File.ReadAllText($"/proc/{instancePid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var directory = new DirectoryInfo($"/proc/{instancePid}/cwd").ResolveLinkTarget(returnFinalTarget: true)?.FullName
            ?? throw new InvalidOperationException($"no working directory for process {instancePid}");
        var port = FreePorts.Next();
        environment["ASPNETCORE_URLS"] = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        environment.Remove("ASPNETCORE_HTTP_PORTS");
        environment["GROUNDWORK_INSTANCE"] = "twin-" + variant.Replace(' ', '-');
        foreach (var (key, value) in changes)
        {
            environment[key] = value;
        }
        var process = ChildProcess.Start("twin " + variant, Path.Combine(workDirectory, $"twin-{port}.log"), environment,
            inheritEnvironment: false, directory, command);
        var twin = new InstanceTwin(variant, process, port);
        await process.WaitUntilAsync(twin.Url + "/health/ready", async () => (await http.GetAsync(twin.Url + "/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(90));
        return twin;
    }

    private static Dictionary<string, string> ReadEnvironment(int pid)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                environment[entry[..equals]] = entry[(equals + 1)..];
            }
        }
        return environment;
    }

    public async ValueTask DisposeAsync() => await Process.StopAsync(TimeSpan.FromSeconds(10));
}
