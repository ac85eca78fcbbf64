namespace Groundwork.LocalServers;

/// <summary>
/// How a local app instance gets its database credentials: the same configuration an app server has in AWS (the
/// secret's name), plus the stand-in's endpoint and dummy AWS credentials the stand-in accepts. Used by the AppHost
/// for its api-N instances and by the local rolling deploy for the instances it starts.
/// </summary>
public static class LocalAppCredentials
{
    public static IReadOnlyDictionary<string, string> InstanceEnvironment(string secretsUrl) => new Dictionary<string, string>
    {
        ["Database__Credentials__SecretId"] = DataTierSetup.AppSecretName,
        ["Database__Credentials__ServiceUrl"] = secretsUrl,
        ["AWS_ACCESS_KEY_ID"] = "local",
        ["AWS_SECRET_ACCESS_KEY"] = "local",
        ["AWS_REGION"] = "local",
        // Never ask the EC2 metadata endpoint for credentials on a developer machine.
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    /// <summary>The migrate step: the users to create from their secrets, and where to read them.</summary>
    public static IReadOnlyDictionary<string, string> MigrateEnvironment(string secretsUrl) => new Dictionary<string, string>
    {
        ["Database__AppUserSecretId"] = DataTierSetup.AppSecretName,
        ["Analytics__ReadOnlySecretId"] = DataTierSetup.AnalyticsSecretName,
        ["Database__Credentials__ServiceUrl"] = secretsUrl,
        ["AWS_ACCESS_KEY_ID"] = "local",
        ["AWS_SECRET_ACCESS_KEY"] = "local",
        ["AWS_REGION"] = "local",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };
}
