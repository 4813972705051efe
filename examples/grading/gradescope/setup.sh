#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built: Python and derivcheck.
# Put a wheel of derivcheck (python -m build, or pip wheel .) in the autograder zip beside this script.
set -euo pipefail
apt-get install -y python3 python3-pip
pip3 install /autograder/source/derivcheck-*.whl
