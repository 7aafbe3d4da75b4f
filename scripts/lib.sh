# Shared by scripts/sample-school and scripts/test (sourced, not run).
#
# They are run as yourself or as root, with or without sudo:
#   - the build runs as the person who asked (never leaves root-owned files in your checkout
#     when you are not root);
#   - installing packages and running the sample school's servers (Samba's LDAP ports, network
#     namespaces) take root: through sudo when you are not root, directly when you are.
# Rust installed with rustup lives in ~/.cargo/bin, which sudo's PATH does not hold: it is looked
# for there, in the home of the user who ran sudo, too.

# The user who asked: SUDO_USER under sudo, else whoever runs the script.
invoking_user() {
  if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "${SUDO_USER}" != root ]; then
    printf '%s' "$SUDO_USER"
  else
    id -un
  fi
}

# Puts cargo on PATH (and points rustup at its toolchains), or says how to get it.
find_cargo() {
  if command -v cargo >/dev/null 2>&1; then return 0; fi
  local user home
  user=$(invoking_user)
  home=$(getent passwd "$user" | cut -d: -f6)
  for dir in "${CARGO_HOME:-}" "$home/.cargo" "$HOME/.cargo"; do
    if [ -n "$dir" ] && [ -x "$dir/bin/cargo" ]; then
      export PATH="$dir/bin:$PATH"
      export CARGO_HOME="$dir"
      if [ -z "${RUSTUP_HOME:-}" ] && [ -d "$(dirname "$dir")/.rustup" ]; then
        export RUSTUP_HOME="$(dirname "$dir")/.rustup"
      fi
      return 0
    fi
  done
  echo "cargo (Rust 1.85 or newer) is needed and was not found on PATH nor in $home/.cargo/bin: install it with rustup (https://rustup.rs) or apt-get install cargo" >&2
  return 1
}

# Runs a command as root: directly when root, else through sudo (keeping cargo's PATH).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo env "PATH=$PATH" ${CARGO_HOME:+"CARGO_HOME=$CARGO_HOME"} ${RUSTUP_HOME:+"RUSTUP_HOME=$RUSTUP_HOME"} "$@"
  else
    echo "this step needs root ($1): run the script as root, or install sudo" >&2
    return 1
  fi
}

# Runs a command as the user who asked (under sudo, as SUDO_USER), with cargo on PATH.
as_user() {
  local user
  user=$(invoking_user)
  if [ "$(id -un)" = "$user" ]; then
    "$@"
  else
    sudo -u "$user" env "PATH=$PATH" "HOME=$(getent passwd "$user" | cut -d: -f6)" \
      ${CARGO_HOME:+"CARGO_HOME=$CARGO_HOME"} ${RUSTUP_HOME:+"RUSTUP_HOME=$RUSTUP_HOME"} "$@"
  fi
}
