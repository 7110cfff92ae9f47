#!/usr/bin/env bash
# `make docker-verify`: build docker/Dockerfile with a real Docker engine and run the demo inside the image.
#
# No image registry is reachable here, so the pinned CUDA base cannot be pulled; the same Dockerfile is built on a local
# stand-in with the base's contract (docker/standin-base.Dockerfile: a Debian bookworm root filesystem from the Debian
# archive via debootstrap, Python 3.11, torch 2.13.0 CPU, the EGL/Mesa libraries). Steps:
#   1. start dockerd (docker/engine.sh) unless an engine answers;
#   2. build the stand-in base, or reuse it: its tag is a hash of its recipe and of the torch wheel;
#   3. check that the Dockerfile's first step refuses a torch other than the pinned one, with one line;
#   4. build the project image on the stand-in (pip reaches PyPI through --network host) and report size and time;
#   5. as the image's non-root user, with data/, conf/local/ and the MLflow store bind-mounted from a scratch folder and
#      no network: kedro run demo_sample, finetune (tiny), generate (tiny);
#   6. on the host: the generated mp4 is H.264 + AAC, and mlflow.db holds finished runs of person demo whose artifacts
#      lie in the mounted store;
#   7. docker-compose 1.29 parses docker/compose.yaml and brings up its mlflow and viz services from this image, on free
#      ports: both answer HTTP 200 on 127.0.0.1 and are published nowhere else; then `down -v`.
# Every container runs with --rm; the dockerd it started is stopped on exit. Images stay (they are the cache).
# Needs root when it has to start dockerd or debootstrap (apt-get install docker.io debootstrap).
# Environment: PHADTF_VERIFY_DIR (scratch folder, default a new one under /tmp; kept for inspection),
# PHADTF_CACHE (default ~/.cache/phadtf_kedro: debootstrap's .deb files and the torch wheel).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOCKER_BUILDKIT=0  # the classic builder: --network host works without BuildKit entitlements or buildx
start_all=$(date +%s)

say() { echo "docker-verify: $*"; }
fail() { echo "docker-verify: FAILED: $*" >&2; exit 1; }

WORK="${PHADTF_VERIFY_DIR:-$(mktemp -d /tmp/phadtf-docker-verify.XXXXXX)}"
CACHE="${PHADTF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/phadtf_kedro}"
IMAGE=phadtf_kedro:verify
LABEL="phadtf-docker-verify=$$"
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
# Python 3.11 with venv, CA certificates for pip, and the libraries docker/Dockerfile installs for the renderer.
PACKAGES=python3.11,python3.11-venv,python3-distutils,ca-certificates,libegl1,libgl1,libgles2,libegl-mesa0,libgl1-mesa-dri,libglib2.0-0
# The container user: the caller's uid, or 1000 when the caller is root (the image must never run as root).
RUN_UID=$(id -u)
RUN_GID=$(id -g)
if [ "$RUN_UID" = 0 ]; then RUN_UID=1000 RUN_GID=1000; fi
mkdir -p "$WORK" "$CACHE"

# shellcheck source=docker/engine.sh
source docker/engine.sh
COMPOSE_PROJECT=""
compose_down() {
    if [ -n "$COMPOSE_PROJECT" ]; then
        docker-compose -p "$COMPOSE_PROJECT" -f docker/compose.yaml down -v > /dev/null 2>&1 || true
        COMPOSE_PROJECT=""
    fi
}
cleanup() {
    local left
    compose_down
    left=$(docker ps -aq --filter "label=$LABEL" 2> /dev/null || true)
    if [ -n "$left" ]; then docker rm -f $left > /dev/null || true; fi
    engine_stop
}
trap cleanup EXIT
engine_start "$WORK/dockerd.log" || fail "no Docker engine"

