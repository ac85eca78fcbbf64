using System.IO.Compression;
using System.Security.Cryptography;
using Groundwork.Deploy.Aws;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// An AWS account on PATH, for running whole deploys: fake <c>aws</c>, <c>npx</c> (the CDK CLI), <c>dotnet</c> (only
/// <c>Groundwork.Api.dll migrate</c>; anything else goes to the real dotnet) and <c>curl</c> that keep the account's
/// state in files and append what happens to an event log, in order:
/// <list type="bullet">
/// <item>CloudFormation: a stack exists once deployed; deploying a stack whose dependencies do not exist fails the way an
/// <c>--exclusively</c> deploy does (a missing export); an unchanged stack is skipped;</item>
/// <item>the Data stack publishes the database parameters in SSM when created, the StaticSite stack the site's;</item>
/// <item>the App stack's ASG: created with <c>MinCapacity</c> instances of the version; on a version change it is
/// rolled (MaxBatchSize 1, MinInstancesInService = min): launch one new instance, then terminate one old one;</item>
/// <item>every launched instance records whether the database already had its version's migrations when it started
/// serving (user data: install, start, cfn-signal after /health/ready);</item>
/// <item>the migrate step records the version it migrated to; it takes <c>MigrationSeconds</c>.</item>
/// </list>
/// </summary>
internal sealed class SimulatedAws : IDisposable
{
    public const int MinCapacity = 2;

    private readonly string _dir = Directory.CreateTempSubdirectory("groundwork-aws-").FullName;
    private readonly AwsEnvironment _env;

    public string Bin => Path.Combine(_dir, "bin");
    private string State => Path.Combine(_dir, "state");
    private string Artifacts => Path.Combine(State, "artifacts");
    private string Stacks => Path.Combine(State, "stacks");
    private string Parameters => Path.Combine(State, "ssm");
    private string Site => Path.Combine(State, "site-bucket");
    private string Instances => Path.Combine(State, "asg-instances");
    private string EventLog => Path.Combine(State, "events.log");
    public string StateDirectory => Path.Combine(_dir, "deploy-state");

    public SimulatedAws(AwsEnvironment env)
    {
        _env = env;
        foreach (var directory in new[] { Bin, Artifacts, Stacks, Parameters, Site, StateDirectory })
        {
            Directory.CreateDirectory(directory);
        }
        File.WriteAllText(Instances, "");
        File.WriteAllText(Path.Combine(State, "migrated"), "");
        File.WriteAllText(Path.Combine(State, "next-instance"), "1");
        MigrationSeconds = 0;
        WriteFakes();
    }

