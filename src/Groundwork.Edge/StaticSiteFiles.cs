using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Groundwork.Edge;

/// <summary>
/// CloudFront in front of the static site bucket: files from Edge:StaticRoot (web/dist), hashed assets cached for a
/// year, entry points revalidated every time, the SPA's client-side routes (/s/*) served by index.html, the managed
/// security-headers policy, and compression (added by the pipeline around this).
/// </summary>
internal sealed class StaticSiteFiles
{
    private const string IndexFile = "index.html";
    private readonly IFileProvider? files;
    private readonly FileExtensionContentTypeProvider contentTypes = new();

    public StaticSiteFiles(IOptions<EdgeOptions> options, IWebHostEnvironment environment, ILogger<StaticSiteFiles> logger)
    {
        var root = options.Value.StaticRoot;
        if (!string.IsNullOrWhiteSpace(root))
        {
            var full = Path.GetFullPath(root, environment.ContentRootPath);
            if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            {
                files = new PhysicalFileProvider(full);
                logger.LogInformation("Static site served from {Root}", full);
                return;
            }
        }

        logger.LogWarning("Edge:StaticRoot {Root} is missing or empty; serving a placeholder page (build web/ to get the real site)", root);
    }

    public bool HasContent => files is not null;

    public async Task ServeAsync(HttpContext context, RouteDecision.Static route)
    {
        AddSecurityHeaders(context);
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            await Results.Problem(statusCode: StatusCodes.Status405MethodNotAllowed, title: "Method not allowed",
                detail: "The static site is read-only.").ExecuteAsync(context);
            return;
        }

        var path = context.Request.Path.Value ?? "/";
        var isEntryPoint = path == "/" || path.StartsWith("/s/", StringComparison.Ordinal);
        var file = isEntryPoint ? IndexFile : path.TrimStart('/');
        context.Response.Headers.CacheControl = route switch
        {
            { Immutable: true } => "public, max-age=31536000, immutable",
            { NoCache: true } => "no-cache",
            _ => "public, max-age=3600",
        };

        if (files is null)
        {
            if (file == IndexFile)
            {
                await Results.Content(PlaceholderPage, "text/html; charset=utf-8").ExecuteAsync(context);
                return;
            }

            await NotFoundAsync(context);
            return;
        }

        var info = files.GetFileInfo(file);
        if (!info.Exists || info.IsDirectory || info.PhysicalPath is null)
        {
            await NotFoundAsync(context);
            return;
        }

        if (!contentTypes.TryGetContentType(info.Name, out var contentType))
        {
            contentType = "application/octet-stream";
        }

        var lastModified = info.LastModified;
        var etag = new EntityTagHeaderValue($"\"{lastModified.UtcTicks:x}-{info.Length:x}\"");
        await Results.File(info.PhysicalPath, contentType, lastModified: lastModified, entityTag: etag, enableRangeProcessing: true)
            .ExecuteAsync(context);
    }

    /// <summary>CloudFront's security headers policy (HSTS only over HTTPS, as a browser ignores it otherwise).</summary>
    public static void AddSecurityHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
            "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        if (context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        }
    }

    private static Task NotFoundAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-cache";
        return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found").ExecuteAsync(context);
    }

    private const string PlaceholderPage = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Groundwork</title></head>
        <body>
          <main>
            <h1>Groundwork</h1>
            <p>The static web app is not built. Build <code>web/</code> and point <code>Edge:StaticRoot</code> at <code>web/dist</code>.</p>
            <p>The API is at <code>/api/links</code>; the admin console at <code>/admin</code>.</p>
          </main>
        </body>
        </html>
        """;
}
