using Groundwork.ServiceDefaults.Data;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Groundwork.ServiceDefaults.ReadYourWrites;

/// <summary>
/// Read-your-writes across instances without sticky sessions, the HTTP half: after a client's write, the endpoint hands
/// it the primary's replication position (<see cref="HandOut"/>: cookie + header). Its later requests, on whichever
/// instance they land, carry it back; <see cref="Database"/> asks for it (<see cref="IClientPosition"/>) and waits for
/// the replica to reach it for a few milliseconds, else reads the primary. Stateless on the server.
/// </summary>
public sealed class ClientPositions(IHttpContextAccessor accessor, IOptions<DatabaseOptions> options) : IClientPosition
{
    public const string CookieName = "gw-pos";
    public const string HeaderName = "Groundwork-Read-After";

    /// <summary>A position handed out earlier in this same request wins over what the client sent.</summary>
    public string? RequiredPosition
    {
        get
        {
            var context = accessor.HttpContext;
            if (context is null)
            {
                return null;
            }
            if (context.Items[CookieName] is string ownWrite)
            {
                return ownWrite;
            }
            var value = context.Request.Headers[HeaderName].ToString();
            if (string.IsNullOrEmpty(value))
            {
                value = context.Request.Cookies[CookieName];
            }
            return ReplicationDialect.LooksLikePosition(value) ? value : null;
        }
    }

    /// <summary>Puts a committed write's position on the response (and on this request, for its later reads).</summary>
    public void HandOut(HttpContext context, string? position)
    {
        if (!ReplicationDialect.LooksLikePosition(position) || context.Response.HasStarted)
        {
            return;
        }
        context.Items[CookieName] = position;
        context.Response.Headers[HeaderName] = position;
        context.Response.Cookies.Append(CookieName, position!, new CookieOptions
        {
            HttpOnly = true,
            Secure = context.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            MaxAge = options.Value.ReadYourWritesWindow,
            IsEssential = true,
        });
    }
}
