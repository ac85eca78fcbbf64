using Groundwork.ServiceDefaults.AlbIdentity;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Groundwork.Api.Admin;

/// <summary>
/// The admin console page (web/dist/admin, shipped in the artifact). The ALB forwards everything under /admin to
/// the app servers after Cognito sign-in, so the console is served here, behind the same admin policy as its API,
/// and is never public. Its scripts and styles are the web app's hashed /assets, served by CloudFront.
/// </summary>
public static class AdminConsole
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IEndpointRouteBuilder MapAdminConsole(this IEndpointRouteBuilder app)
    {
        var root = app.ServiceProvider.GetRequiredService<IConfiguration>()["Admin:ConsoleRoot"];
        IFileProvider? files = !string.IsNullOrWhiteSpace(root) && Directory.Exists(root) ? new PhysicalFileProvider(Path.GetFullPath(root)) : null;

        // One route for "/admin", "/admin/" and below: routing does not tell "/admin" from "/admin/", the request path does.
        app.MapGet("/admin/{**path}", (string? path, HttpContext context) =>
        {
            if (!context.Request.Path.HasValue || !context.Request.Path.Value.EndsWith('/') && string.IsNullOrEmpty(path))
            {
                return Results.Redirect("/admin/");
            }
            path ??= "";
            if (path.StartsWith("api/", StringComparison.OrdinalIgnoreCase) || path.Equals("api", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Problem(statusCode: 404, title: "Not found", detail: "No such admin API endpoint.");
            }
            if (files is null)
            {
                return Results.Problem(statusCode: 404, title: "Admin console not installed",
                    detail: "Build web/ (npm run build) and set Admin:ConsoleRoot to its dist/admin folder.");
            }
            var file = files.GetFileInfo(path);
            if (!file.Exists || file.IsDirectory)
            {
                file = files.GetFileInfo("index.html"); // client-side routes of the console
            }
            if (!file.Exists || file.PhysicalPath is null)
            {
                return Results.Problem(statusCode: 404, title: "Not found");
            }
            var contentType = ContentTypes.TryGetContentType(file.Name, out var type) ? type : "application/octet-stream";
            context.Response.Headers.CacheControl = "no-cache";
            return Results.File(file.PhysicalPath, contentType);
        }).RequireAuthorization(AlbIdentityDefaults.AdminPolicy).ExcludeFromDescription();
        return app;
    }
}
