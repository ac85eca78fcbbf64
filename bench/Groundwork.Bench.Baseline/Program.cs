// Scenario 1's baseline: what Kestrel + minimal-API routing alone cost for a redirect, with nothing of the app
// tier (no cache, no telemetry, no middleware). The Api's redirect path is held to a ratio of this.
// Usage: Groundwork.Bench.Baseline <port>
var port = args.Length > 0 ? args[0] : "5199";
var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
// Per-request logs at Information would measure the console, not Kestrel; the Api runs at Warning for the same reason.
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var app = builder.Build();
app.MapGet("/{slug}", (HttpContext context) =>
{
    context.Response.Headers.CacheControl = "no-store";
    return Results.Redirect("https://example.com/baseline");
});
app.Run();
