using System.Text.RegularExpressions;
using System.Xml.Linq;
using Groundwork.Workspace;

namespace Groundwork.Deploy.Tests;

/// <summary>
/// Shape rules over the whole tree (src/, tests/, bench/), from issue 17: code another project needs is referenced,
/// not compiled in twice; a type name says what the type is in its own place, so no name is declared by two projects.
/// </summary>
public sealed partial class SourceShapeTests
{
    private static readonly string[] Tops = ["src", "tests", "bench"];

    /// <summary>Compile links still allowed, each with its owner and reason: none.</summary>
    private static readonly string[] AllowedCompileLinks = [];

    /// <summary>
    /// Names two projects may both declare: the entry point (Program, by the SDK's convention); Extensions (ServiceDefaults'
    /// table of contents by Aspire's convention, and the Api's, which the Api restructuring renames).
    /// </summary>
    private static readonly string[] AllowedRepeatedNames = ["Program", "Extensions"];

    [Fact]
    public void No_project_compiles_another_projects_files()
    {
        var links = ProjectFiles("*.csproj")
            .SelectMany(project => XDocument.Load(project).Descendants("Compile")
                .Select(c => (string?)c.Attribute("Include"))
                .Where(include => include is not null && include.Replace('\\', '/').StartsWith("../", StringComparison.Ordinal))
                .Select(include => $"{Path.GetRelativePath(RepositoryRoot.Current, Path.GetDirectoryName(project)!)} -> {include}"))
            .Except(AllowedCompileLinks)
            .ToList();
        Assert.True(links.Count == 0, "Reference the project (or a small library) instead of compiling its files in:\n" + string.Join("\n", links));
    }

    [Fact]
    public void No_type_name_is_declared_by_two_projects()
    {
        var repeated = ProjectFiles("*.cs")
            .SelectMany(file => TypeDeclaration().Matches(File.ReadAllText(file))
                .Select(m => (Name: m.Groups["name"].Value, Project: ProjectOf(file), File: Path.GetRelativePath(RepositoryRoot.Current, file))))
            .GroupBy(d => d.Name)
            .Where(g => g.Select(d => d.Project).Distinct().Count() > 1 && !AllowedRepeatedNames.Contains(g.Key))
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(d => d.File).Distinct())}")
            .ToList();
        Assert.True(repeated.Count == 0, "Type names declared in more than one project:\n" + string.Join("\n", repeated));
    }

    [Fact]
    public void The_name_scan_sees_classes_records_structs_interfaces_and_enums()
    {
        // Guards the test above against a pattern that matches nothing.
        const string sample = """
            public sealed class A { }
            internal static partial class B;
            public sealed record C(int X);
            readonly record struct D;
            internal enum E { }
            public interface IF { }
            """;
        Assert.Equal(["A", "B", "C", "D", "E", "IF"], TypeDeclaration().Matches(sample).Select(m => m.Groups["name"].Value));
    }

    [GeneratedRegex(@"^[ \t]*(?:(?:public|internal|private|protected|static|sealed|abstract|partial|readonly|file|ref)\s+)*(?:class|record(?:\s+(?:class|struct))?|struct|interface|enum)\s+(?<name>[A-Z]\w*)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

    private static IEnumerable<string> ProjectFiles(string pattern) =>
        Tops.Select(top => Path.Combine(RepositoryRoot.Current, top))
            .Where(Directory.Exists)
            .SelectMany(top => Directory.EnumerateFiles(top, pattern, SearchOption.AllDirectories))
            .Where(f => !Path.GetRelativePath(RepositoryRoot.Current, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or "node_modules" or "TestResults"));

    /// <summary>src/X, tests/X or bench/X: the project a file belongs to.</summary>
    private static string ProjectOf(string file) =>
        string.Join('/', Path.GetRelativePath(RepositoryRoot.Current, file).Split(Path.DirectorySeparatorChar).Take(2));
}
