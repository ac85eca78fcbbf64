namespace Groundwork.Infra.Tests;

[Collection(SynthesizedCollection.Name)]
public sealed class NetworkInvariantsTests(SynthesizedApp app)
{
    public static TheoryData<string> Environments => new() { "staging", "production" };

    private IEnumerable<Resource> Subnets(string env, string tier) =>
        app.Resources($"Groundwork-{env}-Network", "AWS::EC2::Subnet").Where(s => s.Tag("aws-cdk:subnet-name") == tier);

    [Theory, MemberData(nameof(Environments))]
    public void Vpc_has_public_app_and_data_subnets_in_two_availability_zones(string env)
    {
        var settings = app.Environments.Single(e => e.Name == env);
        foreach (var tier in new[] { "public", "app", "data" })
        {
            var subnets = Subnets(env, tier).ToList();
            Assert.Equal(2, subnets.Count);
            Assert.Equal(settings.AvailabilityZones.Order(), subnets.Select(s => (string)s.Properties["AvailabilityZone"]!).Order());
        }
        Assert.Equal(6, app.Resources($"Groundwork-{env}-Network", "AWS::EC2::Subnet").Count());
    }

    [Theory, MemberData(nameof(Environments))]
    public void App_and_data_subnets_are_private(string env)
    {
        foreach (var subnet in Subnets(env, "app").Concat(Subnets(env, "data")))
        {
            Assert.False((bool?)subnet.Properties["MapPublicIpOnLaunch"] ?? false, subnet.LogicalId);
            Assert.Contains(subnet.Tag("aws-cdk:subnet-type"), new[] { "Private", "Isolated" });
        }
        // No internet gateway route from a private tier: only the public tier routes 0.0.0.0/0 to the IGW.
        var routes = app.Resources($"Groundwork-{env}-Network", "AWS::EC2::Route").ToList();
        var privateTables = Subnets(env, "app").Concat(Subnets(env, "data"))
            .Select(s => RouteTableOf(env, s.LogicalId)).ToHashSet();
        Assert.DoesNotContain(routes, r => r.Properties["GatewayId"] is not null && privateTables.Contains(app.Target(r.Stack, r.Properties["RouteTableId"])!.LogicalId));
        // Data subnets have no route to the internet at all (no NAT either).
        var dataTables = Subnets(env, "data").Select(s => RouteTableOf(env, s.LogicalId)).ToHashSet();
        Assert.DoesNotContain(routes, r => (string?)r.Properties["DestinationCidrBlock"] == "0.0.0.0/0"
                                           && dataTables.Contains(app.Target(r.Stack, r.Properties["RouteTableId"])!.LogicalId));
    }

    [Theory, MemberData(nameof(Environments))]
    public void Nat_gateways_one_per_az_in_production_one_nat_instance_in_staging(string env)
    {
        // Production: managed NAT gateways, one per AZ. Staging: one NAT instance (its budget; docs/decisions.md, Cost).
        var gateways = app.Resources($"Groundwork-{env}-Network", "AWS::EC2::NatGateway").ToList();
        var instances = app.Resources($"Groundwork-{env}-Network", "AWS::EC2::Instance").ToList();
        Assert.Equal(env == "production" ? (2, 0) : (0, 1), (gateways.Count, instances.Count));
        var nats = gateways.Concat(instances).ToList();
        // Every private route to the internet goes through one of them.
        var defaultRoutes = app.Resources($"Groundwork-{env}-Network", "AWS::EC2::Route").Where(r => (string?)r.Properties["DestinationCidrBlock"] == "0.0.0.0/0"
            && (r.Properties["NatGatewayId"] is not null || r.Properties["InstanceId"] is not null)).ToList();
        Assert.Equal(2, defaultRoutes.Count); // the two app subnets
        Assert.All(defaultRoutes, r => Assert.Contains(app.Target(r.Stack, r.Properties["NatGatewayId"] ?? r.Properties["InstanceId"])!.LogicalId, nats.Select(n => n.LogicalId)));
        // Each NAT sits in a public subnet, in distinct AZs.
        var azs = nats.Select(n => (string)app.Target(n.Stack, n.Properties["SubnetId"])!.Properties["AvailabilityZone"]!).ToList();
        Assert.Equal(azs.Count, azs.Distinct().Count());
        Assert.All(nats, n => Assert.Equal("public", app.Target(n.Stack, n.Properties["SubnetId"])!.Tag("aws-cdk:subnet-name")));
    }

