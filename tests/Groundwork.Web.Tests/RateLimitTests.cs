using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Groundwork.Web.Tests;

/// <summary>The home page when the shared per-client create limit (Redis, all instances) is used up.</summary>
[Collection(RateLimitedWebCollection.Name)]
public sealed class RateLimitTests(RateLimitedWebStack web)
{
    [Fact]
    public async Task Creating_past_the_limit_says_when_to_try_again_and_holds_the_button()
    {
        await using var session = await web.OpenAsync(nameof(Creating_past_the_limit_says_when_to_try_again_and_holds_the_button));
        await session.RunAsync(async page =>
        {
            await page.GotoAsync("/");
            var formError = page.Locator("#form-error");
            // The limit is a fixed window: if it rolls over between using it up and the page's request, use it up again.
            for (var attempt = 0; attempt < 3; attempt++)
            {
                await UseUpTheLimitAsync();
                await page.GetByLabel("Long URL").FillAsync(StubTarget.NewUrl("limited"));
                await page.GetByRole(AriaRole.Button, new() { Name = "Shorten" }).ClickAsync();
                await Expect(page.Locator("#form-error:visible, #result:visible").First).ToBeVisibleAsync();
                if (await formError.IsVisibleAsync())
                {
                    break;
                }
            }
            await Expect(formError).ToHaveTextAsync(new Regex(@"^Too many links created from your address\. You can try again in (\d+ seconds?|1 minute)\.$"));
            await Expect(formError).ToHaveAttributeAsync("role", "alert");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Shorten" })).ToBeDisabledAsync();
            await Expect(page.Locator("#result")).ToBeHiddenAsync();
        });
        session.AssertCleanRun(web.EdgeUrl);
    }

    /// <summary>Creates links through the API until the edge answers 429 (the browser's requests come from the same address).</summary>
    private async Task UseUpTheLimitAsync()
    {
        using var client = web.Stack.CreateEdgeClient();
        for (var i = 0; i <= RateLimitedWebStack.CreateLimit; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/links", new { url = StubTarget.NewUrl("filler") });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta is not null, "429 without Retry-After seconds");
                return;
            }
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        Assert.Fail($"no 429 after {RateLimitedWebStack.CreateLimit + 1} creations");
    }
}
