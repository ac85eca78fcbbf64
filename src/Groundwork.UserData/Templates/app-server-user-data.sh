#!/bin/bash
# App server bootstrap, rendered by Groundwork.UserData (AppServerUserData, Templates/app-server-user-data.sh). Installs groundwork {{Version}}.
set -Eeuo pipefail
export PATH="/opt/aws/bin:${PATH}"
ROOT="${GROUNDWORK_ROOT:-}"
VERSION={{Version:quoted}}
ARTIFACT={{Artifact:quoted}}
BUCKET={{ArtifactBucket:quoted}}
REGION={{Region:quoted}}
PARAMS={{ParameterPath:quoted}}

signal() {
  # Tell CloudFormation whether this instance is healthy; the rolling update waits for it.
  cfn-signal --exit-code "$1" --stack {{StackName:quoted}} --resource {{SignalResource:quoted}} --region "${REGION}" || true
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
REDIS_TOKEN="$(secret {{RedisAuthSecret:quoted}} | jq -r .token)"
NEW_RELIC_LICENSE="$(secret {{NewRelicLicenseSecret:quoted}} | jq -r '.licenseKey // ""')"
SENTRY_DSN="$(secret {{SentryDsnSecret:quoted}} | jq -r '.dsn // ""')"
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
{{AppEnvironment}}
ENV
)

# 4. New Relic infrastructure agent, once a license key has been stored.
if [ -n "${NEW_RELIC_LICENSE}" ]; then
  printf 'license_key: %s\ndisplay_name: groundwork-%s-%s\n' "${NEW_RELIC_LICENSE}" {{EnvironmentName:quoted}} "$(hostname)" > "${ROOT}/etc/newrelic-infra.yml"
  curl -fsSL -o "${ROOT}/etc/yum.repos.d/newrelic-infra.repo" https://download.newrelic.com/infrastructure_agent/linux/yum/amazonlinux/2023/x86_64/newrelic-infra.repo
  dnf install -y newrelic-infra
fi

# 5. The service: stateless, stopped with SIGTERM so in-flight requests drain.
cat > "${ROOT}/etc/systemd/system/{{UnitName}}" <<UNIT
{{SystemdUnit}}
UNIT
systemctl daemon-reload
systemctl enable --now {{UnitName}}

# 6. Healthy or not: signal CloudFormation either way so a bad version fails fast and rolls back.
for _ in $(seq 1 {{ReadyAttempts}}); do
  if curl -fsS --max-time 2 "http://127.0.0.1:{{Port}}{{ReadyPath}}" >/dev/null; then
    trap - ERR
    signal 0
    exit 0
  fi
  sleep {{ReadyPollSeconds}}
done
echo "groundwork ${VERSION} never became ready on {{ReadyPath}}" >&2
trap - ERR
signal 1
exit 1
