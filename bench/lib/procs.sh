# Processes: starting them, accounting for them from /proc, stopping them by PID.
# Sourced by bench/run. Every process the harness starts goes through `spawn` (or is registered with `track`), so
# the EXIT trap can stop exactly those, by PID, and check that none of their descendants is left.

# Every PID we started, and "pid:starttime" of every process we ever saw in one of their trees (so a PID reused by
# the system later is never signalled).
STARTED_PIDS=()
declare -A SEEN=()
SPAWNED=0

CLK_TCK=$(getconf CLK_TCK)

# spawn LOG CMD ARGS... — starts CMD in the background, in a session of its own (setsid), with stdout and stderr in
# LOG; its PID is in $SPAWNED. Its own session: Apache prefork signals its whole process group when it stops, which
# must not be ours; and a Ctrl-C reaches only this script, whose trap stops the servers in order. (setsid execs
# without forking here, since a background job of a script is not a process group leader: the PID stays.)
spawn() {
    local log=$1
    shift
    setsid "$@" >"$log" 2>&1 </dev/null &
    SPAWNED=$!
    track "$SPAWNED"
}

# track PID — a process started some other way (a coprocess) that cleanup must stop too.
track() {
    STARTED_PIDS+=("$1")
    remember "$1"
}

# The fields of /proc/PID/stat after "pid (comm) ", in $STAT (array: [0] state, [1] ppid, [11] utime, [12] stime,
# [13] cutime, [14] cstime, [19] starttime); the comm in $COMM. Returns 1 when the process is gone.
read_stat() {
    local line
    { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
    COMM=${line#*(}
    COMM=${COMM%)*}
    # shellcheck disable=SC2206 # word splitting of numeric fields is intended
    STAT=(${line##*) })
}

remember() {
    read_stat "$1" || return 0
    SEEN[$1]=${STAT[19]}
}

# tree_pids ROOT... — the roots and all their descendants that are alive, in $TREE (array).
tree_pids() {
    local -A kids=()
    local f line pid rest ppid
    for f in /proc/[0-9]*/stat; do
        { read -r line <"$f"; } 2>/dev/null || continue
        pid=${line%% *}
        rest=${line##*) }
        rest=${rest#* }
        ppid=${rest%% *}
        kids[$ppid]+=" $pid"
    done
    TREE=()
    local queue=("$@") p c
    while [ ${#queue[@]} -gt 0 ]; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        [ -e "/proc/$p" ] || continue
        TREE+=("$p")
        for c in ${kids[$p]:-}; do
            queue+=("$c")
        done
    done
    for p in "${TREE[@]}"; do
        [ -n "${SEEN[$p]:-}" ] || remember "$p"
    done
}

# tree_cpu ROOT... — sets CPU_TOTAL and CPU_PHP: CPU ticks (user + system, own + reaped children's) of the whole tree, and of
# its processes whose command starts with "php". A child reaped by a parent inside the tree is counted in the
# parent's cutime/cstime, so the difference of two snapshots is the tree's CPU time in between.
tree_cpu() {
    tree_pids "$@"
    local total=0 php=0 p t
    for p in "${TREE[@]}"; do
        read_stat "$p" || continue
        t=$((STAT[11] + STAT[12] + STAT[13] + STAT[14]))
        total=$((total + t))
        case $COMM in
            php*) php=$((php + t)) ;;
        esac
    done
    CPU_TOTAL=$total
    CPU_PHP=$php
}

# tree_reset_peaks ROOT... — resets each process's peak RSS (VmHWM) to its current RSS (clear_refs 5, Linux 4.0+).
tree_reset_peaks() {
    tree_pids "$@"
    local p
    for p in "${TREE[@]}"; do
        { echo 5 >"/proc/$p/clear_refs"; } 2>/dev/null || true
    done
}

# tree_peak_rss ROOT... — sets PEAK_RSS to the sum of VmHWM (kB) over the tree: each process's peak since the last reset.
tree_peak_rss() {
    tree_pids "$@"
    local sum=0 p key value unit
    for p in "${TREE[@]}"; do
        while read -r key value unit; do
            if [ "$key" = "VmHWM:" ]; then
                sum=$((sum + value))
                break
            fi
        done 2>/dev/null <"/proc/$p/status" || true
    done
    PEAK_RSS=$sum
}

# tree_mem ROOT... — sets MEM_RSS MEM_PSS MEM_PRIVATE (kB) and MEM_PROCESSES summed over the tree from /proc/PID/smaps_rollup;
# PRIVATE is Private_Clean + Private_Dirty.
tree_mem() {
    tree_pids "$@"
    local rss=0 pss=0 priv=0 n=0 p key value unit
    for p in "${TREE[@]}"; do
        [ -r "/proc/$p/smaps_rollup" ] || continue
        n=$((n + 1))
        while read -r key value unit; do
            case $key in
                Rss:) rss=$((rss + value)) ;;
                Pss:) pss=$((pss + value)) ;;
                Private_Clean: | Private_Dirty:) priv=$((priv + value)) ;;
            esac
        done 2>/dev/null <"/proc/$p/smaps_rollup" || true
    done
    MEM_RSS=$rss
    MEM_PSS=$pss
    MEM_PRIVATE=$priv
    MEM_PROCESSES=$n
}

# alive PID — the process exists and is the one we remembered (same start time), not a zombie.
alive() {
    read_stat "$1" || return 1
    [ "${STAT[0]}" != Z ] || return 1
    [ -z "${SEEN[$1]:-}" ] || [ "${SEEN[$1]}" = "${STAT[19]}" ]
}

# stop_pid PID [SIGNAL] [GRACE_SECONDS] — sends SIGNAL (TERM) to PID, waits up to GRACE (10) seconds for it to exit,
# then SIGKILLs it and whatever of its tree is left; reaps it. Only PIDs we started or saw in their trees.
stop_pid() {
    local pid=$1 sig=${2:-TERM} grace=${3:-10} p i
    tree_pids "$pid"
    local tree=("${TREE[@]}")
    if alive "$pid"; then
        kill "-$sig" "$pid" 2>/dev/null || true
        for ((i = 0; i < grace * 10; i++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then
            echo "bench: pid $pid did not stop within ${grace}s after SIG$sig; SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
    # Children that outlived their parent (they should not): give them a moment, then SIGKILL.
    for ((i = 0; i < 30; i++)); do
        local left=0
        for p in "${tree[@]}"; do
            alive "$p" && left=1
        done
        [ "$left" = 0 ] && return 0
        sleep 0.1
    done
    for p in "${tree[@]}"; do
        if alive "$p"; then
            echo "bench: pid $p ($COMM) outlived its parent $pid; SIGKILL" >&2
            kill -KILL "$p" 2>/dev/null || true
        fi
    done
}

# stop_all — the EXIT trap's part: stops every process started, newest first, and reports any survivor.
stop_all() {
    local i p
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        p=${STARTED_PIDS[$i]}
        if alive "$p"; then
            stop_pid "$p" TERM 10
        else
            wait "$p" 2>/dev/null || true
        fi
    done
    local left=()
    for p in "${!SEEN[@]}"; do
        alive "$p" && left+=("$p ($COMM)")
    done
    if [ ${#left[@]} -gt 0 ]; then
        echo "bench: still running after cleanup: ${left[*]}" >&2
        return 1
    fi
    return 0
}
