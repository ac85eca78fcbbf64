namespace Groundwork.Infra.Tests;

[Collection(SynthesizedCollection.Name)]
public sealed class DocsTests(SynthesizedApp app)
{
    private static string DocPath => Path.Combine(RepositoryPaths.Root, "docs", "infrastructure.md");

    [Fact]
    public void Infrastructure_doc_shows_what_is_synthesized()
    {
        var generated = InfrastructureDoc.Render(app);
        var doc = File.ReadAllText(DocPath).ReplaceLineEndings("\n");
        var begin = doc.IndexOf(InfrastructureDoc.Begin, StringComparison.Ordinal);
        var end = doc.IndexOf(InfrastructureDoc.End, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "docs/infrastructure.md lacks the generated section markers");
        var current = doc[begin..(end + InfrastructureDoc.End.Length)] + "\n";
        if (current != generated && System.Environment.GetEnvironmentVariable("GROUNDWORK_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(DocPath, doc[..begin] + generated + doc[(end + InfrastructureDoc.End.Length + 1)..]);
            return;
        }
        Assert.Equal(generated, current);
    }

    [Fact]
    public void Component_table_names_constructs_that_exist()
    {
        var doc = File.ReadAllText(DocPath);
        // The CDK app's types and the user data it renders (Groundwork.UserData, shared with the deploy tool).
        var types = typeof(GroundworkApp).Assembly.GetTypes().Concat(typeof(Groundwork.UserData.AppServerUserData).Assembly.GetTypes())
            .Select(t => t.Name).ToHashSet();
        var named = System.Text.RegularExpressions.Regex.Matches(doc, @"`([A-Z][A-Za-z]+(?:Stack|Rules|Groups|UserData|Doc))`").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(named);
        Assert.All(named, n => Assert.Contains(n, types.Append("InfrastructureDoc")));
        for (var component = 1; component <= 16; component++)
            Assert.Matches($@"(?m)^\| {component} \|", doc);
    }
}
