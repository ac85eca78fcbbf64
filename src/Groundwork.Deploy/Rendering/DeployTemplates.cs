using Groundwork.UserData;

namespace Groundwork.Deploy.Rendering;

/// <summary>
/// The artifact's <c>deploy/</c> folder: what an app server runs for this version, rendered from the same templates
/// (Groundwork.UserData) the CDK app puts into the launch template. Per-environment values stay placeholders
/// (<c>@NAME@</c>): the artifact is the same for every environment.
/// </summary>
internal static class DeployTemplates
{
    public const string UserDataFile = "user-data.sh.template";
    public const string UnitFile = AppServerUserData.UnitName;

    public static string UserData(string version) => AppServerUserData.Render(new AppServerUserDataSettings
    {
        Version = version,
        EnvironmentName = "@ENVIRONMENT@",
        ArtifactBucket = "@ARTIFACT_BUCKET@",
        Region = "@REGION@",
        StackName = "@STACK_NAME@",
        SignalResource = "@SIGNAL_RESOURCE@",
        ParameterPath = "@PARAMETER_PATH@",
        DatabaseCredentialsSecret = "@DATABASE_CREDENTIALS_SECRET@",
        RedisAuthSecret = "@REDIS_AUTH_SECRET@",
        NewRelicLicenseSecret = "@NEW_RELIC_LICENSE_SECRET@",
        SentryDsnSecret = "@SENTRY_DSN_SECRET@",
    });

    /// <summary>The systemd unit of this version: the unit template the user data writes, with the version filled in.</summary>
    public static string SystemdUnit(string version) => AppServerUserData.SystemdUnit(version);

    public static void WriteTo(string deployDirectory, string version)
    {
        Directory.CreateDirectory(deployDirectory);
        File.WriteAllText(Path.Combine(deployDirectory, UserDataFile), UserData(version));
        File.WriteAllText(Path.Combine(deployDirectory, UnitFile), SystemdUnit(version));
    }
}
