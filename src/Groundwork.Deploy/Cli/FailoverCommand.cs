using System.CommandLine;
using Groundwork.Deploy.Environments;
using Groundwork.Deploy.Local;
using Groundwork.LocalServers;
using Spectre.Console;

namespace Groundwork.Deploy.Cli;

/// <summary>
/// failover: what an RDS Multi-AZ failover does to the primary, on demand. Locally the tool does it itself on the
/// running stack's mariadbd pair (<see cref="DataTierFailover"/>); for staging and production RDS does it, and the
/// tool prints the command (it is not run from here: forcing a failover of production is an operator's decision).
/// </summary>
internal static class FailoverCommand
{
    public static Command Create()
    {
        var environment = CliOptions.DeployTarget();
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the steps (for AWS: the RDS command) without changing anything" };
        var command = new Command("failover",
            "Fail the primary database over to the replica as RDS Multi-AZ does (local: promote the replica, move the endpoint, the old primary rejoins as replica; running it again fails back)")
        {
            environment, dryRun,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var env = parse.GetValue(environment)!;
            if (!env.IsLocal)
            {
                PrintAwsFailoverPlan(env);
                return 0;
            }
            var dataDirectory = CliOptions.LocalDataDirectory(parse);
            LocalStackManifest.Read(dataDirectory); // the stack must run: the AppHost owns the endpoints that move
            DataTierLayout layout;
            try
            {
                layout = await DataTierLayout.DiscoverAsync(dataDirectory, cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                throw new DeployException($"No running data tier: {e.Message}");
            }
            if (parse.GetValue(dryRun))
            {
                PrintLocalFailoverPlan(layout);
                return 0;
            }
            AnsiConsole.MarkupLineInterpolated($"Failing over: {layout.Primary} is primary, {layout.Replica} is replica");
            FailoverResult result;
            try
            {
                result = await new DataTierFailover(layout, step =>
                        AnsiConsole.MarkupLineInterpolated($"[grey]{DateTime.UtcNow:HH:mm:ss.fff}[/] {step.Name} ({step.Took.TotalMilliseconds:F0} ms): {step.Detail}"))
                    .RunAsync(cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or MySqlConnector.MySqlException)
            {
                throw new DeployException($"failover failed: {e.Message}");
            }
            AnsiConsole.MarkupLineInterpolated(
                $"writes were refused for {result.WritesStopped.TotalSeconds:F2} s; the rejoined replica caught up in {result.ReplicaCatchUpAfterRejoin.TotalMilliseconds:F0} ms; total {result.Total.TotalSeconds:F2} s");
            AnsiConsole.MarkupLineInterpolated($"[green]failed over[/]: {result.Summary}");
            return 0;
        });
        return command;
    }

    private static void PrintLocalFailoverPlan(DataTierLayout layout)
    {
        Console.WriteLine($"Plan (local, not executed): {layout.Primary} → replica, {layout.Replica} → primary");
        string[] steps =
        [
            $"SET GLOBAL read_only = 1 on {layout.Primary}; KILL CONNECTION for every client session there",
            $"wait until {layout.Replica} applied the old primary's @@gtid_binlog_pos (MASTER_GTID_WAIT)",
            $"promote {layout.Replica}: STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0",
            "move the primary endpoint (roles.json; the AppHost resets the connections through it)",
            $"{layout.Primary}: SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos; CHANGE MASTER TO {layout.Replica} MASTER_USE_GTID=slave_pos; START SLAVE",
            "move the replica endpoint to the rejoined server; check IO/SQL threads and read_only",
        ];
        for (var i = 0; i < steps.Length; i++)
        {
            Console.WriteLine($"  {i + 1}. {steps[i]}");
        }
    }

    private static void PrintAwsFailoverPlan(DeployEnvironment env)
    {
        // Plain lines: the operator copies the command.
        Console.WriteLine($"Plan ({env}, not executed by this tool): RDS performs the Multi-AZ failover itself");
        Console.WriteLine($"  aws rds reboot-db-instance --db-instance-identifier groundwork-{env}-primary --force-failover");
        Console.WriteLine("  RDS promotes the standby in the other AZ and points the writer endpoint's DNS name at it (60-120 s);");
        Console.WriteLine("  the app servers' pools notice through DNS Check Interval and connection errors, clear, and reconnect;");
        Console.WriteLine("  the read replica keeps replicating from the new primary (same endpoint name). Writes answer 503 + Retry-After meanwhile.");
    }
}
