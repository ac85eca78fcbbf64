namespace Groundwork.ServiceDefaults.Data;

public enum ReplicaState { Unknown, InSync, Lagging, Down, NotConfigured }

/// <summary>
/// The replica's last known state. One writer, <see cref="ReplicaMonitor"/> (its checks, and the failed reads
/// <see cref="Database"/> reports to it); everything else only reads. Reads consult it on the hot path, so it is a
/// single volatile field: no lock, no I/O.
/// </summary>
public sealed class ReplicaStatus
{
    private volatile ReplicaState _state = ReplicaState.Unknown;

    public ReplicaState State => _state;
    public string? LastError { get; private set; }

    /// <summary>Reads may go to the replica (unknown counts as usable: the first failed read corrects it).</summary>
    public bool ServesReads => _state is ReplicaState.InSync or ReplicaState.Unknown;

    /// <summary>Only <see cref="ReplicaMonitor"/> calls this.</summary>
    internal void Set(ReplicaState state, string? error)
    {
        LastError = error;
        _state = state;
    }
}
