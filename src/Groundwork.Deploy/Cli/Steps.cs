using Spectre.Console;

namespace Groundwork.Deploy.Cli;

/// <summary>Progress for long steps (Spectre status spinner on a terminal, plain lines in Jenkins logs).</summary>
internal static class Steps
{
    public static async Task<T> RunAsync<T>(string title, Func<Action<string>, Task<T>> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // CI logs: one timestamped line a step, no spinner frames.
            return await work(step => AnsiConsole.MarkupLineInterpolated($"[grey]{DateTime.UtcNow:HH:mm:ss}[/] {step}"));
        }
        return await AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync(title, async context =>
            await work(step =>
            {
                AnsiConsole.MarkupLineInterpolated($"[grey]{DateTime.UtcNow:HH:mm:ss}[/] {step}");
                context.Status(Markup.Escape(step));
            }));
    }
}
