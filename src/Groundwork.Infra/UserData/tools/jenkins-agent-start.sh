#!/usr/bin/env bash
# Before every start of the Debian build agent (ExecStartPre of groundwork-jenkins-agent.service, as root): find the
# controller (the running instance of its Auto Scaling group: it moves when replaced), fetch the agent user's password
# into /run (tmpfs), and the Swarm client from the controller itself (so it always matches the controller's plugin).
# The agent then joins with the Swarm plugin over WebSocket on the controller's HTTP port.
# Environment: REGION, AGENT_SECRET (JSON: username, password), CONTROLLER_GROUP, RUN_DIR, AGENT_USER (default jenkins).
set -euo pipefail
: "${REGION:?}" "${AGENT_SECRET:?}" "${CONTROLLER_GROUP:?}" "${RUN_DIR:?}"
owner=${AGENT_USER:-jenkins}

controller=$(aws ec2 describe-instances --region "$REGION" \
  --filters "Name=tag:aws:autoscaling:groupName,Values=$CONTROLLER_GROUP" "Name=instance-state-name,Values=running" \
  --query 'Reservations[0].Instances[0].PrivateIpAddress' --output text)
if [ -z "$controller" ] || [ "$controller" = None ]; then
  echo "jenkins agent: no running controller in $CONTROLLER_GROUP yet" >&2
  exit 1
fi

umask 077
mkdir -p "$RUN_DIR"
agent=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id "$AGENT_SECRET" --query SecretString --output text)
jq -j .password <<<"$agent" > "$RUN_DIR/password"
printf 'JENKINS_URL=http://%s:8080/\nJENKINS_AGENT_USER=%s\n' "$controller" "$(jq -r .username <<<"$agent")" > "$RUN_DIR/agent.env"
curl -fsS -o "$RUN_DIR/swarm-client.jar" "http://$controller:8080/swarm/swarm-client.jar"
chown -R "$owner:" "$RUN_DIR"
