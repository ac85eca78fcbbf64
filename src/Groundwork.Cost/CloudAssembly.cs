using System.Text.Json.Nodes;

namespace Groundwork.Cost;

/// <summary>One synthesized stack: its template and where it deploys.</summary>
public sealed record StackTemplate(string Name, string Region, JsonObject Template)
{
    /// <summary>
    /// The environment a stack belongs to, from the app's naming: Groundwork-&lt;environment&gt;-&lt;concern&gt;, and
    /// Groundwork-management for the shared management VPC.
    /// </summary>
    public string Environment
    {
        get
        {
            var rest = Name.StartsWith("Groundwork-", StringComparison.Ordinal) ? Name["Groundwork-".Length..] : Name;
            var dash = rest.IndexOf('-');
            return dash < 0 ? rest : rest[..dash];
        }
    }

    public IEnumerable<(string LogicalId, string Type, JsonObject Properties)> Resources =>
        (Template["Resources"] as JsonObject ?? [])
        .Select(r => (r.Key, (string?)r.Value?["Type"] ?? "", r.Value?["Properties"] as JsonObject ?? []));

    public JsonObject? Resource(string logicalId) => Template["Resources"]?[logicalId] as JsonObject;
}

/// <summary>A cdk.out folder: the stacks its manifest lists, with their regions and templates.</summary>
public sealed class CloudAssembly
{
    public IReadOnlyList<StackTemplate> Stacks { get; }
    private readonly Dictionary<string, (StackTemplate Stack, JsonNode? Value)> _exports = new(StringComparer.Ordinal);

    public CloudAssembly(IReadOnlyList<StackTemplate> stacks)
    {
        Stacks = stacks;
        foreach (var stack in stacks)
            foreach (var output in stack.Template["Outputs"] as JsonObject ?? [])
                if (output.Value?["Export"]?["Name"] is JsonValue name && name.TryGetValue<string>(out var exportName))
                    _exports[exportName] = (stack, output.Value["Value"]);
    }

    public static CloudAssembly Read(string directory)
    {
        var manifestPath = Path.Combine(directory, "manifest.json");
        if (!File.Exists(manifestPath))
            throw new CostException($"{directory} is not a cloud assembly (no manifest.json).");
        var artifacts = JsonNode.Parse(File.ReadAllText(manifestPath))?["artifacts"] as JsonObject ?? [];
        var stacks = new List<StackTemplate>();
        foreach (var (name, artifact) in artifacts)
        {
            if ((string?)artifact?["type"] != "aws:cloudformation:stack")
                continue;
            // aws://<account>/<region>
            var environment = (string?)artifact["environment"] ?? "";
            var region = environment.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            var file = (string?)artifact["properties"]?["templateFile"] ?? $"{name}.template.json";
            var template = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, file))) as JsonObject
                ?? throw new CostException($"{file} is not a template.");
            stacks.Add(new StackTemplate(name, region, template));
        }
        if (stacks.Count == 0)
            throw new CostException($"{manifestPath} lists no stacks.");
        return new CloudAssembly(stacks.OrderBy(s => s.Name, StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Follows a value to the resource it names: a Ref in the same template, or an Fn::ImportValue whose export is a
    /// Ref in another stack of this assembly. Null when the value is anything else.
    /// </summary>
    public (StackTemplate Stack, JsonObject Resource)? Resolve(StackTemplate stack, JsonNode? value)
    {
        if (value is not JsonObject reference)
            return null;
        if (reference["Ref"] is JsonValue r && r.TryGetValue<string>(out var logicalId))
            return stack.Resource(logicalId) is { } resource ? (stack, resource) : null;
        if (reference["Fn::ImportValue"] is JsonValue i && i.TryGetValue<string>(out var exportName)
            && _exports.TryGetValue(exportName, out var export))
            return Resolve(export.Stack, export.Value);
        return null;
    }
}
