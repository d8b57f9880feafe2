#!/usr/bin/env bash
# Checks a release tag against Cargo.toml and prints its release notes, the
# version's section of CHANGELOG.md:
#
#   scripts/release-notes.sh v0.1.0         needs a dated "## [0.1.0] - ..."
#   scripts/release-notes.sh v0.1.0-rc.1    its own section, else [Unreleased]
#
# Exit 1, saying why, when the tag is not "v" + Cargo.toml's version or the
# changelog has no section for it (docs/RELEASING.md says what to do first).
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:?usage: scripts/release-notes.sh vX.Y.Z}

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
if [[ $tag != "v$version" ]]; then
    echo "release-notes: the tag $tag is not v$version, the version in Cargo.toml" >&2
    exit 1
fi

# The lines under a "## [NAME]" heading, up to the next "## " heading.
section() {
    awk -v name="$1" '
        index($0, "## [" name "]") == 1 { on = 1; next }
        on && /^## / { exit }
        on && /^\[[^]]*\]: / { next }
        on { print }' CHANGELOG.md
}

notes=""
if grep -Eq "^## \[${version//./\\.}\] - [0-9]{4}-[0-9]{2}-[0-9]{2}\$" CHANGELOG.md; then
    notes=$(section "$version")
elif [[ $version == *-* ]]; then
    notes=$(section "Unreleased")
fi
if [[ -z ${notes//[[:space:]]/} ]]; then
    echo "release-notes: CHANGELOG.md has no '## [$version] - YYYY-MM-DD' section with notes" \
        "(a pre-release may use [Unreleased]): see docs/RELEASING.md" >&2
    exit 1
fi
printf '%s\n' "$notes" | sed -e '/./,$!d'