    [Theory]
    [InlineData("Groundwork-staging-Network")]
    [InlineData("Groundwork-production-Network")]
    [InlineData("Groundwork-management")]
    public void S3_gateway_endpoint_is_on_every_route_table(string stack)
    {
        var endpoint = Assert.Single(app.Resources(stack, "AWS::EC2::VPCEndpoint"),
            e => TemplateQueries.Text(e.Properties["ServiceName"]).Contains(".s3"));
        Assert.Equal("Gateway", (string?)endpoint.Properties["VpcEndpointType"]);
        var covered = TemplateQueries.Array(endpoint.Properties["RouteTableIds"]).Select(n => app.Target(stack, n)!.LogicalId).ToHashSet();
        var tables = app.Resources(stack, "AWS::EC2::RouteTable").Select(t => t.LogicalId).ToHashSet();
        Assert.NotEmpty(tables);
        Assert.Equal(tables, covered);
    }

    [Theory]
    [InlineData("Groundwork-staging-Network")]
    [InlineData("Groundwork-production-Network")]
    [InlineData("Groundwork-management")]
    public void Every_vpc_has_flow_logs(string stack)
    {
        var vpc = Assert.Single(app.Resources(stack, "AWS::EC2::VPC"));
        var log = Assert.Single(app.Resources(stack, "AWS::EC2::FlowLog"));
        Assert.Equal(vpc.LogicalId, app.Target(stack, log.Properties["ResourceId"])!.LogicalId);
        Assert.Equal("ALL", (string?)log.Properties["TrafficType"]);
    }

    [Theory, MemberData(nameof(Environments))]
    public void Peering_routes_only_between_the_tiers_that_need_them(string env)
    {
        var stack = $"Groundwork-{env}-Network";
        var peering = Assert.Single(app.Resources(stack, "AWS::EC2::VPCPeeringConnection"));
        Assert.Equal("Groundwork-management", app.Target(stack, peering.Properties["PeerVpcId"])!.Stack);

        var peeringRoutes = app.Resources(stack, "AWS::EC2::Route")
            .Where(r => app.Target(stack, r.Properties["VpcPeeringConnectionId"])?.LogicalId == peering.LogicalId).ToList();
        var localTables = peeringRoutes.Select(r => app.Target(stack, r.Properties["RouteTableId"])!)
            .Where(t => t.Stack == stack).ToList();
        var managementTables = peeringRoutes.Select(r => app.Target(stack, r.Properties["RouteTableId"])!)
            .Where(t => t.Stack == "Groundwork-management").ToList();

        // Environment side: public (bastion), app (Sentry ingest) and data (Jenkins' migrate and rotate-credentials; the
        // data tier's security groups admit only Jenkins' group from management, see DataInvariantsTests).
        var tierOfTable = app.Resources(stack, "AWS::EC2::SubnetRouteTableAssociation").ToDictionary(
            a => app.Target(stack, a.Properties["RouteTableId"])!.LogicalId,
            a => app.Target(stack, a.Properties["SubnetId"])!.Tag("aws-cdk:subnet-name"));
        Assert.Equal(new[] { "app", "data", "public" }, localTables.Select(t => tierOfTable[t.LogicalId]).Distinct().Order());
        // Management side: only the tools tier (Jenkins, Sentry).
        var managementTier = app.Resources("Groundwork-management", "AWS::EC2::SubnetRouteTableAssociation").ToDictionary(
            a => app.Target("Groundwork-management", a.Properties["RouteTableId"])!.LogicalId,
            a => app.Target("Groundwork-management", a.Properties["SubnetId"])!.Tag("aws-cdk:subnet-name"));
        Assert.Equal(new[] { "tools" }, managementTables.Select(t => managementTier[t.LogicalId]).Distinct());

        // Destinations are the exact subnets, never a whole VPC.
        var allowedCidrs = Subnets(env, "public").Concat(Subnets(env, "app")).Concat(Subnets(env, "data")).Select(s => (string)s.Properties["CidrBlock"]!)
            .Concat(app.Resources("Groundwork-management", "AWS::EC2::Subnet").Where(s => s.Tag("aws-cdk:subnet-name") == "tools")
                .Select(s => (string)s.Properties["CidrBlock"]!)).ToHashSet();
        Assert.All(peeringRoutes, r =>
        {
            var destination = (string)r.Properties["DestinationCidrBlock"]!;
            Assert.Contains(destination, allowedCidrs);
        });
        Assert.Equal((2 + 2 + 2) * 2 + 2 * (2 + 2 + 2), peeringRoutes.Count);
    }

    private string RouteTableOf(string env, string subnetLogicalId)
    {
        var stack = $"Groundwork-{env}-Network";
        var association = app.Resources(stack, "AWS::EC2::SubnetRouteTableAssociation")
            .Single(a => app.Target(stack, a.Properties["SubnetId"])!.LogicalId == subnetLogicalId);
        return app.Target(stack, association.Properties["RouteTableId"])!.LogicalId;
    }
}