    /// <summary>How long the migrate step takes (the fake sleeps).</summary>
    public int MigrationSeconds
    {
        set => File.WriteAllText(Path.Combine(State, "migrate-seconds"), value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The build job's publish: the app tarball (+ .sha256, carrying its version) and the web zip.</summary>
    public void Publish(string version)
    {
        var content = Directory.CreateDirectory(Path.Combine(_dir, "content-" + version, "app")).FullName;
        File.WriteAllText(Path.Combine(content, "Groundwork.Api.dll"), "not really a dll");
        File.WriteAllText(Path.Combine(content, "VERSION"), version);
        var archive = Path.Combine(Artifacts, $"groundwork-{version}.tar.gz");
        PlanScript.Exec("tar", ["-czf", archive, "-C", Path.GetDirectoryName(content)!, "app"]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(archive)));
        File.WriteAllText(archive + ".sha256", $"{hash}  groundwork-{version}.tar.gz\n");
        using var zip = ZipFile.Open(Path.Combine(Artifacts, $"groundwork-{version}-web.zip"), ZipArchiveMode.Create);
        using var writer = new StreamWriter(zip.CreateEntry("index.html").Open());
        writer.Write($"<html>{version}</html>");
    }

    /// <summary>A running environment: every stack deployed with <paramref name="version"/>, its migrations applied, <see cref="MinCapacity"/> app servers of it.</summary>
    public void Running(string version, int instances = MinCapacity)
    {
        foreach (var stack in _env.AllStacks)
        {
            File.WriteAllText(Path.Combine(Stacks, stack), version);
        }
        PublishDataParameters();
        PublishSiteParameters();
        File.WriteAllText(Path.Combine(State, "migrated"), version + "\n");
        File.WriteAllText(Instances, string.Concat(Enumerable.Range(1, instances).Select(i => $"i-old{i} {version}\n")));
        File.WriteAllText(Path.Combine(Site, "index.html"), $"<html>{version}</html>");
    }

    public IReadOnlyList<string> Events() => File.Exists(EventLog) ? File.ReadAllLines(EventLog) : [];

    public IReadOnlyList<(string Id, string Version)> InService() =>
        File.ReadAllLines(Instances).Where(l => l.Length > 0).Select(l => l.Split(' ')).Select(p => (p[0], p[1])).ToList();

    public bool StackExists(string name) => File.Exists(Path.Combine(Stacks, name));

    public string SiteIndex() => File.ReadAllText(Path.Combine(Site, "index.html"));

    /// <summary>Runs the deploy tool as a process with this account's commands first on PATH and (fake) credentials.</summary>
    public Task<ToolRun> RunToolAsync(params string[] arguments) =>
        ToolProcess.RunAsync([.. arguments, "--state-dir", StateDirectory], new Dictionary<string, string?>
        {
            ["PATH"] = $"{Bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["AWS_ACCESS_KEY_ID"] = "simulated-key-id",
            ["AWS_SECRET_ACCESS_KEY"] = "simulated-secret",
            ["AWS_PROFILE"] = null,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        }, TimeSpan.FromMinutes(3));

    /// <summary>Runs one plan script with bash, with this account's commands first on PATH.</summary>
    public (int ExitCode, string Output) RunScript(string script) => PlanScript.Run(_dir, Bin, script);

    private void PublishDataParameters()
    {
        Parameter(_env.Region, $"{_env.ParameterPath}/database/primary-endpoint", $"groundwork-{_env.Name}-primary.rds.internal");
        Parameter(_env.Region, $"{_env.ParameterPath}/database/replica-endpoint", $"groundwork-{_env.Name}-replica.rds.internal");
        Parameter(_env.Region, $"{_env.ParameterPath}/database/port", "3306");
        Parameter(_env.Region, $"{_env.ParameterPath}/database/master-secret-arn", $"arn:aws:secretsmanager:{_env.Region}:{_env.Account}:secret:rds!db-0123-abc");
    }

    private void PublishSiteParameters()
    {
        Parameter(AwsEnvironment.CloudFrontRegion, $"{_env.ParameterPath}/site/bucket", SiteBucket);
        Parameter(AwsEnvironment.CloudFrontRegion, $"{_env.ParameterPath}/site/distribution-id", $"E2SITE{_env.Name.ToUpperInvariant()}");
    }

    private string SiteBucket => $"groundwork-{_env.Name}-site-bucket";

    private void Parameter(string region, string name, string value) =>
        File.WriteAllText(Path.Combine(Parameters, (region + name).Replace('/', '_')), value);

    private static string RealDotnet() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists)
        ?? "/usr/bin/dotnet";

