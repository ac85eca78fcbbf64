using Groundwork.Bench;

// bench/run.sh builds the stack and the baselines in Release, then runs this. See bench/README.md.
var options = BenchOptions.Parse(args);
var run = await BenchmarkRun.RunAsync(options);

var directory = options.ResultsDirectory ?? Repo.Path("bench", "results");
var (json, markdown) = Report.Write(run, directory);
Console.WriteLine();
Console.WriteLine(await File.ReadAllTextAsync(markdown));
Console.WriteLine($"results: {json}");
Console.WriteLine($"table:   {markdown}");
if (options.UpdateDocs)
{
    var docs = Repo.Path("docs", "performance.md");
    Report.UpdateDocs(docs, Report.Markdown(run, Path.GetFileName(json)));
    Console.WriteLine($"updated: {docs}");
}
