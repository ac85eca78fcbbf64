using Groundwork.LocalServers;

namespace Groundwork.LocalServers.Tests;

/// <summary>One started data tier in a fresh temp directory, shared by the tests of a class; removed afterwards.</summary>
public sealed class TierFixture : IAsyncLifetime
{
    public string RootDirectory { get; } = TempRoot.Create();
    public LocalDataTier Tier { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Tier = await LocalDataTier.StartAsync(DataTierLayout.ForTests(RootDirectory));
        Console.WriteLine($"[timing] data tier start-up from nothing: {Tier.StartUpTime.TotalSeconds:F2} s");
    }

    public async Task DisposeAsync()
    {
        if (Tier is not null) await Tier.DisposeAsync();
        TempRoot.Delete(RootDirectory);
    }
}

internal static class TempRoot
{
    // Short paths: a unix socket path must stay under 108 bytes.
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "gw-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying server; the OS temp cleaner gets it.
        }
    }
}
