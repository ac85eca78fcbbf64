using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Groundwork.Deploy.Cli;

namespace Groundwork.Deploy.Environments;

/// <summary>What <c>init</c> was given; null = keep what the file has.</summary>
internal sealed record InitRequest(
    string Name, string Account, string Region, string Domain,
    string? HostedZoneId = null,
    IReadOnlyList<string>? AvailabilityZones = null,
    IReadOnlyList<string>? AdminEmails = null,
    IReadOnlyList<string>? AdminDomains = null,
    IReadOnlyList<string>? AlarmEmails = null,
    IReadOnlyList<string>? BastionCidrs = null,
    string? ToolHostAmi = null);

/// <summary>What <c>init</c> wrote: the file, the fields it changed, and what still looks like a placeholder.</summary>
internal sealed record InitResult(string Path, IReadOnlyList<string> Changed, IReadOnlyList<string> Placeholders, IReadOnlyList<string> Notes);

/// <summary>
/// <c>init</c>: writes or updates one environment file (src/Groundwork.Infra/environments/&lt;name&gt;.json, the data the
/// CDK app synthesizes) from values a new account provides. Every value is checked before anything is written; a field
/// not given keeps its value. Rules the synth would otherwise stop at are checked here too: environments share the
/// management account and region (the VPC peering and its security group rules come from one synth), a production
/// alarm topic needs a subscriber, the management region needs a pinned tool-host AMI.
/// </summary>
internal static partial class EnvironmentInit
{
    public const string Management = "management";
    public static readonly string[] Names = ["staging", "production", Management];

    /// <summary>The account id the tracked files carry until someone runs init.</summary>
    public const string PlaceholderAccount = "111111111111";

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountId();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")]
    private static partial Regex RegionName();

