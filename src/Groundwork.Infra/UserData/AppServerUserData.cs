using System.Text.RegularExpressions;

namespace Groundwork.Infra.UserData;

/// <summary>What an app server needs to know at boot. Values may be CDK tokens (resolved in the template).</summary>
public sealed record AppServerUserDataSettings
{
    /// <summary>The artifact version to install: s3://{ArtifactBucket}/groundwork-{Version}.tar.gz.</summary>
    public required string Version { get; init; }
    public required string EnvironmentName { get; init; }
    public required string ArtifactBucket { get; init; }
    public required string Region { get; init; }
    /// <summary>The stack and logical id of the Auto Scaling group that waits for this instance's signal.</summary>
    public required string StackName { get; init; }
    public required string SignalResource { get; init; }
    /// <summary>SSM parameter path holding the non-secret configuration (endpoints, ALB ARN, admin allowlist...).</summary>
    public required string ParameterPath { get; init; }
    /// <summary>The app database user's secret (JSON: username, password). The script never reads it: the app reads it
    /// at connection time (Database:Credentials:SecretId), so a rotation needs no restart and no password is on disk.</summary>
    public required string DatabaseCredentialsSecret { get; init; }
    /// <summary>The schema the app uses on the primary and the replica.</summary>
    public string DatabaseName { get; init; } = "groundwork";
    /// <summary>Secrets Manager ids read at boot: the Redis AUTH token (JSON: token), the New Relic license key
    /// (JSON: licenseKey) and the Sentry DSN (JSON: dsn).</summary>
    public required string RedisAuthSecret { get; init; }
    public required string NewRelicLicenseSecret { get; init; }
    public required string SentryDsnSecret { get; init; }
    public int Port { get; init; } = 8080;
    public string ReadyPath { get; init; } = "/health/ready";
    /// <summary>How long to wait for /health/ready before signalling failure (the ASG then rolls back).</summary>
    public int ReadyTimeoutSeconds { get; init; } = 300;
    public int ReadyPollSeconds { get; init; } = 5;
}

/// <summary>
/// Renders the launch template's user data of an app server: install the .NET runtime, download and verify the
/// given artifact version, write a systemd unit, start it, wait for /health/ready, signal CloudFormation.
/// A pure function (settings → script text), so a deploy tool can render exactly what the instances will run.
/// </summary>
public static partial class AppServerUserData
{
    public const string InstallRoot = "/opt/groundwork";
    public const string EnvironmentFile = "/etc/groundwork/app.env";
    public const string UnitName = "groundwork-api.service";
    public const string RdsCaBundle = "/etc/groundwork/rds-ca-bundle.pem";
    /// <summary>
    /// How often (seconds) MySqlConnector re-resolves the endpoints' DNS names: a Multi-AZ failover moves the primary's
    /// name to the standby, and the pool then drops connections to the old address instead of keeping them.
    /// </summary>
    public const int DnsCheckIntervalSeconds = 5;

    /// <summary>The artifact file name of a version, as the build job uploads it.</summary>
    public static string ArtifactName(string version) => $"groundwork-{version}.tar.gz";

    /// <summary>Versions are interpolated into a shell script and S3 keys: only a safe alphabet is accepted.</summary>
    public static bool IsValidVersion(string version) => SafeVersion().IsMatch(version);

