#!/usr/bin/env bash
# Run the AWS SAM CLI from its own virtualenv.
#
# The SAM CLI pins versions of boto3, cfn-lint and friends that clash with the project's
# dev dependencies (moto in particular), so it lives apart in .tools/sam, created on first
# use. `sam build` for the python3.13 runtime needs a python3.13 interpreter on PATH; this
# script finds one (PATH first, then pyenv) and puts it there.
#
# Usage: scripts/sam.sh <sam arguments>     e.g. scripts/sam.sh validate --lint
# Env:   SAM_CLI_VERSION  (default 1.170.0)  SAM_PYTHON  (interpreter for the venv)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SAM_VERSION="${SAM_CLI_VERSION:-1.170.0}"
VENV="$ROOT/.tools/sam"
STAMP="$VENV/.installed-aws-sam-cli-$SAM_VERSION"

die() { echo "sam.sh: $*" >&2; exit 1; }

# Prints the bin directory of a working interpreter for version $1 (e.g. 3.13), or nothing.
# A pyenv shim on PATH may exist without the version being active, so run it to be sure.
python_bin_dir() {
    local version="$1" exe prefix dir
    if exe="$(command -v "python$version" 2>/dev/null)" && "$exe" -c "" 2>/dev/null; then
        dirname "$("$exe" -c 'import sys; print(sys.executable)')"
        return
    fi
    if command -v pyenv >/dev/null 2>&1; then
        if prefix="$(pyenv prefix "$version" 2>/dev/null)" && [ -x "$prefix/bin/python$version" ]; then
            echo "$prefix/bin"
            return
        fi
        for dir in "$(pyenv root)/versions/$version".*/bin; do
            [ -x "$dir/python$version" ] && { echo "$dir"; return; }
        done
    fi
}

if [ ! -f "$STAMP" ]; then
    base_python="${SAM_PYTHON:-}"
    if [ -z "$base_python" ]; then
        for v in 3.11 3.12; do
            dir="$(python_bin_dir "$v")"
            [ -n "$dir" ] && { base_python="$dir/python$v"; break; }
        done
    fi
    [ -n "$base_python" ] || die "no python3.11 or python3.12 found for the SAM CLI venv (set SAM_PYTHON)"
    echo "sam.sh: installing aws-sam-cli==$SAM_VERSION into .tools/sam with $base_python" >&2
    rm -rf "$VENV"
    "$base_python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet "aws-sam-cli==$SAM_VERSION" >&2
    touch "$STAMP"
fi

py313="$(python_bin_dir 3.13)"
if [ -n "$py313" ]; then
    export PATH="$py313:$PATH"
elif [ "${1:-}" = "build" ]; then
    die "sam build needs python3.13 on PATH (install it, e.g. pyenv install 3.13)"
fi

export SAM_CLI_TELEMETRY=0
cd "$ROOT"
exec "$VENV/bin/sam" "$@"
