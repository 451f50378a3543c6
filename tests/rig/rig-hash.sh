#!/bin/sh
# rig-hash.sh: print the cache key of the rig images: a hash over every
# file the image build reads.  Keep this list in step with build-rig.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
cat build-rig.sh rig-hash.sh packages.list dom0-init | sha256sum | cut -c1-16
