using System.Text;
using System.Text.Json;
using Groundwork.Api.Clicks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Groundwork.ServiceDefaults.Data;
using Groundwork.ServiceDefaults.ReadYourWrites;

namespace Groundwork.Api.Links;

public sealed class ShortLinkOptions
{
    /// <summary>Base of the short URLs handed out, e.g. https://gw.example.com. Empty: the request's own scheme and host.</summary>
    public string? PublicBaseUrl { get; set; }
    /// <summary>Link creations per client address per minute, across all instances.</summary>
    public int CreatePerClientPerMinute { get; set; } = 60;
    public int MaxBodyBytes { get; set; } = 16 * 1024;
    /// <summary>Serve redirects from the shared cache (default). Off only to measure what the cache buys.</summary>
    public bool CacheRedirects { get; set; } = true;
}

public static class LinkEndpoints
{
    public const string CreatePolicy = "links-create";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { MaxDepth = 8 };

    public static IEndpointRouteBuilder MapLinks(this IEndpointRouteBuilder app)
    {
        // Public: no sign-in. Each operation declares every status it answers (the contract tests hold this to the code):
        // 503 wherever the database or the shared cache is needed, 429 where a rate limit applies.
        var api = app.MapGroup("/api/links").WithTags("Links").AllowAnonymous();
        api.MapPost("/", CreateAsync).RequireRateLimiting(CreatePolicy)
            .WithName("createLink").WithSummary("Create a short link")
            .WithDescription("Stores the target URL under a random slug, or under the custom slug given. The short URL is in `shortUrl`.")
            .Accepts<CreateLinkRequest>("application/json")
            .Produces<CreatedLink>(StatusCodes.Status201Created)
            .ProducesProblem(400).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429).ProducesProblem(503);
        api.MapGet("/{slug}", StatsAsync)
            .WithName("getLinkStats").WithSummary("Get a link and its click count")
            .Produces<LinkStats>().ProducesProblem(404).ProducesProblem(503);
        api.MapGet("/{slug}/clicks", ClicksAsync)
            .WithName("getClickSeries").WithSummary("Get a link's clicks over time")
            .WithDescription("Clicks per minute, hour or day between `from` and `to` (ISO 8601).")
            .Produces<ClickSeriesResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(503);

