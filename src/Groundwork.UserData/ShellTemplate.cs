using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Groundwork.UserData;

/// <summary>
/// A script (or a file a script writes) kept as a file next to the code, with named placeholders:
/// <c>{{Name}}</c> is replaced verbatim (numbers, paths the code owns, shell expressions, whole rendered files) and
/// <c>{{Name:quoted}}</c> by the value as one single-quoted shell word (data: secret ids, bucket names...).
/// Rendering fails on a placeholder without a value and on a value no placeholder takes, so a renamed placeholder
/// cannot silently render as text or drop a setting. Lines starting with <c>##</c> are the template's own comments
/// (notes for its reader that the hosts need not carry) and a first line <c># shellcheck shell=…</c> lets shellcheck
/// check a fragment without a shebang: neither is rendered.
/// </summary>
public sealed partial class ShellTemplate
{
    private readonly string _text;

    public string Name { get; }

    /// <summary>The placeholder names the template uses.</summary>
    public IReadOnlySet<string> Placeholders { get; }

    public ShellTemplate(string name, string text)
    {
        Name = name;
        _text = StripTemplateComments(text.ReplaceLineEndings("\n"));
        var braces = Braces().Matches(_text).Count;
        var placeholders = Placeholder().Matches(_text);
        // Every {{ or }} belongs to a well-formed placeholder: "{{ Name }}" or "{{Name:quote}}" is a typo, not text.
        if (braces != placeholders.Count * 2)
            throw new InvalidOperationException($"Template {name} has a malformed placeholder (expected {{{{Name}}}} or {{{{Name:quoted}}}}).");
        Placeholders = placeholders.Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>A template embedded in <paramref name="assembly"/> under the logical name <paramref name="resource"/>.</summary>
    public static ShellTemplate FromResource(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded template '{resource}' is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new ShellTemplate(resource, reader.ReadToEnd());
    }

    public string Render(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var missing = Placeholders.Where(p => !values.ContainsKey(p)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"Template {Name}: no value for {string.Join(", ", missing.Select(m => $"{{{{{m}}}}}"))}.");
        var unused = values.Keys.Where(k => !Placeholders.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unused.Count > 0)
            throw new InvalidOperationException($"Template {Name} has no placeholder {string.Join(", ", unused)}.");
        // One pass: a value that happens to contain {{...}} is inserted as it is, never rendered again.
        return Placeholder().Replace(_text, m =>
        {
            var value = values[m.Groups["name"].Value];
            return m.Groups["quoted"].Success ? Quote(value) : value;
        });
    }

    /// <summary>One shell word whose value is exactly <paramref name="value"/>: single quotes, a quote as '\''.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", @"'\''", StringComparison.Ordinal) + "'";

    private static string StripTemplateComments(string text)
    {
        var lines = text.Split('\n').ToList();
        if (lines.Count > 0 && lines[0].StartsWith("# shellcheck shell=", StringComparison.Ordinal)) lines.RemoveAt(0);
        return string.Join('\n', lines.Where(l => !l.TrimStart().StartsWith("##", StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"\{\{(?<name>[A-Za-z][A-Za-z0-9]*)(?<quoted>:quoted)?\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\{\{|\}\}")]
    private static partial Regex Braces();
}
