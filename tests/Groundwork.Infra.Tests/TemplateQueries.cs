using System.Text.Json.Nodes;

namespace Groundwork.Infra.Tests;

/// <summary>A resource of a synthesized template, located by stack and logical id.</summary>
public sealed record Resource(string Stack, string LogicalId, string Type, JsonObject Body)
{
    public JsonObject Properties => Body["Properties"]?.AsObject() ?? new JsonObject();
    public string? Tag(string key) => Properties["Tags"]?.AsArray()
        .FirstOrDefault(t => (string?)t!["Key"] == key)?["Value"]?.GetValue<string>();
}

/// <summary>Queries over the synthesized templates, following Ref, GetAtt and cross-stack imports.</summary>
public static class TemplateQueries
{
    public static IEnumerable<Resource> Resources(this SynthesizedApp app, string stack, string? type = null) =>
        app.Template(stack)["Resources"]!.AsObject()
            .Select(kv => new Resource(stack, kv.Key, (string)kv.Value!["Type"]!, kv.Value!.AsObject()))
            .Where(r => type is null || r.Type == type);

    public static IEnumerable<Resource> AllResources(this SynthesizedApp app, string? type = null) =>
        app.StackNames.SelectMany(s => app.Resources(s, type));

    public static IEnumerable<Resource> EnvironmentResources(this SynthesizedApp app, string environment, string? type = null) =>
        app.StackNames.Where(s => s.StartsWith($"Groundwork-{environment}-", StringComparison.Ordinal))
            .SelectMany(s => app.Resources(s, type));

    public static Resource Get(this SynthesizedApp app, string stack, string logicalId)
    {
        var body = app.Template(stack)["Resources"]![logicalId]?.AsObject()
                   ?? throw new KeyNotFoundException($"{stack} has no resource {logicalId}");
        return new Resource(stack, logicalId, (string)body["Type"]!, body);
    }

    /// <summary>The resource a Ref / GetAtt / ImportValue points to, or null for a literal.</summary>
    public static Resource? Target(this SynthesizedApp app, string stack, JsonNode? node)
    {
        if (node is not JsonObject obj || obj.Count != 1) return null;
        var (key, value) = obj.First();
        switch (key)
        {
            case "Ref" when value is JsonValue v && !v.ToString().StartsWith("AWS::", StringComparison.Ordinal):
                var id = v.GetValue<string>();
                return app.Template(stack)["Resources"]![id] is null ? null : app.Get(stack, id);
            case "Fn::GetAtt":
                return app.Get(stack, value!.AsArray()[0]!.GetValue<string>());
            case "Fn::ImportValue":
                var name = value!.GetValue<string>();
                foreach (var other in app.StackNames)
                {
                    var outputs = app.Template(other)["Outputs"]?.AsObject();
                    var output = outputs?.FirstOrDefault(o => (string?)o.Value!["Export"]?["Name"] == name).Value;
                    if (output is not null)
                        return app.Target(other, output["Value"]);
                }
                throw new KeyNotFoundException($"No stack exports {name}");
            default:
                return null;
        }
    }

    /// <summary>The literal text of a Fn::Join (tokens rendered as {Ref:X}), for reading user data and ARNs.</summary>
    public static string Text(JsonNode? node) => node switch
    {
        JsonValue v => v.ToString(),
        JsonObject o when o["Fn::Join"] is JsonArray join =>
            string.Join(join[0]!.GetValue<string>(), join[1]!.AsArray().Select(Text)),
        JsonObject o when o["Fn::Base64"] is { } inner => Text(inner),
        JsonObject o => "{" + string.Join(",", o.Select(kv => $"{kv.Key}:{kv.Value?.ToJsonString()}")) + "}",
        JsonArray a => string.Join(",", a.Select(Text)),
        _ => "",
    };

    public static IEnumerable<JsonNode> Array(JsonNode? node) => node is JsonArray a ? a.OfType<JsonNode>() : [];
}
