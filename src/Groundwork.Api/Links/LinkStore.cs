using Dapper;
using Groundwork.ServiceDefaults.Data;
using MySqlConnector;

namespace Groundwork.Api.Links;

/// <summary>The links table. Writes on the primary, reads routed by <see cref="Database"/>.</summary>
public sealed class LinkStore(Database database)
{
    private const string SelectLink = "SELECT id AS Id, slug AS Slug, url AS Url, created_at AS CreatedAt, disabled AS Disabled FROM links";

    /// <summary>Inserts a link; null when the slug is taken.</summary>
    public Task<Link?> TryInsertAsync(string slug, string url, DateTime createdAt, CancellationToken ct) =>
        database.WriteAsync(async (connection, token) =>
        {
            try
            {
                // The id comes back in the INSERT's OK packet: no second statement.
                await using var insert = new MySqlCommand("INSERT INTO links (slug, url, created_at, disabled) VALUES (@slug, @url, @createdAt, 0)", connection);
                insert.Parameters.AddWithValue("@slug", slug);
                insert.Parameters.AddWithValue("@url", url);
                insert.Parameters.AddWithValue("@createdAt", createdAt);
                await insert.ExecuteNonQueryAsync(token);
                return new Link(insert.LastInsertedId, slug, url, createdAt, false);
            }
            catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
            {
                return null;
            }
        }, ct);

    /// <summary>
    /// The link behind a slug. A miss on the replica is confirmed on the primary, so a link created a moment ago on
    /// any instance is found even while the replica lags.
    /// </summary>
    public Task<Link?> FindAsync(string slug, CancellationToken ct) =>
        database.ReadOrPrimaryIfMissingAsync((connection, token) => connection.QuerySingleOrDefaultAsync<Link?>(
            new CommandDefinition(SelectLink + " WHERE slug = @slug", new { slug }, cancellationToken: token)), ct);

    public Task<LinkStats?> StatsAsync(string slug, CancellationToken ct) =>
        database.ReadOrPrimaryIfMissingAsync((connection, token) => connection.QuerySingleOrDefaultAsync<LinkStats?>(
            new CommandDefinition("""
                SELECT l.slug AS Slug, l.url AS Url, l.created_at AS CreatedAt,
                       CAST(COALESCE((SELECT SUM(c.clicks) FROM link_clicks_per_minute c WHERE c.link_id = l.id), 0) AS SIGNED) AS Clicks,
                       l.disabled AS Disabled
                FROM links l WHERE l.slug = @slug
                """, new { slug }, cancellationToken: token)), ct);
}
