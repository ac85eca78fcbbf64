# shellcheck shell=bash
## Self-hosted Sentry, after its install (ToolUserData.SentryConfigure): the configuration unit (admin, project, keys,
## DSN secrets), run now and at every boot. Lines starting with ## are not rendered into the user data.
dnf install -y jq
mkdir -p "$(dirname {{ScriptDirectory}}/sentry-configure.sh)"
cat > {{ScriptDirectory}}/sentry-configure.sh <<'GROUNDWORK_FILE_END'
{{SentryConfigureScript}}
GROUNDWORK_FILE_END
chmod 0755 {{ScriptDirectory}}/sentry-configure.sh
mkdir -p "$(dirname {{ScriptDirectory}}/sentry-configure.py)"
cat > {{ScriptDirectory}}/sentry-configure.py <<'GROUNDWORK_FILE_END'
{{SentryConfigurePython}}
GROUNDWORK_FILE_END
chmod 0644 {{ScriptDirectory}}/sentry-configure.py
cat > /etc/systemd/system/groundwork-sentry-configure.service <<'GROUNDWORK_UNIT_END'
[Unit]
Description=Configure self-hosted Sentry (admin, Groundwork project, per-environment DSN secrets)
Requires=docker.service
After=docker.service
[Service]
Type=oneshot
WorkingDirectory=/opt/sentry
Environment=SENTRY_DIR=/opt/sentry REGION={{Region}} ADMIN_SECRET={{AdminSecret}}
Environment="DSN_SECRETS={{DsnSecrets}}"
ExecStartPre=/usr/bin/docker compose up -d
ExecStart={{ScriptDirectory}}/sentry-configure.sh
TimeoutStartSec=3600
[Install]
WantedBy=multi-user.target
GROUNDWORK_UNIT_END
## Hourly too: an environment deployed after the management stack gets its DSN within the hour.
cat > /etc/systemd/system/groundwork-sentry-configure.timer <<'GROUNDWORK_UNIT_END'
[Unit]
Description=Configure self-hosted Sentry again (DSN secrets of environments deployed since)
[Timer]
OnUnitActiveSec=1h
[Install]
WantedBy=timers.target
GROUNDWORK_UNIT_END
systemctl daemon-reload
## Start waits for the oneshot: the boot (and the CloudFormation signal) fails when the configuration does.
systemctl enable groundwork-sentry-configure groundwork-sentry-configure.timer
systemctl start groundwork-sentry-configure
systemctl start groundwork-sentry-configure.timer
