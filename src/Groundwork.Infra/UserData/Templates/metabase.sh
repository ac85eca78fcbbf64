# shellcheck shell=bash
## Metabase, after its unit (ToolUserData.MetabaseConfigure): the configuration unit (admin, the replica as data
## source), run now and at every boot. Lines starting with ## are not rendered into the user data.
mkdir -p /etc/metabase
curl -fsSL -o {{CaBundle}} https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
mkdir -p "$(dirname {{ScriptDirectory}}/metabase-configure.sh)"
cat > {{ScriptDirectory}}/metabase-configure.sh <<'GROUNDWORK_FILE_END'
{{MetabaseConfigureScript}}
GROUNDWORK_FILE_END
chmod 0755 {{ScriptDirectory}}/metabase-configure.sh
cat > /etc/systemd/system/groundwork-metabase-configure.service <<'GROUNDWORK_UNIT_END'
[Unit]
Description=Configure Metabase (admin, the read replica as data source)
Requires=metabase.service
After=metabase.service
[Service]
Type=oneshot
RemainAfterExit=yes
Environment=REGION={{Region}} ADMIN_SECRET={{AdminSecret}} ANALYTICS_SECRET={{AnalyticsSecret}}
Environment=REPLICA_HOST={{ReplicaHost}} REPLICA_PORT={{ReplicaPort}} DATABASE_NAME={{DatabaseName}} CA_BUNDLE={{CaBundle}}
Environment="SITE_NAME={{SiteName}}"
ExecStart={{ScriptDirectory}}/metabase-configure.sh
TimeoutStartSec=1200
[Install]
WantedBy=multi-user.target
GROUNDWORK_UNIT_END
systemctl daemon-reload
systemctl enable groundwork-metabase-configure
systemctl start groundwork-metabase-configure
