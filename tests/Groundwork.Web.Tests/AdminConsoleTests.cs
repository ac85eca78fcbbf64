using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Groundwork.Web.Tests;

/// <summary>The admin console behind the edge's sign-in, driving the real admin API.</summary>
[Collection(WebCollection.Name)]
public sealed class AdminConsoleTests(WebStack web)
{
    [Fact]
    public async Task An_admin_disables_a_link_after_confirming_and_the_audit_log_shows_it()
    {
        var target = StubTarget.NewUrl("admin");
        var slug = WebStack.UniqueSlug("adm");
        await web.CreateLinkAsync(target, slug);
        await using var session = await web.OpenAsync(nameof(An_admin_disables_a_link_after_confirming_and_the_audit_log_shows_it));
        await session.RunAsync(async page =>
        {
            await BrowserSignIn.SignInAsync(page);
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign out" })).ToBeVisibleAsync();

            await page.GetByLabel("Slug").FillAsync(slug);
            await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
            var row = page.Locator($"#links-table tr[data-slug='{slug}']");
            await Expect(row).ToHaveCountAsync(1);
            await Expect(page.Locator("#links-table tbody tr")).ToHaveCountAsync(1);
            await Expect(row).ToContainTextAsync(target);
            await Expect(row).ToContainTextAsync("Active");

            // Cancel changes nothing.
            await row.GetByRole(AriaRole.Button, new() { Name = $"Disable /{slug}" }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog);
            await Expect(dialog).ToBeVisibleAsync();
            await Expect(dialog).ToContainTextAsync("410 Gone");
            await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
            await Expect(dialog).ToBeHiddenAsync();
            await Expect(row).ToContainTextAsync("Active");
            using (var stillLive = await web.GetShortLinkAsync(slug))
            {
                Assert.Equal(HttpStatusCode.Found, stillLive.StatusCode);
            }

            // Confirm disables it.
            await row.GetByRole(AriaRole.Button, new() { Name = $"Disable /{slug}" }).ClickAsync();
            await dialog.GetByTestId("confirm").ClickAsync();
            await Expect(row).ToContainTextAsync("Disabled");
            await Expect(page.Locator("#links-status")).ToHaveTextAsync($"/{slug} disabled.");

            using (var gone = await web.GetShortLinkEventuallyAsync(slug, HttpStatusCode.Gone))
            {
                Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
                Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
            }

            // The public link page says so too.
            var statsPage = await session.Context.NewPageAsync();
            await statsPage.GotoAsync($"/s/{slug}");
            await Expect(statsPage.Locator(".disabled-badge")).ToHaveTextAsync("Disabled: this link answers 410 Gone");
            await statsPage.CloseAsync();

            var audit = page.Locator($"#audit-table tr[data-action='disable'][data-slug='{slug}']");
            await Expect(audit).ToHaveCountAsync(1);
            await Expect(audit).ToContainTextAsync(BrowserSignIn.AdminEmail);
            await Expect(audit).ToContainTextAsync("disabled: false → true");

            // Enable brings the redirect back; delete removes the link; both are audited.
            await row.GetByRole(AriaRole.Button, new() { Name = $"Enable /{slug}" }).ClickAsync();
            await dialog.GetByTestId("confirm").ClickAsync();
            await Expect(row).ToContainTextAsync("Active");
            using (var live = await web.GetShortLinkEventuallyAsync(slug, HttpStatusCode.Found))
            {
                Assert.Equal(HttpStatusCode.Found, live.StatusCode);
            }
            await row.GetByRole(AriaRole.Button, new() { Name = $"Delete /{slug}" }).ClickAsync();
            await Expect(dialog).ToContainTextAsync("cannot be undone");
            await dialog.GetByTestId("confirm").ClickAsync();
            await Expect(row).ToHaveCountAsync(0);
            using (var deleted = await web.GetShortLinkEventuallyAsync(slug, HttpStatusCode.NotFound))
            {
                Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
            }
            await Expect(page.Locator($"#audit-table tr[data-action='enable'][data-slug='{slug}']")).ToHaveCountAsync(1);
            await Expect(page.Locator($"#audit-table tr[data-action='delete'][data-slug='{slug}']")).ToContainTextAsync("deleted");
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    [Fact]
    public async Task Search_by_url_substring_finds_only_matching_links()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        await web.CreateLinkAsync($"http://{StubTarget.Host}/search/{marker}/one");
        await web.CreateLinkAsync($"http://{StubTarget.Host}/search/{marker}/two");
        await web.CreateLinkAsync(StubTarget.NewUrl("other"));
        await using var session = await web.OpenAsync(nameof(Search_by_url_substring_finds_only_matching_links));
        await session.RunAsync(async page =>
        {
            await BrowserSignIn.SignInAsync(page);
            await page.GetByLabel("URL contains").FillAsync(marker);
            await page.GetByLabel("URL contains").PressAsync("Enter");
            await Expect(page.Locator("#links-status")).ToHaveTextAsync("2 links found.");
            await Expect(page.Locator("#links-table tbody tr")).ToHaveCountAsync(2);
            await Expect(page.Locator("#links-page")).ToHaveTextAsync("1–2 of 2");
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/")]
    public async Task The_admin_root_leads_to_the_console_after_sign_in(string path)
    {
        await using var session = await web.OpenAsync(nameof(The_admin_root_leads_to_the_console_after_sign_in));
        await session.RunAsync(async page =>
        {
            await page.GotoAsync(path);
            await page.GetByLabel("Email").FillAsync(BrowserSignIn.AdminEmail);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync(BrowserSignIn.AdminEmail);
        });
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        await using var session = await web.OpenAsync(nameof(Signing_out_ends_the_session));
        await session.RunAsync(async page =>
        {
            await BrowserSignIn.SignInAsync(page);
            await page.GetByRole(AriaRole.Link, new() { Name = "Sign out" }).ClickAsync();
            await page.WaitForURLAsync(web.EdgeUrl.ToString());
            var response = await page.GotoAsync(BrowserSignIn.ConsoleEntry);
            Assert.Contains("/_edge/signin", page.Url);
            Assert.Equal(200, response!.Status);
            // The console's API is closed without a session, whatever the page does.
            var status = await page.EvaluateAsync<int>("async () => (await fetch('/admin/api/me')).status");
            Assert.Equal(401, status);
        });
    }
}
