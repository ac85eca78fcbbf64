# shellcheck shell=bash
## The build agent's boot (ToolUserData.JenkinsAgent): a Debian 12 host that runs `./groundwork test` as the README
## writes it. Lines starting with ## are notes for this file's reader; they are not rendered into the user data.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y git jq curl awscli sudo ca-certificates gnupg python3 python3-venv
## Java 21 like the controller (Debian 12 ships 17; the remoting agent wants the controller's Java): Eclipse
## Temurin's repository. .NET SDK 10 (Microsoft's Debian 12 repository) and Node 20 (NodeSource): the versions
## the repository builds with.
curl -fsSL https://packages.adoptium.net/artifactory/api/gpg/key/public | gpg --dearmor --yes -o /usr/share/keyrings/adoptium.gpg
echo 'deb [signed-by=/usr/share/keyrings/adoptium.gpg] https://packages.adoptium.net/artifactory/deb bookworm main' > /etc/apt/sources.list.d/adoptium.list
curl -fsSL -o /tmp/packages-microsoft-prod.deb https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb
dpkg -i /tmp/packages-microsoft-prod.deb
curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key | gpg --dearmor --yes -o /usr/share/keyrings/nodesource.gpg
echo 'deb [signed-by=/usr/share/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main' > /etc/apt/sources.list.d/nodesource.list
apt-get update
apt-get install -y temurin-21-jre dotnet-sdk-10.0 nodejs
## Password '*': no password login, yet not "locked" ('!'), which sshd would refuse for key logins too.
id {{AgentUser}} >/dev/null 2>&1 || useradd --system --create-home --home-dir {{AgentHome}} --shell /bin/bash --password '*' {{AgentUser}}
## ./groundwork installs its OS packages with sudo apt-get when not root: that, and nothing else.
echo '{{AgentUser}} ALL=(root) NOPASSWD: /usr/bin/apt-get' > /etc/sudoers.d/groundwork-agent
chmod 0440 /etc/sudoers.d/groundwork-agent
## Last: the launch template's key pair (its public half, from the instance metadata) may log in as the agent
## user. The key itself never leaves AWS except into the controller's memory (/run).
IMDS_TOKEN=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
install -d -m 0700 -o {{AgentUser}} -g {{AgentUser}} {{AgentHome}}/.ssh
curl -fsS -H "X-aws-ec2-metadata-token: $IMDS_TOKEN" http://169.254.169.254/latest/meta-data/public-keys/0/openssh-key > {{AgentHome}}/.ssh/authorized_keys.new
install -m 0600 -o {{AgentUser}} -g {{AgentUser}} {{AgentHome}}/.ssh/authorized_keys.new {{AgentHome}}/.ssh/authorized_keys
rm -f {{AgentHome}}/.ssh/authorized_keys.new
## cloud-init also gave the key to Debian's default user `admin`, who may sudo anything: the controller's key
## opens the agent account (sudo apt-get only) and nothing else.
if [ -f /home/admin/.ssh/authorized_keys ]; then : > /home/admin/.ssh/authorized_keys; fi
