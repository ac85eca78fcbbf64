using System.Diagnostics;
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
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", Root, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var sha = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && sha.Length > 0 ? sha : "nogit";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "nogit";
        }
    }
}
