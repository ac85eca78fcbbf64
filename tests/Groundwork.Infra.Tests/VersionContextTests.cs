using Amazon.CDK;
using Groundwork.Infra.Configuration;

namespace Groundwork.Infra.Tests;

/// <summary>The version to deploy comes from CDK context (-c version=...), with a placeholder synth accepts.</summary>
[Collection(SynthesizedCollection.Name)] // one jsii runtime; keep its calls sequential
public sealed class VersionContextTests(SynthesizedApp shared) : IDisposable
{
    private readonly string _outDir = Path.Combine(Path.GetTempPath(), $"groundwork-version-{Guid.NewGuid():N}");

    private GroundworkApp Build(string? version)
    {
        var context = new Dictionary<string, object>();
        if (version is not null) context["version"] = version;
        var app = new App(new AppProps { Context = context, Outdir = _outDir });
        return new GroundworkApp(app, shared.Environments, shared.Management, shared.Routing);
    }

    public void Dispose()
    {
        if (Directory.Exists(_outDir)) Directory.Delete(_outDir, recursive: true);
    }

    [Fact]
    public void Without_a_version_the_placeholder_is_used()
    {
        Assert.Equal(GroundworkApp.PlaceholderVersion, Build(null).Version);
        Assert.Equal("0.0.0-unset", GroundworkApp.PlaceholderVersion);
    }

    [Fact]
    public void A_version_that_could_escape_the_user_data_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Build("1.0.0 && reboot"));
    }

    [Fact]
    public void The_shared_synth_used_the_version_from_context() =>
        Assert.Equal(SynthesizedApp.Version, shared.Model.Version);
}
