using Groundwork.Deploy.Processes;
using Groundwork.Testing;
using Groundwork.Workspace;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// Every shell script the repository ships (the two entry points, CI, the test and benchmark drivers) passes
/// shellcheck, a tool nobody here wrote, at warning level. `./groundwork test` installs it (Debian package).
/// </summary>
public sealed class ShellScriptTests
{
    public static TheoryData<string> Scripts()
    {
        var data = new TheoryData<string>();
        var root = RepositoryRoot.Current;
        foreach (var file in new[] { "groundwork", ".ci/run" }
                     .Concat(Directory.EnumerateFiles(root, "*.sh", SearchOption.AllDirectories)
                         .Select(f => Path.GetRelativePath(root, f))
                         .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "node_modules" or "bin" or "obj" or ".local" or "artifacts" or "TestResults")))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Shellcheck_finds_nothing(string script)
    {
        var result = await ProcessRunner.RunAsync("shellcheck", ["--severity=warning", "--format=gcc", script], RepositoryRoot.Current);
        Assert.True(result.Succeeded, $"shellcheck {script}:\n{result.Output}{result.Error}");
    }

    [Fact]
    public async Task Shellcheck_itself_catches_a_broken_script()
    {
        // Guards the test above against a shellcheck that passes everything (missing, or a wrong flag).
        var file = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(file, "#!/usr/bin/env bash\ncd $1\nrm -rf $2/*\n");
        try
        {
            var result = await ProcessRunner.RunAsync("shellcheck", ["--severity=warning", "--format=gcc", file]);
            Assert.False(result.Succeeded);
            Assert.Contains("SC2164", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
