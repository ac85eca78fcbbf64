using Groundwork.Infra.UserData;
using Groundwork.UserData;

namespace Groundwork.Infra.Tests;

/// <summary>The renderer every user data template goes through: named placeholders, loud about a mismatch, data quoted.</summary>
public sealed class ShellTemplateTests
{
    [Fact]
    public void Fills_verbatim_and_quoted_placeholders_in_one_pass()
    {
        var template = new ShellTemplate("t.sh", "#!/bin/bash\nBUCKET={{Bucket:quoted}}\nsleep {{Seconds}}\necho {{Text:quoted}}\n");
        var text = template.Render(new Dictionary<string, string> { ["Bucket"] = "my-bucket", ["Seconds"] = "5", ["Text"] = "{{Seconds}}" });
        // A value that looks like a placeholder is data, never rendered again.
        Assert.Equal("#!/bin/bash\nBUCKET='my-bucket'\nsleep 5\necho '{{Seconds}}'\n", text);
    }

    [Fact]
    public async Task A_quoted_value_reaches_the_shell_unchanged_whatever_it_holds()
    {
        var nasty = "it's $(reboot) `id` \"x\" \\ ; | &";
        var text = new ShellTemplate("t.sh", "printf '%s' {{Value:quoted}}\n").Render(new Dictionary<string, string> { ["Value"] = nasty });
        var start = new System.Diagnostics.ProcessStartInfo("bash", ["-c", text]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(nasty, output);
    }

    [Fact]
    public void Fails_on_a_placeholder_without_a_value()
    {
        var template = new ShellTemplate("t.sh", "echo {{A}} {{B:quoted}}\n");
        var error = Assert.Throws<InvalidOperationException>(() => template.Render(new Dictionary<string, string> { ["A"] = "a" }));
        Assert.Contains("{{B}}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fails_on_a_value_no_placeholder_takes()
    {
        var template = new ShellTemplate("t.sh", "echo {{A}}\n");
        var error = Assert.Throws<InvalidOperationException>(() => template.Render(new Dictionary<string, string> { ["A"] = "a", ["Typo"] = "b" }));
        Assert.Contains("Typo", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("echo {{ A }}\n")]
    [InlineData("echo {{A:quote}}\n")]
    [InlineData("echo {{A}\n")]
    [InlineData("echo {{1A}}\n")]
    public void Fails_on_a_malformed_placeholder(string text) =>
        Assert.Throws<InvalidOperationException>(() => new ShellTemplate("t.sh", text));

    [Fact]
    public void Template_comments_are_not_rendered()
    {
        var template = new ShellTemplate("t.sh", "## why this runs first\nset -e\n  ## indented note\necho # a shell comment stays\n");
        Assert.Equal("set -e\necho # a shell comment stays\n", template.Render(new Dictionary<string, string>()));
    }

    [Fact]
    public void Every_embedded_template_loads()
    {
        // A malformed placeholder fails at load: load them all (the app server's and the tool hosts').
        Assert.NotEmpty(ToolUserData.Template("jenkins-controller.sh").Placeholders);
        foreach (var name in new[] { "jenkins-agent.sh", "sentry.sh", "metabase.sh" })
            Assert.NotEmpty(ToolUserData.Template(name).Placeholders);
        Assert.Throws<InvalidOperationException>(() => ToolUserData.Template("no-such-template.sh"));
    }
}
