using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace Groundwork.Infra.Components;

/// <summary>
/// One component of the architecture (a row of docs/architecture.md's table, e.g. the load balancer, the app servers,
/// the database): a construct built from a props record whose defaults are the safe choice (private, encrypted, least
/// privilege, retained), so a stack only states what differs.
/// </summary>
/// <remarks>
/// Components are transparent to names. Their id appears neither in the logical ids of the resources under them
/// (<see cref="ComponentStack"/>) nor in the <c>Name</c> tags the CDK derives from construct paths (subnets, launch
/// templates, certificates). The resources existed directly under their stacks before components did; a changed
/// logical id is a new resource to CloudFormation (a new database), and a changed launch-template tag is a new
/// template version (every host replaced). Consequence: ids of resources inside components must be unique within their
/// stack (a clash fails synth: CloudFormation template sections cannot hold one logical id twice), which is why
/// components name their children with their own prefix (<c>JenkinsData</c>, <c>JenkinsTemplate</c>).
/// tests/Groundwork.Infra.Tests/StatefulLogicalIdsTests pins the ids of every stateful resource.
/// </remarks>
public abstract class Component(Construct scope, string id) : Construct(scope, id);

/// <summary>A stack composed of <see cref="Component"/>s: allocates logical ids and path-derived Name tags as if the
/// components' resources sat directly in the stack.</summary>
public abstract class ComponentStack : Stack
{
    protected ComponentStack(Construct scope, string id, IStackProps props) : base(scope, id, props) =>
        Aspects.Of(this).Add(new ComponentNameTags());

    protected override string AllocateLogicalId(CfnElement cfnElement) => ComponentNames.LogicalId(this, cfnElement);
}

/// <summary>Names with components left out: the CDK's own algorithm (aws-cdk-lib core/lib/private/uniqueid.ts) over
/// the path without component ids.</summary>
public static partial class ComponentNames
{
    private const string HiddenId = "Default";
    private const string HiddenFromHumanId = "Resource";
    private const int MaxHumanLength = 240;
    private const int MaxIdLength = 255;

    public static string LogicalId(Stack stack, CfnElement element)
    {
        var scopes = element.Node.Scopes;
        var stackIndex = Array.FindIndex(scopes, s => ReferenceEquals(s, stack) || s.Node.Path == stack.Node.Path);
        var components = scopes.Skip(stackIndex + 1).Where(s => s is not Component).Select(s => s.Node.Id).ToList();
        return MakeUniqueId(components);
    }

    /// <summary>The construct's path without the ids of components: what <c>Node.Path</c> was before components.</summary>
    public static string Path(IConstruct construct) =>
        string.Join('/', construct.Node.Scopes.Skip(1).Where(s => s is not Component).Select(s => s.Node.Id));

    private static string MakeUniqueId(List<string> components)
    {
        components = components.Where(c => c != HiddenId).ToList();
        if (components.Count == 0) throw new ArgumentException("Unable to calculate a unique id for an empty set of components");
        if (components.Count == 1 && NonAlphanumeric().Replace(components[0], "") is { Length: <= MaxIdLength } single)
            return single;
        var hash = Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(string.Join('/', components))))[..8].ToUpperInvariant();
        var deduplicated = new List<string>();
        foreach (var c in components)
            if (deduplicated.Count == 0 || !deduplicated[^1].EndsWith(c, StringComparison.Ordinal)) deduplicated.Add(c);
        var human = string.Concat(deduplicated.Where(c => c != HiddenFromHumanId).Select(c => NonAlphanumeric().Replace(c, "")));
        return human[..Math.Min(human.Length, MaxHumanLength)] + hash;
    }

    [GeneratedRegex("[^A-Za-z0-9]")]
    private static partial Regex NonAlphanumeric();
}

/// <summary>
/// The CDK tags subnets, route tables, NAT instances, launch templates and certificates with <c>Name</c> = their
/// construct path (or their L2 parent's). Under a component, that path gains the component's id; this aspect adds the path without it as a
/// later tag of the same key on the same construct, which wins. A Name someone set explicitly (not the path) is kept.
/// </summary>
internal sealed class ComponentNameTags : DeputyBase, IAspect
{
    public void Visit(IConstruct node)
    {
        // Only the outermost component: it covers everything under it, nested components included.
        if (node is not Component || node.Node.Scopes.SkipLast(1).Any(s => s is Component)) return;
        foreach (var construct in node.Node.FindAll())
        {
            var nameTags = Aspects.Of(construct).All.OfType<Tag>().Where(t => t.Key == "Name").ToList();
            if (nameTags.Count == 0) continue;
            // The path of the construct itself or of one of its scopes (a certificate tags its CfnCertificate with its own path).
            var named = construct.Node.Scopes.LastOrDefault(s => s.Node.Path == nameTags[^1].Value);
            if (named is null) continue;
            var path = ComponentNames.Path(named);
            if (path != named.Node.Path) Tags.Of(construct).Add("Name", path);
        }
    }
}
