using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Constructs;
using Groundwork.Infra.Configuration;
using Groundwork.Infra.BuildingBlocks;

namespace Groundwork.Infra.Components;

/// <param name="AssumedBy">The Jenkins jobs' role: the only principal that may assume this one.</param>
public sealed record DeployRoleProps(EnvironmentSettings Environment, Role AssumedBy, IBucket Artifacts);

/// <summary>
/// The role Jenkins' deploy job assumes for one environment: it may only drive the CDK bootstrap roles of that
/// environment's account and regions and read versioned artifacts. Everything else it may do (read the database secrets
/// for migrate and rotate-credentials, sync the web build, invalidate CloudFront) is granted by the environment's own
/// stacks on their exact resources (<see cref="DeployAccess"/>).
/// </summary>
public sealed class DeployRole : Component
{
    public Role Role { get; }

    public DeployRole(Construct scope, string id, DeployRoleProps props) : base(scope, id)
    {
        var environment = props.Environment;
        Role = new Role(this, $"DeployRole-{environment.Name}", new RoleProps
        {
            RoleName = DeployAccess.RoleName(environment.Name),
            AssumedBy = new ArnPrincipal(props.AssumedBy.RoleArn),
            Description = $"Assumed by Jenkins to deploy Groundwork to {environment.Name}",
            MaxSessionDuration = Duration.Hours(2),
        });
        var regions = new[] { environment.Region, StaticSite.CloudFrontRegion }.Distinct().ToList();
        var bootstrapRoles = regions.Select(r => $"arn:aws:iam::{environment.Account}:role/cdk-hnb659fds-*-{environment.Account}-{r}").ToArray();
        Role.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["sts:AssumeRole"], Resources = bootstrapRoles }));
        props.Artifacts.GrantRead(Role, "groundwork-*");
        props.AssumedBy.AddToPolicy(new PolicyStatement(new PolicyStatementProps { Actions = ["sts:AssumeRole"], Resources = [Role.RoleArn] }));
        Nag.Suppress(Role, new NagSuppression("AwsSolutions-IAM5",
            "The deploy role may assume only the CDK bootstrap roles (deploy, file-publishing, lookup) of its own environment's account and regions, and read versioned artifacts.",
            bootstrapRoles.Select(r => $"Resource::{r}")
                .Concat(["Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
                    $"Resource::<{Nag.LogicalId(props.Artifacts)}.Arn>/groundwork-*"]).ToArray()));
    }
}