    [GeneratedRegex("^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsName();

    [GeneratedRegex("^Z[A-Z0-9]{1,31}$")]
    private static partial Regex HostedZone();

    [GeneratedRegex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex Ami();

    [GeneratedRegex("Account ids[^.]*are placeholders[^.]*\\.\\s*")]
    private static partial Regex PlaceholderNotice();

    [GeneratedRegex("^[a-z]$")]
    private static partial Regex ZoneLetter();

    private static DeployException Bad(string message) => new(message, DeployCli.BadInput);

    public static InitResult Apply(string environmentsDirectory, InitRequest request)
    {
        if (!Names.Contains(request.Name))
        {
            throw Bad($"--env must be one of {string.Join(", ", Names)} (the environments the CDK app defines), not '{request.Name}'.");
        }
        if (!AccountId().IsMatch(request.Account))
        {
            throw Bad($"--account '{request.Account}' is not an AWS account id (12 digits).");
        }
        if (request.Account == PlaceholderAccount)
        {
            throw Bad($"--account {PlaceholderAccount} is the placeholder the repository ships with; give your account's id (aws sts get-caller-identity).");
        }
        if (!RegionName().IsMatch(request.Region))
        {
            throw Bad($"--region '{request.Region}' is not an AWS region name (like eu-west-1).");
        }
        var domain = request.Domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (!DnsName().IsMatch(domain))
        {
            throw Bad($"--domain '{request.Domain}' is not a DNS name (like app.example.com).");
        }
        var zone = request.HostedZoneId?.Trim();
        if (zone is not null)
        {
            zone = zone.StartsWith("/hostedzone/", StringComparison.Ordinal) ? zone["/hostedzone/".Length..] : zone;
            if (!HostedZone().IsMatch(zone))
            {
                throw Bad($"--hosted-zone-id '{request.HostedZoneId}' is not a Route 53 hosted zone id (like Z0123456789ABCDEFGHIJ).");
            }
        }
        var zones = request.AvailabilityZones?.Select(z => z.Trim()).ToList();
        if (zones is not null)
        {
            if (zones.Count != 2 || zones.Distinct(StringComparer.Ordinal).Count() != 2)
            {
                throw Bad("--availability-zones needs exactly two different zones (like eu-west-1a,eu-west-1b).");
            }
            if (zones.FirstOrDefault(z => !z.StartsWith(request.Region, StringComparison.Ordinal) || !ZoneLetter().IsMatch(z[request.Region.Length..])) is { } wrong)
            {
                throw Bad($"--availability-zones: '{wrong}' is not a zone of {request.Region} (like {request.Region}a).");
            }
        }
        var adminEmails = Emails(request.AdminEmails, "--admin-email");
        var alarmEmails = Emails(request.AlarmEmails, "--alarm-email");
        var adminDomains = request.AdminDomains?.Select(d => d.Trim().ToLowerInvariant()).ToList();
        if (adminDomains?.FirstOrDefault(d => !DnsName().IsMatch(d)) is { } badDomain)
        {
            throw Bad($"--admin-domain '{badDomain}' is not a DNS name.");
        }
        var cidrs = request.BastionCidrs?.Select(Cidr).ToList();
        var ami = request.ToolHostAmi?.Trim();
        if (ami is not null && !Ami().IsMatch(ami))
        {
            throw Bad($"--tool-host-ami '{ami}' is not an AMI id (ami- and 8 or 17 hex digits).");
        }
        var isManagement = request.Name == Management;
        if (!isManagement && ami is not null)
        {
            throw Bad("--tool-host-ami is for --env management (the Jenkins and Sentry hosts).");
        }
        if (isManagement && (adminEmails ?? adminDomains ?? alarmEmails ?? (object?)cidrs) is not null)
        {
            throw Bad("--admin-email, --admin-domain, --alarm-email and --bastion-cidr are settings of staging or production, not of management.");
        }

        var path = Path.Combine(environmentsDirectory, request.Name + ".json");
        var file = Read(path) ?? throw new DeployException(
            $"{path} does not exist: init updates the environment files the repository ships (src/Groundwork.Infra/environments).", DeployCli.BadInput);
        var changed = new List<string>();
        void Set(string key, JsonNode? value)
        {
            if (!JsonNode.DeepEquals(file[key], value))
            {
                file[key] = value;
                changed.Add(key);
            }
        }
        static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

        if (!isManagement)
        {
            var management = Read(Path.Combine(environmentsDirectory, Management + ".json"));
            var managementAccount = management?["account"]?.GetValue<string>();
            var managementRegion = management?["region"]?.GetValue<string>();
            if (managementAccount != request.Account || managementRegion != request.Region)
            {
                throw Bad($"management.json is in account {managementAccount}, {managementRegion}: environments share the management account and region " +
                          $"(the VPC peering comes from one synth). Run init --env management --account {request.Account} --region {request.Region} ... first.");
            }
        }
        var oldRegion = file["region"]?.GetValue<string>();
        var oldDomain = file["domain"]?.GetValue<string>();
        if (zone is null && !string.Equals(oldDomain, domain, StringComparison.Ordinal))
        {
            throw Bad($"--hosted-zone-id is needed with a new domain: the id of the public hosted zone of {domain} (aws route53 list-hosted-zones-by-name --dns-name {domain}).");
        }
        if (zones is null && !string.Equals(oldRegion, request.Region, StringComparison.Ordinal))
        {
            // The region's first two zones; --availability-zones picks others (some accounts lack a zone in old regions).
            zones = [request.Region + "a", request.Region + "b"];
        }

        if (!isManagement)
        {
            Set("name", request.Name);
        }
        Set("account", request.Account);
        if (file["$comment"]?.GetValue<string>() is { } comment && PlaceholderNotice().IsMatch(comment))
        {
            // The shipped files say their account ids are placeholders; once init set a real one, that is no longer true.
            file["$comment"] = PlaceholderNotice().Replace(comment, "").Trim();
        }
        Set("region", request.Region);
        if (zones is not null)
        {
            Set("availabilityZones", Array(zones));
        }
        Set("domain", domain);
        if (zone is not null)
        {
            Set("hostedZoneId", zone);
        }

        var notes = new List<string>();
        if (isManagement)
        {
            var amis = file["amazonLinux2023Amis"] as JsonObject ?? [];
            if (ami is not null)
            {
                var updated = JsonNode.Parse(amis.ToJsonString())!.AsObject();
                updated[request.Region] = ami;
                Set("amazonLinux2023Amis", updated);
            }
            else if (amis[request.Region] is null)
            {
                throw Bad($"--tool-host-ami is needed: management.json pins no Amazon Linux 2023 AMI for {request.Region} " +
                          $"(aws ssm get-parameter --region {request.Region} --name /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 --query Parameter.Value --output text).");
            }
            foreach (var other in Names.Where(n => n != Management))
            {
                if (Read(Path.Combine(environmentsDirectory, other + ".json")) is { } environment &&
                    (environment["account"]?.GetValue<string>() != request.Account || environment["region"]?.GetValue<string>() != request.Region))
                {
                    notes.Add($"{other}.json is still in another account or region: init --env {other} --account {request.Account} --region {request.Region} ...");
                }
            }
        }
        else
        {
            if (adminEmails is not null)
            {
                Set("adminEmails", Array(adminEmails));
            }
            if (adminDomains is not null)
            {
                Set("adminDomains", Array(adminDomains));
            }
            if (alarmEmails is not null)
            {
                Set("alarmEmails", Array(alarmEmails));
            }
            if (cidrs is not null)
            {
                var bastion = JsonNode.Parse((file["bastion"] as JsonObject ?? []).ToJsonString())!.AsObject();
                bastion["sshAllowlist"] = Array(cidrs);
                Set("bastion", bastion);
            }
            var alarms = Strings(file["alarmEmails"]);
            if (file["alarmSubscriberRequired"]?.GetValue<bool>() == true && alarms.Count == 0)
            {
                throw Bad($"{request.Name}'s alarms must reach someone (alarmSubscriberRequired): give at least one --alarm-email.");
            }
        }

        // Values that are syntactically fine but cannot be anyone's: the reserved .example names the repository ships.
        var placeholders = new List<string>();
        foreach (var key in new[] { "adminEmails", "adminDomains", "alarmEmails" })
        {
            placeholders.AddRange(Strings(file[key]).Where(IsPlaceholder).Select(v => $"{key}: {v}"));
        }
        if (IsPlaceholder(domain))
        {
            placeholders.Add($"domain: {domain}");
        }

        Directory.CreateDirectory(environmentsDirectory);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, file.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        File.Move(temporary, path, overwrite: true);
        return new InitResult(path, changed, placeholders, notes);
    }

    /// <summary>RFC 2606 reserves .example: nobody receives mail or serves a site there.</summary>
    private static bool IsPlaceholder(string value) =>
        value.EndsWith(".example", StringComparison.OrdinalIgnoreCase) || value.Contains(".example@", StringComparison.OrdinalIgnoreCase);

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => n?.GetValue<string>() ?? "").ToList() : [];

    private static JsonObject? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })?.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new DeployException($"{path} is not a JSON object: {e.Message.Split('\n')[0]}");
        }
    }

    private static List<string>? Emails(IReadOnlyList<string>? values, string option)
    {
        var emails = values?.Select(e => e.Trim()).ToList();
        foreach (var email in emails ?? [])
        {
            var at = email.LastIndexOf('@');
            if (at <= 0 || email.Any(char.IsWhiteSpace) || email.Count(c => c == '@') != 1 || !DnsName().IsMatch(email[(at + 1)..].ToLowerInvariant()))
            {
                throw Bad($"{option} '{email}' is not an email address.");
            }
        }
        return emails;
    }

    /// <summary>An IPv4 network in canonical form (the security group rule takes exactly this); never the whole internet.</summary>
    private static string Cidr(string value)
    {
        var text = value.Trim();
        var parts = text.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || parts[0].Count(c => c == '.') != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            throw Bad($"--bastion-cidr '{text}' is not an IPv4 network (like 203.0.113.0/24, or 198.51.100.7/32 for one address).");
        }
        if (prefix == 0)
        {
            throw Bad("--bastion-cidr 0.0.0.0/0 would open SSH to the whole internet: list the networks people connect from.");
        }
        var network = Mask(address, prefix);
        if (!network.Equals(address))
        {
            throw Bad($"--bastion-cidr '{text}' has host bits set; the network is {network}/{prefix}.");
        }
        return $"{network}/{prefix}";
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        var bits = BitConverter.ToUInt32([bytes[3], bytes[2], bytes[1], bytes[0]]);
        var masked = prefix == 0 ? 0u : bits & (uint.MaxValue << (32 - prefix));
        var result = BitConverter.GetBytes(masked);
        return new IPAddress([result[3], result[2], result[1], result[0]]);
    }
}
