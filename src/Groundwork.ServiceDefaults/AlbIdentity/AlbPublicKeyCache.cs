using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;

namespace Groundwork.ServiceDefaults.AlbIdentity;

/// <summary>
/// The ALB's public keys by key id, fetched as PEM from {KeyEndpoint}/{kid} and kept in memory.
/// Bounded on every side, because the kid comes from an unauthenticated header: at most <see cref="Capacity"/> keys,
/// unknown kids are remembered for <see cref="NegativeTtl"/>, and fetches of uncached kids are rate limited.
/// </summary>
internal sealed partial class AlbPublicKeyCache(IHttpClientFactory httpClients, TimeProvider time, ILogger<AlbPublicKeyCache> logger) : IDisposable
{
    internal const int Capacity = 32;
    internal const int NegativeCapacity = 1024;
    internal static readonly TimeSpan NegativeTtl = TimeSpan.FromMinutes(5);
    private const int MaxPemLength = 8 * 1024;

    private readonly Lock gate = new();
    private readonly Dictionary<string, ECParameters> keys = new(StringComparer.Ordinal);
    private readonly Queue<string> insertionOrder = new();
    private readonly Dictionary<string, DateTimeOffset> unknownUntil = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<ECParameters?>> inFlight = new(StringComparer.Ordinal);

    // A handful of fetches at once, then about one a second: key rotation needs one fetch per new kid, an attacker gets no amplification.
    private readonly TokenBucketRateLimiter fetchBudget = new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = 5,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex KidShape();

    public static bool IsWellFormedKid(string kid) => KidShape().IsMatch(kid);

    /// <summary>Returns a verifier for the key, or null when the kid is unknown or cannot be fetched now.</summary>
    public async Task<ECDsa?> GetAsync(string keyEndpoint, string kid, CancellationToken cancellationToken)
    {
        if (!IsWellFormedKid(kid))
        {
            return null;
        }

        Task<ECParameters?> fetch;
        lock (gate)
        {
            if (keys.TryGetValue(kid, out var cached))
            {
                return ECDsa.Create(cached);
            }

            if (unknownUntil.TryGetValue(kid, out var until))
            {
                if (time.GetUtcNow() < until)
                {
                    return null;
                }

                unknownUntil.Remove(kid);
            }

            if (!inFlight.TryGetValue(kid, out fetch!))
            {
                using var lease = fetchBudget.AttemptAcquire();
                if (!lease.IsAcquired)
                {
                    logger.LogWarning("ALB key fetch for kid {Kid} skipped: fetch rate limit reached", kid);
                    return null;
                }

                fetch = FetchAndRememberAsync(keyEndpoint, kid);
                inFlight[kid] = fetch;
            }
        }

        var parameters = await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
        return parameters is { } p ? ECDsa.Create(p) : null;
    }

    private async Task<ECParameters?> FetchAndRememberAsync(string keyEndpoint, string kid)
    {
        try
        {
            var (parameters, isDefinitive) = await FetchAsync(keyEndpoint, kid).ConfigureAwait(false);
            lock (gate)
            {
                if (parameters is { } p)
                {
                    Remember(kid, p);
                }
                else if (isDefinitive)
                {
                    RememberUnknown(kid);
                }
            }

            return parameters;
        }
        finally
        {
            lock (gate)
            {
                inFlight.Remove(kid);
            }
        }
    }

    private async Task<(ECParameters? Key, bool IsDefinitive)> FetchAsync(string keyEndpoint, string kid)
    {
        var url = $"{keyEndpoint.TrimEnd('/')}/{Uri.EscapeDataString(kid)}";
        try
        {
            var client = httpClients.CreateClient(AlbIdentityDefaults.KeyClientName);
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
            {
                logger.LogWarning("ALB public key {Kid} not found at the key endpoint ({Status})", kid, (int)response.StatusCode);
                return (null, true);
            }

            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("ALB public key {Kid} could not be fetched ({Status})", kid, (int)response.StatusCode);
                return (null, false);
            }

            if (response.Content.Headers.ContentLength > MaxPemLength)
            {
                return (null, true);
            }

            var pem = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (pem.Length > MaxPemLength)
            {
                return (null, true);
            }

            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            var parameters = key.ExportParameters(includePrivateParameters: false);
            if (parameters.Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                logger.LogWarning("ALB public key {Kid} is not a P-256 key", kid);
                return (null, true);
            }

            return (parameters, true);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            logger.LogWarning("ALB public key {Kid} could not be fetched: {Error}", kid, e.Message);
            return (null, false);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            logger.LogWarning("ALB public key {Kid} is not a valid EC public key PEM: {Error}", kid, e.Message);
            return (null, true);
        }
    }

    private void Remember(string kid, ECParameters parameters)
    {
        if (keys.TryAdd(kid, parameters))
        {
            insertionOrder.Enqueue(kid);
            while (keys.Count > Capacity && insertionOrder.TryDequeue(out var oldest))
            {
                keys.Remove(oldest);
            }
        }
    }

    private void RememberUnknown(string kid)
    {
        var now = time.GetUtcNow();
        if (unknownUntil.Count >= NegativeCapacity)
        {
            foreach (var expired in unknownUntil.Where(e => e.Value <= now).Select(e => e.Key).ToList())
            {
                unknownUntil.Remove(expired);
            }
        }

        // Still full: forget nothing, the rate limit keeps fetches bounded anyway.
        if (unknownUntil.Count < NegativeCapacity)
        {
            unknownUntil[kid] = now + NegativeTtl;
        }
    }

    public void Dispose() => fetchBudget.Dispose();
}
