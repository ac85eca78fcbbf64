using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Groundwork.Deploy.Cli;

namespace Groundwork.Deploy.Aws;

/// <summary>
/// The gate in front of anything that talks to AWS: resolve credentials through the SDK's default chain
/// (environment, profile, web identity, container, EC2 instance profile on the Jenkins host) before the first step,
/// so a run without credentials fails at once with one line instead of halfway through a deploy.
/// </summary>
internal static class AwsCredentials
{
    public static async Task<AWSCredentials> RequireAsync(string purpose)
    {
        // Not on EC2 (no instance metadata), the chain's last link would retry the metadata endpoint for seconds.
        var metadataDisabled = string.Equals(Environment.GetEnvironmentVariable("AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase);
        var onEc2 = !metadataDisabled && await StartsWithAsync("/sys/devices/virtual/dmi/id/board_asset_tag", "i-") // Nitro
            || !metadataDisabled && await StartsWithAsync("/sys/hypervisor/uuid", "ec2"); // Xen
        if (!onEc2 && !HasConfiguredSource())
        {
            throw new DeployException($"No AWS credentials for {purpose}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (Jenkins uses its instance role).");
        }
        try
        {
            var resolved = await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync();
            _ = await resolved.GetCredentialsAsync();
            return resolved;
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or InvalidOperationException)
        {
            throw new DeployException($"No usable AWS credentials for {purpose}: {e.Message.Split('\n')[0].TrimEnd('.')}.");
        }
    }

    private static async Task<bool> StartsWithAsync(string path, string prefix)
    {
        try
        {
            return File.Exists(path) && (await File.ReadAllTextAsync(path)).StartsWith(prefix, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool HasConfiguredSource()
    {
        if (new[] { "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI" }
            .Any(v => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(v))))
        {
            return true;
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var files = new[]
        {
            Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE") ?? Path.Combine(home, ".aws", "credentials"),
            Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") ?? Path.Combine(home, ".aws", "config"),
        };
        return files.Any(File.Exists);
    }
}
