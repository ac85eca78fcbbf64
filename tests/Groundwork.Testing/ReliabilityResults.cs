using System.Globalization;
using System.Text.Json;
using Groundwork.Workspace;

namespace Groundwork.Testing;

/// <summary>One promise of issue 7 as measured by one run of its scenario (a row of docs/reliability.md).</summary>
public sealed record ReliabilityScenarioResult(
    int Number,
    string Promise,
    string Injected,
    int Requests,
    int Failed,
    string FailedDetail,
    string DataLost,
    bool Kept,
    string Notes,
    DateTimeOffset MeasuredAt);

/// <summary>
/// The measured rows of docs/reliability.md, one file each under artifacts/reliability/: the fault suite writes
/// scenarios 1–8, the deploy suite scenario 9 (it runs first), and the fault suite renders the document from all of them.
/// Rows of scenarios not run in this pass keep their last measurement.
/// </summary>
public static class ReliabilityResults
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly Lock Gate = new();

    public static string Directory => Path.Combine(RepositoryRoot.Current, "artifacts", "reliability");

    public static void Record(ReliabilityScenarioResult result) =>
        Write($"{result.Number.ToString(CultureInfo.InvariantCulture)}.json", JsonSerializer.Serialize(result, Json));

    /// <summary>An extra finding of a scenario measured by a separate test (appended to that scenario's notes).</summary>
    public static void RecordNote(int number, string note) => Write($"{number.ToString(CultureInfo.InvariantCulture)}.note", note);

    public static IReadOnlyDictionary<int, ReliabilityScenarioResult> Rows()
    {
        lock (Gate)
        {
            return System.IO.Directory.Exists(Directory)
                ? System.IO.Directory.EnumerateFiles(Directory, "*.json")
                    .Select(f => JsonSerializer.Deserialize<ReliabilityScenarioResult>(File.ReadAllText(f), Json)!)
                    .ToDictionary(r => r.Number)
                : new Dictionary<int, ReliabilityScenarioResult>();
        }
    }

    public static IReadOnlyDictionary<int, string> Notes()
    {
        lock (Gate)
        {
            return System.IO.Directory.Exists(Directory)
                ? System.IO.Directory.EnumerateFiles(Directory, "*.note")
                    .ToDictionary(f => int.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture), File.ReadAllText)
                : new Dictionary<int, string>();
        }
    }

    private static void Write(string file, string content)
    {
        lock (Gate)
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllText(Path.Combine(Directory, file), content);
        }
    }
}
