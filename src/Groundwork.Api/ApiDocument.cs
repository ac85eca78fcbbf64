using System.Text.Json;
using Groundwork.Api.Links;
using Groundwork.ServiceDefaults.AlbIdentity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Groundwork.Api;

/// <summary>
/// The OpenAPI document at /openapi/v1.json, complete enough for a generated client (Kiota) to be typed for every
/// operation and for `redocly lint` (recommended rules) to pass. Statuses, names and summaries are endpoint metadata
/// next to each route; this adds what is the same for the whole API: info, servers, the admin security scheme,
/// per-operation security, tag descriptions and the headers that go with some statuses.
/// </summary>
public static class ApiDocument
{
    /// <summary>Name of the security scheme in components.securitySchemes.</summary>
    public const string AdminSchemeName = "albIdentity";

    public static IHostApplicationBuilder AddApiDocument(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, context, _) =>
            {
                Describe(document, context.ApplicationServices.GetRequiredService<IOptions<ShortLinkOptions>>().Value.PublicBaseUrl);
                return Task.CompletedTask;
            });
            // The audit entry's before/after are stored JSON (a JsonElement): name and describe them for what they are,
            // rather than a generated client's model called "JsonElement".
            options.CreateSchemaReferenceId = type => IsStoredJson(type.Type)
                ? "AuditState"
                : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (IsStoredJson(context.JsonTypeInfo.Type))
                {
                    schema.Description = "The link's state before or after the action as recorded, e.g. {\"url\": \"https://...\", \"disabled\": false}; null on the side that does not exist (after a delete).";
                }
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                Secure(operation, context);
                AddHeaders(operation);
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    private static bool IsStoredJson(Type type) => (Nullable.GetUnderlyingType(type) ?? type) == typeof(JsonElement);

    private static void Describe(OpenApiDocument document, string? publicBaseUrl)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Groundwork API",
            Version = "v1",
            Summary = "Short links with click analytics, and the admin API behind the ALB's Cognito sign-in.",
            Description = "Errors are RFC 9457 problem details (`application/problem+json`). A 503 is temporary (a dependency " +
                          "is down or failing over) and carries `Retry-After`; a 429 carries `Retry-After` too.",
            // The repository carries no open-source licence: the API is not licensed to third parties.
            License = new OpenApiLicense { Name = "Proprietary (all rights reserved)" },
        };
        // The public address where one is configured (the one short links are handed out on), so a client generated from
        // the document of any instance calls the public endpoint; otherwise the request's base URL. Without the trailing
        // slash the default has: paths start with '/', and a client joining them would send '//'.
        if (!string.IsNullOrWhiteSpace(publicBaseUrl))
        {
            document.Servers = [new OpenApiServer { Url = publicBaseUrl.TrimEnd('/') }];
        }
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[AdminSchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = AlbIdentityDefaults.DataHeader,
            Description = "The signed identity (an ES256 JWT) that the AWS Application Load Balancer adds to every request " +
                          "under /admin after the user signed in with Cognito. It is NOT something a client sends: the load " +
                          "balancer (and the local edge) drops any client-sent x-amzn-oidc-* header. A browser or client gets " +
                          "it by signing in through the load balancer (a session cookie); the app verifies the signature " +
                          "against the ALB's public keys and then checks the admin allowlist (401 without a valid identity, " +
                          "403 for a user not on the allowlist).",
        };
        var tags = new Dictionary<string, string>
        {
            ["Links"] = "Create short links and read their statistics. Public; creation is rate limited per client.",
            ["Redirect"] = "The short links themselves, at the root of the domain. Public.",
            ["Admin"] = "Moderation and audit for admins; needs the ALB's signed identity of an allowlisted admin.",
        };
        document.Tags = new HashSet<OpenApiTag>(tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
    }

    /// <summary>Admin operations name the ALB identity scheme; every other operation is public (an empty list).</summary>
    private static void Secure(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var needsSignIn = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        operation.Security = needsSignIn
            ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AdminSchemeName, context.Document)] = [] }]
            : [];
    }

    /// <summary>The headers a client needs with some statuses: where a 201/302 points, when to retry a 429/503.</summary>
    private static void AddHeaders(OpenApiOperation operation)
    {
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }
            (string Name, string Description, JsonSchemaType Type)? header = status switch
            {
                "201" => ("Location", "The new link's statistics URL (/api/links/{slug}).", JsonSchemaType.String),
                "302" => ("Location", "The link's target URL.", JsonSchemaType.String),
                "429" or "503" => ("Retry-After", "Seconds to wait before retrying.", JsonSchemaType.Integer),
                _ => null,
            };
            if (header is { } h)
            {
                concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                concrete.Headers[h.Name] = new OpenApiHeader { Description = h.Description, Required = true, Schema = new OpenApiSchema { Type = h.Type } };
            }
        }
    }
}
