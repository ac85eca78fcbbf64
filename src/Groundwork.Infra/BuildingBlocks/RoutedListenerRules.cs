using Amazon.CDK;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2.Actions;
using Amazon.CDK.AWS.Cognito;
using Constructs;

namespace Groundwork.Infra.BuildingBlocks;

/// <summary>
/// Generates the HTTPS listener's rules from config/routing.json, so the ALB and the local edge route alike.
/// Rules that authenticate sign the user in with Cognito (ALB authenticate-cognito) before forwarding.
/// </summary>
public static class RoutedListenerRules
{
    public sealed record CognitoSignIn(IUserPool UserPool, IUserPoolClient Client, IUserPoolDomain Domain);

    public static void Apply(ApplicationListener listener, RoutingRules routing,
        IReadOnlyDictionary<string, IApplicationTargetGroup> targets, CognitoSignIn signIn)
    {
        IApplicationTargetGroup Target(string name) => targets.TryGetValue(name, out var tg)
            ? tg : throw new InvalidDataException($"routing.json names an unknown target '{name}'.");

        foreach (var rule in routing.InPriorityOrder)
        {
            var conditions = new List<ListenerCondition>();
            if (rule.PathPatterns.Count > 0) conditions.Add(ListenerCondition.PathPatterns(rule.PathPatterns.ToArray()));
            if (rule.HostHeaders.Count > 0) conditions.Add(ListenerCondition.HostHeaders(rule.HostHeaders.ToArray()));

            ListenerAction action = rule.Action == ListenerRuleSpec.NotFound
                ? ListenerAction.FixedResponse(404, new FixedResponseOptions { ContentType = "text/plain", MessageBody = "Not Found" })
                : ListenerAction.Forward([Target(rule.Target!)]);
            if (rule.Authenticate)
            {
                action = new AuthenticateCognitoAction(new AuthenticateCognitoActionProps
                {
                    UserPool = signIn.UserPool,
                    UserPoolClient = signIn.Client,
                    UserPoolDomain = signIn.Domain,
                    Scope = "openid email",
                    OnUnauthenticatedRequest = UnauthenticatedAction.AUTHENTICATE,
                    // The ALB's session outlives the Cognito tokens (default 7 days): a bounded session means someone
                    // taken off the allowlist passes the Cognito trigger again within a working day, at the latest.
                    SessionTimeout = Duration.Hours(12),
                    Next = action,
                });
            }

            new ApplicationListenerRule(listener, $"Rule-{rule.Name}", new ApplicationListenerRuleProps
            {
                Listener = listener,
                Priority = rule.Priority,
                Conditions = conditions.ToArray(),
                Action = action,
            });
        }
    }
}
