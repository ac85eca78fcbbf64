using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Groundwork.LocalServers;

/// <summary>
/// The local stand-in for AWS Secrets Manager: an HTTP server on 127.0.0.1 speaking the service's JSON 1.1 protocol
/// (<c>POST /</c>, <c>X-Amz-Target: secretsmanager.&lt;Operation&gt;</c>, errors as <c>{"__type","Message"}</c> with
/// HTTP 400) for the operations the credentials design uses: CreateSecret, GetSecretValue, PutSecretValue,
/// UpdateSecretVersionStage, DescribeSecret. Version stages behave as AWS documents them: one version holds each
/// stage; moving AWSCURRENT gives the version that had it AWSPREVIOUS; a version left without stages is deprecated
/// (dropped here). Requests must carry a SigV4 Authorization header (the signature itself is not verified: the
/// credentials are dummies locally). The secrets are kept in a 0600 file in the local data directory.
/// </summary>
public sealed class LocalSecretsManager : IAsyncDisposable
{
    public const string Current = "AWSCURRENT";
    public const string Pending = "AWSPENDING";
    public const string Previous = "AWSPREVIOUS";
    public const string HealthPath = "/_local/health";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly HttpListener _listener = new();
    private readonly string _storePath;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, StoredSecret> _secrets;
    private readonly Task _loop;

