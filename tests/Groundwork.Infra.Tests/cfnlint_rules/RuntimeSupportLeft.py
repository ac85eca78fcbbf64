"""
Groundwork's own cfn-lint rule (loaded with --append-rules by tests/Groundwork.Infra.Tests/CfnLintReport.cs).

cfn-lint's E2531/E2533/W2531 fire only once a Lambda runtime is deprecated or blocked, i.e. when the stack already
fails or is about to. This rule fires a year earlier: a function whose runtime is deprecated within 365 days (by
cfn-lint's own runtime lifecycle data) is an error, so no template ships a function that will stop deploying soon.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cfnlint.data import AdditionalSpecs
from cfnlint.helpers import load_resource
from cfnlint.jsonschema import ValidationError, ValidationResult, Validator
from cfnlint.rules.jsonschema.CfnLintKeyword import CfnLintKeyword

MINIMUM_SUPPORT = timedelta(days=365)


class RuntimeSupportLeft(CfnLintKeyword):
    id = "E9531"
    shortdesc = "Lambda runtimes keep at least a year of support"
    description = "A Lambda runtime must not be deprecated within the next 365 days (cfn-lint's runtime lifecycle data)."
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
    tags = ["resources", "lambda", "runtime", "groundwork"]

    def __init__(self):
        super().__init__(["Resources/AWS::Lambda::Function/Properties/Runtime"])
        self.lifecycle = load_resource(AdditionalSpecs, "LmbdRuntimeLifecycle.json")

    def validate(self, validator: Validator, v: Any, runtime: Any, schema: dict[str, Any]) -> ValidationResult:
        if not validator.is_type(runtime, "string"):
            return
        data = self.lifecycle.get(runtime)
        if not data:
            return  # no deprecation announced
        deprecated = datetime.strptime(data["deprecated"], "%Y-%m-%d")
        if deprecated - datetime.today() < MINIMUM_SUPPORT:
            yield ValidationError(
                f"Runtime {runtime!r} is deprecated on {data['deprecated']!r} (creation blocked on "
                f"{data['create-block']!r}): less than a year of support left; use {data['successor']!r}"
            )
