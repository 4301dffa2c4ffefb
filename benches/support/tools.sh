# Sourced by the benches: a tool they need that is missing is installed rather than reported,
# so a bench runs on a fresh machine (issue 19: the bench installs its load generator when
# missing). Debian's packages through apt-get (as root, or with sudo); cargo's with
# `cargo install --locked`.

# need_package COMMAND PACKAGE
need_package() {
  command -v "$1" >/dev/null && return 0
  echo "$1 is missing: installing Debian's $2" >&2
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  if command -v apt-get >/dev/null; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
      { $sudo apt-get update -qq >/dev/null 2>&1 &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1; } || true
  fi
  command -v "$1" >/dev/null || { echo "needs $1: apt-get install -y $2" >&2; exit 2; }
}

# need_cargo_tool COMMAND CRATE
need_cargo_tool() {
  command -v "$1" >/dev/null && return 0
  echo "$1 is missing: cargo install --locked $2" >&2
  cargo install --locked -q "$2" >&2 || true
  command -v "$1" >/dev/null || { echo "needs $1: cargo install --locked $2" >&2; exit 2; }
}
