#!/bin/sh
# hash.sh: cache key of the kvm-l1 image: a hash over every recipe file.
# Keep this list in step with build.sh.
set -eu
cd "$(dirname "$0")"
cat build.sh hash.sh packages.list l1-init | sha256sum | cut -c1-16