# --- 2. stand-in base -------------------------------------------------------------------------------------------------
TORCH_VERSION=$(sed -n 's/^ARG TORCH_VERSION=//p' docker/Dockerfile)
WHEELS="$CACHE/wheels"
mkdir -p "$WHEELS"
# The CPU build (+cpu) by name, so that pip cannot pick PyPI's CUDA build of the same release.
python3 -m pip download --quiet --no-deps --only-binary :all: --python-version 3.11 --dest "$WHEELS" \
    "torch==${TORCH_VERSION}+cpu" > "$WORK/torch-download.log" 2>&1 \
    || fail "pip cannot obtain torch==${TORCH_VERSION}+cpu for cp311: $(tail -n 1 "$WORK/torch-download.log")"
WHEEL=$(find "$WHEELS" -name "torch-${TORCH_VERSION}+cpu-cp311-*.whl" | sort | tail -n 1)
[ -n "$WHEEL" ] || fail "no torch-${TORCH_VERSION}+cpu-cp311 wheel in $WHEELS after pip download"
HOST_CA="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"  # what the host's pip trusts (see standin-base.Dockerfile)
[ -s "$HOST_CA" ] || fail "no CA bundle at $HOST_CA (set PIP_CERT)"
KEY=$( (echo "$SUITE $MIRROR $PACKAGES"; cat docker/standin-base.Dockerfile "$HOST_CA"; sha256sum < "$WHEEL") \
    | sha256sum | cut -c1-12)
BASE="phadtf-standin-base:$KEY"
OS_IMAGE="phadtf-standin-os:$(echo "$SUITE $MIRROR $PACKAGES" | sha256sum | cut -c1-12)"
if docker image inspect "$BASE" > /dev/null 2>&1; then
    say "stand-in base $BASE already built (same recipe, CA bundle and wheel): reused"
else
    t0=$(date +%s)
    if ! docker image inspect "$OS_IMAGE" > /dev/null 2>&1; then
        [ "$(id -u)" = 0 ] || fail "building the stand-in base needs root (debootstrap)"
        command -v debootstrap > /dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"
        rootfs="$WORK/rootfs"
        rm -rf "$rootfs"
        mkdir -p "$CACHE/debs"
        say "debootstrap $SUITE from $MIRROR (log $WORK/debootstrap.log)"
        nice -n 10 debootstrap --variant=minbase --cache-dir="$CACHE/debs" --include="$PACKAGES" "$SUITE" "$rootfs" \
            "$MIRROR" > "$WORK/debootstrap.log" 2>&1 || fail "debootstrap: $(tail -n 1 "$WORK/debootstrap.log")"
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
        tar -C "$rootfs" -c . | docker import - "$OS_IMAGE" > /dev/null
        rm -rf "$rootfs"
    fi
    ctx="$WORK/standin-context"
    mkdir -p "$ctx"
    cp "$WHEEL" "$ctx/"
    cp "$HOST_CA" "$ctx/host-ca-bundle.crt"
    nice -n 10 docker build --force-rm --network host --build-arg "OS_IMAGE=$OS_IMAGE" \
        -f docker/standin-base.Dockerfile -t "$BASE" "$ctx" > "$WORK/standin-build.log" 2>&1 \
        || fail "stand-in base build: $(tail -n 3 "$WORK/standin-build.log")"
    rm -rf "$ctx"
    say "stand-in base $BASE built in $(( $(date +%s) - t0 )) s"
fi

# --- 3. a base with another torch is refused, in one line ---------------------------------------------------------------
if docker build --force-rm --network none --build-arg "BASE_IMAGE=$BASE" --build-arg TORCH_VERSION=0.0.0 -f docker/Dockerfile . \
        > "$WORK/refusal.log" 2>&1; then
    fail "docker/Dockerfile accepted a base whose torch is not 0.0.0"
fi
refusal=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/refusal.log" | grep -E "^base image .* has Python [0-9.]+ and torch ${TORCH_VERSION}\+cpu; phadtf_kedro needs") \
    || fail "the torch check did not print its line: $(tail -n 3 "$WORK/refusal.log")"
say "a base with the wrong torch stops the build with: $refusal"

