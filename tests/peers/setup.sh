#!/usr/bin/env bash
# Installs the independent IPS and BPS implementations that the format
# tests (src/engine/formats/peers.rs) compare mpatch with, in a venv:
# $MPATCH_PEERS_VENV, or target/peers-venv under the repository.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${MPATCH_PEERS_VENV:-$root/target/peers-venv}"
python3 -m venv "$venv"
# Pinned: the tests compare against these exact versions' behaviour.
# python-bps-continued's setup.py imports distutils, gone from Python 3.12;
# setuptools brings a stand-in for it.
"$venv/bin/pip" install --quiet --disable-pip-version-check setuptools
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  ips-util==1.0 python-ips==2.0 python-bps-continued==7
"$venv/bin/python" -c 'import ips_util, ips, bps.apply, bps.diff, bps.io'
echo "peers installed in $venv"
