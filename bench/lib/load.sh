# Load runs: warm-up, then one measured run with the server's CPU time and peak RSS around it. Sourced by
# bench/run, which sets OUT, WORK, WWW, THREADS, CONNECTIONS, WARMUP, DURATION, WORKERS, JAVA, BENCH_JAR.

# workload_path WORKLOAD — the URL path a workload requests.
workload_path() {
    case $1 in
        hello) echo /hello.php ;;
        sleep) echo /sleep.php ;;
        post) echo /echo.php ;;
        static-1k) echo /1k.html ;;
        static-100k) echo /100k.html ;;
        *) die "unknown workload '$1'" ;;
    esac
}

workload_description() {
    case $1 in
        hello) echo "hello.php (echo of one line)" ;;
        sleep) echo "sleep.php (usleep 10 ms: a slow legacy handler; the worker limit is N / 10 ms)" ;;
        post) echo "POST of a 64 KiB urlencoded form to echo.php, which echoes it" ;;
        static-1k) echo "static file, 1 KiB" ;;
        static-100k) echo "static file, 100 KiB" ;;
    esac
}

workload_kind() {
    case $1 in
        static-*) echo static ;;
        *) echo php ;;
    esac
}

# check_stack ID WORKLOADS... — before measuring, each workload answers as it should (and PHP runs with OPcache);
# prints the reason and fails otherwise.
check_stack() {
    local id=$1 w url
    shift
    [ -n "$STACK_PORT" ] || return 0 # direct FastCGI stacks: FcgiLoad counts bad answers as errors
    url=http://127.0.0.1:$STACK_PORT
    for w in "$@"; do
        case $w in
            hello) http_check "$url/hello.php" "Hello, World!" || return 1 ;;
            sleep) http_check "$url/sleep.php" "slept" || return 1 ;;
            post) http_size "$url/echo.php" "$FORM_BYTES" --data-binary "@$WORK/form.txt" \
                -H 'Content-Type: application/x-www-form-urlencoded' || return 1 ;;
            static-1k) http_size "$url/1k.html" 1024 || return 1 ;;
            static-100k) http_size "$url/100k.html" 102400 || return 1 ;;
        esac
    done
    case " $* " in
        *" hello "* | *" sleep "* | *" post "*) http_check "$url/opcache.php" "opcache=on" || return 1 ;;
    esac
}

# write_server FILE CPU0 PHP0 CPU1 PHP1 CONNECTIONS — the server side of one run (RunData.Server).
write_server() {
    local file=$1
    tree_peak_rss "${STACK_PIDS[@]}"
    {
        echo "cpu_ticks=$(($4 - $2))"
        echo "php_cpu_ticks=$(($5 - $3))"
        echo "clk_tck=$CLK_TCK"
        echo "peak_rss_kb=$PEAK_RSS"
        echo "connections=$6"
        echo "processes=${#TREE[@]}"
    } >"$file"
}

# measure_http STACK WORKLOAD BASE — wrk warm-up, then wrk --latency; BASE is e.g. OUT/raw/round-1/STACK/WORKLOAD.
measure_http() {
    local stack=$1 workload=$2 base=$3 url args=() cpu0 php0 cpu1 php1
    url=http://127.0.0.1:$STACK_PORT$(workload_path "$workload")
    args=(-t "$THREADS" -c "$CONNECTIONS" --timeout "$WRK_TIMEOUT" --latency)
    [ "$workload" = post ] && args+=(-s "$WORK/post.lua")
    wrk "${args[@]}" -d "${WARMUP}s" "$url" >"$base.warmup" 2>&1 || true
    # What the warm-up's end leaves behind (requests cut off by wrk's exit, a child replaced after them) settles
    # before the measured run, for every stack alike.
    sleep 1
    tree_reset_peaks "${STACK_PIDS[@]}"
    tree_cpu "${STACK_PIDS[@]}"
    cpu0=$CPU_TOTAL php0=$CPU_PHP
    if ! wrk "${args[@]}" -d "${DURATION}s" "$url" >"$base.wrk" 2>"$base.wrk.err"; then
        echo "wrk failed: $(head -c 500 "$base.wrk.err")" >"$base.failed"
        mv "$base.wrk" "$base.wrk.bad"
        return 0
    fi
    tree_cpu "${STACK_PIDS[@]}"
    cpu1=$CPU_TOTAL php1=$CPU_PHP
    write_server "$base.server" "$cpu0" "$php0" "$cpu1" "$php1" "$CONNECTIONS"
    rm -f "$base.warmup" "$base.wrk.err"
}

