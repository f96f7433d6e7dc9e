#!/usr/bin/env bash
# Shared by scripts/run, scripts/test and scripts/bench: install what is missing, then build.
# Sourced, not run. Every install step lives here so that a fresh Debian 12 machine needs nothing else.

TOKENTAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian 12 packages the build needs (Boost 1.81 for Beast/Asio, not the default 1.74).
TOKENTAP_BUILD_PACKAGES=(build-essential cmake ninja-build pkg-config libboost1.81-dev libssl-dev
  nlohmann-json3-dev doctest-dev libyaml-cpp-dev libspdlog-dev libcli11-dev zlib1g-dev libjemalloc-dev openssl)

log() { printf '[tokentap] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "need root (or sudo) to run: $*"; return 1
  fi
}

# install_packages PKG...: apt-get installs the packages that are not installed yet.
install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    log "missing packages (${missing[*]}) and no apt-get: install them by hand"; return 1
  fi
  log "installing: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The end-to-end tests drive the official OpenAI and Anthropic SDKs (npm registry) through tokentap:
# Node.js and npm from Debian when the machine has none, then each SDK into its directory under
# tests/e2e (openai_sdk, anthropic_sdk; locked versions).
install_node_sdk_clients() {
  command -v node >/dev/null 2>&1 || install_packages nodejs || return 1
  command -v npm >/dev/null 2>&1 || install_packages npm || return 1
  local dir="$TOKENTAP_ROOT/tests/e2e/openai_sdk"
  if [ ! -d "$dir/node_modules/openai" ]; then
    log "installing the OpenAI SDK for the end-to-end tests"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  fi
  dir="$TOKENTAP_ROOT/tests/e2e/anthropic_sdk"
  if [ ! -d "$dir/node_modules/@anthropic-ai/sdk" ]; then
    log "installing the Anthropic SDK for the end-to-end tests"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  fi
}

# build DIR BUILD_TYPE [CMAKE ARGS...]: configure once, then build incrementally.
build() {
  local dir=$1 type=$2; shift 2
  local gen=()
  command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$TOKENTAP_ROOT" -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE="$type" "$@" || return 1
  fi
  cmake --build "$dir" --parallel "$(nproc)" || return 1
}
