using Amazon.CDK.AWS.IAM;
using Constructs;
using Groundwork.Infra.Configuration;

namespace Groundwork.Infra.BuildingBlocks;

/// <summary>
/// What the environment's deploy role (created by the management stack, assumed by Jenkins) may do to the resources of
/// one stack, granted in that stack: only there are the exact ARNs known (the RDS-managed secret, the distribution).
/// The policy is attached to the role by name, so the management stack needs no reference to environment resources.
/// </summary>
public static class DeployAccess
{
    public static string RoleName(string environment) => $"groundwork-{environment}-deploy";

    public static Policy Grant(Construct scope, string id, EnvironmentSettings env, params PolicyStatement[] statements)
    {
        var role = Role.FromRoleName(scope, $"{id}Role", RoleName(env.Name), new FromRoleNameOptions { Mutable = true });
        return new Policy(scope, id, new PolicyProps
        {
            PolicyName = $"groundwork-{env.Name}-deploy-{id.ToLowerInvariant()}",
            Roles = [role],
            Statements = statements,
        });
    }
}
