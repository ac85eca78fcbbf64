#!/usr/bin/env bash
# Before every start of the Jenkins controller (ExecStartPre of jenkins.service, as root): the passwords JCasC reads
# as ${JENKINS_ADMIN_PASSWORD} and ${JENKINS_AGENT_PASSWORD} (jenkins.yaml), fetched from Secrets Manager with the
# instance role into files under /run (tmpfs: never on the disk), readable by the jenkins user only. JCasC reads
# secrets from the directory named by $SECRETS.
# Environment: REGION, ADMIN_SECRET, AGENT_SECRET (JSON: username, password), SECRETS (the directory),
# JENKINS_USER (default jenkins).
set -euo pipefail
: "${REGION:?}" "${ADMIN_SECRET:?}" "${AGENT_SECRET:?}" "${SECRETS:?}"
owner=${JENKINS_USER:-jenkins}

secret() { aws secretsmanager get-secret-value --region "$REGION" --secret-id "$1" --query SecretString --output text; }

umask 077
mkdir -p "$SECRETS"
secret "$ADMIN_SECRET" | jq -j .password > "$SECRETS/JENKINS_ADMIN_PASSWORD"
secret "$AGENT_SECRET" | jq -j .password > "$SECRETS/JENKINS_AGENT_PASSWORD"
chown -R "$owner:" "$SECRETS"
