#!/usr/bin/env bash
# The peer for the intake benchmark in a virtualenv of its own: django-helpdesk, the
# latest 2.x, never a dependency of the project. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
if [ ! -x .peer-venv/bin/python ] || ! .peer-venv/bin/python -c "import helpdesk, gunicorn, psycopg" 2>/dev/null; then
  "$PYTHON" -m venv .peer-venv
  .peer-venv/bin/python -m pip install --quiet "django-helpdesk==2.6.1" "psycopg[binary]==3.3.9" "gunicorn==27.0.1"
fi
