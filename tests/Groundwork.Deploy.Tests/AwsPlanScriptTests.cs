using System.IO.Compression;
using System.Security.Cryptography;
using Groundwork.Deploy.Environments;
using Groundwork.Deploy.Aws;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// The deploy plan's scripts (migrate, web sync), run by bash against a fake <c>aws</c> that models the environment's
/// AWS state: the artifacts bucket, the SSM parameters the Data and StaticSite stacks publish, the site bucket, the
/// distribution. <c>dotnet</c> and <c>curl</c> are fakes that record what they were given.
/// </summary>
public sealed class AwsPlanScriptTests
{
    private static AwsEnvironment Staging => AwsEnvironment.Load(new Repository(ToolProcess.RepoRoot), DeployEnvironment.Staging);

    [Fact]
    public void Migrate_runs_the_artifacts_app_against_the_primary_with_secret_ids_and_no_password()
    {
        using var aws = new FakeAws(Staging, "1.4.2");
        var run = aws.Run(AwsDeployPlan.For(Staging, "1.4.2")[2].Script!);
        Assert.True(run.ExitCode == 0, run.Output);
        var dotnet = Assert.Single(aws.Calls("dotnet"));
        Assert.Matches(@"^dotnet \S+/r/app/Groundwork\.Api\.dll migrate$", dotnet);
        var env = aws.DotnetEnvironment();
        Assert.Equal("arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!db-0123-abc", env["Database__Credentials__SecretId"]);
        Assert.Equal("groundwork/staging/db/app", env["Database__AppUserSecretId"]);
        Assert.Equal("groundwork/staging/db/analytics-readonly", env["Analytics__ReadOnlySecretId"]);
        Assert.Equal("eu-west-1", env["AWS_REGION"]);
        Assert.StartsWith("Server=groundwork-staging-primary.rds.internal;Port=3306;Database=groundwork;SslMode=VerifyFull;SslCa=", env["ConnectionStrings__primary"]);
        Assert.DoesNotContain("Password", string.Join('\n', env.Values), StringComparison.OrdinalIgnoreCase);
        // Only the deploy role's reads: no secret value is fetched by the script itself.
        Assert.DoesNotContain(aws.Calls("aws"), c => c.Contains("secretsmanager", StringComparison.Ordinal));
    }

    [Fact]
    public void Migrate_stops_before_running_anything_when_the_artifact_does_not_match_its_checksum()
    {
        using var aws = new FakeAws(Staging, "1.4.2", corruptChecksum: true);
        var run = aws.Run(AwsDeployPlan.For(Staging, "1.4.2")[2].Script!);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Empty(aws.Calls("dotnet"));
    }

    [Fact]
    public void Migrate_fails_when_the_data_stack_has_not_published_the_master_secret()
    {
        using var aws = new FakeAws(Staging, "1.4.2", withoutParameter: "/groundwork/staging/database/master-secret-arn");
        var run = aws.Run(AwsDeployPlan.For(Staging, "1.4.2")[2].Script!);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("ParameterNotFound", run.Output);
        Assert.Empty(aws.Calls("dotnet"));
    }

    [Fact]
    public void Web_sync_replaces_the_site_with_the_versions_build_then_invalidates_the_distribution()
    {
        using var aws = new FakeAws(Staging, "1.4.2");
        aws.SiteObject("assets/old-1a2b.js", "stale");
        var run = aws.Run(AwsDeployPlan.For(Staging, "1.4.2")[5].Script!);
        Assert.True(run.ExitCode == 0, run.Output);
        // The bucket now holds exactly the web build (old files pruned).
        Assert.Equal(new[] { "assets/app-9f8e.js", "index.html" }, aws.SiteObjects());
        Assert.Equal("<html>1.4.2</html>", aws.SiteObjectText("index.html"));
        var calls = aws.Calls("aws");
        var sync = calls.FindIndex(c => c.StartsWith("aws s3 sync", StringComparison.Ordinal));
        var invalidate = calls.FindIndex(c => c.StartsWith("aws cloudfront create-invalidation --distribution-id E2SITESTAGING --paths /*", StringComparison.Ordinal));
        Assert.True(sync >= 0 && invalidate > sync, string.Join('\n', calls));
    }

    [Fact]
    public void Web_sync_refuses_a_web_build_without_index_html_and_leaves_the_site_alone()
    {
        using var aws = new FakeAws(Staging, "1.4.2", webWithoutIndex: true);
        aws.SiteObject("index.html", "<html>previous</html>");
        var run = aws.Run(AwsDeployPlan.For(Staging, "1.4.2")[5].Script!);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal("<html>previous</html>", aws.SiteObjectText("index.html"));
        Assert.DoesNotContain(aws.Calls("aws"), c => c.StartsWith("aws cloudfront", StringComparison.Ordinal));
    }

    /// <summary>A sandbox: fake AWS state in directories, fake commands on PATH that record their calls.</summary>
    private sealed class FakeAws : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("groundwork-plan-").FullName;
        private string Bin => Path.Combine(_dir, "bin");
        private string Log => Path.Combine(_dir, "calls.log");
        private string Site => Path.Combine(_dir, "site-bucket");

