using Groundwork.Deploy.Cli;
using Groundwork.Deploy.Processes;

namespace Groundwork.Deploy.Aws;

/// <summary>
/// <c>deploy --env staging|production</c>: runs the <see cref="AwsDeployPlan"/> steps in order (the caller has
/// resolved credentials before, <see cref="AwsCredentials.RequireAsync"/>) and stops at the first failure. The CloudFormation rolling update itself
/// rolls back a version whose instances never signal healthy.
/// </summary>
internal static class AwsDeploy
{
    public static async Task RunAsync(AwsEnvironment environment, string version, TimeSpan migrationTimeout, Action<string> step, CancellationToken cancellationToken)
    {
        var repository = Repository.Find();
        var steps = AwsDeployPlan.For(environment, version, migrationTimeout);
        for (var i = 0; i < steps.Count; i++)
        {
            step($"[{i + 1}/{steps.Count}] {steps[i].Title}");
            var result = await ProcessRunner.RunAsync("bash", ["-c", "set -euo pipefail; " + steps[i].Command], repository.Root,
                new Dictionary<string, string?> { ["AWS_REGION"] = environment.Region }, cancellationToken);
            if (!result.Succeeded)
            {
                throw new DeployException($"step {i + 1} ({steps[i].Title}) failed: {result.LastLine}");
            }
        }
    }
}