# measure_fcgi STACK WORKLOAD BASE — FcgiLoad with N kept connections straight to the FastCGI socket: it warms up,
# says "warm", and measures once told "go", so the CPU snapshots frame the measured part only.
measure_fcgi() {
    local stack=$1 workload=$2 base=$3 script args=() cpu0 php0 cpu1 php1 line
    script=$(workload_path "$workload")
    args=(--address "$STACK_FCGI" --document-root "$WWW" --script "$script" --connections "$WORKERS"
        --warmup "${WARMUP}s" --duration "${DURATION}s" --wait-for-go --out "$base.load")
    [ "$workload" = post ] && args+=(--body-file "$WORK/form.txt")
    coproc LOADER { exec "$JAVA" -cp "$BENCH_JAR" org.fcgate.bench.harness.FcgiLoad "${args[@]}" 2>"$base.load.err"; }
    local loader_pid=$LOADER_PID
    track "$loader_pid"
    local out=${LOADER[0]} in=${LOADER[1]}
    if ! read -r -t "$((WARMUP + 60))" line <&"$out" || [ "$line" != warm ]; then
        echo "FcgiLoad did not warm up: $(head -c 500 "$base.load.err")" >"$base.failed"
        stop_pid "$loader_pid" TERM 5
        return 0
    fi
    tree_reset_peaks "${STACK_PIDS[@]}"
    tree_cpu "${STACK_PIDS[@]}"
    cpu0=$CPU_TOTAL php0=$CPU_PHP
    echo go >&"$in"
    wait "$loader_pid" || {
        echo "FcgiLoad failed: $(head -c 500 "$base.load.err")" >"$base.failed"
        return 0
    }
    tree_cpu "${STACK_PIDS[@]}"
    cpu1=$CPU_TOTAL php1=$CPU_PHP
    write_server "$base.server" "$cpu0" "$php0" "$cpu1" "$php1" "$WORKERS"
}

# warm_stack WORKLOADS... — a freshly started HTTP stack gets STACK_WARMUP seconds of load spread over its
# workloads before the first of them is warmed up and measured: a JVM compiles its hot paths in the first seconds,
# and measuring a round's first workload against a cold JIT would measure the start-up, not the server. Every HTTP
# stack gets the same. (The *-direct stacks are PHP alone; FcgiLoad warms itself up.)
warm_stack() {
    [ -n "$STACK_PORT" ] && [ "$STACK_WARMUP" -gt 0 ] || return 0
    local each=$(((STACK_WARMUP + $# - 1) / $#)) w args
    for w in "$@"; do
        args=(-t "$THREADS" -c "$CONNECTIONS" --timeout "$WRK_TIMEOUT" -d "${each}s")
        [ "$w" = post ] && args+=(-s "$WORK/post.lua")
        wrk "${args[@]}" "http://127.0.0.1:$STACK_PORT$(workload_path "$w")" >/dev/null 2>&1 || true
    done
}

# run_stack ROUND STACK — starts the stack, checks it, measures each of its workloads, stops it.
run_stack() {
    local round=$1 stack=$2 workloads dir out w why=""
    read -r -a workloads <<<"$(stack_field "$stack" 4)"
    local selected=()
    for w in "${workloads[@]}"; do
        case " $WORKLOADS " in *" $w "*) selected+=("$w") ;; esac
    done
    [ ${#selected[@]} -gt 0 ] || return 0
    dir=$WORK/round-$round/$stack
    out=$OUT/raw/round-$round/$stack
    mkdir -p "$out"
    say "round $round: $stack (${selected[*]})"
    if ! start_stack "$stack" "$dir" 0; then
        # once more, in a fresh directory and on other ports (a port can be taken between the check and the bind)
        say "round $round: $stack did not start; trying once more"
        stack_logs "$dir" >&2
        stop_stack
        dir=$dir-retry
        start_stack "$stack" "$dir" 0 || why="the stack did not start (twice)"
    fi
    if [ -n "${why:-}" ] || ! why=$(check_stack "$stack" "${selected[@]}"); then
        say "round $round: $stack failed: $why"
        stack_logs "$dir" >&2
        for w in "${selected[@]}"; do
            printf '%s\n' "$why" >"$out/$w.failed"
        done
        stop_stack
        return 0
    fi
    warm_stack "${selected[@]}"
    for w in "${selected[@]}"; do
        if [ -n "$STACK_FCGI" ]; then
            measure_fcgi "$stack" "$w" "$out/$w"
        else
            measure_http "$stack" "$w" "$out/$w"
        fi
        if [ -f "$out/$w.failed" ]; then
            say "  $w: FAILED: $(cat "$out/$w.failed")"
        else
            say "  $w: $(summary_line "$out/$w")"
        fi
    done
    stop_stack
    cp -r "$dir" "$out/config"
    find "$out/config" \( -type s -o -name '*.pid' -o -name 'shm*' \) -delete 2>/dev/null || true
}

# summary_line BASE — "12 203 req/s, p99 4.40ms, 0 errors" from a .wrk or .load file, for the console.
summary_line() {
    local base=$1
    if [ -f "$base.wrk" ]; then
        local rps p99 errors
        rps=$(awk '/^Requests\/sec:/ {print $2}' "$base.wrk")
        p99=$(awk '$1 == "99%" {print $2}' "$base.wrk")
        errors=$(awk '/Non-2xx|Socket errors/' "$base.wrk" | tr '\n' ' ')
        echo "$rps req/s, p99 $p99${errors:+, $errors}"
    elif [ -f "$base.load" ]; then
        awk -F= '/^requests_per_second=/ {r=$2} /^p99_us=/ {p=$2} /^errors=/ {e=$2}
            END {printf "%.0f req/s, p99 %.2fms, %d errors\n", r, p / 1000, e}' "$base.load"
    fi
}
