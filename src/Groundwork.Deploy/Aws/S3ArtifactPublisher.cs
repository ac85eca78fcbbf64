using Amazon.S3;
using Amazon.S3.Model;
using Groundwork.Deploy.Artifacts;
using Groundwork.Deploy.Cli;

namespace Groundwork.Deploy.Aws;

/// <summary>
/// <c>publish</c>: uploads a verified artifact (tarball, its .sha256, the web zip) to the artifacts bucket. Idempotent:
/// an object already there with the same SHA-256 is skipped. A different object under the same version is refused:
/// a version names exactly one set of bytes, forever.
/// </summary>
internal sealed class S3ArtifactPublisher(IAmazonS3 s3, Action<string> step)
{
    public const string ChecksumMetadata = "sha256";

    /// <summary>s3://bucket/prefix → (bucket, prefix without a trailing slash, maybe empty).</summary>
    public static (string Bucket, string Prefix) ParseUri(string uri)
    {
        if (!uri.StartsWith("s3://", StringComparison.Ordinal) || uri.Length <= 5)
        {
            throw new DeployException($"'{uri}' is not an s3://bucket[/prefix] URI.", CliOptions.BadInput);
        }
        var rest = uri[5..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (bucket.Length is < 3 or > 63)
        {
            throw new DeployException($"'{bucket}' is not a bucket name.", CliOptions.BadInput);
        }
        return (bucket, prefix);
    }

    /// <summary>The files of an artifact tarball that go to the bucket: the tarball, its checksum, the web zip if any.</summary>
    public static IReadOnlyList<string> FilesOf(string archive)
    {
        var files = new List<string> { archive, archive + ".sha256" };
        var version = ArtifactVerifier.Verify(archive).Manifest?.Version;
        if (version is not null)
        {
            var web = Path.Combine(Path.GetDirectoryName(archive)!, ArtifactVersion.WebArchiveName(version));
            if (File.Exists(web))
            {
                files.Add(web);
                if (File.Exists(web + ".sha256"))
                {
                    files.Add(web + ".sha256");
                }
            }
        }
        return files;
    }

    public async Task<int> PublishAsync(IReadOnlyList<string> files, string bucket, string prefix, CancellationToken cancellationToken)
    {
        var uploaded = 0;
        foreach (var file in files)
        {
            var key = (prefix.Length > 0 ? prefix + "/" : "") + Path.GetFileName(file);
            string hash;
            await using (var stream = File.OpenRead(file))
            {
                hash = ArtifactManifest.Hash(stream);
            }
            var existing = await ExistingChecksumAsync(bucket, key, cancellationToken);
            if (existing == hash)
            {
                step($"s3://{bucket}/{key} is already there with the same SHA-256: skipped");
                continue;
            }
            if (existing is not null)
            {
                var theirs = existing.Length > 0 ? $"SHA-256 {existing[..12]}…" : "no recorded SHA-256";
                throw new DeployException($"s3://{bucket}/{key} already holds a different artifact ({theirs}, this one {hash[..12]}…): a version is never overwritten; build a new version.");
            }
            step($"Uploading {Path.GetFileName(file)} to s3://{bucket}/{key}");
            var request = new PutObjectRequest { BucketName = bucket, Key = key, FilePath = file, ChecksumAlgorithm = ChecksumAlgorithm.SHA256 };
            request.Metadata[ChecksumMetadata] = hash;
            await s3.PutObjectAsync(request, cancellationToken);
            uploaded++;
        }
        return uploaded;
    }

    /// <summary>The SHA-256 the object was published with (our metadata), "" when it has none, null when absent.</summary>
    private async Task<string?> ExistingChecksumAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken);
            return head.Metadata[ChecksumMetadata] ?? "";
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
