using System.Text.Json;
using Groundwork.Deploy.Environments;

namespace Groundwork.Deploy.History;

/// <summary>
/// One deploy: which version went to which environment (by name: this is the history file's format), who ran it, when,
/// and whether it succeeded.
/// </summary>
internal sealed record DeploymentRecord(string Environment, string Version, string By, DateTimeOffset At, bool Succeeded, string? Note = null)
{
    /// <summary>A deploy that finished, run now by <see cref="DeploymentHistory.CurrentUser"/>.</summary>
    public static DeploymentRecord Success(DeployEnvironment environment, string version, string? note = null) =>
        new(environment.Name, version, DeploymentHistory.CurrentUser(), DateTimeOffset.UtcNow, true, note);

    /// <summary>A deploy that stopped, with why.</summary>
    public static DeploymentRecord Failure(DeployEnvironment environment, string version, string reason) =>
        new(environment.Name, version, DeploymentHistory.CurrentUser(), DateTimeOffset.UtcNow, false, reason);
}

/// <summary>
/// What runs where: an append-only list of deploys in <c>{state dir}/history.json</c>. <c>status</c> reads the last
/// successful record of an environment; <c>rollback</c> deploys the successful version before it.
/// </summary>
internal sealed class DeploymentHistory(string stateDirectory)
{
    public const string FileName = "history.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string Path => System.IO.Path.Combine(stateDirectory, FileName);

    public IReadOnlyList<DeploymentRecord> All() =>
        File.Exists(Path) ? JsonSerializer.Deserialize<List<DeploymentRecord>>(File.ReadAllText(Path), Json) ?? [] : [];

    public IReadOnlyList<DeploymentRecord> Of(DeployEnvironment environment) =>
        All().Where(r => string.Equals(r.Environment, environment.Name, StringComparison.Ordinal)).ToList();

    public DeploymentRecord? Current(DeployEnvironment environment) => Of(environment).LastOrDefault(r => r.Succeeded);

    /// <summary>The last successful version before the current one that differs from it (what a rollback deploys).</summary>
    public DeploymentRecord? Previous(DeployEnvironment environment)
    {
        var successes = Of(environment).Where(r => r.Succeeded).ToList();
        if (successes.Count == 0)
        {
            return null;
        }
        var current = successes[^1].Version;
        return successes.LastOrDefault(r => !string.Equals(r.Version, current, StringComparison.Ordinal));
    }

    public void Append(DeploymentRecord record)
    {
        Directory.CreateDirectory(stateDirectory);
        var all = All().Append(record).ToList();
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(all, Json));
        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>Who deploys: Jenkins' BUILD_USER_ID (build-user-vars plugin), else GROUNDWORK_DEPLOY_USER, else the OS user.</summary>
    public static string CurrentUser() =>
        new[] { "BUILD_USER_ID", "GROUNDWORK_DEPLOY_USER" }.Select(Environment.GetEnvironmentVariable)
            .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) ?? Environment.UserName;
}
