using System.Globalization;
using System.Security.Claims;
using Dapper;
using Groundwork.Api.Links;
using Groundwork.ServiceDefaults.AlbIdentity;
using Groundwork.ServiceDefaults.Data;

namespace Groundwork.Api.Admin;

public sealed record AdminLink(string Slug, string Url, DateTime CreatedAt, bool Disabled, long Clicks);

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, long Total);

public sealed record AdminUser(string? Email, string? Subject);

/// <summary>
/// The admin API behind the ALB's Cognito sign-in. Every endpoint requires a valid signed ALB identity of an
/// allowlisted admin; writes go to the primary together with their audit entry, and the cache is written through so
/// every instance answers the new state at once.
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
        admin.MapPost("/links/{slug}/disable", (string slug, ClaimsPrincipal user, Database db, LinkCache cache, TimeProvider time, CancellationToken ct) =>
            SetDisabledAsync(slug, true, user, db, cache, time, ct))
            .WithName("disableLink").WithSummary("Disable a link (its redirect answers 410)")
            .Produces<AdminLink>().ProducesProblem(404).ProducesProblem(503);
        admin.MapPost("/links/{slug}/enable", (string slug, ClaimsPrincipal user, Database db, LinkCache cache, TimeProvider time, CancellationToken ct) =>
            SetDisabledAsync(slug, false, user, db, cache, time, ct))
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

    private static async Task<IResult> SearchAsync(string? slug, string? q, string? createdFrom, string? createdTo, string? page, string? pageSize, Database db, CancellationToken ct)
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
        var where = new List<string>();
        var args = new DynamicParameters();
        if (!string.IsNullOrEmpty(slug))
        {
            where.Add("l.slug = @slug");
            args.Add("slug", slug);
        }
        if (!string.IsNullOrEmpty(q))
        {
            // LIKE wildcards in the user's text are literal.
            where.Add("l.url LIKE CONCAT('%', @q, '%') ESCAPE '!'");
            args.Add("q", q.Replace("!", "!!").Replace("%", "!%").Replace("_", "!_"));
        }
        if (from is not null)
        {
            where.Add("l.created_at >= @from");
            args.Add("from", from);
        }
        if (to is not null)
        {
            where.Add("l.created_at < @to");
            args.Add("to", to);
        }
        args.Add("limit", size);
        args.Add("offset", (pageNumber - 1) * size);
        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        var (items, total) = await db.ReadAsync(async (connection, token) =>
        {
            var rows = await connection.QueryAsync<AdminLink>(new CommandDefinition($"""
                SELECT l.slug AS Slug, l.url AS Url, l.created_at AS CreatedAt, l.disabled AS Disabled,
                       CAST(COALESCE((SELECT SUM(c.clicks) FROM link_clicks_per_minute c WHERE c.link_id = l.id), 0) AS SIGNED) AS Clicks
                FROM links l {filter} ORDER BY l.id DESC LIMIT @limit OFFSET @offset
                """, args, cancellationToken: token));
            var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM links l {filter}", args, cancellationToken: token));
            return (rows.ToList(), count);
        }, ct);
        return Results.Ok(new Paged<AdminLink>(items, pageNumber, size, total));
    }

    private static async Task<IResult> SetDisabledAsync(string slug, bool disabled, ClaimsPrincipal user, Database db, LinkCache cache, TimeProvider time, CancellationToken ct)
    {
        var actor = AuditLog.ActorOf(user);
        var now = time.GetUtcNow().UtcDateTime;
        var changed = await db.WriteAsync(async (connection, token) =>
        {
            await using var tx = await connection.BeginTransactionAsync(token);
            var before = await connection.QuerySingleOrDefaultAsync<Link?>(new CommandDefinition(
                "SELECT id AS Id, slug AS Slug, url AS Url, created_at AS CreatedAt, disabled AS Disabled FROM links WHERE slug = @slug FOR UPDATE",
                new { slug }, tx, cancellationToken: token));
            if (before is null)
            {
                return null;
            }
            var after = before with { Disabled = disabled };
            await connection.ExecuteAsync(new CommandDefinition("UPDATE links SET disabled = @disabled WHERE id = @id", new { disabled, id = before.Id }, tx, cancellationToken: token));
            await AuditLog.AppendAsync(connection, tx, now, actor, disabled ? "disable" : "enable", slug,
                new { before.Url, before.Disabled }, new { after.Url, after.Disabled }, token);
            await tx.CommitAsync(token);
            return after;
        }, ct);
        if (changed is null)
        {
            return Results.Problem(statusCode: 404, title: "Link not found", detail: $"No link '{slug}' exists.");
        }
        await cache.SetAsync(changed, ct);
        return Results.Ok(new AdminLink(changed.Slug, changed.Url, changed.CreatedAt, changed.Disabled, 0));
    }

    private static async Task<IResult> DeleteAsync(string slug, ClaimsPrincipal user, Database db, LinkCache cache, TimeProvider time, CancellationToken ct)
    {
        var actor = AuditLog.ActorOf(user);
        var now = time.GetUtcNow().UtcDateTime;
        var deleted = await db.WriteAsync(async (connection, token) =>
        {
            await using var tx = await connection.BeginTransactionAsync(token);
            var before = await connection.QuerySingleOrDefaultAsync<Link?>(new CommandDefinition(
                "SELECT id AS Id, slug AS Slug, url AS Url, created_at AS CreatedAt, disabled AS Disabled FROM links WHERE slug = @slug FOR UPDATE",
                new { slug }, tx, cancellationToken: token));
            if (before is null)
            {
                return false;
            }
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM link_clicks_per_minute WHERE link_id = @id; DELETE FROM links WHERE id = @id",
                new { id = before.Id }, tx, cancellationToken: token));
            await AuditLog.AppendAsync(connection, tx, now, actor, "delete", slug, new { before.Url, before.Disabled }, null, token);
            await tx.CommitAsync(token);
            return true;
        }, ct);
        if (!deleted)
        {
            return Results.Problem(statusCode: 404, title: "Link not found", detail: $"No link '{slug}' exists.");
        }
        await cache.RemoveAsync(slug, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> AuditAsync(string? page, string? pageSize, Database db, CancellationToken ct)
    {
        if (!TryPaging(page, pageSize, out var pageNumber, out var size, out var error))
        {
            return Results.Problem(statusCode: 400, title: "Invalid query", detail: error);
        }
        var (items, total) = await db.ReadAsync(async (connection, token) =>
            (await AuditLog.ReadAsync(connection, (pageNumber - 1) * size, size, token),
             await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM admin_audit_log", cancellationToken: token))), ct);
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
