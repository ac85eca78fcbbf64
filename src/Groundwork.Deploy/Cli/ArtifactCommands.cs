using System.CommandLine;
using Amazon;
using Amazon.S3;
using Groundwork.Deploy.Artifacts;
using Groundwork.Deploy.Aws;
using Spectre.Console;

namespace Groundwork.Deploy.Cli;

/// <summary>build, verify, publish: making an artifact once and putting it where every environment deploys it from.</summary>
internal static class ArtifactCommands
{
    public static Command Build()
    {
        var version = new Option<string?>("--version") { Description = "Artifact version (default: <yyyyMMdd>.<short sha>[+dirty] from git)" };
        var versionFile = new Option<string?>("--version-file") { Description = "Also write the version to this file (for CI jobs)" };
        var command = new Command("build", "Build artifacts/groundwork-<version>/ and its .tar.gz from the work tree") { version, versionFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var requested = parse.GetValue(version);
            if (requested is not null && !ArtifactVersion.IsValid(requested))
            {
                throw new DeployException($"'{requested}' is not a valid version (letters, digits, '.', '_', '+', '-'; at most 128).", CliOptions.BadInput);
            }
            var repository = Repository.Find();
            var built = await Steps.RunAsync("Building", step =>
                new ArtifactBuilder(repository, step).BuildAsync(requested, CliOptions.ArtifactsDirectory(parse, repository), cancellationToken));
            AnsiConsole.MarkupLineInterpolated(
                $"[green]built[/] {built.Manifest.Version}: {built.Archive} ({built.ArchiveBytes / 1024.0 / 1024.0:F1} MiB, {built.Manifest.Files.Count} files) in {built.Elapsed.TotalSeconds:F0} s");
            if (parse.GetValue(versionFile) is { } file)
            {
                await File.WriteAllTextAsync(file, built.Manifest.Version + "\n", cancellationToken);
            }
            if (built.Manifest.WebNote is { } note)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]note[/]: {note}");
            }
            return 0;
        });
        return command;
    }

    public static Command Verify()
    {
        var artifact = new Argument<string>("artifact") { Description = "An artifact folder or .tar.gz" };
        var command = new Command("verify", "Check every file of an artifact against the SHA-256 in its manifest") { artifact };
        command.SetAction(parse =>
        {
            var verification = ArtifactVerifier.Verify(parse.GetValue(artifact)!);
            if (!verification.Intact)
            {
                throw new DeployException($"verification failed: {verification.Summary}");
            }
            AnsiConsole.MarkupLineInterpolated($"[green]ok[/] {verification.Summary}");
            return 0;
        });
        return command;
    }

    public static Command Publish()
    {
        var artifact = new Argument<string>("artifact") { Description = "The artifact's .tar.gz (or its folder)" };
        var to = new Option<string>("--to") { Description = "s3://bucket[/prefix] (the artifacts bucket)", Required = true };
        var region = new Option<string?>("--region") { Description = "Bucket region (default: AWS_REGION, else eu-west-1)" };
        var command = new Command("publish", "Upload a verified artifact to the artifacts bucket (idempotent, never overwrites a version)") { artifact, to, region };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (bucket, prefix) = S3ArtifactPublisher.ParseUri(parse.GetValue(to)!);
            var archive = Path.GetFullPath(parse.GetValue(artifact)!);
            if (Directory.Exists(archive))
            {
                archive = archive.TrimEnd('/') + ".tar.gz";
            }
            var verification = ArtifactVerifier.Verify(archive);
            if (!verification.Intact)
            {
                throw new DeployException($"refusing to publish: {verification.Summary}");
            }
            var credentials = await AwsCredentials.RequireAsync($"publishing to s3://{bucket}");
            using var s3 = new AmazonS3Client(credentials, S3Config(parse.GetValue(region)));
            var uploaded = await Steps.RunAsync("Publishing", step =>
                new S3ArtifactPublisher(s3, step).PublishAsync(S3ArtifactPublisher.FilesOf(archive), bucket, prefix, cancellationToken));
            AnsiConsole.MarkupLineInterpolated($"[green]published[/] {verification.Manifest!.Version} to s3://{bucket}/{prefix} ({uploaded} uploaded)");
            return 0;
        });
        return command;
    }

    private static AmazonS3Config S3Config(string? region)
    {
        var regionName = region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? "eu-west-1";
        var config = new AmazonS3Config { RegionEndpoint = RegionEndpoint.GetBySystemName(regionName) };
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3")))
        {
            // A custom S3 endpoint (the SDK reads AWS_ENDPOINT_URL_S3 itself) is addressed by path, not by bucket host name.
            config.ForcePathStyle = true;
        }
        return config;
    }
}
