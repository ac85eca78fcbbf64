using System.Text.Json;

namespace Groundwork.Deploy.History;

/// <summary>One deploy: which version went to which environment, who ran it, when, and whether it succeeded.</summary>
internal sealed record DeploymentRecord(string Environment, string Version, string By, DateTimeOffset At, bool Succeeded, string? Note = null);

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

    public IReadOnlyList<DeploymentRecord> Of(string environment) =>
        All().Where(r => string.Equals(r.Environment, environment, StringComparison.Ordinal)).ToList();

    public DeploymentRecord? Current(string environment) => Of(environment).LastOrDefault(r => r.Succeeded);

    /// <summary>The last successful version before the current one that differs from it (what a rollback deploys).</summary>
    public DeploymentRecord? Previous(string environment)
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
