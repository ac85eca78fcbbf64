using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Groundwork.Api.Tests.Contract;

/// <summary>
/// What a team consuming the API does: generate a C# client from /openapi/v1.json with Kiota (the pinned local tool),
/// compile it, and use it against a running Api instance (real Kestrel, real data tier) — public and admin operations,
/// and problem details arriving as typed exceptions.
/// </summary>
[Collection(ApiContractCollection.Name)]
public sealed partial class GeneratedClientTests(ApiTierFixture tier, ITestOutputHelper output)
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task Kiota_client_is_typed_for_every_operation_compiles_and_works_against_a_running_api()
    {
        var work = Directory.CreateTempSubdirectory("gw-kiota-");
        try
        {
            var document = Path.Combine(work.FullName, "openapi.json");
            await File.WriteAllTextAsync(document, (await ApiContractTests.DocumentAsync(tier.A)).GetRawText());

            // Generate (the tool comes from .config/dotnet-tools.json: `dotnet tool restore` in eng/test.sh).
            var clientDir = Path.Combine(work.FullName, "Client");
            var noCalls = new Dictionary<string, string?> { ["KIOTA_TELEMETRY__OPTOUT"] = "true", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
            var generate = await RepositoryTools.RunAsync("dotnet",
                ["tool", "run", "kiota", "generate", "-l", "CSharp", "-d", document, "-o", clientDir, "-c", "GroundworkClient", "-n", "Groundwork.Client",
                 "--exclude-backward-compatible", "--log-level", "Error"],
                RepositoryTools.Root, ToolTimeout, noCalls);
            Assert.True(generate.ExitCode == 0, "kiota generate failed:\n" + generate.Output + generate.Error);

            // Typed vs Stream: an operation without a declared 2xx schema comes out as Task<Stream>.
            var code = string.Join("\n", Directory.EnumerateFiles(clientDir, "*.cs", SearchOption.AllDirectories).Select(File.ReadAllText));
            // Each method is generated twice (#if NULLABLE); the nullable variant is counted, once per operation.
            var typed = TypedOperation().Matches(code).Count;
            var streams = StreamOperation().Matches(code).Count;
            var noContent = NoContentOperation().Matches(code).Count;
            output.WriteLine($"kiota: {typed} typed operations, {noContent} without a body (204/302), {streams} returning Stream");
            Assert.Equal(0, streams);
            Assert.Equal(8, typed);
            Assert.Equal(3, noContent); // the redirect (GET, HEAD) and delete

            // Compile, outside the repository (its Directory.Build.props and central versions do not apply; the versions
            // are taken from Directory.Packages.props so there is one place for them).
            var project = Path.Combine(work.FullName, "ContractClient.csproj");
            var packages = new[]
            {
                "Microsoft.Kiota.Abstractions", "Microsoft.Kiota.Http.HttpClientLibrary", "Microsoft.Kiota.Serialization.Json",
                "Microsoft.Kiota.Serialization.Text", "Microsoft.Kiota.Serialization.Form", "Microsoft.Kiota.Serialization.Multipart",
            };
            await File.WriteAllTextAsync(project, $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                {string.Join("\n", packages.Select(p => $"    <PackageReference Include=\"{p}\" Version=\"{RepositoryTools.PackageVersion(p)}\" />"))}
                  </ItemGroup>
                </Project>
                """);
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "Program.cs"), ClientProgram);
            var build = await RepositoryTools.RunAsync("dotnet",
                ["build", project, "-c", "Release", "-nologo", "-clp:ErrorsOnly", "-p:ImportDirectoryBuildProps=false", "-p:ImportDirectoryPackagesProps=false"],
                work.FullName, ToolTimeout, noCalls);
            Assert.True(build.ExitCode == 0, "the generated client does not compile:\n" + build.Output + build.Error);

            // Use it against a running instance on real Kestrel, with the ALB's sign-in played by AlbSignInStandIn.
            await using var signIn = await AlbSignInStandIn.StartAsync();
            await using var api = tier.StartInstance(settings: signIn.Settings);
            api.UseKestrel(0);
            api.StartServer();
            var run = await RepositoryTools.RunAsync("dotnet",
                [Path.Combine(work.FullName, "bin", "Release", "net10.0", "ContractClient.dll"), api.ServerAddress(), signIn.Token(), signIn.Token("someone@elsewhere.example")],
                work.FullName, TimeSpan.FromMinutes(2), noCalls);
            output.WriteLine(run.Output + run.Error);
            Assert.True(run.ExitCode == 0, "the generated client failed:\n" + run.Output + run.Error);
            var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Matches(@"^created [a-zA-Z0-9_-]+ http://\S+/[a-zA-Z0-9_-]+$", lines[0]);
            Assert.Contains("redirect 302 https://example.com/from-kiota", lines);
            Assert.Contains(lines, l => Regex.IsMatch(l, @"^stats clicks [1-9]\d*$"));
            Assert.Contains(lines, l => Regex.IsMatch(l, @"^series total [1-9]\d*$"));
            Assert.Contains("admin found 1", lines);
            Assert.Contains("admin disabled True", lines);
            Assert.Contains("redirect problem 410 Link disabled", lines);
            Assert.Contains("audit disable by admin@example.com", lines);
            Assert.Contains("anonymous problem 401 Authentication required", lines);
            Assert.Contains("non-admin problem 403 Forbidden", lines);
            Assert.Contains("unknown problem 404 Link not found", lines);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [GeneratedRegex(@"Task<global::Groundwork\.Client\.Models\.\w+\?> \w+Async")]
    private static partial Regex TypedOperation();

    [GeneratedRegex(@"Task<Stream\?> \w+Async")]
    private static partial Regex StreamOperation();

    [GeneratedRegex(@"public async Task \w+Async\(Action<RequestConfiguration<DefaultQueryParameters>>\? requestConfiguration")]
    private static partial Regex NoContentOperation();

    /// <summary>A consumer's program on the generated client; prints one line per step for the test to check.</summary>
    private const string ClientProgram = """
        using Groundwork.Client;
        using Groundwork.Client.Models;
        using Microsoft.Kiota.Abstractions.Authentication;
        using Microsoft.Kiota.Http.HttpClientLibrary;
        using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;

        // args: the API's base URL, the identity header the ALB adds for an admin, and for a signed-in non-admin.
        const string Identity = "x-amzn-oidc-data";
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider()) { BaseUrl = args[0] };
        var client = new GroundworkClient(adapter);

        var created = await client.Api.Links.PostAsync(new CreateLinkRequest { Url = "https://example.com/from-kiota" });
        Console.WriteLine($"created {created!.Slug} {created.ShortUrl}");
        var slug = created.Slug!;

        // A short link is a redirect: do not follow it, read Location.
        var headers = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
        await client[slug].GetAsync(c =>
        {
            c.Options.Add(headers);
            c.Options.Add(new RedirectHandlerOption { ShouldRedirect = _ => false });
        });
        var location = headers.ResponseHeaders.Where(h => h.Key.Equals("Location", StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Value);
        Console.WriteLine($"redirect 302 {string.Join(",", location)}");

        // The click reaches the database within a flush interval; the statistics are cached for a second.
        LinkStats? stats = null;
        for (var i = 0; i < 100 && (stats?.Clicks ?? 0) < 1; i++)
        {
            if (i > 0) await Task.Delay(200);
            stats = await client.Api.Links[slug].GetAsync();
        }
        Console.WriteLine($"stats clicks {stats!.Clicks}");
        var series = await client.Api.Links[slug].Clicks.GetAsync(c => c.QueryParameters.Bucket = "minute");
        Console.WriteLine($"series total {series!.Total}");

        var found = await client.Admin.Api.Links.GetAsync(c =>
        {
            c.Headers.Add(Identity, args[1]);
            c.QueryParameters.Slug = slug;
        });
        Console.WriteLine($"admin found {found!.Total}");
        var disabled = await client.Admin.Api.Links[slug].Disable.PostAsync(c => c.Headers.Add(Identity, args[1]));
        Console.WriteLine($"admin disabled {disabled!.Disabled}");
        var audit = await client.Admin.Api.Audit.GetAsync(c => c.Headers.Add(Identity, args[1]));
        var entry = audit!.Items!.First(e => e.Slug == slug);
        Console.WriteLine($"audit {entry.Action} by {entry.Actor}");

        // Problem details arrive as the typed exception, whatever the status.
        async Task Problem(string name, Func<Task> call)
        {
            try
            {
                await call();
                Console.WriteLine($"{name} no problem");
            }
            catch (ProblemDetails e)
            {
                Console.WriteLine($"{name} problem {e.ResponseStatusCode} {e.Title}");
            }
        }
        await Problem("redirect", () => client[slug].GetAsync(c => c.Options.Add(new RedirectHandlerOption { ShouldRedirect = _ => false })));
        await Problem("anonymous", () => client.Admin.Api.Me.GetAsync());
        await Problem("non-admin", () => client.Admin.Api.Me.GetAsync(c => c.Headers.Add(Identity, args[2])));
        await Problem("unknown", () => client.Admin.Api.Links["no-such-" + slug].DeleteAsync(c => c.Headers.Add(Identity, args[1])));
        """;
}
