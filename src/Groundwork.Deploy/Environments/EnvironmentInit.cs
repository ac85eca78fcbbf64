using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Groundwork.Deploy.Cli;

namespace Groundwork.Deploy.Environments;

/// <summary>What <c>init</c> was given; null = keep what the file has.</summary>
internal sealed record InitRequest(
    DeployEnvironment Environment, string Account, string Region, string Domain,
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

    private static DeployException Bad(string message) => new(message, CliOptions.BadInput);

    /// <summary>What <c>init</c> was given, checked and in the form the file keeps (null = not given).</summary>
    private sealed record CheckedValues(
        string Domain, string? HostedZoneId, List<string>? AvailabilityZones, List<string>? AdminEmails, List<string>? AlarmEmails,
        List<string>? AdminDomains, List<string>? BastionCidrs, string? ToolHostAmi);

    /// <summary>An environment file being updated: every field set records whether it changed.</summary>
    private sealed class EnvironmentFile(string path, JsonObject json)
    {
        public string Path { get; } = path;
        public JsonObject Json { get; } = json;
        public List<string> Changed { get; } = [];

        public JsonNode? this[string key] => Json[key];

        public void Set(string key, JsonNode? value)
        {
            if (!JsonNode.DeepEquals(Json[key], value))
            {
                Json[key] = value;
                Changed.Add(key);
            }
        }

        public void Write()
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var temporary = Path + ".tmp";
            File.WriteAllText(temporary, Json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
            File.Move(temporary, Path, overwrite: true);
        }
    }

    public static InitResult Apply(string environmentsDirectory, InitRequest request)
    {
        var values = Check(request);
        var path = Path.Combine(environmentsDirectory, request.Environment.Name + ".json");
        var file = new EnvironmentFile(path, Read(path) ?? throw new DeployException(
            $"{path} does not exist: init updates the environment files the repository ships (src/Groundwork.Infra/environments).", CliOptions.BadInput));
        if (!request.Environment.IsManagement)
        {
            CheckSharesManagementAccount(environmentsDirectory, request);
        }
        SetAccountAndPlace(file, request, values);
        var notes = request.Environment.IsManagement
            ? SetManagement(file, environmentsDirectory, request, values)
            : SetApplication(file, request, values);

        // Values that are syntactically fine but cannot be anyone's: the reserved .example names the repository ships.
        var placeholders = new List<string>();
        foreach (var key in new[] { "adminEmails", "adminDomains", "alarmEmails" })
        {
            placeholders.AddRange(Strings(file[key]).Where(IsPlaceholder).Select(v => $"{key}: {v}"));
        }
        if (IsPlaceholder(values.Domain))
        {
            placeholders.Add($"domain: {values.Domain}");
        }
        file.Write();
        return new InitResult(path, file.Changed, placeholders, notes);
    }

    /// <summary>Every value checked before anything is read or written; the first bad one stops init with one line.</summary>
    private static CheckedValues Check(InitRequest request)
    {
        CheckAccountAndRegion(request);
        var domain = request.Domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (!DnsName().IsMatch(domain))
        {
            throw Bad($"--domain '{request.Domain}' is not a DNS name (like app.example.com).");
        }
        var adminDomains = request.AdminDomains?.Select(d => d.Trim().ToLowerInvariant()).ToList();
        if (adminDomains?.FirstOrDefault(d => !DnsName().IsMatch(d)) is { } badDomain)
        {
            throw Bad($"--admin-domain '{badDomain}' is not a DNS name.");
        }
        var ami = request.ToolHostAmi?.Trim();
        if (ami is not null && !Ami().IsMatch(ami))
        {
            throw Bad($"--tool-host-ami '{ami}' is not an AMI id (ami- and 8 or 17 hex digits).");
        }
        var values = new CheckedValues(domain, HostedZoneId(request.HostedZoneId), AvailabilityZones(request), Emails(request.AdminEmails, "--admin-email"),
            Emails(request.AlarmEmails, "--alarm-email"), adminDomains, request.BastionCidrs?.Select(Cidr).ToList(), ami);
        var isManagement = request.Environment.IsManagement;
        if (!isManagement && ami is not null)
        {
            throw Bad("--tool-host-ami is for --env management (the Jenkins and Sentry hosts).");
        }
        if (isManagement && (values.AdminEmails ?? values.AdminDomains ?? values.AlarmEmails ?? (object?)values.BastionCidrs) is not null)
        {
            throw Bad("--admin-email, --admin-domain, --alarm-email and --bastion-cidr are settings of staging or production, not of management.");
        }
        return values;
    }

    private static void CheckAccountAndRegion(InitRequest request)
    {
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
    }

    private static string? HostedZoneId(string? given)
    {
        var zone = given?.Trim();
        if (zone is null)
        {
            return null;
        }
        zone = zone.StartsWith("/hostedzone/", StringComparison.Ordinal) ? zone["/hostedzone/".Length..] : zone;
        return HostedZone().IsMatch(zone)
            ? zone
            : throw Bad($"--hosted-zone-id '{given}' is not a Route 53 hosted zone id (like Z0123456789ABCDEFGHIJ).");
    }

    private static List<string>? AvailabilityZones(InitRequest request)
    {
        var zones = request.AvailabilityZones?.Select(z => z.Trim()).ToList();
        if (zones is null)
        {
            return null;
        }
        if (zones.Count != 2 || zones.Distinct(StringComparer.Ordinal).Count() != 2)
        {
            throw Bad("--availability-zones needs exactly two different zones (like eu-west-1a,eu-west-1b).");
        }
        if (zones.FirstOrDefault(z => !z.StartsWith(request.Region, StringComparison.Ordinal) || !ZoneLetter().IsMatch(z[request.Region.Length..])) is { } wrong)
        {
            throw Bad($"--availability-zones: '{wrong}' is not a zone of {request.Region} (like {request.Region}a).");
        }
        return zones;
    }

    /// <summary>Staging and production peer with management: one account and region for all (the peering comes from one synth).</summary>
    private static void CheckSharesManagementAccount(string environmentsDirectory, InitRequest request)
    {
        var management = Read(Path.Combine(environmentsDirectory, DeployEnvironment.Management.Name + ".json"));
        var managementAccount = management?["account"]?.GetValue<string>();
        var managementRegion = management?["region"]?.GetValue<string>();
        if (managementAccount != request.Account || managementRegion != request.Region)
        {
            throw Bad($"management.json is in account {managementAccount}, {managementRegion}: environments share the management account and region " +
                      $"(the VPC peering comes from one synth). Run init --env management --account {request.Account} --region {request.Region} ... first.");
        }
    }

    /// <summary>What every environment file has: name (not management's), account, region and its zones, domain and its zone.</summary>
    private static void SetAccountAndPlace(EnvironmentFile file, InitRequest request, CheckedValues values)
    {
        var zones = values.AvailabilityZones;
        if (values.HostedZoneId is null && !string.Equals(file["domain"]?.GetValue<string>(), values.Domain, StringComparison.Ordinal))
        {
            throw Bad($"--hosted-zone-id is needed with a new domain: the id of the public hosted zone of {values.Domain} (aws route53 list-hosted-zones-by-name --dns-name {values.Domain}).");
        }
        if (zones is null && !string.Equals(file["region"]?.GetValue<string>(), request.Region, StringComparison.Ordinal))
        {
            // The region's first two zones; --availability-zones picks others (some accounts lack a zone in old regions).
            zones = [request.Region + "a", request.Region + "b"];
        }
        if (!request.Environment.IsManagement)
        {
            file.Set("name", request.Environment.Name);
        }
        file.Set("account", request.Account);
        if (file["$comment"]?.GetValue<string>() is { } comment && PlaceholderNotice().IsMatch(comment))
        {
            // The shipped files say their account ids are placeholders; once init set a real one, that is no longer true.
            file.Json["$comment"] = PlaceholderNotice().Replace(comment, "").Trim();
        }
        file.Set("region", request.Region);
        if (zones is not null)
        {
            file.Set("availabilityZones", Array(zones));
        }
        file.Set("domain", values.Domain);
        if (values.HostedZoneId is not null)
        {
            file.Set("hostedZoneId", values.HostedZoneId);
        }
    }

    /// <summary>management: the tool hosts' AMI of the region; notes for environments still elsewhere.</summary>
    private static List<string> SetManagement(EnvironmentFile file, string environmentsDirectory, InitRequest request, CheckedValues values)
    {
        var amis = file["amazonLinux2023Amis"] as JsonObject ?? [];
        if (values.ToolHostAmi is not null)
        {
            var updated = JsonNode.Parse(amis.ToJsonString())!.AsObject();
            updated[request.Region] = values.ToolHostAmi;
            file.Set("amazonLinux2023Amis", updated);
        }
        else if (amis[request.Region] is null)
        {
            throw Bad($"--tool-host-ami is needed: management.json pins no Amazon Linux 2023 AMI for {request.Region} " +
                      $"(aws ssm get-parameter --region {request.Region} --name /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 --query Parameter.Value --output text).");
        }
        var notes = new List<string>();
        foreach (var other in DeployEnvironment.AwsApplications)
        {
            if (Read(Path.Combine(environmentsDirectory, other.Name + ".json")) is { } environment &&
                (environment["account"]?.GetValue<string>() != request.Account || environment["region"]?.GetValue<string>() != request.Region))
            {
                notes.Add($"{other.Name}.json is still in another account or region: init --env {other.Name} --account {request.Account} --region {request.Region} ...");
            }
        }
        return notes;
    }

    /// <summary>staging, production: who administers, who gets alarms, who may SSH to the bastion.</summary>
    private static List<string> SetApplication(EnvironmentFile file, InitRequest request, CheckedValues values)
    {
        if (values.AdminEmails is not null)
        {
            file.Set("adminEmails", Array(values.AdminEmails));
        }
        if (values.AdminDomains is not null)
        {
            file.Set("adminDomains", Array(values.AdminDomains));
        }
        if (values.AlarmEmails is not null)
        {
            file.Set("alarmEmails", Array(values.AlarmEmails));
        }
        if (values.BastionCidrs is not null)
        {
            var bastion = JsonNode.Parse((file["bastion"] as JsonObject ?? []).ToJsonString())!.AsObject();
            bastion["sshAllowlist"] = Array(values.BastionCidrs);
            file.Set("bastion", bastion);
        }
        if (file["alarmSubscriberRequired"]?.GetValue<bool>() == true && Strings(file["alarmEmails"]).Count == 0)
        {
            throw Bad($"{request.Environment.Name}'s alarms must reach someone (alarmSubscriberRequired): give at least one --alarm-email.");
        }
        return [];
    }

    private static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

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
