# Shared by scripts/run-app and scripts/run-tests, which source it from the repository's root.
# A virtual environment in .venv: Debian's own Python refuses `pip install` (PEP 668).

VENV=.venv

# Run a command as root: directly when root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "$0: needs root for: $*; run it as root or install sudo" >&2
    return 1
  fi
}

# Install Debian packages quietly, saying which (sudo may ask for a password).
apt_install() {
  echo "$0: installing Debian packages: $*" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Whether .venv holds a working Python with pip.
venv_ready() {
  "$VENV/bin/python" -m pip --version >/dev/null 2>&1
}

# Whether python3 can make a virtual environment: Debian's needs python3-venv for ensurepip.
can_make_venv() {
  command -v python3 >/dev/null 2>&1 && python3 -c "import ensurepip, venv" >/dev/null 2>&1
}

# Whether this machine needs Debian's python3-venv: neither .venv nor python3 -m venv works.
needs_python3_venv() {
  ! venv_ready && ! can_make_venv
}

# Whether the Debian package $1 is installed.
installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

# Create .venv where it is missing or broken, then install the requirements file $1 into it.
venv_install() {
  if ! venv_ready; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$1"
}