# --- 4. the project image ---------------------------------------------------------------------------------------------
say "building $IMAGE on $BASE (log $WORK/build.log)"
previous=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2> /dev/null || true)
t0=$(date +%s)
nice -n 10 docker build --force-rm --network host --build-arg "BASE_IMAGE=$BASE" --build-arg "UID=$RUN_UID" \
    --build-arg "GID=$RUN_GID" -f docker/Dockerfile -t "$IMAGE" . > "$WORK/build.log" 2>&1 \
    || fail "docker build: $(tail -n 5 "$WORK/build.log")"
build_s=$(( $(date +%s) - t0 ))
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]; then
    docker rmi "$previous" > /dev/null 2>&1 || true  # the last run's image, now untagged: its own layers go
fi
size_mb=$(( $(docker image inspect -f '{{.Size}}' "$IMAGE") / 1000000 ))
base_mb=$(( $(docker image inspect -f '{{.Size}}' "$BASE") / 1000000 ))
say "built $IMAGE in ${build_s} s: ${size_mb} MB (stand-in base ${base_mb} MB)"

# --- 5. the demo inside the container ---------------------------------------------------------------------------------
data="$WORK/data" store="$WORK/mlflow" local_conf="$WORK/conf-local"
rm -rf "$data" "$store" "$local_conf"
find data -name .gitkeep -printf '%h\n' | while read -r dir; do mkdir -p "$WORK/$dir"; done
mkdir -p "$data" "$store/mlruns" "$local_conf"
if [ "$(id -u)" = 0 ]; then chown -R "$RUN_UID:$RUN_GID" "$data" "$store" "$local_conf"; fi
in_image() {
    docker run --rm --network none --label "$LABEL" --shm-size 1g -e COLUMNS=160 \
        -v "$data:/app/data" -v "$store:/app/mlflow" -v "$local_conf:/app/conf/local" "$IMAGE" "$@"
}
user=$(in_image id -u)
[ "$user" = "$RUN_UID" ] && [ "$user" != 0 ] || fail "the container runs as uid $user, not the image's user $RUN_UID"
for command in "kedro run --pipelines=demo_sample" \
               "kedro run --pipeline=finetune --env=tiny --params person_id=demo" \
               "kedro run --pipelines=generate --env=tiny --params person_id=demo,audio=demo"; do
    t0=$(date +%s)
    name=$(echo "$command" | awk '{print $3}' | cut -d= -f2)
    # shellcheck disable=SC2086  # the command is split into its words on purpose
    in_image $command > "$WORK/run-$name.log" 2>&1 || fail "$command: $(tail -n 5 "$WORK/run-$name.log")"
    say "$command (uid $user, no network): $(( $(date +%s) - t0 )) s"
done

# --- 6. results on the host -------------------------------------------------------------------------------------------
video="$data/07_model_output/demo/generated/demo/videos/video.mp4"
[ -s "$video" ] || fail "no video at $video"
[ "$(head -c 8 "$video" | tail -c 4)" = ftyp ] || fail "$video is not an MP4 file (no ftyp box)"
streams=$(docker run --rm --network none --label "$LABEL" -v "$video:/tmp/video.mp4:ro" "$IMAGE" \
    bash -c '"$(python -c "import imageio_ffmpeg; print(imageio_ffmpeg.get_ffmpeg_exe())")" -hide_banner -i /tmp/video.mp4 2>&1 | grep -E "Stream|Duration" || true')
grep -q "Video: h264" <<< "$streams" && grep -q "Audio: aac" <<< "$streams" \
    || fail "$video is not H.264 + AAC: $streams"
say "video on the host: $video ($(( $(stat -c %s "$video") / 1000 )) kB, $(grep -o 'Duration: [^,]*' <<< "$streams"))"
python3 - "$store" "$video" <<'PY' || fail "MLflow store check"
"""The MLflow runs the container logged, read on the host from the mounted store (mlflow.db and mlruns/): one finished
run per kedro run, person_id=demo, the finetune run's contact sheets and the generate run's video.mp4 (the same bytes as
the catalog's output) as artifact files."""
import sqlite3
import sys
from pathlib import Path

