using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Groundwork.Web.Tests;

/// <summary>
/// axe-core (web/node_modules, the engine behind most accessibility checkers) over each page and state, in light and
/// dark colour schemes, against WCAG 2.1 A and AA; keyboard-only use; and a phone-sized viewport without sideways scrolling.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class AccessibilityTests(WebStack web)
{
    private static readonly string[] Standards = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    public static TheoryData<string> Schemes => new() { "light", "dark" };

    private async Task<BrowserSession> OpenWithAxeAsync(string name, ColorScheme scheme = ColorScheme.Light, ViewportSize? viewport = null)
    {
        var session = await web.OpenAsync(name, new() { ColorScheme = scheme, ViewportSize = viewport });
        // An init script is not subject to the page's CSP (script-src 'self'), so the CSP stays as deployed.
        await session.Context.AddInitScriptAsync(scriptPath: WebTestPaths.AxeScript);
        return session;
    }

    private static async Task AssertNoViolationsAsync(IPage page, string state)
    {
        var list = await ViolationsAsync(page);
        Assert.True(list.Count == 0, $"{state}: {string.Join(Environment.NewLine, list)}");
    }

    private static async Task<List<string>> ViolationsAsync(IPage page)
    {
        var violations = await page.EvaluateAsync<JsonElement>(
            """
            async (tags) => {
              const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
              return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
            }
            """, Standards);
        return violations.EnumerateArray().Select(v => v.GetString() ?? "").ToList();
    }

    [Fact]
    public async Task The_checker_reports_a_violation_when_there_is_one()
    {
        // Guards the other tests against a check that silently checks nothing.
        await using var session = await OpenWithAxeAsync(nameof(The_checker_reports_a_violation_when_there_is_one));
        await session.RunAsync(async page =>
        {
            await page.GotoAsync("/");
            await Expect(page.GetByLabel("Long URL")).ToBeVisibleAsync();
            await page.EvaluateAsync("() => document.querySelector('#create-form').append(Object.assign(document.createElement('input'), { type: 'text' }))");
            Assert.Contains(await ViolationsAsync(page), v => v.StartsWith("label ", StringComparison.Ordinal));
        });
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public async Task Every_page_passes_axe_WCAG_21_AA(string scheme)
    {
        var link = await web.CreateLinkAsync(StubTarget.NewUrl("a11y"));
        await using var session = await OpenWithAxeAsync($"axe-{scheme}", scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light);
        await session.RunAsync(async page =>
        {
            await page.GotoAsync("/");
            await Expect(page.GetByLabel("Long URL")).ToBeVisibleAsync();
            await AssertNoViolationsAsync(page, "home");

            await page.GetByLabel("Long URL").FillAsync("nope");
            await page.GetByLabel("Custom slug").FillAsync("x");
            await page.GetByRole(AriaRole.Button, new() { Name = "Shorten" }).ClickAsync();
            await Expect(page.Locator("#url-error")).ToBeVisibleAsync();
            await AssertNoViolationsAsync(page, "home with a field error");

            await page.GetByLabel("Long URL").FillAsync(StubTarget.NewUrl("a11y"));
            await page.GetByLabel("Custom slug").FillAsync("");
            await page.GetByRole(AriaRole.Button, new() { Name = "Shorten" }).ClickAsync();
            await Expect(page.GetByTestId("short-url")).ToBeVisibleAsync();
            await AssertNoViolationsAsync(page, "home with a new link");

            await page.GotoAsync($"/s/{link.Slug}");
            await Expect(page.Locator("svg.chart")).ToBeVisibleAsync();
            await AssertNoViolationsAsync(page, "link page");

            await BrowserSignIn.SignInAsync(page);
            await Expect(page.Locator("#links-table tbody tr").First).ToBeVisibleAsync();
            await AssertNoViolationsAsync(page, "admin console");
            await page.Locator("#links-table tbody tr").First.GetByRole(AriaRole.Button, new() { Name = "Delete" }).First.ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
            await AssertNoViolationsAsync(page, "admin confirmation dialog");
            await page.Keyboard.PressAsync("Escape");
            await Expect(page.GetByRole(AriaRole.Dialog)).ToBeHiddenAsync();
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    [Fact]
    public async Task A_link_can_be_created_and_copied_with_the_keyboard_alone()
    {
        await using var session = await web.OpenAsync(nameof(A_link_can_be_created_and_copied_with_the_keyboard_alone),
            new() { Permissions = ["clipboard-read", "clipboard-write"] });
        await session.RunAsync(async page =>
        {
            var target = StubTarget.NewUrl("keyboard");
            await page.GotoAsync("/");
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab"); // brand link
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByLabel("Long URL")).ToBeFocusedAsync();
            await page.Keyboard.TypeAsync(target);
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByTestId("short-url")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy" })).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("#copy-status")).ToHaveTextAsync("Copied to the clipboard.");
            Assert.Equal(await page.GetByTestId("short-url").TextContentAsync(), await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    [Fact]
    public async Task Pages_fit_a_phone_screen_without_sideways_scrolling()
    {
        var link = await web.CreateLinkAsync($"http://{StubTarget.Host}/a/very/long/path/{new string('x', 180)}?with=query&and=more");
        await using var session = await OpenWithAxeAsync(nameof(Pages_fit_a_phone_screen_without_sideways_scrolling), viewport: new() { Width = 360, Height = 740 });
        await session.RunAsync(async page =>
        {
            const string fits = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth";
            await page.GotoAsync("/");
            await Expect(page.GetByLabel("Long URL")).ToBeVisibleAsync();
            Assert.True(await page.EvaluateAsync<bool>(fits), "home page scrolls sideways at 360 px");

            await page.GotoAsync($"/s/{link.Slug}");
            await Expect(page.Locator("svg.chart")).ToBeVisibleAsync();
            Assert.True(await page.EvaluateAsync<bool>(fits), "link page scrolls sideways at 360 px");
            var chartWidth = await page.Locator("svg.chart").EvaluateAsync<double>("e => e.getBoundingClientRect().width");
            Assert.InRange(chartWidth, 200, 360);
            await AssertNoViolationsAsync(page, "link page at 360 px");

            await BrowserSignIn.SignInAsync(page);
            Assert.True(await page.EvaluateAsync<bool>(fits), "admin console scrolls sideways at 360 px (its tables scroll inside their box)");
        });
        session.AssertCleanRun(web.EdgeUrl);
    }
}
