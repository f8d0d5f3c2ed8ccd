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
# Windows: mingw-w64 (posix threads) builds dsalloc.dll and dsalloc-conform.exe;
# Wine runs them (tools/run-windows.sh): 64-bit, and 32-bit from the i386
# architecture for the i686 build.
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  $SUDO dpkg --add-architecture i386
  $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends \
  g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix wine wine64 wine32:i386