store, video = Path(sys.argv[1]), Path(sys.argv[2])
db = sqlite3.connect(f"file:{store / 'mlflow.db'}?mode=ro", uri=True)
for pipeline, needed in (("demo_sample", None), ("finetune", "preprocessing/preprocessing_contact_sheet.png"),
                         ("generate", "generate/demo/video.mp4")):
    runs = db.execute("SELECT r.run_uuid, r.status, r.artifact_uri FROM runs r "
                      "JOIN tags t ON t.run_uuid = r.run_uuid AND t.key = 'pipeline' AND t.value = ? "
                      "JOIN params p ON p.run_uuid = r.run_uuid AND p.key = 'person_id' AND p.value = 'demo' "
                      "ORDER BY r.start_time DESC", (pipeline,)).fetchall()
    if not runs or runs[0][1] != "FINISHED":
        sys.exit(f"{store / 'mlflow.db'}: no finished {pipeline} run with person_id=demo ({runs[:1]})")
    run_id, _, uri = runs[0]
    local = store / "mlruns" / uri.split("/mlruns/", 1)[-1]  # the container's /app/mlruns is the store's mlruns/
    files = sorted(f for f in local.rglob("*") if f.is_file())
    if needed and not (local / needed).is_file():
        sys.exit(f"{pipeline} run {run_id}: no {needed} under {local} (artifact_uri {uri})")
    if pipeline == "generate" and (local / needed).read_bytes() != video.read_bytes():
        sys.exit(f"{pipeline} run {run_id}: {local / needed} differs from {video}")
    metrics = db.execute("SELECT COUNT(DISTINCT key) FROM latest_metrics WHERE run_uuid = ?", (run_id,)).fetchone()[0]
    print(f"docker-verify: MLflow {pipeline} run {run_id}: FINISHED, person_id=demo, {metrics} metrics, "
          f"{len(files)} artifact files on the host" + (f" (e.g. {local / needed})" if needed else ""))
PY
# --- 7. compose: docker-compose 1.29 reads the file; the MLflow and Kedro-Viz services answer on 127.0.0.1 only -------
if command -v docker-compose > /dev/null; then
    docker-compose -f docker/compose.yaml --profile postgres config -q \
        || fail "docker-compose $(docker-compose version --short) rejects docker/compose.yaml"
    free_port() { python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
    PHADTF_IMAGE=$IMAGE PHADTF_MLFLOW_PORT=$(free_port) PHADTF_VIZ_PORT=$(free_port)
    export PHADTF_IMAGE PHADTF_MLFLOW_PORT PHADTF_VIZ_PORT
    COMPOSE_PROJECT="phadtf_verify_$$"
    docker-compose -p "$COMPOSE_PROJECT" -f docker/compose.yaml up -d --no-build mlflow viz > "$WORK/compose.log" 2>&1 \
        || fail "docker-compose up mlflow viz: $(tail -n 3 "$WORK/compose.log")"
    for service in mlflow:5000:$PHADTF_MLFLOW_PORT viz:4141:$PHADTF_VIZ_PORT; do
        IFS=: read -r name inner port <<< "$service"
        # every host binding of the container's port, one a line: exactly one, on the loopback address
        bound=$(docker port "$(docker-compose -p "$COMPOSE_PROJECT" -f docker/compose.yaml ps -q "$name")" "$inner")
        [ "$bound" = "127.0.0.1:$port" ] || fail "$name is published on $(echo $bound), not only on 127.0.0.1:$port"
        python3 - "$port" <<'PY' || fail "$name: no HTTP 200 on 127.0.0.1:$port within 180 s (docker logs)"
import sys, time, urllib.request
deadline = time.monotonic() + 180
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=5) as answer:
            sys.exit(0 if answer.status == 200 else 1)
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(2)
PY
        say "compose service $name answers HTTP 200 on $bound (published on 127.0.0.1 only)"
    done
    compose_down
    say "docker/compose.yaml parses with docker-compose $(docker-compose version --short)"
else
    say "docker-compose not installed: compose.yaml not tried (apt-get install docker-compose)"
fi
say "PASSED in $(( $(date +%s) - start_all )) s (outputs kept in $WORK)"