    public static string Render(AppServerUserDataSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (!IsValidVersion(s.Version))
            throw new ArgumentException($"'{s.Version}' is not a valid artifact version.", nameof(s));
        foreach (var (name, value) in new[]
                 {
                     (nameof(s.EnvironmentName), s.EnvironmentName), (nameof(s.ArtifactBucket), s.ArtifactBucket),
                     (nameof(s.Region), s.Region), (nameof(s.StackName), s.StackName),
                     (nameof(s.SignalResource), s.SignalResource), (nameof(s.ParameterPath), s.ParameterPath),
                     (nameof(s.DatabaseCredentialsSecret), s.DatabaseCredentialsSecret), (nameof(s.DatabaseName), s.DatabaseName),
                     (nameof(s.RedisAuthSecret), s.RedisAuthSecret),
                     (nameof(s.NewRelicLicenseSecret), s.NewRelicLicenseSecret),
                     (nameof(s.SentryDsnSecret), s.SentryDsnSecret), (nameof(s.ReadyPath), s.ReadyPath),
                 })
        {
            // Every value lands in single quotes: a quote or a newline would break out of them.
            if (string.IsNullOrEmpty(value) || value.IndexOfAny(['\'', '\n', '\r', '\\']) >= 0)
                throw new ArgumentException($"{name} must be non-empty and free of quotes, backslashes and newlines.", nameof(s));
        }
        if (s.Port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(s), "Port out of range.");
        if (s.ReadyPollSeconds < 1 || s.ReadyTimeoutSeconds < s.ReadyPollSeconds)
            throw new ArgumentOutOfRangeException(nameof(s), "ReadyTimeoutSeconds must be at least ReadyPollSeconds >= 1.");

        var attempts = s.ReadyTimeoutSeconds / s.ReadyPollSeconds;
        var artifact = ArtifactName(s.Version);
        // ${...} below is bash; {{...}} is C#. GROUNDWORK_ROOT is empty on a real instance; tests point it at a sandbox.
        return $$"""
            #!/bin/bash
            # App server bootstrap, rendered by Groundwork.Infra (AppServerUserData). Installs groundwork {{s.Version}}.
            set -Eeuo pipefail
            export PATH="/opt/aws/bin:${PATH}"
            ROOT="${GROUNDWORK_ROOT:-}"
            VERSION='{{s.Version}}'
            ARTIFACT='{{artifact}}'
            BUCKET='{{s.ArtifactBucket}}'
            REGION='{{s.Region}}'
            PARAMS='{{s.ParameterPath}}'

            signal() {
              # Tell CloudFormation whether this instance is healthy; the rolling update waits for it.
              cfn-signal --exit-code "$1" --stack '{{s.StackName}}' --resource '{{s.SignalResource}}' --region "${REGION}" || true
            }
            trap 'signal 1' ERR

            # 1. Runtime and tools (the .NET runtime matches the framework-dependent linux-x64 publish).
            dnf install -y dotnet-runtime-10.0 aspnetcore-runtime-10.0 aws-cfn-bootstrap jq tar

            # 2. The artifact of exactly this version, verified against its published SHA-256.
            RELEASE="${ROOT}{{InstallRoot}}/releases/${VERSION}"
            WORK="$(mktemp -d)"
            aws s3 cp --region "${REGION}" "s3://${BUCKET}/${ARTIFACT}" "${WORK}/${ARTIFACT}"
            aws s3 cp --region "${REGION}" "s3://${BUCKET}/${ARTIFACT}.sha256" "${WORK}/${ARTIFACT}.sha256"
            echo "$(awk '{print $1}' "${WORK}/${ARTIFACT}.sha256")  ${WORK}/${ARTIFACT}" | sha256sum --check --strict -
            mkdir -p "${RELEASE}"
            tar -xzf "${WORK}/${ARTIFACT}" -C "${RELEASE}"
            test "$(jq -r .version "${RELEASE}/manifest.json")" = "${VERSION}"
            test -f "${RELEASE}/app/Groundwork.Api.dll"
            ln -sfn "${RELEASE}" "${ROOT}{{InstallRoot}}/current"
            id groundwork >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin groundwork

            # 3. Configuration from SSM parameters and Secrets Manager, into a root-only environment file. No database
            #    password: the app reads its user's secret itself when it opens a connection (and again after a rotation).
            param() { aws ssm get-parameter --region "${REGION}" --with-decryption --name "${PARAMS}/$1" --query Parameter.Value --output text; }
            secret() { aws secretsmanager get-secret-value --region "${REGION}" --secret-id "$1" --query SecretString --output text; }
            REDIS_TOKEN="$(secret '{{s.RedisAuthSecret}}' | jq -r .token)"
            NEW_RELIC_LICENSE="$(secret '{{s.NewRelicLicenseSecret}}' | jq -r '.licenseKey // ""')"
            SENTRY_DSN="$(secret '{{s.SentryDsnSecret}}' | jq -r '.dsn // ""')"
            # Read every value first: a failed read inside the heredoc below would go unnoticed.
            PRIMARY_HOST="$(param database/primary-endpoint)"
            REPLICA_HOST="$(param database/replica-endpoint)"
            DB_PORT="$(param database/port)"
            REDIS_HOST="$(param cache/primary-endpoint)"
            REDIS_PORT="$(param cache/port)"
            ALB_ARN="$(param app/alb-arn)"
            ALB_KEY_ENDPOINT="$(param app/alb-key-endpoint)"
            ALB_ISSUER="$(param app/alb-issuer)"
            ADMIN_EMAILS="$(param app/admin-emails)"
            ADMIN_DOMAINS="$(param app/admin-domains)"
            OTLP_ENDPOINT="$(param monitoring/otlp-endpoint)"
            # SSM parameters cannot be empty: "none" stands for an empty admin allowlist.
            if [ "${ADMIN_EMAILS}" = "none" ]; then ADMIN_EMAILS=""; fi
            if [ "${ADMIN_DOMAINS}" = "none" ]; then ADMIN_DOMAINS=""; fi
            mkdir -p "${ROOT}/etc/groundwork" "${ROOT}/etc/systemd/system" "${ROOT}/etc/yum.repos.d"
            # RDS certificates chain to Amazon's RDS CAs, which are not in the OS trust store: VerifyFull needs the bundle.
            curl -fsSL -o "${ROOT}{{RdsCaBundle}}" https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
            (
              umask 077
              cat > "${ROOT}{{EnvironmentFile}}" <<ENV
            ASPNETCORE_URLS=http://0.0.0.0:{{s.Port}}
            ASPNETCORE_ENVIRONMENT=Production
            ConnectionStrings__primary=Server=${PRIMARY_HOST};Port=${DB_PORT};Database={{s.DatabaseName}};SslMode=VerifyFull;SslCa={{RdsCaBundle}};DNS Check Interval={{DnsCheckIntervalSeconds}}
            ConnectionStrings__replica=Server=${REPLICA_HOST};Port=${DB_PORT};Database={{s.DatabaseName}};SslMode=VerifyFull;SslCa={{RdsCaBundle}};DNS Check Interval={{DnsCheckIntervalSeconds}}
            Database__Credentials__SecretId={{s.DatabaseCredentialsSecret}}
            AWS_REGION=${REGION}
            ConnectionStrings__redis=${REDIS_HOST}:${REDIS_PORT},ssl=true,password=${REDIS_TOKEN},abortConnect=false
            AlbIdentity__SignerArn=${ALB_ARN}
            AlbIdentity__KeyEndpoint=${ALB_KEY_ENDPOINT}
            AlbIdentity__Issuer=${ALB_ISSUER}
            Admin__Emails=${ADMIN_EMAILS}
            Admin__Domains=${ADMIN_DOMAINS}
            OTEL_EXPORTER_OTLP_ENDPOINT=${OTLP_ENDPOINT}
            OTEL_EXPORTER_OTLP_HEADERS=api-key=${NEW_RELIC_LICENSE}
            OTEL_RESOURCE_ATTRIBUTES=service.name=groundwork-api,service.version=${VERSION},deployment.environment={{s.EnvironmentName}}
            Sentry__Dsn=${SENTRY_DSN}
            Sentry__SendTraces=true
            Telemetry__TraceSampleRatio=0.05
            GROUNDWORK_VERSION=${VERSION}
            ENV
            )

            # 4. New Relic infrastructure agent, once a license key has been stored.
            if [ -n "${NEW_RELIC_LICENSE}" ]; then
              printf 'license_key: %s\ndisplay_name: groundwork-{{s.EnvironmentName}}-%s\n' "${NEW_RELIC_LICENSE}" "$(hostname)" > "${ROOT}/etc/newrelic-infra.yml"
              curl -fsSL -o "${ROOT}/etc/yum.repos.d/newrelic-infra.repo" https://download.newrelic.com/infrastructure_agent/linux/yum/amazonlinux/2023/x86_64/newrelic-infra.repo
              dnf install -y newrelic-infra
            fi

            # 5. The service: stateless, stopped with SIGTERM so in-flight requests drain.
            cat > "${ROOT}/etc/systemd/system/{{UnitName}}" <<UNIT
            [Unit]
            Description=Groundwork API ${VERSION}
            After=network-online.target
            Wants=network-online.target

            [Service]
            User=groundwork
            WorkingDirectory={{InstallRoot}}/releases/${VERSION}/app
            EnvironmentFile={{EnvironmentFile}}
            ExecStart=/usr/bin/dotnet {{InstallRoot}}/releases/${VERSION}/app/Groundwork.Api.dll
            KillSignal=SIGTERM
            TimeoutStopSec=30
            Restart=on-failure
            RestartSec=2

            [Install]
            WantedBy=multi-user.target
            UNIT
            systemctl daemon-reload
            systemctl enable --now {{UnitName}}

            # 6. Healthy or not: signal CloudFormation either way so a bad version fails fast and rolls back.
            for attempt in $(seq 1 {{attempts}}); do
              if curl -fsS --max-time 2 "http://127.0.0.1:{{s.Port}}{{s.ReadyPath}}" >/dev/null; then
                trap - ERR
                signal 0
                exit 0
              fi
              sleep {{s.ReadyPollSeconds}}
            done
            echo "groundwork ${VERSION} never became ready on {{s.ReadyPath}}" >&2
            trap - ERR
            signal 1
            exit 1

            """;
    }

    [GeneratedRegex(@"^[0-9A-Za-z][0-9A-Za-z._+-]{0,127}$")]
    private static partial Regex SafeVersion();
}