    private void WriteFakes()
    {
        var log = EventLog;
        string DataParameters() => string.Join("\n", new[]
        {
            ($"{_env.Region}{_env.ParameterPath}/database/primary-endpoint", $"groundwork-{_env.Name}-primary.rds.internal"),
            ($"{_env.Region}{_env.ParameterPath}/database/replica-endpoint", $"groundwork-{_env.Name}-replica.rds.internal"),
            ($"{_env.Region}{_env.ParameterPath}/database/port", "3306"),
            ($"{_env.Region}{_env.ParameterPath}/database/master-secret-arn", $"arn:aws:secretsmanager:{_env.Region}:{_env.Account}:secret:rds!db-0123-abc"),
        }.Select(p => $"      echo '{p.Item2}' > '{Parameters}/{p.Item1.Replace('/', '_')}'"));
        string SiteParameters() => string.Join("\n", new[]
        {
            ($"{AwsEnvironment.CloudFrontRegion}{_env.ParameterPath}/site/bucket", SiteBucket),
            ($"{AwsEnvironment.CloudFrontRegion}{_env.ParameterPath}/site/distribution-id", $"E2SITE{_env.Name.ToUpperInvariant()}"),
        }.Select(p => $"      echo '{p.Item2}' > '{Parameters}/{p.Item1.Replace('/', '_')}'"));
        var network = $"Groundwork-{_env.Name}-Network";
        var monitoring = $"Groundwork-{_env.Name}-Monitoring";
        var data = $"Groundwork-{_env.Name}-Data";
        var app = _env.AppStack;

        Fake("curl", """prev=""; for a in "$@"; do case "$prev" in -o) : > "$a";; esac; prev="$a"; done""");

        // The CDK CLI: npx --yes aws-cdk@<v> deploy <stacks...> -c version=<V> --require-approval never --exclusively
        Fake("npx", $$"""
            [ "$1" = "--yes" ] && [ "$2" = "{{AwsDeployPlan.CdkCli}}" ] && [ "$3" = "deploy" ] || { echo "unexpected npx $*" >&2; exit 2; }
            shift 3
            stacks=(); version=""
            while [ $# -gt 0 ]; do
              case "$1" in
                -c) version="${2#version=}"; shift 2 ;;
                --require-approval) shift 2 ;;
                --exclusively) shift ;;
                -*) echo "unexpected option $1" >&2; exit 2 ;;
                *) stacks+=("$1"); shift ;;
              esac
            done
            needs() { for d in "$@"; do [ -f "{{Stacks}}/$d" ] || { echo "❌ $stack failed: ValidationError: No export named $d:ExportsOutput found" >&2; exit 1; }; done; }
            event() { echo "$*" >> '{{log}}'; }
            launch() {
              n=$(cat '{{State}}/next-instance'); echo $((n + 1)) > '{{State}}/next-instance'
              if grep -qx "$1" '{{State}}/migrated'; then schema=migrated; else schema=NOT-MIGRATED; fi
              echo "i-new$n $1" >> '{{Instances}}'
              event "launch i-new$n $1 schema=$schema in-service=$(grep -c . '{{Instances}}')"
            }
            for stack in "${stacks[@]}"; do
              case "$stack" in
                {{data}}) needs {{network}} ;;
                {{app}}) needs {{network}} {{monitoring}} {{data}} ;;
                Groundwork-{{_env.Name}}-Analytics|Groundwork-{{_env.Name}}-StaticSite|Groundwork-{{_env.Name}}-Alarms) needs {{app}} ;;
              esac
              if [ ! -f "{{Stacks}}/$stack" ]; then
                event "create $stack $version"
                echo "$version" > "{{Stacks}}/$stack"
                case "$stack" in
                  {{data}})
            {{DataParameters()}} ;;
                  Groundwork-{{_env.Name}}-StaticSite)
            {{SiteParameters()}} ;;
                  {{app}}) for _ in $(seq {{MinCapacity}}); do launch "$version"; done ;;
                esac
              elif [ "$(cat "{{Stacks}}/$stack")" = "$version" ] || [ "$stack" != "{{app}}" ]; then
                event "unchanged $stack"
                echo "$version" > "{{Stacks}}/$stack"
              else
                event "update $stack $version"
                echo "$version" > "{{Stacks}}/$stack"
                # The rolling update: one new instance in, then one old one out, until none of the old version is left.
                while grep -qv " $version\$" '{{Instances}}'; do
                  launch "$version"
                  old=$(grep -v " $version\$" '{{Instances}}' | head -n1 | cut -d' ' -f1)
                  grep -v "^$old " '{{Instances}}' > '{{State}}/tmp' || true; mv '{{State}}/tmp' '{{Instances}}'
                  event "terminate $old in-service=$(grep -c . '{{Instances}}')"
                done
                # An ASG emptied by hand gets back to its minimum with the new version.
                while [ "$(grep -c . '{{Instances}}')" -lt {{MinCapacity}} ]; do launch "$version"; done
              fi
            done
            """);

        // dotnet: the artifact's `Groundwork.Api.dll migrate` is the migrate step; anything else is the real dotnet.
        Fake("dotnet", $$"""
            if [ "${2:-}" = "migrate" ] && [ "$(basename "$1")" = "Groundwork.Api.dll" ]; then
              env | grep -E '^(Database__|Analytics__|ConnectionStrings__|AWS_REGION=)' > '{{State}}/migrate.env'
              case "${ConnectionStrings__primary:-}" in Server=groundwork-{{_env.Name}}-primary.rds.internal\;*) ;; *) echo "migrate failed: no primary" >&2; exit 1 ;; esac
              sleep "$(cat '{{State}}/migrate-seconds')"
              version=$(cat "$(dirname "$1")/VERSION")
              echo "$version" >> '{{State}}/migrated'
              echo "migrate $version" >> '{{log}}'
              echo "migrations applied: 1"
              exit 0
            fi
            exec '{{RealDotnet()}}' "$@"
            """, logCall: false);

        Fake("aws", $$"""
            region=""; prev=""
            for a in "$@"; do [ "$prev" = "--region" ] && region="$a"; prev="$a"; done
            case "$1 $2" in
              "s3api head-object")
                key=""; prev=""
                for a in "$@"; do [ "$prev" = "--key" ] && key="$a"; prev="$a"; done
                [ -f "{{Artifacts}}/$key" ] || { echo "An error occurred (404) when calling the HeadObject operation: Not Found" >&2; exit 254; }
                echo '{"ContentLength": 1}' ;;
              "s3 cp")
                src="${@: -2:1}"; dest="${@: -1}"
                key="${src#s3://*/}"
                [ -f "{{Artifacts}}/$key" ] || { echo "fatal error: An error occurred (404) when calling the HeadObject operation: Key \"$key\" does not exist" >&2; exit 1; }
                cp "{{Artifacts}}/$key" "$dest" ;;
              "s3 sync")
                src="${@: -2:1}"; dest="${@: -1}"
                case "$dest" in s3://{{SiteBucket}}) ;; *) echo "AccessDenied: $dest" >&2; exit 1 ;; esac
                case " $* " in *" --delete "*) rm -rf "{{Site}}" && mkdir -p "{{Site}}" ;; esac
                cp -r "$src"/. "{{Site}}"/
                echo "site-sync $(cat "{{Site}}/index.html")" >> '{{log}}' ;;
              "ssm get-parameter")
                name=""; prev=""
                for a in "$@"; do [ "$prev" = "--name" ] && name="$a"; prev="$a"; done
                file="{{Parameters}}/$(echo "$region$name" | sed 's#/#_#g')"
                [ -f "$file" ] || { echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: $name" >&2; exit 254; }
                cat "$file" ;;
              "cloudfront create-invalidation") echo "invalidate" >> '{{log}}'; echo I2INVALIDATION ;;
              *) echo "unexpected aws $*" >&2; exit 2 ;;
            esac
            """);
    }

    private void Fake(string name, string body, bool logCall = true)
    {
        var path = Path.Combine(Bin, name);
        var record = logCall ? $"echo \"{name} $*\" >> '{Path.Combine(_dir, "calls.log")}'\n" : "";
        File.WriteAllText(path, $"#!/bin/bash\nset -uo pipefail\n{record}{body}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public IReadOnlyList<string> Calls(string command) => PlanScript.Calls(Path.Combine(_dir, "calls.log"), command);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
