using Groundwork.Api;
using Groundwork.Api.Admin;
using Groundwork.Api.Links;
using Groundwork.ServiceDefaults;
using Groundwork.ServiceDefaults.Data;
using Groundwork.ServiceDefaults.RateLimiting;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLinkShortener();
builder.AddApiDocument();

var app = builder.Build();

// `Groundwork.Api migrate`: the deploy step that applies migrations once, before any new instance serves.
if (args.Contains("migrate"))
{
    try
    {
        var applied = await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(typeof(Program).Assembly, "Groundwork.Api.Migrations", CancellationToken.None);
        Console.WriteLine($"migrations applied: {applied}");
        // The app and analytics users from their secrets (the migrate step connects as the master user).
        foreach (var line in await app.Services.GetRequiredService<SecretDatabaseUsers>().EnsureAsync(CancellationToken.None))
        {
            Console.WriteLine(line);
        }
        return 0;
    }
    catch (Exception e) when (e is InvalidOperationException or MySqlConnector.MySqlException or EvolveDb.EvolveException)
    {
        // A deploy step: one line that says why, and a non-zero exit (the deploy tool quotes the last line).
        Console.Error.WriteLine($"migrate failed: {e.Message}");
        return 1;
    }
}
if (app.Configuration.GetValue<bool>("Database:MigrateOnStart"))
{
    await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(typeof(Program).Assembly, "Groundwork.Api.Migrations", CancellationToken.None);
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
