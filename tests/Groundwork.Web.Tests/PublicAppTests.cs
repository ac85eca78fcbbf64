using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Groundwork.Web.Tests;

/// <summary>The public web app in Chromium, served by the edge from web/dist, against the real Api tier.</summary>
[Collection(WebCollection.Name)]
public sealed class PublicAppTests(WebStack web)
{
    [Fact]
    public async Task Creating_a_link_shows_the_short_url_which_redirects_to_the_target()
    {
        await using var session = await web.OpenAsync(nameof(Creating_a_link_shows_the_short_url_which_redirects_to_the_target),
            new() { Permissions = ["clipboard-read", "clipboard-write"] });
        await session.RunAsync(async page =>
        {
            var target = StubTarget.NewUrl("landing");
            await page.GotoAsync("/");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Shorten a link" })).ToBeVisibleAsync();

            await page.GetByLabel("Long URL").FillAsync(target);
            await page.GetByRole(AriaRole.Button, new() { Name = "Shorten" }).ClickAsync();

            var shortUrl = page.GetByTestId("short-url");
            await Expect(shortUrl).ToHaveTextAsync(new Regex("^" + Regex.Escape(web.EdgeUrl.ToString()) + "[A-Za-z0-9]{8}$"));
            await Expect(shortUrl).ToBeFocusedAsync();
            var link = await shortUrl.TextContentAsync() ?? "";
            await Expect(page.Locator("#result-target")).ToHaveTextAsync(target);

            await page.GetByRole(AriaRole.Button, new() { Name = "Copy" }).ClickAsync();
            await Expect(page.Locator("#copy-status")).ToHaveTextAsync("Copied to the clipboard.");
            Assert.Equal(link, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

            // Follow it as a user would; the 302 comes from the edge, the target page from the stub.
            var redirects = new List<IResponse>();
            page.Response += (_, response) =>
            {
                if (response.Url == link)
                {
                    redirects.Add(response);
                }
            };
            await shortUrl.ClickAsync();
            await page.WaitForURLAsync(target);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stub target" })).ToBeVisibleAsync();
            var redirect = Assert.Single(redirects);
            Assert.Equal((int)HttpStatusCode.Found, redirect.Status);
            Assert.Equal(target, await redirect.HeaderValueAsync("location"));
            Assert.Contains(new Uri(target).PathAndQuery, web.Target.Paths);
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    [Fact]
    public async Task A_taken_custom_slug_shows_the_conflict_next_to_the_slug_field()
    {
        var slug = WebStack.UniqueSlug("taken");
        await web.CreateLinkAsync(StubTarget.NewUrl("first"), slug);
        await using var session = await web.OpenAsync(nameof(A_taken_custom_slug_shows_the_conflict_next_to_the_slug_field));
        await session.RunAsync(async page =>
        {
            await page.GotoAsync("/");
            await page.GetByLabel("Long URL").FillAsync(StubTarget.NewUrl("second"));
            await page.GetByLabel("Custom slug").FillAsync(slug);
            await page.GetByLabel("Custom slug").PressAsync("Enter");

            var error = page.Locator("#slug-error");
            await Expect(error).ToBeVisibleAsync();
            await Expect(error).ToContainTextAsync($"'{slug}' is already in use");
            await Expect(page.GetByLabel("Custom slug")).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page.GetByLabel("Custom slug")).ToBeFocusedAsync();
            await Expect(page.Locator("#url-error")).ToBeHiddenAsync();
            await Expect(page.Locator("#result")).ToBeHiddenAsync();

            // Another slug then works, and the stale error goes away as soon as the field is edited.
            await page.GetByLabel("Custom slug").FillAsync(slug + "-2");
            await Expect(error).ToBeHiddenAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Shorten" }).ClickAsync();
            await Expect(page.GetByTestId("short-url")).ToHaveTextAsync(web.EdgeUrl + slug + "-2");
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    [Fact]
    public async Task Invalid_input_shows_the_api_validation_errors_next_to_the_fields()
    {
        await using var session = await web.OpenAsync(nameof(Invalid_input_shows_the_api_validation_errors_next_to_the_fields));
        await session.RunAsync(async page =>
        {
            await page.GotoAsync("/");
            await page.GetByLabel("Long URL").FillAsync("not a url");
            await page.GetByRole(AriaRole.Button, new() { Name = "Shorten" }).ClickAsync();

            var urlError = page.Locator("#url-error");
            await Expect(urlError).ToHaveTextAsync("'url' must be an absolute http or https URL.");
            await Expect(page.GetByLabel("Long URL")).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page.GetByLabel("Long URL")).ToBeFocusedAsync();
            // The message is tied to its field for screen readers.
            Assert.Contains("url-error", await page.GetByLabel("Long URL").GetAttributeAsync("aria-describedby") ?? "");

            // A reserved slug is refused by the API and shown at the slug.
            await page.GetByLabel("Long URL").FillAsync(StubTarget.NewUrl("reserved"));
            await page.GetByLabel("Custom slug").FillAsync("admin");
            await page.GetByRole(AriaRole.Button, new() { Name = "Shorten" }).ClickAsync();
            await Expect(page.Locator("#slug-error")).ToHaveTextAsync("'admin' is reserved.");
            await Expect(urlError).ToBeHiddenAsync();
            await Expect(page.Locator("#result")).ToBeHiddenAsync();
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    [Fact]
    public async Task The_link_page_shows_the_click_just_made_in_its_totals_and_chart()
    {
        var target = StubTarget.NewUrl("stats");
        var link = await web.CreateLinkAsync(target);
        await using var session = await web.OpenAsync(nameof(The_link_page_shows_the_click_just_made_in_its_totals_and_chart));
        await session.RunAsync(async page =>
        {
            await page.GotoAsync(link.ShortUrl);
            await page.WaitForURLAsync(target);

            await page.GotoAsync($"/s/{link.Slug}");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("/" + link.Slug);
            await Expect(page.GetByTestId("target-url")).ToHaveTextAsync(target);
            await Expect(page.Locator("time").First).ToHaveAttributeAsync("datetime", new Regex("^" + link.CreatedAt.ToString("yyyy-MM-dd")));

            // Clicks reach the database when an instance flushes its counters (every few seconds): reload until then.
            var total = page.GetByTestId("total-clicks");
            await Expect(total).ToBeVisibleAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await total.TextContentAsync() != "1" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000);
                await page.ReloadAsync();
                await Expect(total).ToBeVisibleAsync();
            }
            await Expect(total).ToHaveTextAsync("1");

            await Expect(page.GetByTestId("series-total")).ToHaveTextAsync("1 click in the last hour, per minute");
            var chart = page.GetByRole(AriaRole.Img, new() { Name = "1 click in the last hour, per minute" });
            await Expect(chart).ToBeVisibleAsync();
            await Expect(chart.Locator("rect.bar")).ToHaveCountAsync(1);

            // Switch the buckets with the keyboard: arrows move within the radio group.
            await page.GetByRole(AriaRole.Radio, new() { Name = "Minute" }).FocusAsync();
            await page.Keyboard.PressAsync("ArrowRight");
            await Expect(page.GetByRole(AriaRole.Radio, new() { Name = "Hour" })).ToBeCheckedAsync();
            await Expect(page.GetByTestId("series-total")).ToHaveTextAsync("1 click in the last 24 hours, per hour");
            await Expect(page).ToHaveURLAsync(new Regex("[?&]bucket=hour"));
            await page.GetByText("Day", new() { Exact = true }).ClickAsync(); // the label
            await Expect(page.GetByTestId("series-total")).ToHaveTextAsync("1 click in the last 30 days, per day");
            await Expect(page.Locator("svg.chart rect.bar")).ToHaveCountAsync(1);

            // The chart's data as a table too.
            await page.GetByText("Show as a table").ClickAsync();
            await Expect(page.Locator("details table tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("details table tbody td").Nth(1)).ToHaveTextAsync("1");
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    [Fact]
    public async Task The_link_page_of_an_unknown_slug_says_so()
    {
        await using var session = await web.OpenAsync(nameof(The_link_page_of_an_unknown_slug_says_so));
        await session.RunAsync(async page =>
        {
            var response = await page.GotoAsync("/s/no-such-link-" + Guid.NewGuid().ToString("N")[..8]);
            Assert.Equal(200, response!.Status); // the SPA's entry point; the page itself then asks the API
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Link not found");
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("There is no link");
            await Expect(page.Locator("svg.chart")).ToHaveCountAsync(0);
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    [Fact]
    public async Task Assets_are_hashed_and_immutable_and_config_is_revalidated()
    {
        await using var session = await web.OpenAsync(nameof(Assets_are_hashed_and_immutable_and_config_is_revalidated));
        await session.RunAsync(async page =>
        {
            var assets = new List<IResponse>();
            page.Response += (_, r) =>
            {
                if (r.Url.Contains("/assets/", StringComparison.Ordinal))
                {
                    assets.Add(r);
                }
            };
            var config = page.WaitForResponseAsync(r => r.Url.EndsWith("/config.js", StringComparison.Ordinal));
            await page.GotoAsync("/");
            await Expect(page.GetByLabel("Long URL")).ToBeVisibleAsync();
            Assert.Equal("no-cache", await (await config).HeaderValueAsync("cache-control"));
            Assert.Contains(assets, a => a.Url.EndsWith(".js", StringComparison.Ordinal));
            Assert.Contains(assets, a => a.Url.EndsWith(".css", StringComparison.Ordinal));
            foreach (var asset in assets)
            {
                Assert.Matches(@"/assets/[\w]+-[\w-]{8}\.(js|css)$", asset.Url);
                Assert.Contains("immutable", await asset.HeaderValueAsync("cache-control") ?? "");
            }
            Assert.Equal("", await page.EvaluateAsync<string>("() => window.GROUNDWORK_CONFIG.apiBaseUrl"));
        });
        session.AssertCleanRun(web.EdgeUrl);
    }
}
