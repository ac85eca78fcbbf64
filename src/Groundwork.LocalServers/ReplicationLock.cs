namespace Groundwork.LocalServers;

/// <summary>
/// A cross-process lock on <see cref="DataTierLayout.ReplicationLockFile"/>: an exclusive open (on Linux .NET takes an
/// flock for FileShare.None), so it is released when its holder exits, even by SIGKILL. A failover holds it while
/// the roles change; the AppHost's health checks, which repair replication, skip their repair while it is held, so a
/// check can never point the promoted server back at the old primary.
/// </summary>
public sealed class ReplicationLock : IDisposable
{
    private readonly FileStream _stream;

    private ReplicationLock(FileStream stream) => _stream = stream;

    /// <summary>The lock, or null when another holder has it.</summary>
    public static ReplicationLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new ReplicationLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static async Task<ReplicationLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (TryAcquire(path) is { } acquired) return acquired;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{path} is held by another process (a failover or a replication repair) for more than {timeout}.");
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stream.Dispose();
}
