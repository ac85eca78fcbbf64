using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CliWrap;

namespace Groundwork.Bench;

/// <summary>
/// A server the benchmark started, in a session of its own (setsid) with its output in a log file. Stopped with
/// SIGTERM (the AppHost ignores SIGINT when not interactive), then its whole process group is killed if it lingers.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    public string Name { get; }
    public string LogFile { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    private ChildProcess(string name, Process process, string logFile)
    {
        Name = name;
        _process = process;
        LogFile = logFile;
    }

    public static ChildProcess Start(string name, string logFile, IReadOnlyDictionary<string, string> environment, string workingDirectory, params string[] command) =>
        Start(name, logFile, environment, inheritEnvironment: true, workingDirectory, command);

    /// <summary>As <see cref="Start(string, string, IReadOnlyDictionary{string, string}, string, string[])"/>; with
    /// <paramref name="inheritEnvironment"/> false the process gets exactly <paramref name="environment"/> (and PATH).</summary>
    public static ChildProcess Start(string name, string logFile, IReadOnlyDictionary<string, string> environment, bool inheritEnvironment, string workingDirectory, params string[] command)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(logFile)!);
        var start = new ProcessStartInfo("/bin/bash") { WorkingDirectory = workingDirectory, UseShellExecute = false };
        if (!inheritEnvironment)
        {
            var path = start.Environment["PATH"];
            start.Environment.Clear();
            start.Environment["PATH"] = path;
        }
        // exec keeps the pid: the Process object is the server itself, and its pid is its process group id.
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec setsid \"$@\" >\"$GW_BENCH_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add("bash");
        foreach (var part in command)
        {
            start.ArgumentList.Add(part);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        start.Environment["GW_BENCH_LOG"] = logFile;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {name}");
        return new ChildProcess(name, process, logFile);
    }

    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }
        Signal("-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine($"   {Name} did not stop within {grace.TotalSeconds:0} s: killing its process group");
        }
        // Whatever is left of its session (DCP children of an AppHost, nginx workers) goes too.
        Signal("-KILL", "--", "-" + Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.FromSeconds(30)));

    // A signal to a whole process group ("-- -pgid") is what kill(1) does and Process cannot; a failure (the group is
    // already gone) is expected, so the exit code is not checked.
    private static void Signal(params string[] args) =>
        Cli.Wrap("kill").WithArguments(args).WithValidation(CommandResultValidation.None).ExecuteAsync().GetAwaiter().GetResult();

    /// <summary>Waits until every URL answers 2xx, or throws with the log's tail.</summary>
    public async Task WaitHealthyAsync(HttpClient http, IEnumerable<string> urls, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var url in urls)
        {
            await WaitUntilAsync(url, async () =>
            {
                using var response = await http.GetAsync(url);
                return response.IsSuccessStatusCode;
            }, timeout - deadline.Elapsed);
        }
    }

    /// <summary>Polls <paramref name="ready"/> (connection errors count as not yet) until it holds.</summary>
    public async Task WaitUntilAsync(string what, Func<Task<bool>> ready, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before {what} was ready; see {LogFile}:\n{Tail()}");
            }
            try
            {
                if (await ready())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{what} not ready after {timeout.TotalSeconds:0} s; see {LogFile}:\n{Tail()}");
            }
            await Task.Delay(100);
        }
    }

    public string Tail(int lines = 30)
    {
        try
        {
            return string.Join('\n', File.ReadLines(LogFile).TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }
}
