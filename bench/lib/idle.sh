# Connection scaling: the memory of a front holding N idle keep-alive connections, and whether they still answer.
# Sourced by bench/run.

# Apache prefork holds a connection with a whole process; past this many it is not tried (it would need that many
# processes: about 4 MB each, so 10,000 would not fit in most machines' memory).
PREFORK_MAX_CONNECTIONS=${PREFORK_MAX_CONNECTIONS:-2000}

# Keep-alive timeout of every server in this test (seconds): the connections opened first must still be open when
# the last is (Apache prefork starts at most 32 processes a second), after the memory reading and through the check.
IDLE_KEEPALIVE=${IDLE_KEEPALIVE:-300}

# Seconds of keep-alive requests (wrk -c8 on the 1 KiB file) before the at-rest reading, so that what warms up once
# whatever the number of connections (a JIT's compiled code, a garbage-collected heap's young generation, worker
# processes or threads started for a few connections) is in the at-rest figure, not charged to the held connections.
IDLE_WARMUP=${IDLE_WARMUP:-5}

# write_idle FILE STACK N HELD ANSWERED CLOSED NOTE — with MEM_BEFORE_* and MEM_* from tree_mem, PEAK_RSS.
write_idle() {
    {
        echo "stack=$2"
        echo "connections=$3"
        echo "held=$4"
        echo "answered=$5"
        echo "closed_by_server=$6"
        echo "rss_kb_before=${BEFORE_RSS:-0}"
        echo "pss_kb_before=${BEFORE_PSS:-0}"
        echo "private_kb_before=${BEFORE_PRIVATE:-0}"
        echo "rss_kb=${MEM_RSS:-0}"
        echo "pss_kb=${MEM_PSS:-0}"
        echo "private_kb=${MEM_PRIVATE:-0}"
        echo "peak_rss_kb=${PEAK_RSS:-0}"
        echo "processes=${MEM_PROCESSES:-0}"
        echo "note=$7"
    } >"$1"
}

# run_idle STACK N
run_idle() {
    local stack=$1 n=$2 dir file line="" held=0 answered=0 closed=0 note=""
    dir=$WORK/idle/$stack-$n
    file=$OUT/raw/idle/$stack-$n.idle
    mkdir -p "$OUT/raw/idle"
    BEFORE_RSS=0 BEFORE_PSS=0 BEFORE_PRIVATE=0 MEM_RSS=0 MEM_PSS=0 MEM_PRIVATE=0 MEM_PROCESSES=0 PEAK_RSS=0
    if [ "$stack" = apache-prefork ] && [ "$n" -gt "$PREFORK_MAX_CONNECTIONS" ]; then
        say "idle: $stack with $n connections: not run (more than PREFORK_MAX_CONNECTIONS=$PREFORK_MAX_CONNECTIONS processes)"
        write_idle "$file" "$stack" "$n" 0 0 0 "not run: one process per connection (PREFORK_MAX_CONNECTIONS=$PREFORK_MAX_CONNECTIONS)"
        return 0
    fi
    if [ "$n" -gt $((NOFILE - 200)) ]; then
        write_idle "$file" "$stack" "$n" 0 0 0 "not run: ulimit -n is $NOFILE"
        return 0
    fi
    say "idle: $stack holding $n keep-alive connections"
    if ! start_stack "$stack" "$dir" "$n"; then
        say "idle: $stack did not start; trying once more" # e.g. a port taken between the check and the bind
        stack_logs "$dir" >&2
        stop_stack
        dir=$dir-retry
        start_stack "$stack" "$dir" "$n" || line="did not start (twice)"
    fi
    if [ -n "$line" ] || ! line=$(http_size "http://127.0.0.1:$STACK_PORT/1k.html" 1024); then
        say "idle: $stack failed: $line"
        stack_logs "$dir" >&2
        stop_stack
        write_idle "$file" "$stack" "$n" 0 0 0 "failed: ${line//|//}"
        return 0
    fi
    wrk -t1 -c8 -d"${IDLE_WARMUP}s" --timeout 10s "http://127.0.0.1:$STACK_PORT/1k.html" >"$dir/idle-warmup.wrk" 2>&1 \
        || say "idle: the warm-up load failed: $(tail -n 3 "$dir/idle-warmup.wrk" | tr '\n' ' ')"
    sleep 2
    tree_mem "${STACK_PIDS[@]}"
    BEFORE_RSS=$MEM_RSS BEFORE_PSS=$MEM_PSS BEFORE_PRIVATE=$MEM_PRIVATE
    coproc IDLER { exec "$JAVA" -cp "$BENCH_JAR" org.fcgate.bench.harness.IdleConnections --port "$STACK_PORT" \
        --path /1k.html --connections "$n" --timeout "${IDLE_TIMEOUT}s" 2>"$dir/idle-client.err"; }
    local idler=$IDLER_PID out=${IDLER[0]} in=${IDLER[1]}
    track "$idler"
    if read -r -t $((IDLE_TIMEOUT + 60)) line <&"$out"; then
        say "  $line"
        held=$(echo "$line" | awk '/^held/ {print $2}')
        note=$(echo "$line" | sed -n 's/.*failed [0-9]*: //p' | head -c 120 | tr '|' '/')
        sleep 2 # let the server settle (threads parked, buffers returned) before reading its memory
        tree_mem "${STACK_PIDS[@]}"
        echo check >&"$in"
        if read -r -t $((IDLE_TIMEOUT + 60)) line <&"$out"; then
            say "  $line"
            answered=$(echo "$line" | awk '{print $2}')
            closed=$(echo "$line" | sed -n 's/.*closed-by-server \([0-9]*\).*/\1/p')
        else
            note="no answer to check"
        fi
        tree_peak_rss "${STACK_PIDS[@]}" # VmHWM since start: warm-up, opening, holding and the check
        echo quit >&"$in" || true
        read -r -t 30 line <&"$out" || true
    else
        note="IdleConnections said nothing: $(head -c 200 "$dir/idle-client.err" | tr '\n|' '  ')"
    fi
    stop_pid "$idler" TERM 10
    stop_stack
    write_idle "$file" "$stack" "$n" "${held:-0}" "${answered:-0}" "${closed:-0}" "$note"
    say "  memory: $((MEM_RSS / 1024)) MB RSS, $((MEM_PSS / 1024)) MB PSS in $MEM_PROCESSES processes (at rest: $((BEFORE_PSS / 1024)) MB PSS; peak RSS $((PEAK_RSS / 1024)) MB); $(((MEM_PRIVATE - BEFORE_PRIVATE) * 1024 / (held > 0 ? held : 1))) bytes private per connection"
}
