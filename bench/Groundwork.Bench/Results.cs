namespace Groundwork.Bench;

/// <summary>Median of the repetitions and their range: on a noisy machine the range says how much to trust it.</summary>
public sealed record Spread(double Median, double Min, double Max, int N)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v) && !double.IsInfinity(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Spread(double.NaN, double.NaN, double.NaN, 0);
        }
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Spread(median, sorted[0], sorted[^1], sorted.Length);
    }
}

/// <summary>A goal from issue 8: the ratio (or value) must be at least or at most a bound.</summary>
public sealed record Goal(string Text, double Bound, bool AtLeast)
{
    public static Goal Min(double bound, string text) => new(text, bound, true);
    public static Goal Max(double bound, string text) => new(text, bound, false);
    public bool MetBy(double value) => !double.IsNaN(value) && (AtLeast ? value >= Bound : value <= Bound);
}

/// <summary>One figure of a scenario: the subject, its baseline from the same run, their ratio per repetition.</summary>
public sealed record Metric(string Name, string Unit, Spread Subject, Spread? Baseline, Spread? Ratio, Goal? Goal)
{
    /// <summary>Judged on the ratio's median when there is a ratio, else on the subject's median.</summary>
    public bool? Met => Goal?.MetBy(Ratio?.Median ?? Subject.Median);
}

public sealed record ScenarioResult(int Id, string Title, string Subject, string? Baseline, IReadOnlyList<Metric> Metrics, IReadOnlyList<string> Notes, object Samples);

public sealed record RunResult(
    string Date,
    string Commit,
    string? Label,
    IReadOnlyDictionary<string, string> ApiSettings,
    string Machine,
    string Configuration,
    BenchOptionsRecord Options,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyList<string> Notes);

public sealed record BenchOptionsRecord(int Repetitions, double DurationSeconds, double WarmUpSeconds, int Connections, int WrkThreads, int HotSlugs);
