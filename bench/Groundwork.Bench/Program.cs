using Groundwork.Bench;

// bench/run.sh builds the stack and the baselines in Release, then runs this. See bench/README.md.
var options = BenchOptions.Parse(args);
if (options.Soak)
{
    // The soak test (issue 7, promise 10): bench/run.sh --soak [--minutes N] [--rate R].
    var soak = await SoakRun.RunAsync(options);
    var soakJson = SoakRun.WriteJson(soak, options.ResultsDirectory ?? Repo.Path("bench", "results"), options.Label);
    var soakMarkdown = SoakRun.Markdown(soak, Path.GetFileName(soakJson));
    Console.WriteLine();
    Console.WriteLine(soakMarkdown);
    Console.WriteLine($"results: {soakJson}");
    if (options.UpdateDocs)
    {
        var soakDoc = Repo.Path("docs", "soak.md");
        await File.WriteAllTextAsync(soakDoc, soakMarkdown);
        Console.WriteLine($"written: {soakDoc}");
    }
    Console.WriteLine(soak.Verdict.Kept ? "soak: promise 10 kept" : "soak: promise 10 BROKEN");
    return soak.Verdict.Kept ? 0 : 1;
}

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
return 0;
