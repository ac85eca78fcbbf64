// One stack at a time: the scenarios share a 2-core machine with the stack they break, and a fault injected by
// one collection must never be seen by another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
