# Helpers shared by bench/run's parts: messages, ports, readiness, HTTP checks. Sourced.

say() {
    printf 'bench: %s\n' "$*" >&2
}

die() {
    printf 'bench: error: %s\n' "$*" >&2
    exit 1
}

# port_in_use PORT — something accepts on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# next_port — sets $PORT to a loopback port nobody listens on, from $PORT_BASE (a random port in 20000..29999 when
# unset) upwards, below 32768: Linux hands out ephemeral ports (net.ipv4.ip_local_port_range) from 32768, and a port
# some client connection uses locally cannot be bound. Not in a subshell: it remembers where it stopped.
NEXT_PORT=${PORT_BASE:-0}
next_port() {
    if [ "$NEXT_PORT" = 0 ]; then
        NEXT_PORT=$((20000 + RANDOM % 10000))
    fi
    local tries=0
    while [ "$NEXT_PORT" -ge 32768 ] || port_in_use "$NEXT_PORT"; do
        NEXT_PORT=$((NEXT_PORT >= 32768 ? 20000 : NEXT_PORT + 1))
        tries=$((tries + 1))
        [ $tries -lt 500 ] || die "no free loopback port found below 32768"
    done
    PORT=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
}

# wait_until SECONDS DESCRIPTION CMD... — polls CMD every 0.1 s until it succeeds; fails after SECONDS.
wait_until() {
    local limit=$1 what=$2 i
    shift 2
    for ((i = 0; i < limit * 10; i++)); do
        if "$@"; then
            return 0
        fi
        sleep 0.1
    done
    say "$what: not ready after ${limit}s"
    return 1
}

# wait_port PORT PID — until 127.0.0.1:PORT accepts, as long as PID lives (30 s at most).
wait_port() {
    local port=$1 pid=$2 i
    for ((i = 0; i < 300; i++)); do
        port_in_use "$port" && return 0
        alive "$pid" || { say "pid $pid exited before listening on port $port"; return 1; }
        sleep 0.1
    done
    say "nothing listens on port $port after 30s"
    return 1
}

# wait_socket PATH PID — until the Unix socket PATH exists, as long as PID lives (30 s at most).
wait_socket() {
    local path=$1 pid=$2 i
    for ((i = 0; i < 300; i++)); do
        [ -S "$path" ] && return 0
        alive "$pid" || { say "pid $pid exited before creating $path"; return 1; }
        sleep 0.1
    done
    say "no socket $path after 30s"
    return 1
}

# http_check URL EXPECT [CURL ARGS...] — the response is 200 and its body contains EXPECT; else the reason on stdout.
http_check() {
    local url=$1 expect=$2 body code
    shift 2
    body=$(curl -sS --max-time 10 -o - -w '\n%{http_code}' "$@" "$url" 2>&1) || {
        echo "curl $url failed: $body"
        return 1
    }
    code=${body##*$'\n'}
    body=${body%$'\n'*}
    if [ "$code" != 200 ]; then
        echo "GET $url: status $code: $(printf '%s' "$body" | head -c 300)"
        return 1
    fi
    case $body in
        *"$expect"*) return 0 ;;
    esac
    echo "GET $url: 200 but the body lacks '$expect': $(printf '%s' "$body" | head -c 300)"
    return 1
}

# http_size URL SIZE [CURL ARGS...] — the response is 200 with exactly SIZE body bytes.
http_size() {
    local url=$1 size=$2 got
    shift 2
    got=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{size_download}' "$@" "$url" 2>&1) || {
        echo "curl $url failed: $got"
        return 1
    }
    if [ "$got" != "200 $size" ]; then
        echo "$url: expected '200 $size' (status, body bytes), got '$got'"
        return 1
    fi
}

# Output of `nproc`, the CPU model and the memory, for meta.txt.
machine_line() {
    local model mem
    model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    mem=$(awk '/^MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
    echo "$(nproc) CPUs ($model), $mem RAM, $(uname -sr)"
}
