using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Groundwork.SecretsManager;

/// <summary>
/// The few Secrets Manager operations the credentials design needs (GetSecretValue, PutSecretValue,
/// UpdateSecretVersionStage, DescribeSecret, CreateSecret), spoken in the service's own JSON 1.1 protocol and signed with
/// Signature Version 4. AWSSDK.SecretsManager is not served by the package registry here; AWSSDK.Core is, and it
/// supplies what must not be re-invented (the credentials chain: instance role in AWS, environment locally). The app
/// servers (ServiceDefaults) and the deploy tool (rotate-credentials) both reference this library, so the app and the
/// rotation speak to Secrets Manager with one client.
/// </summary>
public sealed class SecretsManagerClient
{
    private const string Service = "secretsmanager";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Uri _endpoint;
    private readonly string _region;
    private readonly Func<CancellationToken, Task<ImmutableCredentials>> _credentials;

    public SecretsManagerClient(string region, Uri? serviceUrl = null, Func<CancellationToken, Task<ImmutableCredentials>>? credentials = null)
    {
        _region = region;
        _endpoint = serviceUrl ?? new Uri($"https://secretsmanager.{region}.amazonaws.com/");
        _credentials = credentials ?? DefaultCredentialsAsync;
    }

    public Uri Endpoint => _endpoint;

    /// <summary>
    /// The region a secret lives in: an ARN names it; otherwise the explicit setting, AWS_REGION, AWS_DEFAULT_REGION,
    /// then the SDK's own fallback (profile, instance metadata).
    /// </summary>
    public static string ResolveRegion(string secretId, string? configured)
    {
        if (secretId.StartsWith("arn:", StringComparison.Ordinal) && secretId.Split(':') is { Length: > 4 } parts && parts[3].Length > 0)
        {
            return parts[3];
        }
        var region = configured ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        if (!string.IsNullOrWhiteSpace(region))
        {
            return region;
        }
        return FallbackRegionFactory.GetRegionEndpoint()?.SystemName
            ?? throw new SecretsManagerException("NoRegion", $"No AWS region for secret {secretId}: set AWS_REGION or use the secret's ARN.", 0);
    }

    public async Task<SecretValue> GetSecretValueAsync(string secretId, string? versionStage = null, string? versionId = null, CancellationToken ct = default)
    {
        var request = new JsonObject { ["SecretId"] = secretId };
        if (versionStage is not null) request["VersionStage"] = versionStage;
        if (versionId is not null) request["VersionId"] = versionId;
        var response = await SendAsync("GetSecretValue", request, ct);
        return new SecretValue(
            (string?)response["ARN"] ?? "",
            (string?)response["Name"] ?? secretId,
            (string?)response["VersionId"] ?? "",
            (string?)response["SecretString"],
            response["VersionStages"]?.AsArray().Select(s => (string)s!).ToArray() ?? []);
    }

    /// <summary>Stores a new version; with a ClientRequestToken that already exists with the same value, nothing changes (idempotent).</summary>
    public async Task<string> PutSecretValueAsync(string secretId, string clientRequestToken, string secretString, IReadOnlyList<string> versionStages, CancellationToken ct = default)
    {
        var response = await SendAsync("PutSecretValue", new JsonObject
        {
            ["SecretId"] = secretId,
            ["ClientRequestToken"] = clientRequestToken,
            ["SecretString"] = secretString,
            ["VersionStages"] = new JsonArray([.. versionStages.Select(s => JsonValue.Create(s))]),
        }, ct);
        return (string?)response["VersionId"] ?? clientRequestToken;
    }

    public async Task UpdateSecretVersionStageAsync(string secretId, string versionStage, string? moveToVersionId, string? removeFromVersionId, CancellationToken ct = default)
    {
        var request = new JsonObject { ["SecretId"] = secretId, ["VersionStage"] = versionStage };
        if (moveToVersionId is not null) request["MoveToVersionId"] = moveToVersionId;
        if (removeFromVersionId is not null) request["RemoveFromVersionId"] = removeFromVersionId;
        await SendAsync("UpdateSecretVersionStage", request, ct);
    }

