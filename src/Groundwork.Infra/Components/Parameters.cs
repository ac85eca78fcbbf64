using Amazon.CDK.AWS.SSM;
using Constructs;

namespace Groundwork.Infra.Components;

/// <summary>
/// Parameters: the non-secret configuration an environment publishes in SSM Parameter Store under its path
/// (<c>/groundwork/&lt;env&gt;/...</c>): endpoints, names, the ALB's ARN. App servers and the deploy tool read them;
/// secrets never go here (Secrets Manager).
/// </summary>
public sealed class Parameters(Construct scope, string id, string path) : Component(scope, id)
{
    public string Path { get; } = path;

    /// <summary>The ARN matching every parameter under <paramref name="prefix"/> (for a least-privilege read grant).</summary>
    public static string Arn(string region, string account, string path, string prefix = "") =>
        $"arn:aws:ssm:{region}:{account}:parameter{path}/{prefix}*";

    public StringParameter Add(string name, string value, string description) =>
        new(this, name.Replace("/", "-"), new StringParameterProps
        {
            ParameterName = $"{Path}/{name}", StringValue = value, Description = description,
        });
}
