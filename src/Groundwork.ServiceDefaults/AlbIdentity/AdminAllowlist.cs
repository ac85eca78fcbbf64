namespace Groundwork.ServiceDefaults.AlbIdentity;

/// <summary>Who is an admin (configuration section "Admin"): exact emails and/or whole email domains.</summary>
public sealed class AdminAllowlist
{
    /// <summary>Allowlisted addresses, compared case-insensitively.</summary>
    public IReadOnlySet<string> Emails { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Allowlisted domains (the part after '@', no leading '@'), compared case-insensitively.</summary>
    public IReadOnlySet<string> Domains { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    public bool Allows(string? email)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            return false;
        }

        var at = email.LastIndexOf('@');
        if (at <= 0 || at == email.Length - 1)
        {
            return false;
        }

        return Emails.Contains(email) || Domains.Contains(email[(at + 1)..]);
    }

    /// <summary>Reads a list that may be given as an array (Admin:Emails:0=...) or as one comma-separated string.</summary>
    internal static HashSet<string> ReadList(Microsoft.Extensions.Configuration.IConfigurationSection section, bool isDomain)
    {
        var values = section.Value is { } single ? [single] : section.GetChildren().Select(c => c.Value ?? "");
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            set.Add(isDomain ? value.TrimStart('@') : value);
        }

        return set;
    }
}
