using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlConnector;

namespace Groundwork.ServiceDefaults.Data;

public static class DataExtensions
{
    /// <summary>
    /// Two data sources from <c>ConnectionStrings:primary</c> and <c>ConnectionStrings:replica</c> (the RDS writer and
    /// reader endpoints; the two mariadbd processes locally) and the <see cref="Database"/> that routes between them.
    /// </summary>
    public static IHostApplicationBuilder AddPrimaryAndReplica(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Database");
        builder.Services.Configure<DatabaseOptions>(section);
        var options = section.Get<DatabaseOptions>() ?? new DatabaseOptions();

        var primaryConnectionString = builder.Configuration.GetConnectionString("primary");
        var replicaConnectionString = builder.Configuration.GetConnectionString("replica");

        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton(_ => new PrimaryDataSource(Build(primaryConnectionString
            ?? throw new InvalidOperationException("ConnectionStrings:primary is not configured."), options)));
        builder.Services.AddSingleton(_ => new ReplicaDataSource(string.IsNullOrWhiteSpace(replicaConnectionString)
            ? null
            : Build(replicaConnectionString, options)));
        builder.Services.AddSingleton<ReplicaStatus>();
        builder.Services.AddSingleton<ReadYourWrites>();
        builder.Services.AddSingleton<Database>();
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSingleton<AnalyticsReadOnlyUser>();
        builder.Services.AddHostedService<ReplicaMonitor>();
        return builder;
    }

    private static MySqlDataSource Build(string connectionString, DatabaseOptions options)
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
