using Amazon.CDK;
using Groundwork.Infra;
using Groundwork.Infra.Configuration;

// The CDK app: `npx aws-cdk@2.1148.1 synth` (cdk.json at the repo root) or `dotnet run --project src/Groundwork.Infra`.
// The output directory is the CDK default: CDK_OUTDIR when the CLI sets it.
var app = new App();
// Context "size" (groundwork-deploy cost --size 10k): synthesize the environments with a size overlay (environments/sizes/).
var size = app.Node.TryGetContext("size") as string;
_ = new GroundworkApp(app, EnvironmentFiles.LoadEnvironments(size), EnvironmentFiles.LoadManagement(size), RoutingRules.Load(RoutingRules.LocateFile(System.Environment.CurrentDirectory, AppContext.BaseDirectory)));
app.Synth();
