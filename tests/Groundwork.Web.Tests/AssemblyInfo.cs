// The stacks of the two collections set process-wide environment for their AppHost: start them one after the other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
