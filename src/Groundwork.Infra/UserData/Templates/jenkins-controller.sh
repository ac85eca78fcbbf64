# shellcheck shell=bash
## The Jenkins controller's boot, after the data volume is mounted on /var/lib/jenkins (ToolUserData.JenkinsController).
## Lines starting with ## are notes for this file's reader; they are not rendered into the user data.
curl -fsSL -o /etc/yum.repos.d/jenkins.repo https://pkg.jenkins.io/redhat-stable/jenkins.repo
rpm --import https://pkg.jenkins.io/redhat-stable/jenkins.io-2023.key
dnf install -y java-21-amazon-corretto-headless jq git jenkins-{{JenkinsVersion}}
mkdir -p "$(dirname {{ScriptDirectory}}/jenkins-secrets.sh)"
cat > {{ScriptDirectory}}/jenkins-secrets.sh <<'GROUNDWORK_FILE_END'
{{JenkinsSecretsScript}}
GROUNDWORK_FILE_END
chmod 0755 {{ScriptDirectory}}/jenkins-secrets.sh
mkdir -p "$(dirname /etc/jenkins/casc/jenkins.yaml)"
cat > /etc/jenkins/casc/jenkins.yaml <<'GROUNDWORK_FILE_END'
{{JenkinsYaml}}
GROUNDWORK_FILE_END
chmod 0644 /etc/jenkins/casc/jenkins.yaml
mkdir -p "$(dirname /etc/jenkins/plugins.txt)"
cat > /etc/jenkins/plugins.txt <<'GROUNDWORK_FILE_END'
{{PluginsTxt}}
GROUNDWORK_FILE_END
chmod 0644 /etc/jenkins/plugins.txt
curl -fsSL -o {{ScriptDirectory}}/jenkins-plugin-manager.jar https://github.com/jenkinsci/plugin-installation-manager-tool/releases/download/{{PluginManagerVersion}}/jenkins-plugin-manager-{{PluginManagerVersion}}.jar
mkdir -p /etc/systemd/system/jenkins.service.d
cat > /etc/systemd/system/jenkins.service.d/groundwork.conf <<'GROUNDWORK_UNIT_END'
[Service]
## A controller that runs no builds on a 2 GiB host: most of the memory for the heap (the default is a quarter).
Environment="JAVA_OPTS=-Djava.awt.headless=true -Djenkins.install.runSetupWizard=false -XX:MaxRAMPercentage=60"
Environment=CASC_JENKINS_CONFIG=/etc/jenkins/casc/jenkins.yaml
Environment=SECRETS=/run/groundwork-jenkins
Environment=REGION={{Region}} AWS_REGION={{Region}}
Environment=ADMIN_SECRET={{AdminSecret}} AGENT_KEY_PARAMETER={{AgentKeyParameter}} JENKINS_AGENT_GROUP={{AgentGroup}}
Environment=GROUNDWORK_REPO_URL={{RepositoryUrl}} GROUNDWORK_ARTIFACTS_BUCKET={{ArtifactsBucket}}
## Operators reach the UI through an SSH tunnel from a bastion (docs/operations.md): http://localhost:8080/.
Environment=JENKINS_URL=http://localhost:8080/
## '+': as root (reads the secrets with the instance role); the plugins install as the jenkins user.
ExecStartPre=+{{ScriptDirectory}}/jenkins-secrets.sh
ExecStartPre=/usr/bin/java -jar {{ScriptDirectory}}/jenkins-plugin-manager.jar --war /usr/share/java/jenkins.war --plugin-download-directory /var/lib/jenkins/plugins --plugin-file /etc/jenkins/plugins.txt
TimeoutStartSec=900
GROUNDWORK_UNIT_END
chown -R jenkins:jenkins /var/lib/jenkins
systemctl daemon-reload
systemctl enable --now jenkins
