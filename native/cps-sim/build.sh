#!/bin/sh
# Builds the CPS card simulator (a PKCS#11 proxy over SoftHSM) into OUT_DIR
# (default: <repo>/.testbed/cps-sim, gitignored). Prints the module path.
# Rebuilds only when the source is newer than the library.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/.testbed/cps-sim}
mkdir -p "$out"
lib=$out/libcps-sim.so
if [ ! -f "$lib" ] || [ "$here/cps_sim.c" -nt "$lib" ]; then
  gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -fPIC -shared \
    -I"$repo/node_modules/pkcs11js/includes/pkcs11" -o "$lib.$$.tmp" "$here/cps_sim.c" -ldl
  mv "$lib.$$.tmp" "$lib" # atomic: parallel builds never expose a half-written module
fi
echo "$lib"
