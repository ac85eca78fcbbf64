using Dapper;
using Groundwork.Api.Admin;
using Groundwork.ServiceDefaults.Data;
using MySqlConnector;

namespace Groundwork.Api.Links;

/// <summary>A search of the admin console: every filter optional, newest first, one page.</summary>
public sealed record LinkSearch(string? Slug, string? UrlContains, DateTime? CreatedFrom, DateTime? CreatedTo, int Page, int PageSize);

/// <summary>
/// The links aggregate (links and their click counts): every query of it is here. Writes on the primary, reads routed
/// by <see cref="Database"/>. Writes a client reads next return their replication position for the endpoint to hand out.
/// </summary>
public sealed class LinkStore(Database database)
{
    private const string SelectLink = "SELECT id AS Id, slug AS Slug, url AS Url, created_at AS CreatedAt, disabled AS Disabled FROM links";
    private const string ClicksOfLink = "CAST(COALESCE((SELECT SUM(c.clicks) FROM link_clicks_per_minute c WHERE c.link_id = l.id), 0) AS SIGNED)";

    /// <summary>
    /// Inserts a link; null when the slug is taken. One round trip: the INSERT, its id and its position in one batch
    /// (<see cref="Database.InsertAsync"/>).
    /// </summary>
    public async Task<Written<Link>?> TryInsertAsync(string slug, string url, DateTime createdAt, CancellationToken ct)
    {
        try
        {
            var written = await database.InsertAsync("INSERT INTO links (slug, url, created_at, disabled) VALUES (@slug, @url, @createdAt, 0)", parameters =>
            {
                parameters.AddWithValue("@slug", slug);
                parameters.AddWithValue("@url", url);
                parameters.AddWithValue("@createdAt", createdAt);
            }, ct);
            return new Written<Link>(new Link(written.Value, slug, url, createdAt, false), written.Position);
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            return null;
        }
    }

    /// <summary>
    /// The link behind a slug. A miss on the replica is confirmed on the primary, so a link created a moment ago on
    /// any instance is found even while the replica lags.
    /// </summary>
    public Task<Link?> FindAsync(string slug, CancellationToken ct) =>
        database.ReadOrPrimaryIfMissingAsync((connection, token) => connection.QuerySingleOrDefaultAsync<Link?>(
            new CommandDefinition(SelectLink + " WHERE slug = @slug", new { slug }, cancellationToken: token)), ct);

    public Task<LinkStats?> StatsAsync(string slug, CancellationToken ct) =>
        database.ReadOrPrimaryIfMissingAsync((connection, token) => connection.QuerySingleOrDefaultAsync<LinkStats?>(
            new CommandDefinition($"""
                SELECT l.slug AS Slug, l.url AS Url, l.created_at AS CreatedAt, {ClicksOfLink} AS Clicks, l.disabled AS Disabled
                FROM links l WHERE l.slug = @slug
                """, new { slug }, cancellationToken: token)), ct);

    /// <summary>One page of links matching the search, newest first, with the number of all matches.</summary>
    public Task<(List<AdminLink> Items, long Total)> SearchAsync(LinkSearch search, CancellationToken ct)
    {
        var (filter, args) = Filter(search);
        args.Add("limit", search.PageSize);
        args.Add("offset", (search.Page - 1) * search.PageSize);
        return database.ReadAsync(async (connection, token) =>
        {
            var rows = await connection.QueryAsync<AdminLink>(new CommandDefinition($"""
                SELECT l.slug AS Slug, l.url AS Url, l.created_at AS CreatedAt, l.disabled AS Disabled, {ClicksOfLink} AS Clicks
                FROM links l {filter} ORDER BY l.id DESC LIMIT @limit OFFSET @offset
                """, args, cancellationToken: token));
            var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM links l {filter}", args, cancellationToken: token));
            return (rows.ToList(), count);
        }, ct);
    }

    private static (string Where, DynamicParameters Args) Filter(LinkSearch search)
    {
        var where = new List<string>();
        var args = new DynamicParameters();
        if (!string.IsNullOrEmpty(search.Slug))
        {
            where.Add("l.slug = @slug");
            args.Add("slug", search.Slug);
        }
        if (!string.IsNullOrEmpty(search.UrlContains))
        {
            // LIKE wildcards in the user's text are literal.
            where.Add("l.url LIKE CONCAT('%', @q, '%') ESCAPE '!'");
            args.Add("q", search.UrlContains.Replace("!", "!!").Replace("%", "!%").Replace("_", "!_"));
        }
        if (search.CreatedFrom is { } from)
        {
            where.Add("l.created_at >= @from");
            args.Add("from", from);
        }
        if (search.CreatedTo is { } to)
        {
            where.Add("l.created_at < @to");
            args.Add("to", to);
        }
        return (where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where), args);
    }

    /// <summary>Disables or enables a link, with its audit entry in the same transaction; null when no such link.</summary>
    public async Task<Written<Link>?> SetDisabledAsync(string slug, bool disabled, AuditStamp stamp, CancellationToken ct)
    {
        var written = await database.WriteWithPositionAsync(async (connection, token) =>
        {
            await using var tx = await connection.BeginTransactionAsync(token);
            if (await LockAsync(connection, tx, slug, token) is not { } before)
            {
                return null;
            }
            var after = before with { Disabled = disabled };
            await connection.ExecuteAsync(new CommandDefinition("UPDATE links SET disabled = @disabled WHERE id = @id", new { disabled, id = before.Id }, tx, cancellationToken: token));
            await AuditLog.AppendAsync(connection, tx, stamp, disabled ? "disable" : "enable", slug,
                new { before.Url, before.Disabled }, new { after.Url, after.Disabled }, token);
            await tx.CommitAsync(token);
            return after;
        }, ct);
        return written.Value is null ? null : new Written<Link>(written.Value, written.Position);
    }

    /// <summary>Deletes a link and its clicks, with its audit entry in the same transaction; null when no such link.</summary>
    public async Task<Written<Link>?> DeleteAsync(string slug, AuditStamp stamp, CancellationToken ct)
    {
        var written = await database.WriteWithPositionAsync(async (connection, token) =>
        {
            await using var tx = await connection.BeginTransactionAsync(token);
            if (await LockAsync(connection, tx, slug, token) is not { } before)
            {
                return null;
            }
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM link_clicks_per_minute WHERE link_id = @id; DELETE FROM links WHERE id = @id",
                new { id = before.Id }, tx, cancellationToken: token));
            await AuditLog.AppendAsync(connection, tx, stamp, "delete", slug, new { before.Url, before.Disabled }, null, token);
            await tx.CommitAsync(token);
            return before;
        }, ct);
        return written.Value is null ? null : new Written<Link>(written.Value, written.Position);
    }

    private static Task<Link?> LockAsync(MySqlConnection connection, MySqlTransaction tx, string slug, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<Link?>(new CommandDefinition(SelectLink + " WHERE slug = @slug FOR UPDATE", new { slug }, tx, cancellationToken: ct));
}
