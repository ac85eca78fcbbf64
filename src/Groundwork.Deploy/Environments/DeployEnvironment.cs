namespace Groundwork.Deploy.Environments;

/// <summary>
/// Where the tool acts: the local stack, one of the two AWS application environments built from one definition
/// (staging, production), or the management environment (Jenkins, Sentry, the artifacts bucket), which only
/// <c>init</c> and <c>cost</c> name. The command line turns <c>--env</c> into one of these once (<see cref="Cli.CliOptions"/>);
/// past that edge nothing compares environment names.
/// </summary>
internal sealed class DeployEnvironment
{
    public static readonly DeployEnvironment Local = new("local");
    public static readonly DeployEnvironment Staging = new("staging");
    public static readonly DeployEnvironment Production = new("production");
    public static readonly DeployEnvironment Management = new("management");

    /// <summary>What deploy, rollback, status, rotate-credentials and failover accept.</summary>
    public static IReadOnlyList<DeployEnvironment> DeployTargets { get; } = [Local, Staging, Production];

    /// <summary>The environments with a file in src/Groundwork.Infra/environments (what <c>init</c> writes).</summary>
    public static IReadOnlyList<DeployEnvironment> InAws { get; } = [Staging, Production, Management];

    /// <summary>The AWS environments an artifact is deployed to (each peers with management).</summary>
    public static IReadOnlyList<DeployEnvironment> AwsApplications { get; } = [Staging, Production];

    private DeployEnvironment(string name) => Name = name;

    /// <summary>The name in file names, stack names, parameter paths and secret names (groundwork/&lt;name&gt;/…).</summary>
    public string Name { get; }

    public bool IsLocal => ReferenceEquals(this, Local);

    public bool IsManagement => ReferenceEquals(this, Management);

    /// <summary>The environment of that name among <paramref name="accepted"/>, or null.</summary>
    public static DeployEnvironment? Find(string name, IReadOnlyList<DeployEnvironment> accepted) =>
        accepted.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal));

    public override string ToString() => Name;
}
