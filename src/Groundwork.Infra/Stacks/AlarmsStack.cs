using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Constructs;
using Groundwork.Infra.Components;
using Groundwork.Infra.Configuration;

namespace Groundwork.Infra.Stacks;

/// <summary>CloudWatch alarms on the ALB, the app targets, RDS and Redis, all notifying the environment's SNS topic.</summary>
public sealed class AlarmsStack : ComponentStack
{
    public AlarmsStack(Construct scope, string id, EnvironmentSettings env, AppStack app, DataStack data,
        MonitoringStack monitoring, IStackProps props) : base(scope, id, props)
    {
        var notify = new SnsAction(monitoring.AlarmTopic);
        void Alarm(string name, IMetric metric, double threshold, ComparisonOperator comparison, string description, int periods = 3)
        {
            var alarm = new Alarm(this, name, new AlarmProps
            {
                AlarmName = $"groundwork-{env.Name}-{name}",
                AlarmDescription = description,
                Metric = metric,
                Threshold = threshold,
                ComparisonOperator = comparison,
                EvaluationPeriods = periods,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });
            alarm.AddAlarmAction(notify);
            alarm.AddOkAction(notify);
        }

        var fiveMinutes = Duration.Minutes(5);
        Alarm("alb-5xx", app.Alb.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Period = Duration.Minutes(1), Statistic = "Sum" }),
            10, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, "The ALB answered 5xx (no healthy target, timeouts)");
        Alarm("target-5xx", app.AppTargets.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Period = Duration.Minutes(1), Statistic = "Sum" }),
            10, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, "The app servers answered 5xx");
        Alarm("unhealthy-targets", app.AppTargets.Metrics.UnhealthyHostCount(new MetricOptions { Period = Duration.Minutes(1), Statistic = "Maximum" }),
            1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, "An app server fails /health/ready");
        Alarm("rds-cpu", data.Primary.MetricCPUUtilization(new MetricOptions { Period = fiveMinutes }),
            80, ComparisonOperator.GREATER_THAN_THRESHOLD, "MySQL primary CPU above 80%");
        Alarm("rds-free-storage", data.Primary.MetricFreeStorageSpace(new MetricOptions { Period = fiveMinutes }),
            5L * 1024 * 1024 * 1024, ComparisonOperator.LESS_THAN_THRESHOLD, "MySQL primary has less than 5 GiB free", periods: 1);
        Alarm("replica-lag", data.Replica.Metric("ReplicaLag", new MetricOptions { Period = Duration.Minutes(1), Statistic = "Maximum" }),
            30, ComparisonOperator.GREATER_THAN_THRESHOLD, "The read replica is more than 30 s behind the primary");
        var cacheDimensions = new Dictionary<string, string> { ["ReplicationGroupId"] = data.Cache.ReplicationGroupId! };
        Alarm("redis-memory", new Metric(new MetricProps
            {
                Namespace = "AWS/ElastiCache", MetricName = "DatabaseMemoryUsagePercentage", DimensionsMap = cacheDimensions,
                Period = fiveMinutes, Statistic = "Maximum",
            }),
            80, ComparisonOperator.GREATER_THAN_THRESHOLD, "Redis memory above 80%");
        Alarm("redis-evictions", new Metric(new MetricProps
            {
                Namespace = "AWS/ElastiCache", MetricName = "Evictions", DimensionsMap = cacheDimensions,
                Period = fiveMinutes, Statistic = "Sum",
            }),
            100, ComparisonOperator.GREATER_THAN_THRESHOLD, "Redis evicts keys (cache too small)");
    }
}
