using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Groundwork.Web.Tests;

/// <summary>
/// A fresh browser context for one test: its own cookies, a fixed viewport/locale/time zone, the console errors
/// and every request host it saw (so a test can say the page loaded nothing from elsewhere and broke no CSP rule),
/// and a screenshot in TestResults when the test fails.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly string testName;
    private readonly ConcurrentQueue<string> consoleErrors = new();
    private readonly ConcurrentQueue<string> requestedUrls = new();

    private BrowserSession(IBrowserContext context, IPage page, string testName)
    {
        Context = context;
        Page = page;
        this.testName = testName;
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }
    public IReadOnlyCollection<string> ConsoleErrors => consoleErrors;
    public IReadOnlyCollection<string> RequestedUrls => requestedUrls;

    public static async Task<BrowserSession> OpenAsync(WebStack web, string testName, BrowserNewContextOptions? options)
    {
        options ??= new BrowserNewContextOptions();
        options.BaseURL = web.EdgeUrl.ToString().TrimEnd('/');
        options.Locale ??= "en-US";
        options.TimezoneId ??= "UTC";
        options.ViewportSize ??= new ViewportSize { Width = 1280, Height = 800 };
        var context = await web.Browser.NewContextAsync(options);
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var session = new BrowserSession(context, page, testName);
        page.Console += (_, message) =>
        {
            // A failed fetch is logged by Chromium as "Failed to load resource": the app shows those to the user itself.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                session.consoleErrors.Enqueue(message.Text);
            }
        };
        page.PageError += (_, error) => session.consoleErrors.Enqueue("page error: " + error);
        context.Request += (_, request) => session.requestedUrls.Enqueue(request.Url);
        return session;
    }

    /// <summary>Runs the test body; on failure saves a full-page screenshot to TestResults/failures before rethrowing.</summary>
    public async Task RunAsync(Func<IPage, Task> body)
    {
        try
        {
            await body(Page);
        }
        catch
        {
            var directory = Path.Combine(WebTestPaths.TestResults, "failures");
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, $"{testName}-{DateTime.UtcNow:HHmmss}.png");
            try
            {
                await Page.ScreenshotAsync(new() { Path = file, FullPage = true, Timeout = 10_000 });
                Console.WriteLine($"Screenshot of the failed test {testName}: {file}");
            }
            catch (PlaywrightException)
            {
                // The page may be gone (crashed or closed); the test's own exception says more.
            }
            throw;
        }
    }

    /// <summary>The page broke no CSP rule, threw nothing, and requested nothing but the edge (and the stubbed target).</summary>
    public void AssertCleanRun(Uri edgeUrl)
    {
        Assert.True(consoleErrors.IsEmpty, "console errors: " + string.Join(" | ", consoleErrors));
        var foreign = requestedUrls.Where(u => !u.StartsWith(edgeUrl.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            && !u.StartsWith($"http://{StubTarget.Host}/", StringComparison.Ordinal)).ToList();
        Assert.True(foreign.Count == 0, "requests off the edge: " + string.Join(", ", foreign));
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
