namespace Groundwork.Infra.Tests;

/// <summary>
/// sentry-configure.sh (the Sentry host's configuration unit, at every boot) run by bash against a fake `docker`
/// modelling self-hosted Sentry (createuser; `sentry shell` issuing one stable key per environment, as the ORM's
/// get-or-create does) and the fake Secrets Manager: first boot, reboot, a secret holding a DSN, an environment not
/// deployed yet.
/// </summary>
public sealed class SentryConfigureTests : IDisposable
{
    private const string AdminSecret = "groundwork/management/sentry/admin";
    private const string StagingDsn = "groundwork/staging/sentry/dsn";
    private const string ProductionDsn = "groundwork/production/sentry/dsn";
    private readonly ToolSandbox _sandbox = new();

    public SentryConfigureTests()
    {
        _sandbox.Fake("curl", "exit 0"); // /_health/ answers
        // Self-hosted Sentry: users and client keys persist in $STATE (its databases on the retained volume).
        _sandbox.Fake("docker", """
            args=("$@")
            arg() { local i; for ((i = 0; i < ${#args[@]}; i++)); do if [ "${args[i]}" = "$1" ]; then printf '%s' "${args[i+1]}"; return; fi; done; }
            case "$*" in
              "compose run --rm -T web createuser "*)
                [[ "$*" == *" --superuser "* && "$*" == *"--no-input"* && "$*" == *"--force-update"* ]] || { echo "createuser: interactive" >&2; exit 1; }
                printf '%s %s\n' "$(arg --email)" "$(arg --password)" > "$STATE/sentry-admin" ;;
              "compose run --rm -T -e GROUNDWORK_ENVIRONMENTS="*" web shell -c "*)
                script="${args[${#args[@]}-1]}"
                grep -q 'ProjectKey' <<<"$script" || { echo "not the configuration script" >&2; exit 1; }
                environments="${args[5]#GROUNDWORK_ENVIRONMENTS=}"
                echo "Python 3.12 (sentry shell)"
                for e in $environments; do
                  key="$STATE/sentry-key-$e"
                  [ -f "$key" ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$key"
                  echo "DSN $e https://$(cat "$key")@sentry.groundwork.example/2"
                done ;;
              *) echo "unexpected docker $*" >&2; exit 2 ;;
            esac
            """);
        _sandbox.PutSecret(AdminSecret, """{"username":"admin@groundwork.example","password":"S3ntryAdminFromCfn"}""");
    }

    private int Configure(string dsnSecrets = $"production={ProductionDsn} staging={StagingDsn}") =>
        _sandbox.Run(ToolSandbox.Script("sentry-configure.sh"), new Dictionary<string, string>
        {
            ["SENTRY_DIR"] = _sandbox.Dir,
            ["REGION"] = "eu-west-1",
            ["ADMIN_SECRET"] = AdminSecret,
            ["DSN_SECRETS"] = dsnSecrets,
        });

    private string? Dsn(string secret) => _sandbox.Secret(secret) is { } json ? System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("dsn").GetString() : null;

    [Fact]
    public void First_boot_creates_the_admin_and_writes_each_environments_own_dsn()
    {
        // What MonitoringStack creates: the secret with an empty DSN.
        _sandbox.PutSecret(StagingDsn, """{"dsn":""}""");
        _sandbox.PutSecret(ProductionDsn, """{"dsn":""}""");

        Assert.True(Configure() == 0, _sandbox.Output);

        Assert.Equal("admin@groundwork.example S3ntryAdminFromCfn", File.ReadAllText(Path.Combine(_sandbox.State, "sentry-admin")).Trim());
        var staging = Dsn(StagingDsn)!;
        var production = Dsn(ProductionDsn)!;
        Assert.Matches("^https://[0-9a-f]{32}@sentry.groundwork.example/2$", staging);
        Assert.Matches("^https://[0-9a-f]{32}@sentry.groundwork.example/2$", production);
        Assert.NotEqual(staging, production); // one key per environment
        Assert.Equal(2, _sandbox.Calls("aws secretsmanager put-secret-value").Count);
    }

    [Fact]
    public void A_reboot_with_sentry_configured_changes_nothing()
    {
        _sandbox.PutSecret(StagingDsn, """{"dsn":""}""");
        _sandbox.PutSecret(ProductionDsn, """{"dsn":""}""");
        Assert.True(Configure() == 0, _sandbox.Output);
        var before = (Dsn(StagingDsn), Dsn(ProductionDsn));
        _sandbox.ClearCalls();

        Assert.True(Configure() == 0, _sandbox.Output);

        Assert.Equal(before, (Dsn(StagingDsn), Dsn(ProductionDsn)));
        Assert.Empty(_sandbox.Calls("aws secretsmanager put-secret-value")); // no new secret version
        Assert.Contains("already holds its key", _sandbox.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_secret_holding_another_dsn_gets_the_key_sentry_issues_and_one_holding_it_is_left_alone()
    {
        // Staging's secret still names a key of a Sentry that is gone (its volume restored from an older snapshot,
        // say); production's already holds the key Sentry issues.
        File.WriteAllText(Path.Combine(_sandbox.State, "sentry-key-production"), "0123456789abcdef0123456789abcdef");
        _sandbox.PutSecret(StagingDsn, """{"dsn":"https://ffffffffffffffffffffffffffffffff@sentry.groundwork.example/2"}""");
        _sandbox.PutSecret(ProductionDsn, """{"dsn":"https://0123456789abcdef0123456789abcdef@sentry.groundwork.example/2"}""");

        Assert.True(Configure() == 0, _sandbox.Output);

        Assert.DoesNotContain("ffffffff", Dsn(StagingDsn)!, StringComparison.Ordinal);
        Assert.Equal("https://0123456789abcdef0123456789abcdef@sentry.groundwork.example/2", Dsn(ProductionDsn));
        var put = Assert.Single(_sandbox.Calls("aws secretsmanager put-secret-value"));
        Assert.Contains(StagingDsn, put, StringComparison.Ordinal);
    }

    [Fact]
    public void An_environment_not_deployed_yet_is_skipped_and_written_by_a_later_run()
    {
        _sandbox.PutSecret(StagingDsn, """{"dsn":""}""");
        Assert.True(Configure() == 0, _sandbox.Output);
        Assert.Contains($"{ProductionDsn} does not exist yet", _sandbox.Output, StringComparison.Ordinal);
        Assert.NotEmpty(Dsn(StagingDsn)!);

        _sandbox.PutSecret(ProductionDsn, """{"dsn":""}"""); // production's monitoring stack deployed
        Assert.True(Configure() == 0, _sandbox.Output);
        Assert.StartsWith("https://", Dsn(ProductionDsn), StringComparison.Ordinal);
    }

    [Fact]
    public void Sentry_failing_to_issue_the_keys_fails_the_boot_and_writes_nothing()
    {
        _sandbox.PutSecret(StagingDsn, """{"dsn":""}""");
        _sandbox.PutSecret(ProductionDsn, """{"dsn":""}""");
        _sandbox.Fake("docker", "case \"$*\" in *createuser*) exit 0 ;; *) echo 'Traceback: no Sentry organization' >&2; exit 1 ;; esac");
        Assert.NotEqual(0, Configure());
        Assert.Empty(_sandbox.Calls("aws secretsmanager put-secret-value"));
        Assert.Equal("", Dsn(StagingDsn));
    }

    public void Dispose() => _sandbox.Dispose();
}
