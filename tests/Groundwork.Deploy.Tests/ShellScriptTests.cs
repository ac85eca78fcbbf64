using Groundwork.Deploy.Processes;
using Groundwork.Testing;
using Groundwork.Workspace;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// Every shell script the repository ships (the two entry points, CI, the test and benchmark drivers, the user data
/// templates) passes shellcheck, a tool nobody here wrote, at warning level. `./groundwork test` installs it (Debian
/// package).
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

    /// <summary>
    /// User data templates (a Templates folder, rendered by Groundwork.UserData's ShellTemplate) are bash, some of them
    /// fragments without a shebang. Two findings are the template syntax itself and are left to the rendered output,
    /// which the Infra tests check in full: SC1083 ({{Name}} is a literal brace to shellcheck) and SC2034 (a variable
    /// read by a nested template, such as the app server's environment file, looks unused until rendered).
    /// </summary>
    private static readonly string[] TemplateOptions = ["--shell=bash", "--exclude=SC1083,SC2034"];

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Shellcheck_finds_nothing(string script)
    {
        var isTemplate = script.Split(Path.DirectorySeparatorChar).Contains("Templates");
        var result = await ProcessRunner.RunAsync("shellcheck", [.. isTemplate ? TemplateOptions : [], "--severity=warning", "--format=gcc", script], RepositoryRoot.Current);
        Assert.True(result.Succeeded, $"shellcheck {script}:\n{result.Output}{result.Error}");
    }

    [Fact]
    public void The_user_data_templates_are_among_the_checked_scripts()
    {
        var scripts = ((IEnumerable<object[]>)Scripts()).Select(row => (string)row[0]).ToList();
        Assert.Contains(Path.Combine("src", "Groundwork.UserData", "Templates", "app-server-user-data.sh"), scripts);
        Assert.Contains(Path.Combine("src", "Groundwork.Infra", "UserData", "Templates", "jenkins-controller.sh"), scripts);
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
