#!/usr/bin/env bash
# The benchmark (issue 8): one command that installs what is missing, builds the stack and the baselines in Release,
# starts them (and the OTLP sink the instances export to), measures the scenarios side by side with their baselines, stops everything, and writes
# bench/results/<yyyy-MM-dd>-<shortsha>.json + .md and the results section of docs/performance.md.
#   bench/run.sh                 3 repetitions × 10 s per side (about 10–15 minutes on 2 cores)
#   bench/run.sh --reps 5 --duration 15 --connections 64
#   bench/run.sh --smoke         one short iteration of everything (what the smoke test runs); docs untouched
#   bench/run.sh --soak [--minutes N] [--rate R]   the soak test (issue 7, promise 10): one stack, paced 90/8/2 mixed
#                                load for N 1-minute windows (default 75: past the cache's 1-hour retention); writes bench/results/soak-<date>-<sha>.json and
#                                docs/soak.md; exits non-zero if the promise broke
# Not part of ./groundwork test: it is not a test and does not fit CI's time budget.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing=()
for p in wrk nginx mariadb-server redis-server iproute2; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "==> installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi

echo "==> building the stack and the baselines in Release"
dotnet build src/Groundwork.AppHost/Groundwork.AppHost.csproj -c Release -nologo -clp:ErrorsOnly
dotnet build bench/Groundwork.Bench.Baseline/Groundwork.Bench.Baseline.csproj -c Release -nologo -clp:ErrorsOnly
dotnet build bench/Groundwork.Bench.OtlpSink/Groundwork.Bench.OtlpSink.csproj -c Release -nologo -clp:ErrorsOnly
dotnet build bench/Groundwork.Bench/Groundwork.Bench.csproj -c Release -nologo -clp:ErrorsOnly

exec dotnet bench/Groundwork.Bench/bin/Release/net10.0/Groundwork.Bench.dll "$@"
