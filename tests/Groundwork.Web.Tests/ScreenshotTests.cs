using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Groundwork.Web.Tests;

/// <summary>
/// The screenshots in docs/screenshots, taken from the real pages so they stay true. Every run takes them (into
/// TestResults/screenshots); with GROUNDWORK_SCREENSHOTS=1 they also replace docs/screenshots/*.png:
/// <c>GROUNDWORK_SCREENSHOTS=1 dotnet test tests/Groundwork.Web.Tests --filter Category=Screenshots</c>.
/// </summary>
[Collection(WebCollection.Name)]
[Trait("Category", "Screenshots")]
public sealed class ScreenshotTests(WebStack web)
{
    private static bool UpdateDocs => Environment.GetEnvironmentVariable("GROUNDWORK_SCREENSHOTS") == "1";

    private static async Task SaveAsync(IPage page, string name, bool forDocs = true)
    {
        var directory = Path.Combine(WebTestPaths.TestResults, "screenshots");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, name + ".png");
        await page.ScreenshotAsync(new() { Path = file, FullPage = true, Animations = ScreenshotAnimations.Disabled });
        Assert.True(new FileInfo(file).Length > 5_000, $"{name}.png is suspiciously small");
        if (UpdateDocs && forDocs)
        {
            Directory.CreateDirectory(WebTestPaths.Screenshots);
            File.Copy(file, Path.Combine(WebTestPaths.Screenshots, name + ".png"), overwrite: true);
        }
    }

    [Fact]
    public async Task Home_stats_and_admin_pages()
    {
        var featured = await web.CreateLinkAsync("https://example.com/blog/2026/launch-announcement?utm_source=newsletter", WebStack.UniqueSlug("launch"));
        await web.CreateLinkAsync("https://example.com/docs/getting-started");
        await web.CreateLinkAsync("https://example.com/pricing");
        // A few clicks for the chart (each GET of the short link counts one).
        for (var i = 0; i < 3; i++)
        {
            using var _ = await web.GetShortLinkAsync(featured.Slug);
        }

        await using var session = await web.OpenAsync(nameof(Home_stats_and_admin_pages), new() { ViewportSize = new() { Width = 1024, Height = 720 } });
        await session.RunAsync(async page =>
        {
            await page.GotoAsync("/");
            await page.GetByLabel("Long URL").FillAsync("https://example.com/a/rather/long/article/address?utm_campaign=autumn");
            await page.GetByRole(AriaRole.Button, new() { Name = "Shorten" }).ClickAsync();
            await Expect(page.GetByTestId("short-url")).ToBeVisibleAsync();
            await page.Locator("body").FocusAsync(); // no focus ring in the picture
            await SaveAsync(page, "home");

            await page.GotoAsync($"/s/{featured.Slug}");
            var total = page.GetByTestId("total-clicks");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            await Expect(total).ToBeVisibleAsync();
            while (await total.TextContentAsync() != "3" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
                await page.ReloadAsync();
                await Expect(total).ToBeVisibleAsync();
            }
            await Expect(total).ToHaveTextAsync("3");
            await Expect(page.Locator("svg.chart rect.bar")).ToHaveCountAsync(1);
            await SaveAsync(page, "stats");

            await BrowserSignIn.SignInAsync(page);
            var row = page.Locator($"#links-table tr[data-slug='{featured.Slug}']");
            await row.GetByRole(AriaRole.Button, new() { Name = $"Disable /{featured.Slug}" }).ClickAsync();
            await page.GetByTestId("confirm").ClickAsync();
            await Expect(row).ToContainTextAsync("Disabled");
            await row.GetByRole(AriaRole.Button, new() { Name = $"Enable /{featured.Slug}" }).ClickAsync();
            await page.GetByTestId("confirm").ClickAsync();
            await Expect(row).ToContainTextAsync("Active");
            await page.Locator("body").FocusAsync();
            await SaveAsync(page, "admin");
        });

        // For review only (TestResults): the dark scheme and a phone.
        await using var dark = await web.OpenAsync("screenshots-dark", new() { ColorScheme = ColorScheme.Dark, ViewportSize = new() { Width = 1024, Height = 720 } });
        await dark.RunAsync(async page =>
        {
            await page.GotoAsync($"/s/{featured.Slug}");
            await Expect(page.Locator("svg.chart rect.bar")).ToHaveCountAsync(1);
            await SaveAsync(page, "stats-dark", forDocs: false);
        });
        await using var phone = await web.OpenAsync("screenshots-phone", new() { ViewportSize = new() { Width = 360, Height = 740 }, IsMobile = true, HasTouch = true });
        await phone.RunAsync(async page =>
        {
            await page.GotoAsync($"/s/{featured.Slug}");
            await Expect(page.Locator("svg.chart rect.bar")).ToHaveCountAsync(1);
            await SaveAsync(page, "stats-phone", forDocs: false);
            await BrowserSignIn.SignInAsync(page);
            await Expect(page.Locator("#links-table tbody tr").First).ToBeVisibleAsync();
            await SaveAsync(page, "admin-phone", forDocs: false);
        });
    }
}
