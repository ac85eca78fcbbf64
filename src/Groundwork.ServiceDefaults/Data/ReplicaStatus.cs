namespace Groundwork.ServiceDefaults.Data;

public enum ReplicaState { Unknown, InSync, Lagging, Down, NotConfigured }

/// <summary>
/// The replica's last known state, kept by <see cref="ReplicaMonitor"/> and by failed reads. Reads consult it on the
/// hot path, so it is a single volatile field: no lock, no I/O.
/// </summary>
public sealed class ReplicaStatus
{
    private volatile ReplicaState _state = ReplicaState.Unknown;

    public ReplicaState State => _state;
    public string? LastError { get; private set; }

    /// <summary>Reads may go to the replica (unknown counts as usable: the first failed read corrects it).</summary>
    public bool ServesReads => _state is ReplicaState.InSync or ReplicaState.Unknown;

    public void Report(ReplicaState state, string? error = null)
    {
        LastError = error;
        _state = state;
    }
}