        // The hot path: short links live at the root. Literal routes (/api, /admin, /health, /openapi) win over it.
        // GET and HEAD are two operations (one operationId each) on the same handler.
        app.MapGet("/{slug}", RedirectAsync).WithTags("Redirect").AllowAnonymous()
            .WithName("followShortLink").WithSummary("Follow a short link (counts a click)")
            .WithDescription("Redirects with 302 to the target URL (`Location`); not cacheable, so every click reaches an app server.")
            .Produces(StatusCodes.Status302Found).ProducesProblem(404).ProducesProblem(410).ProducesProblem(503);
        app.MapMethods("/{slug}", [HttpMethods.Head], RedirectAsync).WithTags("Redirect").AllowAnonymous()
            .WithName("checkShortLink").WithSummary("Check a short link without counting a click")
            .Produces(StatusCodes.Status302Found).ProducesProblem(404).ProducesProblem(410).ProducesProblem(503);
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, LinkStore store, LinkCache cache, ClientPositions positions, IOptions<ShortLinkOptions> options, TimeProvider time, CancellationToken ct)
    {
        var (request, error, status) = await ReadBodyAsync(context, options.Value.MaxBodyBytes, ct);
        if (request is null)
        {
            return Results.Problem(statusCode: status, title: status == 413 ? "Request body too large" : "Invalid request", detail: error);
        }
        var (url, urlError) = TargetUrl.Normalize(request.Url);
        if (url is null)
        {
            return ValidationProblem("url", urlError!);
        }
        if (!string.IsNullOrEmpty(request.Slug) && SlugRules.ValidateCustom(request.Slug) is { } slugError)
        {
            return ValidationProblem("slug", slugError);
        }
        var createdAt = TruncateToMilliseconds(time.GetUtcNow().UtcDateTime);
        var written = string.IsNullOrEmpty(request.Slug)
            ? await InsertWithGeneratedSlugAsync(store, url, createdAt, ct)
            : await store.TryInsertAsync(request.Slug, url, createdAt, ct);
        if (written is null)
        {
            return string.IsNullOrEmpty(request.Slug)
                ? Results.Problem(statusCode: 409, title: "Could not allocate a slug", detail: "Retry the request.")
                : Results.Problem(statusCode: 409, title: "Slug already taken", detail: $"'{request.Slug}' is already in use; choose another slug.");
        }
        var link = written.Value;
        positions.HandOut(context, written.Position);
        await cache.SetCreatedAsync(link, generatedSlug: string.IsNullOrEmpty(request.Slug), ct);
        return Results.Created($"/api/links/{link.Slug}", new CreatedLink(link.Slug, link.Url, ShortUrl(context, options.Value, link.Slug), link.CreatedAt));
    }

    /// <summary>~46 random bits: a collision is rare; retrying with a fresh slug makes it harmless.</summary>
    private static async Task<Written<Link>?> InsertWithGeneratedSlugAsync(LinkStore store, string url, DateTime createdAt, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await store.TryInsertAsync(SlugRules.Generate(), url, createdAt, ct) is { } written)
            {
                return written;
            }
        }
        return null;
    }

    private static async Task<IResult> RedirectAsync(string slug, HttpContext context, LinkCache cache, ClickCounter clicks, CancellationToken ct)
    {
        if (!SlugRules.CouldBeSlug(slug))
        {
            return NotFound(slug);
        }
        var link = await cache.GetAsync(slug, ct);
        if (link is null)
        {
            return NotFound(slug);
        }
        if (link.Disabled)
        {
            return Results.Problem(statusCode: 410, title: "Link disabled", detail: $"The link '{slug}' has been disabled.");
        }
        if (HttpMethods.IsGet(context.Request.Method))
        {
            clicks.Count(link.Id);
        }
        // Every click must reach an app server to be counted: no shared or browser caching of the redirect.
        context.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(link.Url);
    }

    private static async Task<IResult> StatsAsync(string slug, LinkCache cache, CancellationToken ct)
    {
        if (!SlugRules.CouldBeSlug(slug))
        {
            return NotFound(slug);
        }
        return await cache.GetStatsAsync(slug, ct) is { } stats ? Results.Ok(stats) : NotFound(slug);
    }

    private static async Task<IResult> ClicksAsync(string slug, string? from, string? to, string? bucket, LinkCache cache, ClickSeriesReader reader, TimeProvider time, CancellationToken ct)
    {
        var (query, error) = ClickSeriesQuery.Parse(from, to, bucket, time.GetUtcNow().UtcDateTime);
        if (query is null)
        {
            return Results.Problem(statusCode: 400, title: "Invalid query", detail: error);
        }
        var link = SlugRules.CouldBeSlug(slug) ? await cache.GetAsync(slug, ct) : null;
        if (link is null)
        {
            return NotFound(slug);
        }
        var points = await reader.ReadAsync(link.Id, query, ct);
        return Results.Ok(new ClickSeriesResponse(slug, query.Bucket.ToString().ToLowerInvariant(), query.From, query.To, points.Sum(p => p.Clicks), points));
    }

    private static async Task<(CreateLinkRequest? Request, string? Error, int Status)> ReadBodyAsync(HttpContext context, int maxBytes, CancellationToken ct)
    {
        var contentType = context.Request.ContentType;
        if (!string.IsNullOrEmpty(contentType) && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, "Send the link as JSON (Content-Type: application/json).", StatusCodes.Status415UnsupportedMediaType);
        }
        if (context.Request.ContentLength > maxBytes)
        {
            return (null, $"The body may have at most {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
        try
        {
            var request = await JsonSerializer.DeserializeAsync<CreateLinkRequest>(context.Request.Body, Json, ct);
            return request is null ? (null, "The body must be a JSON object like {\"url\": \"https://...\"}.", 400) : (request, null, 0);
        }
        catch (JsonException e)
        {
            var where = e.Path is null ? "" : $" (at {e.Path})";
            return (null, $"The body is not valid JSON for a link{where}: expected {{\"url\": string, \"slug\": optional string}}.", 400);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or DecoderFallbackException or NotSupportedException)
        {
            return (null, "The body is not valid UTF-8 JSON.", 400);
        }
    }

    private static IResult ValidationProblem(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: "Invalid link");

    private static IResult NotFound(string slug) =>
        Results.Problem(statusCode: 404, title: "Link not found", detail: $"No link '{Truncate(slug)}' exists.");

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static string ShortUrl(HttpContext context, ShortLinkOptions options, string slug)
    {
        var baseUrl = string.IsNullOrWhiteSpace(options.PublicBaseUrl)
            ? $"{context.Request.Scheme}://{context.Request.Host}"
            : options.PublicBaseUrl.TrimEnd('/');
        return $"{baseUrl}/{slug}";
    }

    private static DateTime TruncateToMilliseconds(DateTime value) =>
        new(value.Ticks - value.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
}
