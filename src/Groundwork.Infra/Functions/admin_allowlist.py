# Cognito trigger (pre sign-up and pre token generation) of the Groundwork admin sign-in: only people on the admin
# allowlist -- the same emails and domains the app checks (Admin:Emails, Admin:Domains) -- get a Cognito user or a
# token. Everyone else's Google sign-in is refused here, before the ALB lets them reach Metabase or the admin console.
# Deployed inline (CloudFormation ZipFile): standard library only, no packages. Tested by running this file.
import json
import os


def _list(name, strip_at=False):
    values = (v.strip().lower() for v in os.environ.get(name, "").split(","))
    return frozenset(v.lstrip("@") if strip_at else v for v in values if v)


ALLOWED_EMAILS = _list("ALLOWED_EMAILS")
ALLOWED_DOMAINS = _list("ALLOWED_DOMAINS", strip_at=True)


def allowed(attributes):
    # Google marks the addresses it has verified; an unverified address proves nothing about who signs in.
    if str(attributes.get("email_verified", "")).lower() != "true":
        return False
    email = str(attributes.get("email") or "").lower()
    at = email.rfind("@")
    # Same shape rule as the app's AdminAllowlist.Allows: something before and after the last '@'.
    if at <= 0 or at == len(email) - 1 or email != email.strip():
        return False
    return email in ALLOWED_EMAILS or email[at + 1:] in ALLOWED_DOMAINS


def handler(event, context):
    attributes = (event.get("request") or {}).get("userAttributes") or {}
    if allowed(attributes):
        return event
    # The refusal is logged without the address: who was refused is the Cognito user name (provider + subject).
    print(json.dumps({"decision": "refused", "trigger": event.get("triggerSource"), "userName": event.get("userName")}))
    # Raising is how a Cognito trigger refuses: sign-up or token issue fails, the sign-in ends with an error.
    raise Exception("This account is not allowed to sign in to Groundwork.")
