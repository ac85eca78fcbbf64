using System.CommandLine;
using Groundwork.Deploy.Aws;
using Groundwork.Deploy.Environments;
using Spectre.Console;

namespace Groundwork.Deploy.Cli;

/// <summary><c>init</c>: an environment file from a new account's values, and the commands that come next.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var environment = CliOptions.Environment(DeployEnvironment.InAws,
            "Which file: staging, production, or management (the shared Jenkins/Sentry VPC; init it first)");
        var account = new Option<string>("--account") { Description = "AWS account id (12 digits)", Required = true };
        var region = new Option<string>("--region") { Description = "AWS region, e.g. eu-west-1", Required = true };
        var domain = new Option<string>("--domain") { Description = "The environment's DNS name (management: the zone Sentry's name lives in)", Required = true };
        var zone = new Option<string?>("--hosted-zone-id") { Description = "Route 53 public hosted zone of --domain (needed when the domain changes)" };
        var zones = new Option<string?>("--availability-zones") { Description = "Two zones, comma-separated (default on a region change: <region>a,<region>b)" };
        Option<string[]> List(string name, string description) => new(name)
        {
            Description = description + " (repeat the option; replaces the file's list)",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var adminEmail = List("--admin-email", "An admin allowlisted by email");
        var adminDomain = List("--admin-domain", "An email domain whose users are admins");
        var alarmEmail = List("--alarm-email", "Who the alarm topic emails");
        var bastionCidr = List("--bastion-cidr", "An IPv4 network allowed to SSH to the bastion");
        var ami = new Option<string?>("--tool-host-ami") { Description = "management: the Amazon Linux 2023 AMI of Jenkins and Sentry in --region" };
        var directory = new Option<string?>("--environments-dir") { Description = "Folder of the environment files (default: <repo>/src/Groundwork.Infra/environments)" };
        var command = new Command("init", "Write or update an environment file for an AWS account, check it, and print the bootstrap and deploy commands")
        {
            environment, account, region, domain, zone, zones, adminEmail, adminDomain, alarmEmail, bastionCidr, ami, directory,
        };
        command.SetAction(parse =>
        {
            string[]? Given(Option<string[]> option) => parse.GetResult(option) is null ? null : parse.GetValue(option);
            var folder = Path.GetFullPath(parse.GetValue(directory) ?? Path.Combine(Repository.Find().Root, "src", "Groundwork.Infra", "environments"));
            var request = new InitRequest(parse.GetValue(environment)!, parse.GetValue(account)!.Trim(), parse.GetValue(region)!.Trim(), parse.GetValue(domain)!,
                parse.GetValue(zone),
                parse.GetValue(zones)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Given(adminEmail), Given(adminDomain), Given(alarmEmail), Given(bastionCidr), parse.GetValue(ami));
            var result = EnvironmentInit.Apply(folder, request);
            PrintNextSteps(request, result);
            return 0;
        });
        return command;
    }

    private static void PrintNextSteps(InitRequest request, InitResult result)
    {
        AnsiConsole.MarkupLineInterpolated(
            $"[green]wrote[/] {result.Path} ({(result.Changed.Count == 0 ? "no change" : "changed: " + string.Join(", ", result.Changed))})");
        foreach (var placeholder in result.Placeholders)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]placeholder[/] {placeholder}: nobody receives mail or serves a site under .example; set it before production use");
        }
        foreach (var note in result.Notes)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]next[/] {note}");
        }
        var (a, r) = (request.Account, request.Region);
        var cdk = $"npx --yes {AwsDeployPlan.CdkCli}";
        // After management, the first environment to deploy to is staging.
        var firstDeploy = request.Environment.IsManagement ? DeployEnvironment.Staging : request.Environment;
        // Plain lines: they are commands to copy.
        Console.WriteLine($"""
            Then, with administrator credentials for account {a} (once per account):
              1. bootstrap the CDK in {r} and in {AwsEnvironment.CloudFrontRegion} (CloudFront's certificate and the site stack live there):
                 {cdk} bootstrap aws://{a}/{r} aws://{a}/{AwsEnvironment.CloudFrontRegion}
              2. the management stack (VPC, Jenkins, Sentry, the artifacts bucket, one deploy role per environment):
                 {cdk} deploy Groundwork-management --exclusively
            Then from Jenkins (the migrate step reaches the database only over the management VPC's peering):
              3. groundwork-build (BRANCH=main): tests, builds and publishes a version to s3://groundwork-artifacts-{a}-{r}
              4. groundwork-deploy (ENVIRONMENT={firstDeploy}, VERSION=<the version from 3>); the first deploy creates every stack of the environment:
                 dotnet run --project src/Groundwork.Deploy -- deploy --env {firstDeploy} --version <version>
              5. a rollback: groundwork-deploy with ROLLBACK ticked (the previous version, from its own commit)
            Commit the environment file: the deploy job reads it from the commit it deploys.
            """);
    }
}
