using Groundwork.Deploy.Cli;

// groundwork-deploy: build once (a versioned artifact), deploy anywhere (local, staging, production).
return await DeployCli.RunAsync(args);
