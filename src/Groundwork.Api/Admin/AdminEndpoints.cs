using System.Globalization;
using System.Security.Claims;
using Groundwork.Api.Links;
using Groundwork.ServiceDefaults.AlbIdentity;
using Groundwork.ServiceDefaults.ReadYourWrites;

namespace Groundwork.Api.Admin;

public sealed record AdminLink(string Slug, string Url, DateTime CreatedAt, bool Disabled, long Clicks);

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

public sealed record AdminUser(string? Email, string? Subject);

/// <summary>
/// The admin API behind the ALB's Cognito sign-in. Every endpoint requires a valid signed ALB identity of an
/// allowlisted admin. The queries are the stores' (<see cref="LinkStore"/>, <see cref="AuditLog"/>): a write goes to
/// the primary with its audit entry, its position is handed to the admin's browser, and the cache is written through
/// so every instance answers the new state at once.
/// </summary>
public static class AdminEndpoints
{
    private const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        // Every admin operation answers 401 (no valid ALB identity) and 403 (signed in, not an admin); those that read or
        // write the database also 503. The contract tests hold these declarations to the code.
        var admin = app.MapGroup("/admin/api").RequireAuthorization(AlbIdentityDefaults.AdminPolicy).WithTags("Admin")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapGet("/me", (ClaimsPrincipal user) => new AdminUser(
            user.FindFirstValue("email") ?? user.FindFirstValue(ClaimTypes.Email),
            user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier)))
            .WithName("getCurrentAdmin").WithSummary("Who is signed in")
            .Produces<AdminUser>();
        admin.MapGet("/links", SearchAsync)
            .WithName("searchLinks").WithSummary("Search links, newest first")
            .WithDescription("Filters: exact `slug`, `q` (part of the target URL), `createdFrom`/`createdTo` (ISO 8601); paged by `page` and `pageSize` (at most 200).")
            .Produces<Paged<AdminLink>>().ProducesProblem(400).ProducesProblem(503);
        admin.MapPost("/links/{slug}/disable", (string slug, HttpContext context, LinkStore links, LinkCache cache, ClientPositions positions, TimeProvider time, CancellationToken ct) =>
            SetDisabledAsync(slug, true, context, links, cache, positions, time, ct))
            .WithName("disableLink").WithSummary("Disable a link (its redirect answers 410)")
            .Produces<AdminLink>().ProducesProblem(404).ProducesProblem(503);
        admin.MapPost("/links/{slug}/enable", (string slug, HttpContext context, LinkStore links, LinkCache cache, ClientPositions positions, TimeProvider time, CancellationToken ct) =>
            SetDisabledAsync(slug, false, context, links, cache, positions, time, ct))
            .WithName("enableLink").WithSummary("Enable a disabled link again")
            .Produces<AdminLink>().ProducesProblem(404).ProducesProblem(503);
        admin.MapDelete("/links/{slug}", DeleteAsync)
            .WithName("deleteLink").WithSummary("Delete a link and its clicks")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404).ProducesProblem(503);
        admin.MapGet("/audit", AuditAsync)
            .WithName("listAuditEntries").WithSummary("List admin actions, newest first")
            .Produces<Paged<AuditEntry>>().ProducesProblem(400).ProducesProblem(503);
        return app;
    }

    private static async Task<IResult> SearchAsync(string? slug, string? q, string? createdFrom, string? createdTo, string? page, string? pageSize, LinkStore links, CancellationToken ct)
    {
        if (!TryPaging(page, pageSize, out var pageNumber, out var size, out var pagingError))
        {
            return Results.Problem(statusCode: 400, title: "Invalid query", detail: pagingError);
        }
        if (!TryDate(createdFrom, out var from) || !TryDate(createdTo, out var to))
        {
            return Results.Problem(statusCode: 400, title: "Invalid query", detail: "'createdFrom' and 'createdTo' must be ISO 8601 dates or date-times.");
        }
        if (slug?.Length > 64 || q?.Length > 2048)
        {
            return Results.Problem(statusCode: 400, title: "Invalid query", detail: "'slug' has at most 64 characters and 'q' at most 2048.");
        }
        var (items, total) = await links.SearchAsync(new LinkSearch(slug, q, from, to, pageNumber, size), ct);
        return Results.Ok(new Paged<AdminLink>(items, pageNumber, size, total));
    }

    private static async Task<IResult> SetDisabledAsync(string slug, bool disabled, HttpContext context, LinkStore links, LinkCache cache, ClientPositions positions, TimeProvider time, CancellationToken ct)
    {
        if (await links.SetDisabledAsync(slug, disabled, AuditStamp.Of(context.User, time), ct) is not { } changed)
        {
            return LinkNotFound(slug);
        }
        positions.HandOut(context, changed.Position);
        await cache.SetAsync(changed.Value, ct);
        var link = changed.Value;
        return Results.Ok(new AdminLink(link.Slug, link.Url, link.CreatedAt, link.Disabled, 0));
    }

    private static async Task<IResult> DeleteAsync(string slug, HttpContext context, LinkStore links, LinkCache cache, ClientPositions positions, TimeProvider time, CancellationToken ct)
    {
        if (await links.DeleteAsync(slug, AuditStamp.Of(context.User, time), ct) is not { } deleted)
        {
            return LinkNotFound(slug);
        }
        positions.HandOut(context, deleted.Position);
        await cache.RemoveAsync(slug, ct);
        return Results.NoContent();
    }

    private static IResult LinkNotFound(string slug) =>
        Results.Problem(statusCode: 404, title: "Link not found", detail: $"No link '{slug}' exists.");

    private static async Task<IResult> AuditAsync(string? page, string? pageSize, AuditLog audit, CancellationToken ct)
    {
        if (!TryPaging(page, pageSize, out var pageNumber, out var size, out var error))
        {
            return Results.Problem(statusCode: 400, title: "Invalid query", detail: error);
        }
        var (items, total) = await audit.ReadPageAsync((pageNumber - 1) * size, size, ct);
        return Results.Ok(new Paged<AuditEntry>(items, pageNumber, size, total));
    }

    private static bool TryPaging(string? page, string? pageSize, out int pageNumber, out int size, out string? error)
    {
        pageNumber = 1;
        size = 50;
        error = null;
        if (!string.IsNullOrEmpty(page) && (!int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out pageNumber) || pageNumber is < 1 or > 100_000))
        {
            error = "'page' must be a whole number from 1 to 100000.";
            return false;
        }
        if (!string.IsNullOrEmpty(pageSize) && (!int.TryParse(pageSize, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxPageSize))
        {
            error = $"'pageSize' must be a whole number from 1 to {MaxPageSize}.";
            return false;
        }
        return true;
    }

    private static bool TryDate(string? value, out DateTime? utc)
    {
        utc = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }
        if (value.Length <= 40 && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            && parsed.Year is >= 1970 and <= 9000)
        {
            utc = parsed.UtcDateTime;
            return true;
        }
        return false;
    }
}
