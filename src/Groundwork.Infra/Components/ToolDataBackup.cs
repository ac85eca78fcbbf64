using Amazon.CDK;
using Amazon.CDK.AWS.Backup;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Groundwork.Infra.BuildingBlocks;
using BackupSchedule = Amazon.CDK.AWS.Events.Schedule;
using CronOptions = Amazon.CDK.AWS.Events.CronOptions;

namespace Groundwork.Infra.Components;

public sealed record ToolDataBackupProps(IReadOnlyList<Volume> Volumes)
{
    public int RetentionDays { get; init; } = 30;
}

/// <summary>AWS Backup snapshots the tool hosts' data volumes every night and keeps them for the configured days; the vault is retained.</summary>
public sealed class ToolDataBackup : Component
{
    public ToolDataBackup(Construct scope, string id, ToolDataBackupProps props) : base(scope, id)
    {
        var vault = new BackupVault(this, "ToolDataVault", new BackupVaultProps
        {
            BackupVaultName = "groundwork-tool-data",
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        var plan = new BackupPlan(this, "ToolDataBackup", new BackupPlanProps
        {
            BackupPlanName = "groundwork-tool-data",
            BackupVault = vault,
            BackupPlanRules =
            [
                new BackupPlanRule(new BackupPlanRuleProps
                {
                    RuleName = "Daily",
                    ScheduleExpression = BackupSchedule.Cron(new CronOptions { Hour = "3", Minute = "0" }),
                    StartWindow = Duration.Hours(1),
                    CompletionWindow = Duration.Hours(8),
                    DeleteAfter = Duration.Days(props.RetentionDays),
                }),
            ],
        });
        var stack = Stack.Of(this);
        var selection = plan.AddSelection("ToolDataVolumes", new BackupSelectionOptions
        {
            BackupSelectionName = "tool-data-volumes",
            Resources = props.Volumes.Select(v => BackupResource.FromArn($"arn:aws:ec2:{stack.Region}:{stack.Account}:volume/{v.VolumeId}")).ToArray(),
        });
        Nag.Suppress(selection, new NagSuppression("AwsSolutions-IAM4",
            "AWSBackupServiceRolePolicyForBackup is the AWS-maintained policy AWS Backup needs to snapshot EBS volumes; a copy would drift.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"));
    }
}
