using Groundwork.Testing;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// Row 9 of docs/reliability.md (issue 7: rolling deploy under load), measured here and rendered by the fault suite,
/// which runs after this project (Groundwork.slnx order).
/// </summary>
public static class ReliabilityRow
{
    public static void WriteRollingDeploy(long requests, long failed, string failedDetail, string dataLost, bool kept, string notes) =>
        ReliabilityResults.Record(new ReliabilityScenarioResult(
            9,
            "Rolling deploy under load: 0 failed requests, 0 lost clicks",
            "`deploy --env local` of a new artifact: every instance replaced one at a time (start new, healthy, register at the edge, deregister + drain old, SIGTERM) while 4 clients follow a link through the edge",
            (int)Math.Min(requests, int.MaxValue),
            (int)Math.Min(failed, int.MaxValue),
            failedDetail,
            dataLost,
            kept,
            notes + " (measured by `tests/Groundwork.Deploy.Tests`, LocalRollingDeployTests)",
            DateTimeOffset.UtcNow));
}
