namespace Groundwork.Edge.Tests;

/// <summary>Waits for a condition that becomes true by itself (health checks); the limit is generous, not asserted.</summary>
internal static class Eventually
{
    public static Task TrueAsync(Func<Task<bool>> condition, string what, int limitSeconds = 30) =>
        TrueAsync(condition, () => what, limitSeconds);

    public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> what, int limitSeconds = 30)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(limitSeconds));
        while (!await condition())
        {
            if (limit.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException($"Not reached within {limitSeconds} s: {what()}");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }
}
