#!/usr/bin/env bash
# Installs what building and testing dsalloc needs on Debian 12 (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
  ca-certificates cmake ninja-build g++ clang libclang-rt-14-dev \
  libgtest-dev librapidcheck-dev spin python3 pkg-config clang-format chromium \
  libbenchmark-dev libavutil-dev libgstreamer1.0-dev valgrind
