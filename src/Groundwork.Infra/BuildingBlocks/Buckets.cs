using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace Groundwork.Infra.BuildingBlocks;

/// <summary>Private buckets: block public access, encryption, SSL-only, versioning.</summary>
public static class Buckets
{
    /// <summary>
    /// A bucket that receives access logs (S3 server access logs, ALB, CloudFront). SSE-S3 because the log delivery
    /// services cannot write with a customer KMS key; ACLs stay enabled for CloudFront's legacy log delivery.
    /// <paramref name="receivesS3ServerAccessLogs"/>: another bucket of the stack logs into this one, which cdk-nag
    /// (AwsSolutions-S1) already accepts as the end of the logging chain; only a bucket that receives nothing but ALB or
    /// CloudFront logs needs the suppression.
    /// </summary>
    public static Bucket AccessLogBucket(Construct scope, string id, bool retain, bool forCloudFront = false, bool receivesS3ServerAccessLogs = false)
    {
        var bucket = new Bucket(scope, id, new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            Versioned = true,
            ObjectOwnership = forCloudFront ? ObjectOwnership.OBJECT_WRITER : ObjectOwnership.BUCKET_OWNER_PREFERRED,
            LifecycleRules = [new LifecycleRule { Expiration = Duration.Days(365), NoncurrentVersionExpiration = Duration.Days(30) }],
            RemovalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });
        if (!receivesS3ServerAccessLogs)
            Nag.Suppress(bucket, new NagSuppression("AwsSolutions-S1",
                "This is the access-log bucket itself; logging it into itself would loop."));
        return bucket;
    }

    public static Bucket Private(Construct scope, string id, bool retain, IBucket accessLogs, string logPrefix) =>
        new(scope, id, new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            Versioned = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            ServerAccessLogsBucket = accessLogs,
            ServerAccessLogsPrefix = logPrefix,
            RemovalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });
}
