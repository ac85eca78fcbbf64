using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.Route53;
using Constructs;

namespace Groundwork.Infra.Components;

/// <param name="ZoneId">The public hosted zone (created outside the stacks: the domain's registrar points at it).</param>
/// <param name="CertificateDomain">The ACM certificate's name, validated through this zone; none when null.</param>
/// <param name="CertificateId">The certificate's construct id (part of its logical id: kept stable).</param>
public sealed record DnsProps(string ZoneId, string ZoneName)
{
    public string? CertificateDomain { get; init; }
    public IReadOnlyList<string> CertificateAlternativeNames { get; init; } = [];
    public string CertificateId { get; init; } = "Certificate";
}

/// <summary>DNS (architecture #4, #5): the environment's hosted zone, a DNS-validated ACM certificate and alias records.</summary>
public sealed class Dns : Component
{
    public IHostedZone Zone { get; }
    public Certificate? Certificate { get; }

    public Dns(Construct scope, string id, DnsProps props) : base(scope, id)
    {
        Zone = HostedZone.FromHostedZoneAttributes(this, "Zone", new HostedZoneAttributes { HostedZoneId = props.ZoneId, ZoneName = props.ZoneName });
        if (props.CertificateDomain is { } domain)
            Certificate = new Certificate(this, props.CertificateId, new CertificateProps
            {
                DomainName = domain,
                SubjectAlternativeNames = props.CertificateAlternativeNames.Count > 0 ? props.CertificateAlternativeNames.ToArray() : null,
                Validation = CertificateValidation.FromDns(Zone),
            });
    }

    /// <summary>An A alias record: <paramref name="host"/> (the zone's apex when null) to an AWS target.</summary>
    public ARecord Alias(string id, string? host, IAliasRecordTarget target) =>
        new(this, id, new ARecordProps { Zone = Zone, RecordName = host, Target = RecordTarget.FromAlias(target) });

    /// <summary>The IPv6 twin of <see cref="Alias"/> (CloudFront answers on both).</summary>
    public AaaaRecord AliasIpv6(string id, string? host, IAliasRecordTarget target) =>
        new(this, id, new AaaaRecordProps { Zone = Zone, RecordName = host, Target = RecordTarget.FromAlias(target) });
}
