using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Components;

public sealed record ArtifactBucketProps(string BucketName)
{
    /// <summary>How long a build's artifact stays deployable (and rollback-able).</summary>
    public int RetentionDays { get; init; } = 365;
}

/// <summary>
/// Build once, deploy anywhere (architecture #15): the bucket of versioned artifacts the build job writes and every
/// environment reads. Private, encrypted, SSL only, versioned, retained; its access logs go to their own bucket.
/// </summary>
public sealed class ArtifactBucket : Component
{
    public Bucket Bucket { get; }

    public ArtifactBucket(Construct scope, string id, ArtifactBucketProps props) : base(scope, id)
    {
        var accessLogs = Buckets.AccessLogBucket(this, "AccessLogs", retain: true, receivesS3ServerAccessLogs: true);
        Bucket = new Bucket(this, "Artifacts", new BucketProps
        {
            BucketName = props.BucketName,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            Versioned = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            ServerAccessLogsBucket = accessLogs,
            ServerAccessLogsPrefix = "artifacts/",
            LifecycleRules = [new LifecycleRule { Expiration = Duration.Days(props.RetentionDays), NoncurrentVersionExpiration = Duration.Days(30) }],
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
    }
}
