using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace Groundwork.Infra.Constructs;

/// <summary>Private buckets: block public access, encryption, SSL-only, versioning.</summary>
public static class Buckets
{
    /// <summary>
    /// A bucket that receives access logs (S3 server access logs, ALB, CloudFront). SSE-S3 because the log delivery
    /// services cannot write with a customer KMS key; ACLs stay enabled for CloudFront's legacy log delivery.
    /// </summary>
    public static Bucket AccessLogBucket(Construct scope, string id, bool retain, bool forCloudFront = false)
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
