# Start and stop a Docker engine for docker/verify.sh and .ci/run (source this file; bash only).
# engine_start: if no engine answers, start dockerd as root with no bridge, no NAT, no iptables rules and no forwarding
# (nothing a container does is routed off the machine; builds that need the package registries use --network host),
# and remember its PID. engine_stop: stop that dockerd (and the containerd it started) by PID; an engine that was
# already running is left alone.

PHADTF_DOCKERD_PID=""

engine_start() {  # $1: log file for dockerd
    local log="${1:-/tmp/phadtf-dockerd.log}"
    if docker info > /dev/null 2>&1; then
        echo "docker engine: using the one already running ($(docker version -f '{{.Server.Version}}'))"
        return 0
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "docker engine: none answers on $(docker context inspect -f '{{.Endpoints.docker.Host}}' 2>/dev/null || echo the default socket), and only root can start dockerd" >&2
        return 1
    fi
    if ! command -v dockerd > /dev/null; then
        echo "docker engine: dockerd is not installed (apt-get install docker.io)" >&2
        return 1
    fi
    dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false > "$log" 2>&1 &
    PHADTF_DOCKERD_PID=$!
    echo "docker engine: started dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false (PID $PHADTF_DOCKERD_PID, log $log)"
    local waited
    for waited in $(seq 1 60); do
        if docker info > /dev/null 2>&1; then
            return 0
        fi
        if ! kill -0 "$PHADTF_DOCKERD_PID" 2> /dev/null; then
            PHADTF_DOCKERD_PID=""
            echo "docker engine: dockerd exited during start-up: $(tail -n 1 "$log")" >&2
            return 1
        fi
        sleep 1
    done
    echo "docker engine: dockerd (PID $PHADTF_DOCKERD_PID) did not answer within ${waited} s: $(tail -n 1 "$log")" >&2
    engine_stop
    return 1
}

engine_stop() {
    [ -n "$PHADTF_DOCKERD_PID" ] || return 0
    local pid="$PHADTF_DOCKERD_PID"
    PHADTF_DOCKERD_PID=""
    kill -TERM "$pid" 2> /dev/null || return 0
    local i
    for i in $(seq 1 60); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 1
    done
    if kill -0 "$pid" 2> /dev/null; then
        echo "docker engine: dockerd (PID $pid) still running after 60 s; sending SIGKILL" >&2
        kill -KILL "$pid" 2> /dev/null || true
    fi
    wait "$pid" 2> /dev/null || true
    echo "docker engine: stopped dockerd (PID $pid)"
}