    /// <summary>Version id → stages, as DescribeSecret's VersionIdsToStages.</summary>
    public async Task<IReadOnlyDictionary<string, string[]>> DescribeVersionsAsync(string secretId, CancellationToken ct = default)
    {
        var response = await SendAsync("DescribeSecret", new JsonObject { ["SecretId"] = secretId }, ct);
        var versions = new Dictionary<string, string[]>();
        if (response["VersionIdsToStages"] is JsonObject map)
        {
            foreach (var (id, stages) in map)
            {
                versions[id] = stages?.AsArray().Select(s => (string)s!).ToArray() ?? [];
            }
        }
        return versions;
    }

    public async Task CreateSecretAsync(string name, string clientRequestToken, string secretString, CancellationToken ct = default) =>
        await SendAsync("CreateSecret", new JsonObject
        {
            ["Name"] = name,
            ["ClientRequestToken"] = clientRequestToken,
            ["SecretString"] = secretString,
        }, ct);

    private async Task<JsonObject> SendAsync(string operation, JsonObject body, CancellationToken ct)
    {
        var payload = body.ToJsonString();
        for (var attempt = 1; ; attempt++)
        {
            using var request = await SignedRequestAsync(operation, payload, ct);
            HttpResponseMessage response;
            try
            {
                response = await Http.SendAsync(request, ct);
            }
            catch (HttpRequestException e) when (attempt < 2)
            {
                _ = e; // one retry: a connection reset is not a verdict on the secret
                continue;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                throw new SecretsManagerException("Unreachable", $"Secrets Manager at {_endpoint} did not answer: {e.Message}", 0, e);
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                if (response.IsSuccessStatusCode)
                {
                    return JsonNode.Parse(text.Length == 0 ? "{}" : text) as JsonObject ?? [];
                }
                if ((int)response.StatusCode >= 500 && attempt < 2)
                {
                    continue;
                }
                throw SecretsManagerException.FromResponse(response.StatusCode, text);
            }
        }
    }

    private async Task<HttpRequestMessage> SignedRequestAsync(string operation, string payload, CancellationToken ct)
    {
        var credentials = await _credentials(ct);
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var host = _endpoint.IsDefaultPort ? _endpoint.Host : _endpoint.Authority;
        var target = $"secretsmanager.{operation}";
        const string contentType = "application/x-amz-json-1.1";

        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = contentType,
            ["host"] = host,
            ["x-amz-date"] = amzDate,
            ["x-amz-target"] = target,
        };
        if (credentials.UseToken)
        {
            headers["x-amz-security-token"] = credentials.Token;
        }
        var signedHeaders = string.Join(';', headers.Keys);
        var canonicalRequest = string.Join('\n',
            "POST", _endpoint.AbsolutePath, "",
            string.Concat(headers.Select(h => $"{h.Key}:{h.Value.Trim()}\n")),
            signedHeaders, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(payload))));
        var scope = $"{date}/{_region}/{Service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretKey), date), _region), Service), "aws4_request");
        var signature = Hex(Hmac(key, stringToSign));

        var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(payload, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.Token);
        }
        request.Headers.TryAddWithoutValidation("Authorization",
            $"AWS4-HMAC-SHA256 Credential={credentials.AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
        return request;
    }

    private static async Task<ImmutableCredentials> DefaultCredentialsAsync(CancellationToken ct)
    {
        try
        {
            var chain = await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync();
            return await chain.GetCredentialsAsync();
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or InvalidOperationException)
        {
            throw new SecretsManagerException("NoCredentials", $"No AWS credentials to read secrets with: {e.Message.Split('\n')[0]}", 0, e);
        }
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}

/// <summary>One version of a secret as GetSecretValue returns it.</summary>
public sealed record SecretValue(string Arn, string Name, string VersionId, string? SecretString, string[] VersionStages);

/// <summary>An error answer of Secrets Manager (its <c>__type</c>, e.g. ResourceNotFoundException), or no answer at all.</summary>
public sealed class SecretsManagerException(string code, string message, int status, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
    public int Status { get; } = status;

    public static SecretsManagerException FromResponse(HttpStatusCode status, string body)
    {
        string code = "UnknownError", message = $"HTTP {(int)status}";
        try
        {
            if (JsonNode.Parse(body) is JsonObject error)
            {
                // "__type" may carry a namespace prefix ("com.amazonaws...#ResourceNotFoundException").
                code = ((string?)error["__type"] ?? code).Split('#')[^1];
                message = (string?)error["Message"] ?? (string?)error["message"] ?? message;
            }
        }
        catch (JsonException)
        {
        }
        return new SecretsManagerException(code, $"{code}: {message}", (int)status);
    }
}
