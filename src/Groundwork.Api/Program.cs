using Groundwork.Api;
using Groundwork.Api.Admin;
using Groundwork.Api.Links;
using Groundwork.Api.Migrations;
using Groundwork.ServiceDefaults;
using Groundwork.ServiceDefaults.RateLimiting;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();    // telemetry, errors, primary + replica, shared cache, ALB identity, health
builder.AddLinkShortener();      // links, clicks, the create rate limit
builder.AddApiDocument();        // OpenAPI

var app = builder.Build();

if (args.Contains("migrate"))
{
    return await ApiMigrations.RunCommandAsync(app.Services, Console.Out, Console.Error);
}
if (app.Configuration.GetValue<bool>("Database:MigrateOnStart"))
{
    await ApiMigrations.ApplyAsync(app.Services, CancellationToken.None);
}

app.UseServiceDefaults();
app.UsePerClientRateLimits();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapAdmin();
app.MapAdminConsole();
app.MapLinks();

app.Run();
return 0;

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