    private LocalSecretsManager(string storePath, int port)
    {
        _storePath = storePath;
        _secrets = Load(storePath);
        Url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Starts serving at once (the caller owns the port; tests pass a free one).</summary>
    public static LocalSecretsManager Start(string storePath, int port) => new(storePath, port);

    public Uri Url { get; }

    /// <summary>
    /// Creates the secret with a generated password when it does not exist (what CloudFormation's GenerateSecretString
    /// does in AWS); an existing secret is left alone. Returns its AWSCURRENT value.
    /// </summary>
    public string EnsureUserSecret(string name, string username)
    {
        lock (_lock)
        {
            if (!_secrets.ContainsKey(name))
            {
                var value = new JsonObject { ["username"] = username, ["password"] = NewPassword() }.ToJsonString();
                CreateLocked(name, Guid.NewGuid().ToString(), value);
            }
            return _secrets[name].Versions.Values.Single(v => v.Stages.Contains(Current)).SecretString;
        }
    }

    /// <summary>Letters and digits only, 32 of them: never needs quoting in a connection string or a shell.</summary>
    public static string NewPassword() =>
        RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", 32);

    public async ValueTask DisposeAsync()
    {
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var request = context.Request;
            if (request.HttpMethod == "GET" && request.Url?.AbsolutePath == HealthPath)
            {
                await WriteAsync(response, 200, new JsonObject { ["status"] = "ok", ["secrets"] = Count() }).ConfigureAwait(false);
                return;
            }
            var target = request.Headers["X-Amz-Target"] ?? "";
            if (request.HttpMethod != "POST" || !target.StartsWith("secretsmanager.", StringComparison.Ordinal))
            {
                await ErrorAsync(response, 400, "UnknownOperationException", "Send POST / with X-Amz-Target: secretsmanager.<Operation>.").ConfigureAwait(false);
                return;
            }
            if (request.Headers["Authorization"] is not { } authorization || !authorization.StartsWith("AWS4-HMAC-SHA256 Credential=", StringComparison.Ordinal))
            {
                await ErrorAsync(response, 400, "IncompleteSignatureException", "The request must be signed with Signature Version 4.").ConfigureAwait(false);
                return;
            }
            JsonObject body;
            using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
            {
                var text = await reader.ReadToEndAsync().ConfigureAwait(false);
                try
                {
                    body = JsonNode.Parse(text.Length == 0 ? "{}" : text) as JsonObject ?? throw new JsonException("not an object");
                }
                catch (JsonException)
                {
                    await ErrorAsync(response, 400, "SerializationException", "The request body is not a JSON object.").ConfigureAwait(false);
                    return;
                }
            }
            JsonObject result;
            try
            {
                result = Dispatch(target["secretsmanager.".Length..], body);
            }
            catch (SecretsManagerError e)
            {
                await ErrorAsync(response, 400, e.Code, e.Message).ConfigureAwait(false);
                return;
            }
            await WriteAsync(response, 200, result).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            try
            {
                await ErrorAsync(response, 500, "InternalServiceError", e.Message).ConfigureAwait(false);
            }
            catch (Exception inner) when (inner is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private int Count()
    {
        lock (_lock)
        {
            return _secrets.Count;
        }
    }

    private JsonObject Dispatch(string operation, JsonObject body)
    {
        lock (_lock)
        {
            return operation switch
            {
                "CreateSecret" => CreateLocked(Required(body, "Name"), (string?)body["ClientRequestToken"] ?? Guid.NewGuid().ToString(), Required(body, "SecretString")),
                "GetSecretValue" => GetLocked(body),
                "PutSecretValue" => PutLocked(body),
                "UpdateSecretVersionStage" => UpdateStageLocked(body),
                "DescribeSecret" => DescribeLocked(Find(Required(body, "SecretId"))),
                _ => throw new SecretsManagerError("UnknownOperationException", $"Operation {operation} is not supported by the local stand-in."),
            };
        }
    }

    private JsonObject CreateLocked(string name, string token, string secretString)
    {
        if (_secrets.ContainsKey(name))
        {
            throw new SecretsManagerError("ResourceExistsException", $"The operation failed because the secret {name} already exists.");
        }
        var secret = new StoredSecret
        {
            Name = name,
            Arn = $"arn:aws:secretsmanager:local:000000000000:secret:{name}-{RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 6)}",
            CreatedDate = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
        secret.Versions[token] = new StoredVersion { VersionId = token, SecretString = secretString, CreatedDate = secret.CreatedDate, Stages = [Current] };
        _secrets[name] = secret;
        Save();
        return new JsonObject { ["ARN"] = secret.Arn, ["Name"] = name, ["VersionId"] = token };
    }

    private JsonObject GetLocked(JsonObject body)
    {
        var secret = Find(Required(body, "SecretId"));
        var versionId = (string?)body["VersionId"];
        var stage = (string?)body["VersionStage"];
        StoredVersion? version;
        if (versionId is not null)
        {
            version = secret.Versions.GetValueOrDefault(versionId);
            if (version is null || (stage is not null && !version.Stages.Contains(stage)))
            {
                throw new SecretsManagerError("ResourceNotFoundException", $"Secrets Manager can't find the specified secret value for VersionId: {versionId}");
            }
        }
        else
        {
            stage ??= Current;
            version = secret.Versions.Values.FirstOrDefault(v => v.Stages.Contains(stage))
                ?? throw new SecretsManagerError("ResourceNotFoundException", $"Secrets Manager can't find the specified secret value for staging label: {stage}");
        }
        return new JsonObject
        {
            ["ARN"] = secret.Arn,
            ["Name"] = secret.Name,
            ["VersionId"] = version.VersionId,
            ["SecretString"] = version.SecretString,
            ["VersionStages"] = new JsonArray([.. version.Stages.Select(s => JsonValue.Create(s))]),
            ["CreatedDate"] = version.CreatedDate,
        };
    }

    private JsonObject PutLocked(JsonObject body)
    {
        var secret = Find(Required(body, "SecretId"));
        var token = (string?)body["ClientRequestToken"] ?? Guid.NewGuid().ToString();
        var secretString = Required(body, "SecretString");
        var stages = body["VersionStages"] is JsonArray list ? list.Select(s => (string?)s ?? "").ToList() : [Current];
        if (stages.Count == 0 || stages.Any(s => s.Length is 0 or > 256))
        {
            throw new SecretsManagerError("InvalidParameterException", "VersionStages must name 1-20 labels of 1-256 characters.");
        }
        if (secret.Versions.TryGetValue(token, out var existing))
        {
            // Idempotent retry of the same request; the same token with another value is refused, as in AWS.
            if (existing.SecretString != secretString)
            {
                throw new SecretsManagerError("ResourceExistsException", $"A version with VersionId {token} already exists with a different value.");
            }
        }
        else
        {
            secret.Versions[token] = new StoredVersion { VersionId = token, SecretString = secretString, CreatedDate = DateTimeOffset.UtcNow.ToUnixTimeSeconds() };
        }
        foreach (var stage in stages)
        {
            AttachLocked(secret, stage, token);
        }
        DropDeprecatedLocked(secret);
        Save();
        return new JsonObject
        {
            ["ARN"] = secret.Arn,
            ["Name"] = secret.Name,
            ["VersionId"] = token,
            ["VersionStages"] = new JsonArray([.. secret.Versions[token].Stages.Select(s => JsonValue.Create(s))]),
        };
    }

    private JsonObject UpdateStageLocked(JsonObject body)
    {
        var secret = Find(Required(body, "SecretId"));
        var stage = Required(body, "VersionStage");
        var moveTo = (string?)body["MoveToVersionId"];
        var removeFrom = (string?)body["RemoveFromVersionId"];
        var holder = secret.Versions.Values.FirstOrDefault(v => v.Stages.Contains(stage));

        if (moveTo is not null && !secret.Versions.ContainsKey(moveTo))
        {
            throw new SecretsManagerError("ResourceNotFoundException", $"Secrets Manager can't find the specified secret value for VersionId: {moveTo}");
        }
        if (removeFrom is not null && (holder is null || holder.VersionId != removeFrom))
        {
            throw new SecretsManagerError("InvalidParameterException", $"The staging label {stage} is not attached to version {removeFrom}.");
        }
        if (moveTo is not null && holder is not null && holder.VersionId != moveTo && removeFrom is null)
        {
            // AWS refuses to take a label from a version the caller did not name: a rotation must say what it replaces.
            throw new SecretsManagerError("InvalidParameterException",
                $"The staging label {stage} is currently attached to version {holder.VersionId}; pass it as RemoveFromVersionId to move the label.");
        }
        if (moveTo is null)
        {
            if (removeFrom is null)
            {
                throw new SecretsManagerError("InvalidParameterException", "Pass MoveToVersionId, RemoveFromVersionId or both.");
            }
            if (stage == Current)
            {
                throw new SecretsManagerError("InvalidParameterException", "AWSCURRENT cannot be removed, only moved to another version.");
            }
            holder!.Stages.Remove(stage);
        }
        else
        {
            AttachLocked(secret, stage, moveTo);
        }
        DropDeprecatedLocked(secret);
        Save();
        return new JsonObject { ["ARN"] = secret.Arn, ["Name"] = secret.Name };
    }

    /// <summary>Puts a stage on one version, taking it from any other; AWSCURRENT leaves AWSPREVIOUS behind.</summary>
    private static void AttachLocked(StoredSecret secret, string stage, string versionId)
    {
        var target = secret.Versions[versionId];
        var holder = secret.Versions.Values.FirstOrDefault(v => v.Stages.Contains(stage));
        if (holder == target)
        {
            return;
        }
        holder?.Stages.Remove(stage);
        target.Stages.Add(stage);
        if (stage == Current && holder is not null)
        {
            foreach (var v in secret.Versions.Values)
            {
                v.Stages.Remove(Previous);
            }
            holder.Stages.Add(Previous);
        }
    }

    private static void DropDeprecatedLocked(StoredSecret secret)
    {
        foreach (var id in secret.Versions.Where(v => v.Value.Stages.Count == 0).Select(v => v.Key).ToList())
        {
            secret.Versions.Remove(id);
        }
    }

    private static JsonObject DescribeLocked(StoredSecret secret)
    {
        var map = new JsonObject();
        foreach (var v in secret.Versions.Values)
        {
            map[v.VersionId] = new JsonArray([.. v.Stages.Select(s => JsonValue.Create(s))]);
        }
        return new JsonObject
        {
            ["ARN"] = secret.Arn,
            ["Name"] = secret.Name,
            ["RotationEnabled"] = false,
            ["CreatedDate"] = secret.CreatedDate,
            ["VersionIdsToStages"] = map,
        };
    }

    /// <summary>By name or by ARN, as AWS accepts either for SecretId.</summary>
    private StoredSecret Find(string secretId) =>
        _secrets.GetValueOrDefault(secretId)
        ?? _secrets.Values.FirstOrDefault(s => s.Arn == secretId)
        ?? throw new SecretsManagerError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");

    private static string Required(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new SecretsManagerError("InvalidParameterException", $"{name} is required.");

    private static Task WriteAsync(HttpListenerResponse response, int status, JsonObject body) =>
        WriteRawAsync(response, status, body.ToJsonString(), null);

    private static Task ErrorAsync(HttpListenerResponse response, int status, string code, string message) =>
        WriteRawAsync(response, status, new JsonObject { ["__type"] = code, ["Message"] = message }.ToJsonString(), code);

    private static async Task WriteRawAsync(HttpListenerResponse response, int status, string json, string? errorType)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        response.StatusCode = status;
        response.ContentType = "application/x-amz-json-1.1";
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        if (errorType is not null)
        {
            response.Headers["x-amzn-ErrorType"] = errorType;
        }
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        response.Close();
    }

    private static Dictionary<string, StoredSecret> Load(string path)
    {
        if (!File.Exists(path))
        {
            return new Dictionary<string, StoredSecret>(StringComparer.Ordinal);
        }
        var list = JsonSerializer.Deserialize<List<StoredSecret>>(File.ReadAllText(path), Json) ?? [];
        return list.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    /// <summary>Write-then-rename, created 0600: a crash never leaves a half file, and no other user reads the secrets.</summary>
    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_storePath)!);
        var temporary = _storePath + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, _secrets.Values.ToList(), Json);
        }
        File.Move(temporary, _storePath, overwrite: true);
    }

    private sealed class StoredSecret
    {
        public string Name { get; set; } = "";
        public string Arn { get; set; } = "";
        public long CreatedDate { get; set; }
        public Dictionary<string, StoredVersion> Versions { get; set; } = new(StringComparer.Ordinal);
    }

    private sealed class StoredVersion
    {
        public string VersionId { get; set; } = "";
        public string SecretString { get; set; } = "";
        public long CreatedDate { get; set; }
        public HashSet<string> Stages { get; set; } = new(StringComparer.Ordinal);
    }

    private sealed class SecretsManagerError(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }
}
