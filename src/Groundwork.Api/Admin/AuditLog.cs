using System.Security.Claims;
using System.Text.Json;
using Dapper;
using MySqlConnector;

namespace Groundwork.Api.Admin;

public sealed record AuditEntry(long Id, DateTime At, string Actor, string Action, string Slug, JsonElement? Before, JsonElement? After);

/// <summary>Every admin action, written in the same transaction as the change it records.</summary>
public static class AuditLog
{
    public static Task AppendAsync(MySqlConnection connection, MySqlTransaction transaction, DateTime at, string actor, string action, string slug, object? before, object? after, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO admin_audit_log (at, actor, action, slug, before_json, after_json) VALUES (@at, @actor, @action, @slug, @before, @after)",
            new
            {
                at, actor, action, slug,
                before = before is null ? null : JsonSerializer.Serialize(before, JsonSerializerOptions.Web),
                after = after is null ? null : JsonSerializer.Serialize(after, JsonSerializerOptions.Web),
            }, transaction, cancellationToken: ct));

    public static async Task<IReadOnlyList<AuditEntry>> ReadAsync(MySqlConnection connection, int offset, int limit, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<(long Id, DateTime At, string Actor, string Action, string Slug, string? Before, string? After)>(new CommandDefinition(
            "SELECT id, at, actor, action, slug, before_json, after_json FROM admin_audit_log ORDER BY id DESC LIMIT @limit OFFSET @offset",
            new { limit, offset }, cancellationToken: ct));
        return rows.Select(r => new AuditEntry(r.Id, r.At, r.Actor, r.Action, r.Slug, Parse(r.Before), Parse(r.After))).ToList();
    }

    public static string ActorOf(ClaimsPrincipal user) =>
        user.FindFirstValue("email") ?? user.FindFirstValue(ClaimTypes.Email) ?? user.FindFirstValue("sub") ?? user.Identity?.Name ?? "unknown";

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
