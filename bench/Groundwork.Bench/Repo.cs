using CliWrap;
using CliWrap.Buffered;
using Groundwork.Workspace;

namespace Groundwork.Bench;

/// <summary>Where the repository is and which commit is measured (results are named after it).</summary>
public static class Repo
{
    public static string Root => RepositoryRoot.Current;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static string ShortCommit()
    {
        try
        {
            var git = Cli.Wrap("git").WithArguments(["-C", Root, "rev-parse", "--short", "HEAD"])
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync().GetAwaiter().GetResult();
            var sha = git.StandardOutput.Trim();
            return git.ExitCode == 0 && sha.Length > 0 ? sha : "nogit";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception || e.InnerException is System.ComponentModel.Win32Exception)
        {
            return "nogit";
        }
    }
}
