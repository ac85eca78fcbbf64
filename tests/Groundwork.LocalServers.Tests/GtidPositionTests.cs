using Groundwork.LocalServers;

namespace Groundwork.LocalServers.Tests;

public sealed class GtidPositionTests
{
    [Theory]
    [InlineData("0-1-10", "0-1-10", true)]
    [InlineData("0-1-11", "0-1-10", true)]
    [InlineData("0-1-9", "0-1-10", false)]
    [InlineData("0-1-10", "0-1-10,1-1-3", false)]
    [InlineData("0-1-10,1-1-3", "1-1-3", true)]
    [InlineData("", "", true)]
    [InlineData("", "0-1-1", false)]
    public void Includes_compares_sequence_numbers_per_domain(string applied, string target, bool expected) =>
        Assert.Equal(expected, GtidPosition.Parse(applied).Includes(GtidPosition.Parse(target)));
}
