namespace Groundwork.Edge.Tests;

/// <summary>An edge with two app instances (from Edge:Targets) and a small built static site.</summary>
public sealed class EdgeFixture : IAsyncLifetime
{
    internal Backend Api1 { get; private set; } = null!;
    internal Backend Api2 { get; private set; } = null!;
    internal EdgeHost Edge { get; private set; } = null!;
    internal string StaticRoot { get; } = Directory.CreateTempSubdirectory("groundwork-edge-static-").FullName;

    /// <summary>A hashed asset big enough to be worth compressing.</summary>
    internal const string AssetPath = "/assets/app-3f9a1c.js";
    internal static readonly string AssetText = string.Concat(Enumerable.Repeat("export const greeting = 'hello from the static site';\n", 200));
    internal const string IndexMarker = "<!-- groundwork index -->";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(StaticRoot, "assets"));
        await File.WriteAllTextAsync(Path.Combine(StaticRoot, "index.html"), $"<!doctype html><html><body>{IndexMarker}<script src=\"{AssetPath}\"></script></body></html>");
        await File.WriteAllTextAsync(Path.Combine(StaticRoot, AssetPath.TrimStart('/')), AssetText);
        await File.WriteAllTextAsync(Path.Combine(StaticRoot, "robots.txt"), "User-agent: *\nDisallow: /admin\n");

        Api1 = await Backend.StartAsync("api-1");
        Api2 = await Backend.StartAsync("api-2");
        Edge = await EdgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["Edge:Targets:api-1"] = Api1.Url,
            ["Edge:Targets:api-2"] = Api2.Url,
            ["Edge:StaticRoot"] = StaticRoot,
        });
    }

    public async Task DisposeAsync()
    {
        await Edge.DisposeAsync();
        await Api1.DisposeAsync();
        await Api2.DisposeAsync();
        Directory.Delete(StaticRoot, recursive: true);
    }
}
