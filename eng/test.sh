#!/usr/bin/env bash
# Builds everything once, runs the web unit tests and every .NET test project one after another (the end-to-end
# suites each start servers of their own; running them side by side on 2 cores only makes them flaky), then prints
# one summary line from the TRX results: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
results="$PWD/TestResults"
rm -rf "$results"; mkdir -p "$results"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

# Tests never change tracked files: the tree's state before the run is compared with its state after it.
tree_state() { { git status --porcelain --untracked-files=no; git diff; } 2>/dev/null | sha256sum; }
tree_before=$(tree_state)
# cfn-lint (the infra tests run it over every synthesized template). Preinstalled on the CI machines; elsewhere it is
# installed from PyPI into a virtualenv of its own. When that fails the infra tests fail with a one-line reason.
CFN_LINT_VERSION=1.51.0
if ! command -v cfn-lint >/dev/null; then
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/groundwork/cfn-lint-$CFN_LINT_VERSION"
  if [ ! -x "$venv/bin/cfn-lint" ]; then
    echo "==> installing cfn-lint $CFN_LINT_VERSION into $venv"
    if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"; } >/dev/null 2>&1; then
      echo "cfn-lint is missing and could not be installed from PyPI (pip install cfn-lint==$CFN_LINT_VERSION): the infra tests will fail"
      rm -rf "$venv"
    fi
  fi
  if [ -x "$venv/bin/cfn-lint" ]; then export PATH="$venv/bin:$PATH"; fi
fi

# OpenAPI tooling for the Api contract tests: Kiota (pinned in .config/dotnet-tools.json) and redocly (pinned in
# eng/openapi/package-lock.json). When either cannot be installed, those tests fail with a one-line reason.
echo "==> OpenAPI tools: dotnet tool restore (Kiota), npm ci in eng/openapi (redocly)"
dotnet tool restore >/dev/null || echo "dotnet tool restore failed: the generated-client test will fail"
(cd eng/openapi && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || echo "npm ci in eng/openapi failed: the redocly lint test will fail"

status=0
web_passed=0; web_failed=0; web_skipped=0
if [ -f web/package.json ]; then
  echo "==> web: npm ci, build, unit tests"
  if (cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent); then
    if (cd web && npx vitest run --reporter=default --reporter=json --outputFile="$results/vitest.json"); then :; else status=1; fi
    if [ -f "$results/vitest.json" ]; then
      read -r web_passed web_failed web_skipped < <(node -e '
        const r = require(process.argv[1]);
        console.log(r.numPassedTests, r.numFailedTests, (r.numPendingTests||0) + (r.numTodoTests||0));' "$results/vitest.json")
    fi
  else
    echo "web build failed"; status=1; web_failed=1
  fi
fi

# Spotlight (Sentry's local tool) for the AppHost tests: pinned by tools/spotlight/package-lock.json.
if [ ! -d tools/spotlight/node_modules/@spotlightjs/spotlight ]; then
  echo "==> tools/spotlight: npm ci"
  (cd tools/spotlight && npm ci --no-audit --no-fund --loglevel=error) || echo "Spotlight could not be installed: the Spotlight test will fail"
fi

echo "==> dotnet build"
if ! dotnet build Groundwork.slnx -c Debug -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

export GROUNDWORK_TEST_RESULTS="$results/web"  # browser tests put failure screenshots here
# fd 3, so nothing a test runs can swallow the list from stdin.
while read -r project <&3; do
  name=$(basename "$project" .csproj)
  echo "==> $name"
  timeout 1500 dotnet test "$project" --no-build -c Debug --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
    -- RunConfiguration.TestSessionTimeout=1500000 || status=1
done 3< <(grep -o 'tests/[^"]*Tests\.csproj' Groundwork.slnx)

# Sum the counters of every TRX file (dotnet test's own summaries are per project).
read -r passed failed skipped < <(python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    root = ET.parse(path).getroot()
    c = root.find(".//{*}Counters")
    if c is None: continue
    p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    # Skipped tests are results with outcome NotExecuted (the notExecuted counter stays 0 for xunit skips).
    s += sum(1 for r in root.iter() if r.tag.endswith("UnitTestResult") and r.get("outcome") == "NotExecuted")
print(p, f, s)
PY
)
passed=$((passed + web_passed)); failed=$((failed + web_failed)); skipped=$((skipped + web_skipped))
if [ "$(tree_state)" != "$tree_before" ]; then
  echo "FAILED: the test run changed tracked files (tests must write under artifacts/ or TestResults/):"
  git status --porcelain --untracked-files=no | head -20
  failed=$((failed + 1))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a crashed run still counts as a failure
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
