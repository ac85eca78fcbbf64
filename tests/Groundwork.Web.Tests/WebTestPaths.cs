using Groundwork.Workspace;

namespace Groundwork.Web.Tests;

/// <summary>Where the repository's web build, test results and docs are, found from the test assembly upwards.</summary>
public static class WebTestPaths
{
    public static string Root => RepositoryRoot.Current;

    public static string WebDist => Path.Combine(Root, "web", "dist");

    /// <summary>axe-core, installed by `npm ci` in web/ (a dev dependency used only by these tests).</summary>
    public static string AxeScript => Path.Combine(Root, "web", "node_modules", "axe-core", "axe.min.js");

    public static string Screenshots => Path.Combine(Root, "docs", "screenshots");

    /// <summary>Artifacts of a run (failure screenshots, the generated screenshots): ignored by git, kept by CI.</summary>
    public static string TestResults => Environment.GetEnvironmentVariable("GROUNDWORK_TEST_RESULTS") is { Length: > 0 } dir
        ? dir
        : Path.Combine(Root, "tests", "Groundwork.Web.Tests", "TestResults");

    /// <summary>Fails with the command to run when web/ has not been built: the edge would serve a placeholder page.</summary>
    public static void EnsureWebBuilt()
    {
        string[] required = [Path.Combine(WebDist, "index.html"), Path.Combine(WebDist, "admin", "index.html"), Path.Combine(WebDist, "config.js")];
        var missing = required.Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The web app is not built ({string.Join(", ", missing.Select(m => Path.GetRelativePath(Root, m)))} missing). " +
                "Run `npm ci && npm run build` in web/ before the browser tests.");
        }
        if (!File.Exists(AxeScript))
        {
            throw new InvalidOperationException($"{Path.GetRelativePath(Root, AxeScript)} is missing. Run `npm ci` in web/ before the browser tests.");
        }
    }


}
