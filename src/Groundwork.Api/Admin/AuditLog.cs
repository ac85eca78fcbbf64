using System.Security.Claims;
using System.Text.Json;
using Dapper;
using Groundwork.ServiceDefaults.Data;
using MySqlConnector;

namespace Groundwork.Api.Admin;

public sealed record AuditEntry(long Id, DateTime At, string Actor, string Action, string Slug, JsonElement? Before, JsonElement? After);

/// <summary>Who did an admin action, and when.</summary>
public sealed record AuditStamp(string Actor, DateTime At)
{
    public static AuditStamp Of(ClaimsPrincipal user, TimeProvider time) => new(
        user.FindFirstValue("email") ?? user.FindFirstValue(ClaimTypes.Email) ?? user.FindFirstValue("sub") ?? user.Identity?.Name ?? "unknown",
        time.GetUtcNow().UtcDateTime);
}

/// <summary>
/// The audit log aggregate: every admin action, appended in the same transaction as the change it records (by the
/// store of what changed, <see cref="Links.LinkStore"/>), and read back page by page.
/// </summary>
public sealed class AuditLog(Database database)
{
    public static Task AppendAsync(MySqlConnection connection, MySqlTransaction transaction, AuditStamp stamp, string action, string slug, object? before, object? after, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO admin_audit_log (at, actor, action, slug, before_json, after_json) VALUES (@at, @actor, @action, @slug, @before, @after)",
            new
            {
                at = stamp.At, actor = stamp.Actor, action, slug,
                before = before is null ? null : JsonSerializer.Serialize(before, JsonSerializerOptions.Web),
                after = after is null ? null : JsonSerializer.Serialize(after, JsonSerializerOptions.Web),
            }, transaction, cancellationToken: ct));

    /// <summary>One page of entries, newest first, with the number of all entries.</summary>
    public Task<(IReadOnlyList<AuditEntry> Items, long Total)> ReadPageAsync(int offset, int limit, CancellationToken ct) =>
        database.ReadAsync(async (connection, token) =>
        {
            var rows = await connection.QueryAsync<(long Id, DateTime At, string Actor, string Action, string Slug, string? Before, string? After)>(new CommandDefinition(
                "SELECT id, at, actor, action, slug, before_json, after_json FROM admin_audit_log ORDER BY id DESC LIMIT @limit OFFSET @offset",
                new { limit, offset }, cancellationToken: token));
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM admin_audit_log", cancellationToken: token));
            return ((IReadOnlyList<AuditEntry>)rows.Select(r => new AuditEntry(r.Id, r.At, r.Actor, r.Action, r.Slug, Parse(r.Before), Parse(r.After))).ToList(), total);
        }, ct);

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