        public FakeAws(AwsEnvironment env, string version, bool corruptChecksum = false, string? withoutParameter = null, bool webWithoutIndex = false)
        {
            Directory.CreateDirectory(Bin);
            Directory.CreateDirectory(Site);
            var artifacts = Directory.CreateDirectory(Path.Combine(_dir, "artifacts")).FullName;
            var parameters = Directory.CreateDirectory(Path.Combine(_dir, "ssm")).FullName;

            // The artifacts bucket: the app tarball (+ .sha256) and the web zip of the version.
            var content = Directory.CreateDirectory(Path.Combine(_dir, "content", "app")).FullName;
            File.WriteAllText(Path.Combine(content, "Groundwork.Api.dll"), "not really a dll");
            var archive = Path.Combine(artifacts, $"groundwork-{version}.tar.gz");
            PlanScript.Exec("tar", ["-czf", archive, "-C", Path.Combine(_dir, "content"), "app"]);
            var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(archive)));
            File.WriteAllText(archive + ".sha256", (corruptChecksum ? new string('0', 64) : hash) + $"  groundwork-{version}.tar.gz\n");
            using (var zip = ZipFile.Open(Path.Combine(artifacts, $"groundwork-{version}-web.zip"), ZipArchiveMode.Create))
            {
                if (!webWithoutIndex) Entry(zip, "index.html", $"<html>{version}</html>");
                Entry(zip, "assets/app-9f8e.js", "console.log(1)");
            }

            // What the Data stack (eu-west-1) and the StaticSite stack (us-east-1) publish.
            var siteBucket = $"groundwork-{env.Name}-site-bucket";
            var published = new Dictionary<string, string>
            {
                [$"{env.Region}{env.ParameterPath}/database/primary-endpoint"] = $"groundwork-{env.Name}-primary.rds.internal",
                [$"{env.Region}{env.ParameterPath}/database/replica-endpoint"] = $"groundwork-{env.Name}-replica.rds.internal",
                [$"{env.Region}{env.ParameterPath}/database/port"] = "3306",
                [$"{env.Region}{env.ParameterPath}/database/master-secret-arn"] = $"arn:aws:secretsmanager:{env.Region}:{env.Account}:secret:rds!db-0123-abc",
                [$"us-east-1{env.ParameterPath}/site/bucket"] = siteBucket,
                [$"us-east-1{env.ParameterPath}/site/distribution-id"] = $"E2SITE{env.Name.ToUpperInvariant()}",
            };
            foreach (var (key, value) in published.Where(p => withoutParameter is null || !p.Key.EndsWith(withoutParameter, StringComparison.Ordinal)))
            {
                var file = Path.Combine(parameters, key.TrimStart('/').Replace('/', '_'));
                File.WriteAllText(file, value);
            }

            Fake("curl", """for a in "$@"; do case "$prev" in -o) : > "$a";; esac; prev="$a"; done""");
            Fake("dotnet", $"env | grep -E '^(Database__|Analytics__|ConnectionStrings__|AWS_REGION=)' > '{_dir}/dotnet.env'");
            Fake("aws", $$"""
                region=""; prev=""
                for a in "$@"; do [ "$prev" = "--region" ] && region="$a"; prev="$a"; done
                case "$1 $2" in
                  "s3 cp")
                    src="${@: -2:1}"; dest="${@: -1}"
                    key="${src#s3://*/}"
                    [ -f "{{artifacts}}/$key" ] || { echo "fatal error: An error occurred (404) when calling the HeadObject operation: Key \"$key\" does not exist" >&2; exit 1; }
                    cp "{{artifacts}}/$key" "$dest" ;;
                  "s3 sync")
                    src="${@: -2:1}"; dest="${@: -1}"
                    case "$dest" in s3://{{siteBucket}}) ;; *) echo "AccessDenied: $dest" >&2; exit 1 ;; esac
                    # Without --delete, objects missing from the source stay (as S3 does).
                    case " $* " in *" --delete "*) rm -rf "{{Site}}" && mkdir -p "{{Site}}" ;; esac
                    cp -r "$src"/. "{{Site}}"/ ;;
                  "ssm get-parameter")
                    name=""; prev=""
                    for a in "$@"; do [ "$prev" = "--name" ] && name="$a"; prev="$a"; done
                    file="{{parameters}}/$(echo "$region$name" | sed 's#^/##; s#/#_#g')"
                    [ -f "$file" ] || { echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: $name" >&2; exit 254; }
                    cat "$file"; echo ;;
                  "cloudfront create-invalidation") echo I2INVALIDATION ;;
                  *) echo "unexpected aws $*" >&2; exit 2 ;;
                esac
                """);
        }

        private static void Entry(ZipArchive zip, string name, string text)
        {
            using var writer = new StreamWriter(zip.CreateEntry(name).Open());
            writer.Write(text);
        }

        private void Fake(string name, string body)
        {
            var path = Path.Combine(Bin, name);
            File.WriteAllText(path, $"#!/bin/bash\necho \"{name} $*\" >> '{Log}'\n{body}\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        public void SiteObject(string key, string text)
        {
            var path = Path.Combine(Site, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        public IReadOnlyList<string> SiteObjects() => Directory.GetFiles(Site, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Site, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();

        public string SiteObjectText(string key) => File.ReadAllText(Path.Combine(Site, key));

        public List<string> Calls(string command) => PlanScript.Calls(Log, command);

        public Dictionary<string, string> DotnetEnvironment() =>
            File.ReadAllLines(Path.Combine(_dir, "dotnet.env")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

        public (int ExitCode, string Output) Run(string script) => PlanScript.Run(_dir, Bin, script);

        public void Dispose()
        {
            try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        }
    }
}
