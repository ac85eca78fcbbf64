using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Groundwork.ServiceDefaults.Data;

/// <summary>
/// Read-your-writes across instances without sticky sessions: after a client's write, the response hands it the
/// primary's replication position (cookie + header). Its later reads, on whichever instance they land, wait for the
/// replica to reach that position for a few milliseconds and otherwise read the primary. Stateless on the server.
/// </summary>
public sealed class ReadYourWrites(IHttpContextAccessor accessor, IOptions<DatabaseOptions> options)
{
    public const string CookieName = "gw-pos";
    public const string HeaderName = "Groundwork-Read-After";

    /// <summary>The position the current request's client must see, if it sent a valid one.</summary>
    public string? RequiredPosition
    {
        get
        {
            var request = accessor.HttpContext?.Request;
            if (request is null)
            {
                return null;
            }
            var value = request.Headers[HeaderName].ToString();
            if (string.IsNullOrEmpty(value))
            {
                value = request.Cookies[CookieName];
            }
            return ReplicationDialect.LooksLikePosition(value) ? value : null;
        }
    }

    /// <summary>Called after a committed write with the position that includes it.</summary>
    public void Remember(string? position)
    {
        var context = accessor.HttpContext;
        if (context is null || !ReplicationDialect.LooksLikePosition(position) || context.Response.HasStarted)
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

    /// <summary>A position written earlier in this same request wins over what the client sent.</summary>
    public string? PositionForThisRequest =>
        accessor.HttpContext?.Items[CookieName] as string ?? RequiredPosition;
}
