using System.Text.Json;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// Row 9 of docs/reliability.md (issue 7: rolling deploy under load), measured here and rendered by the fault suite,
/// which runs after this project (Groundwork.slnx order) and reads every row from artifacts/reliability/{number}.json.
/// The shape is the fault suite's ScenarioResult.
/// </summary>
public static class ReliabilityRow
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void WriteRollingDeploy(long requests, long failed, string failedDetail, string dataLost, bool kept, string notes)
    {
        var directory = Path.Combine(ToolProcess.RepoRoot, "artifacts", "reliability");
        Directory.CreateDirectory(directory);
        var row = new
        {
            Number = 9,
            Promise = "Rolling deploy under load: 0 failed requests, 0 lost clicks",
            Injected = "`deploy --env local` of a new artifact: every instance replaced one at a time (start new, healthy, register at the edge, deregister + drain old, SIGTERM) while 4 clients follow a link through the edge",
            Requests = (int)Math.Min(requests, int.MaxValue),
            Failed = (int)Math.Min(failed, int.MaxValue),
            FailedDetail = failedDetail,
            DataLost = dataLost,
            Kept = kept,
            Notes = notes + " (measured by `tests/Groundwork.Deploy.Tests`, LocalRollingDeployTests)",
            MeasuredAt = DateTimeOffset.UtcNow,
        };
        File.WriteAllText(Path.Combine(directory, "9.json"), JsonSerializer.Serialize(row, Json));
    }
}
