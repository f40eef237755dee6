#!/bin/sh
# Prints the path of a headless-capable Chromium, installing Debian's package
# when it is absent and this user may install packages (root, or sudo without
# a password). Exits 3 with a reason on stderr when it cannot.
set -u
for name in chromium chromium-browser google-chrome; do
    if path=$(command -v "$name" 2>/dev/null); then
        echo "$path"
        exit 0
    fi
done
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "chromium is not installed and this user cannot install packages (not root, no password-less sudo)" >&2
    exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is not installed and there is no apt-get to install it" >&2
    exit 3
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -q >&2 || ! $SUDO apt-get install -y -q --no-install-recommends chromium >&2; then
    echo "apt-get could not install chromium" >&2
    exit 3
fi
command -v chromium || { echo "chromium installed but not on PATH" >&2; exit 3; }
