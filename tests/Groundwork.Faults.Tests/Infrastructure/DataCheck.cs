using System.Diagnostics;

namespace Groundwork.Faults.Tests.Infrastructure;

/// <summary>What a scenario lost: links a 201 promised, failed creations written anyway, clicks that never arrived.</summary>
public sealed record DataLoss(int LinksPromised, int LinksLost, int FailedCreates, int FailedButWritten, long ClicksCaused, long ClicksStored, IReadOnlyList<string> Examples)
{
    public long ClicksLost => Math.Max(0, ClicksCaused - ClicksStored);
    public long ClicksExtra => Math.Max(0, ClicksStored - ClicksCaused);

    public bool None => LinksLost == 0 && FailedButWritten == 0 && ClicksLost == 0 && ClicksExtra == 0;

    public string Describe() =>
        $"links: {LinksLost} of {LinksPromised} lost; failed creates written anyway: {FailedButWritten} of {FailedCreates}; " +
        $"clicks: {ClicksLost} of {ClicksCaused} lost" + (ClicksExtra > 0 ? $", {ClicksExtra} counted twice" : "");

    public string Short() => None ? "none" : Describe();

    /// <summary>
    /// Compares the stream's record with the primary. Clicks are waited for (flush interval 1 s; a flush that failed
    /// during the fault is retried), up to <paramref name="clicksTimeout"/>.
    /// </summary>
    public static async Task<DataLoss> MeasureAsync(FaultStack stack, LoadStream load, TimeSpan clicksTimeout)
    {
        var promised = load.Created;
        var stored = await stack.LinksOnPrimaryAsync(promised.Keys);
        var lost = promised.Where(p => !stored.TryGetValue(p.Key, out var url) || url != p.Value).Select(p => p.Key).ToList();

        var failed = load.FailedCreates.Keys.ToList();
        var written = (await stack.LinksOnPrimaryAsync(failed)).Keys.ToList();

        var caused = load.ClicksBySlug.ToDictionary(c => c.Key, c => (long)c.Value);
        var clock = Stopwatch.StartNew();
        Dictionary<string, long> clicks;
        while (true)
        {
            clicks = await stack.ClicksOnPrimaryAsync(caused.Keys);
            if (caused.All(c => clicks[c.Key] >= c.Value) || clock.Elapsed > clicksTimeout)
            {
                break;
            }
            await Task.Delay(250);
        }
        // Give a flush in flight the chance to land before judging "counted twice".
        await Task.Delay(1500);
        clicks = await stack.ClicksOnPrimaryAsync(caused.Keys);
        var examples = lost.Take(3).Select(s => "lost link " + s).Concat(written.Take(3).Select(s => "failed but written " + s)).ToList();
        return new DataLoss(promised.Count, lost.Count, failed.Count, written.Count, caused.Values.Sum(), clicks.Values.Sum(), examples);
    }
}
