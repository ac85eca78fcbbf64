using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Groundwork.Web.Tests;

/// <summary>The edge's local sign-in (the stand-in for Cognito's hosted UI), used the way a person uses it.</summary>
public static class BrowserSignIn
{
    /// <summary>Allowlisted by the AppHost (GROUNDWORK_ADMIN_EMAILS defaults to it).</summary>
    public const string AdminEmail = "admin@example.com";

    /// <summary>
    /// Where an admin starts. Should be "/admin", but the Api answers both /admin and /admin/ with a redirect to
    /// /admin/ (its "/admin" route also matches the trailing slash), a loop; the console file itself is reachable.
    /// See <see cref="AdminConsoleTests"/>' skipped test of the root.
    /// </summary>
    public const string ConsoleEntry = "/admin/index.html";

    /// <summary>Opens the console: the edge sends the browser to sign in, then back to the console, which greets the user.</summary>
    public static async Task SignInAsync(IPage page, string email = AdminEmail)
    {
        await page.GotoAsync(ConsoleEntry);
        await Expect(page).ToHaveURLAsync(new Regex("/_edge/signin\\?returnUrl="));
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**" + ConsoleEntry);
        await Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync(email);
    }
}
