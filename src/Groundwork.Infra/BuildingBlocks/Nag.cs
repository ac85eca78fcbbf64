using Amazon.CDK;
using Constructs;

namespace Groundwork.Infra.BuildingBlocks;

/// <summary>One accepted cdk-nag finding: the rule, why it does not apply here, and (for IAM5 and friends) which finding.</summary>
public sealed record NagSuppression(string RuleId, string Reason, params string[] AppliesTo);

/// <summary>
/// Writes cdk-nag suppressions as template metadata (<c>cdk_nag.rules_to_suppress</c>), the format cdk-nag reads both
/// from CDK constructs and from templates loaded with CfnInclude. Every suppression lives next to the resource it excuses.
/// </summary>
public static class Nag
{
    /// <summary>Suppresses on every CloudFormation resource at or under <paramref name="scope"/>.</summary>
    public static void Suppress(IConstruct scope, params NagSuppression[] suppressions)
    {
        foreach (var resource in scope.Node.FindAll().OfType<CfnResource>())
            Add(resource, suppressions);
    }

    /// <summary>The logical id of a construct's CloudFormation resource, as cdk-nag names it in applies_to.</summary>
    public static string LogicalId(IConstruct construct) =>
        Stack.Of(construct).GetLogicalId((CfnElement)construct.Node.DefaultChild!);

    // Suppressions added so far per resource: metadata is replaced as a whole, so earlier ones are kept here.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<CfnResource, List<object>> Added = new();

    private static void Add(CfnResource resource, NagSuppression[] suppressions)
    {
        var rules = Added.GetOrCreateValue(resource);
        foreach (var s in suppressions)
        {
            if (s.Reason.Length < 10) throw new ArgumentException($"Suppression of {s.RuleId} needs a specific reason.");
            var rule = new Dictionary<string, object> { ["id"] = s.RuleId, ["reason"] = s.Reason };
            if (s.AppliesTo.Length > 0) rule["applies_to"] = s.AppliesTo;
            rules.Add(rule);
        }
        resource.AddMetadata("cdk_nag", new Dictionary<string, object> { ["rules_to_suppress"] = rules.ToArray() });
    }
}
