#!/usr/bin/env bash
# Makes the base images of deploy/Dockerfile on a machine without an image registry, from Debian packages:
#   1. debootstrap --variant=minbase bookworm: one minimal Debian 12 root filesystem, shared by the images;
#   2. for every line of base-images.list, a copy of it with the line's packages installed by apt (from bookworm,
#      bookworm-updates and bookworm-security, so point releases and security fixes are in);
#   3. `docker import` of that tree, tagged fcgate/base-NAME:bookworm-HASH and fcgate/base-NAME:bookworm.
# HASH is the SHA-256 (first 12 hex digits) of this script and the list: an image whose HASH tag exists is not
# rebuilt, so a second run takes a second. --rebuild builds anyway (to pick up new security fixes, say).
#
# Needs root (debootstrap, chroot), debootstrap and a running dockerd; no registry. Packages come over plain HTTP
# from DEBIAN_MIRROR (default http://deb.debian.org/debian) and DEBIAN_SECURITY_MIRROR (default
# http://deb.debian.org/debian-security). Work files go to a temporary directory under TMPDIR (default /var/tmp).
# Usage: deploy/docker/build-base-images.sh [--rebuild] [NAME...]   (default: every image of the list)
# Reference: docs/docker.md.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
list="$here/base-images.list"
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

fail() {
    echo "build-base-images: $*" >&2
    exit 1
}

rebuild=no
wanted=()
for arg in "$@"; do
    case "$arg" in
        --rebuild) rebuild=yes ;;
        -h|--help) sed -n '2,15p' "$0" | cut -c3-; exit 0 ;;
        -*) echo "build-base-images: unknown option $arg (see --help)" >&2; exit 2 ;;
        *) wanted+=("$arg") ;;
    esac
done

export PATH="$PATH:/usr/sbin:/sbin"
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || fail "debootstrap is missing (apt-get install debootstrap)"
docker info >/dev/null 2>&1 || fail "no Docker daemon answers (start dockerd; see docs/docker.md)"

hash="$(cat "$0" "$list" | sha256sum | cut -c1-12)"

# NAME -> packages, from the list (comments and blank lines skipped).
declare -A packages=()
order=()
while read -r name pkgs; do
    case "$name" in ''|'#'*) continue ;; esac
    [ -n "$pkgs" ] || fail "$list: image '$name' has no packages"
    packages[$name]="$pkgs"
    order+=("$name")
done < "$list"
if [ "${#wanted[@]}" -eq 0 ]; then
    wanted=("${order[@]}")
fi
todo=()
for name in "${wanted[@]}"; do
    [ -n "${packages[$name]+x}" ] || { echo "build-base-images: no image '$name' in $list" >&2; exit 2; }
    tag="fcgate/base-$name:$suite-$hash"
    if [ "$rebuild" = no ] && docker image inspect "$tag" >/dev/null 2>&1; then
        docker tag "$tag" "fcgate/base-$name:$suite"
        echo "fcgate/base-$name:$suite = $tag (already built from this script and list)"
    else
        todo+=("$name")
    fi
done
[ "${#todo[@]}" -gt 0 ] || exit 0

work="$(mktemp -d "${TMPDIR:-/var/tmp}/fcgate-base.XXXXXX")"
cleanup() {
    # Never remove a tree with something still mounted in it (our /proc, or what an interrupted debootstrap left):
    # unmount the deepest first; --one-file-system would not cross into a mount anyway.
    local m
    awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
        umount "$m" || umount -l "$m"
    done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a shell command in the tree $1 with /proc mounted (the JRE's ca-certificates-java hook runs java).
in_root() {
    local root="$1" status=0
    shift
    mount -t proc proc "$root/proc"
    chroot "$root" /bin/sh -ec "$*" || status=$?
    umount "$root/proc"
    return "$status"
}

started=$SECONDS
echo "debootstrap --variant=minbase $suite from $mirror"
if ! debootstrap --variant=minbase "$suite" "$work/minbase" "$mirror" > "$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    fail "debootstrap failed (log above)"
fi
chmod 0755 "$work/minbase"
cat > "$work/minbase/etc/apt/sources.list" <<LIST
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
LIST
# While packages are installed: no service is started in the tree (php-fpm's postinst would), dpkg does not fsync
# every file, no recommended packages.
printf '#!/bin/sh\nexit 101\n' > "$work/minbase/usr/sbin/policy-rc.d"
chmod 0755 "$work/minbase/usr/sbin/policy-rc.d"
echo 'force-unsafe-io' > "$work/minbase/etc/dpkg/dpkg.cfg.d/fcgate-build"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    > "$work/minbase/etc/apt/apt.conf.d/90fcgate-no-recommends"
in_root "$work/minbase" "apt-get -qq update"
echo "minbase ready in $((SECONDS - started)) s"

for name in "${todo[@]}"; do
    started=$SECONDS
    tag="fcgate/base-$name:$suite-$hash"
    root="$work/$name"
    cp -a "$work/minbase" "$root"
    echo "fcgate/base-$name: apt-get install ${packages[$name]}"
    if ! in_root "$root" "export DEBIAN_FRONTEND=noninteractive
        apt-get -qq -y upgrade
        apt-get -qq -y install ${packages[$name]}
        apt-get -qq clean" > "$work/$name.log" 2>&1; then
        tail -n 30 "$work/$name.log" >&2
        fail "installing ${packages[$name]} failed (log above)"
    fi
    # What an image does not need: the build-time settings above, package lists (apt-get update fetches them
    # again), downloaded .debs, manuals, logs. /etc/resolv.conf is the host's; Docker mounts its own.
    rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/dpkg/dpkg.cfg.d/fcgate-build"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
        "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/*
    : > "$root/etc/resolv.conf"

    tar --numeric-owner -C "$root" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change "LABEL org.fcgate.base.name=$name org.fcgate.base.hash=$hash org.fcgate.base.suite=$suite" \
        --change 'CMD ["/bin/bash"]' \
        - "$tag" >/dev/null
    docker tag "$tag" "fcgate/base-$name:$suite"
    rm -rf --one-file-system "$root"
    # Earlier builds of this image (another HASH) are untagged; their layers go once nothing uses them.
    docker image ls --format '{{.Repository}}:{{.Tag}}' "fcgate/base-$name" \
        | grep -v -e ":$suite\$" -e ":$suite-$hash\$" | xargs -r docker rmi >/dev/null 2>&1 || true
    echo "fcgate/base-$name:$suite = $tag, built in $((SECONDS - started)) s" \
        "($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%d MB", $1 / 1e6}'))"
done
