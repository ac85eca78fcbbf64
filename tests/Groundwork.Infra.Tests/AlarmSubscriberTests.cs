using Amazon.CDK;
using Groundwork.Infra.Configuration;

namespace Groundwork.Infra.Tests;

/// <summary>Alarms reach someone: production's alarm topic has a subscriber, and synth refuses production without one.</summary>
[Collection(SynthesizedCollection.Name)]
public sealed class AlarmSubscriberTests(SynthesizedApp app)
{
    [Fact]
    public void Production_alarms_email_the_people_its_environment_data_names()
    {
        var production = app.Environments.Single(e => e.Name == "production");
        Assert.True(production.AlarmSubscriberRequired);
        Assert.NotEmpty(production.AlarmEmails);
        var stack = "Groundwork-production-Monitoring";
        var topic = Assert.Single(app.Resources(stack, "AWS::SNS::Topic"));
        var subscriptions = app.Resources(stack, "AWS::SNS::Subscription").ToList();
        Assert.Equal(production.AlarmEmails.Order(), subscriptions.Select(s => (string)s.Properties["Endpoint"]!).Order());
        Assert.All(subscriptions, s =>
        {
            Assert.Equal("email", (string?)s.Properties["Protocol"]);
            Assert.Equal(topic.LogicalId, app.Target(stack, s.Properties["TopicArn"])!.LogicalId);
        });
        // And every production alarm notifies that topic (the alarm stack's own test checks the wiring per alarm).
        Assert.All(app.Resources("Groundwork-production-Alarms", "AWS::CloudWatch::Alarm"),
            a => Assert.Equal(topic.LogicalId, app.Target(a.Stack, TemplateQueries.Array(a.Properties["AlarmActions"]).Single())!.LogicalId));
    }

    [Fact]
    public void Staging_may_have_no_subscriber()
    {
        var staging = app.Environments.Single(e => e.Name == "staging");
        Assert.False(staging.AlarmSubscriberRequired);
        Assert.Equal(staging.AlarmEmails.Count, app.Resources("Groundwork-staging-Monitoring", "AWS::SNS::Subscription").Count());
    }

    [Fact]
    public void Synth_stops_with_a_clear_message_when_production_names_nobody()
    {
        var production = app.Environments.Single(e => e.Name == "production") with { AlarmEmails = [] };
        var error = Assert.Throws<InvalidDataException>(() =>
            new GroundworkApp(new App(), [production], app.Management, app.Routing));
        Assert.Equal("environments/production.json: alarmEmails is empty, but this environment's alarms must reach someone (alarmSubscriberRequired). Add at least one address.", error.Message);
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("oncall@")]
    [InlineData("on call@groundwork.example")]
    public void Synth_refuses_an_alarm_address_that_is_not_one(string email)
    {
        var staging = app.Environments.Single(e => e.Name == "staging") with { AlarmEmails = [email] };
        var error = Assert.Throws<InvalidDataException>(staging.Validate);
        Assert.Contains($"'{email}'", error.Message, StringComparison.Ordinal);
    }
}
