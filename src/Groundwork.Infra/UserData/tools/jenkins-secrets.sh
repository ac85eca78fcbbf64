#!/usr/bin/env bash
# Before every start of the Jenkins controller (ExecStartPre of jenkins.service, as root): what JCasC reads
# (jenkins.yaml), fetched with the instance role into files under /run (tmpfs: never on the disk), readable by the
# jenkins user only. JCasC reads secrets from the directory named by $SECRETS:
#   JENKINS_ADMIN_PASSWORD   the admin's password (Secrets Manager, JSON: username, password);
#   JENKINS_AGENT_SSH_KEY    the build agent key pair's private key, which EC2 keeps in SSM Parameter Store
#                            (/ec2/keypair/<key-pair-id>, a SecureString) when CloudFormation creates the key pair.
# Environment: REGION, ADMIN_SECRET, AGENT_KEY_PARAMETER, SECRETS (the directory), JENKINS_USER (default jenkins).
set -euo pipefail
: "${REGION:?}" "${ADMIN_SECRET:?}" "${AGENT_KEY_PARAMETER:?}" "${SECRETS:?}"
owner=${JENKINS_USER:-jenkins}

umask 077
mkdir -p "$SECRETS"
aws secretsmanager get-secret-value --region "$REGION" --secret-id "$ADMIN_SECRET" --query SecretString --output text \
  | jq -j .password > "$SECRETS/JENKINS_ADMIN_PASSWORD"
key=$(aws ssm get-parameter --region "$REGION" --name "$AGENT_KEY_PARAMETER" --with-decryption --query Parameter.Value --output text)
# An empty or truncated value would leave Jenkins with a credential that cannot log in: stop the start instead.
case "$key" in
  *"-----BEGIN"*"PRIVATE KEY-----"*"-----END"*) printf '%s\n' "$key" > "$SECRETS/JENKINS_AGENT_SSH_KEY" ;;
  *) echo "jenkins secrets: $AGENT_KEY_PARAMETER holds no private key" >&2; exit 1 ;;
esac
chown -R "$owner:" "$SECRETS"
