# Run by sentry-configure.sh inside Sentry's web container (`sentry shell -c`): the Groundwork project in self-hosted
# Sentry's organization, with one client key per environment (GROUNDWORK_ENVIRONMENTS), printed as "DSN <env> <dsn>".
# get-or-create throughout: a second run finds everything and prints the same DSNs.
import os

from sentry.models.organization import Organization
from sentry.models.project import Project
from sentry.models.projectkey import ProjectKey
from sentry.models.team import Team

# Self-hosted runs one organization, created by `sentry upgrade` during install.sh; it becomes Groundwork's.
organization = Organization.objects.order_by("id").first()
if organization is None:
    raise SystemExit("no Sentry organization: install.sh (sentry upgrade) has not run")
if organization.name != "Groundwork":
    organization.name = "Groundwork"
    organization.save()
team, _ = Team.objects.get_or_create(organization=organization, slug="groundwork", defaults={"name": "Groundwork"})
project, _ = Project.objects.get_or_create(
    organization=organization, slug="groundwork", defaults={"name": "Groundwork", "platform": "csharp-aspnetcore"}
)
project.add_team(team)
for environment in os.environ["GROUNDWORK_ENVIRONMENTS"].split():
    # One key per environment: revoking staging's key leaves production's alone.
    key = ProjectKey.objects.filter(project=project, label=environment).order_by("id").first()
    if key is None:
        key = ProjectKey.objects.create(project=project, label=environment)
    print("DSN", environment, key.dsn_public)
