using Groundwork.ServiceDefaults.Data.Credentials;
using Groundwork.ServiceDefaults.ReadYourWrites;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

public static class DataExtensions
{
    /// <summary>
    /// Two data sources from <c>ConnectionStrings:primary</c> and <c>ConnectionStrings:replica</c> (the RDS writer and
    /// reader endpoints; the two mariadbd processes locally) and the <see cref="Database"/> that routes between them.
    /// With <c>Database:Credentials:SecretId</c> the user and password come from that secret when connections open
    /// (<see cref="DatabaseCredentialProvider"/>); the connection strings then carry neither.
    /// </summary>
    public static IHostApplicationBuilder AddPrimaryAndReplica(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Database");
        builder.Services.Configure<DatabaseOptions>(section);
        var options = section.Get<DatabaseOptions>() ?? new DatabaseOptions();

        var primaryConnectionString = builder.Configuration.GetConnectionString("primary");
        var replicaConnectionString = builder.Configuration.GetConnectionString("replica");

        var credentialOptions = section.GetSection("Credentials").Get<DatabaseCredentialOptions>() ?? new DatabaseCredentialOptions();

        builder.Services.AddHttpContextAccessor();
        if (string.IsNullOrWhiteSpace(credentialOptions.SecretId))
        {
            builder.Services.AddSingleton(_ => new PrimaryDataSource(Build(primaryConnectionString
                ?? throw new InvalidOperationException("ConnectionStrings:primary is not configured."), options)));
            builder.Services.AddSingleton(_ => new ReplicaDataSource(string.IsNullOrWhiteSpace(replicaConnectionString)
                ? null
                : Build(replicaConnectionString, options)));
        }
        else
        {
            // One provider for both endpoints: the same user on the primary and its replica (the user replicates).
            builder.Services.AddSingleton(sp => DatabaseCredentialProvider.Create(credentialOptions,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<DatabaseCredentialProvider>()));
            builder.Services.AddSingleton(sp => new PrimaryDataSource(new AuthenticatingDataSource(
                primaryConnectionString ?? throw new InvalidOperationException("ConnectionStrings:primary is not configured."),
                sp.GetRequiredService<DatabaseCredentialProvider>(), cs => Build(cs, options))));
            builder.Services.AddSingleton(sp => new ReplicaDataSource(string.IsNullOrWhiteSpace(replicaConnectionString)
                ? null
                : new AuthenticatingDataSource(replicaConnectionString, sp.GetRequiredService<DatabaseCredentialProvider>(), cs => Build(cs, options))));
        }
        builder.Services.AddSingleton<SecretDatabaseUsers>();
        builder.Services.AddSingleton<ReplicaStatus>();
        builder.Services.AddSingleton<ClientPositions>();
        builder.Services.AddSingleton<IClientPosition>(sp => sp.GetRequiredService<ClientPositions>());
        builder.Services.AddSingleton<Database>();
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSingleton<ReplicaMonitor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplicaMonitor>());
        return builder;
    }

    internal static MySqlDataSource Build(string connectionString, DatabaseOptions options)
    {
        var csb = new MySqlConnectionStringBuilder(connectionString)
        {
            ConnectionTimeout = (uint)options.ConnectTimeoutSeconds,
            DefaultCommandTimeout = (uint)options.CommandTimeoutSeconds,
            // Clicks are flushed in batches with multi-row statements; user variables are never used.
            AllowUserVariables = false,
            // All timestamps are computed in UTC by the app; read them back as UTC.
            DateTimeKind = MySqlDateTimeKind.Utc,
        };
        return new MySqlDataSourceBuilder(csb.ConnectionString).Build();
    }
}
