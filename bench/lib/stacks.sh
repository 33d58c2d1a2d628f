# The stacks under test: their configuration files (written into a directory of the run's temp dir) and how each
# is started. Sourced by bench/run, which sets WORK, WWW, WORKERS, FCGATE_JAR, JAVA, RUN_AS (empty when not root).
#
# start_stack ID DIR CAPACITY sets STACK_PIDS (roots, in start order), STACK_PORT (HTTP) or STACK_FCGI (direct
# FastCGI address). CAPACITY 0 is the load-test sizing (each server's stock settings); CAPACITY N sizes the server to
# hold N idle keep-alive connections (the connection-scaling test).

# id | description | ceiling stack ("-": none) | workloads
STACK_TABLE="
fpm-direct|php-fpm alone, driven over FastCGI by FcgiLoad (one kept connection per worker): the PHP side's ceiling|-|hello sleep post
cgi-direct|php-cgi alone (PHP_FCGI_CHILDREN=N), driven over FastCGI by FcgiLoad: the ceiling of a php-cgi pool|-|hello sleep post
fcgate-cgi|fcgate with its own managed php-cgi pool (static, N children)|cgi-direct|hello sleep post static-1k static-100k
fcgate-cgi-ahead|fcgate-cgi with write_ahead: 50ms (the next request written on a busy child's kept connection)|cgi-direct|hello sleep post
fcgate-fpm|fcgate in front of php-fpm with the defaults (keep_conn off: a connection per request)|fpm-direct|hello sleep post
fcgate-fpm-keep|fcgate in front of php-fpm as recommended (keep_conn on, max_conns_per_server N: a kept connection per worker, requests queued in fcgate)|fpm-direct|hello sleep post
fcgate-fpm-keep-ahead|fcgate-fpm-keep with write_ahead: 50ms (the next request written on a busy worker's kept connection)|fpm-direct|hello sleep post
nginx-fpm|nginx (worker_processes auto) + php-fpm, fastcgi_keep_conn off (a connection per request)|fpm-direct|hello sleep post static-1k static-100k
nginx-fpm-keep|nginx + php-fpm with fastcgi_keep_conn on and an upstream keepalive cache of N|fpm-direct|hello sleep post
apache-event-fpm|Apache 2.4 event MPM + mod_proxy_fcgi + php-fpm|fpm-direct|hello sleep post static-1k static-100k
apache-fcgid|Apache 2.4 event MPM + mod_fcgid + php-cgi (FcgidMaxProcessesPerClass N)|cgi-direct|hello sleep post
apache-worker|Apache 2.4 worker MPM, static files|-|static-1k static-100k
apache-prefork|Apache 2.4 prefork MPM, static files|-|static-1k static-100k
"

# Stacks of the connection-scaling test: the fronts alone (the PHP side is the same N workers for every stack).
IDLE_TABLE="
nginx|nginx (worker_processes auto)
apache-event|Apache 2.4 event MPM
apache-worker|Apache 2.4 worker MPM
apache-prefork|Apache 2.4 prefork MPM
fcgate|fcgate
"

stack_field() { # ID FIELD(2..4)
    local line
    line=$(printf '%s\n' "$STACK_TABLE" | grep "^$1|") || die "unknown stack '$1'"
    printf '%s\n' "$line" | cut -d'|' -f"$2"
}

all_stacks() {
    printf '%s\n' "$STACK_TABLE" | grep -v '^$' | cut -d'|' -f1 | tr '\n' ' '
}

all_idle_stacks() {
    printf '%s\n' "$IDLE_TABLE" | grep -v '^$' | cut -d'|' -f1 | tr '\n' ' '
}

idle_description() {
    printf '%s\n' "$IDLE_TABLE" | grep "^$1|" | cut -d'|' -f2
}

start_stack() {
    local id=$1 dir=$2 capacity=$3
    STACK_PIDS=()
    STACK_PORT=
    STACK_FCGI=
    mkdir -p "$dir"
    case $id in
        fpm-direct) start_php_fpm "$dir" && STACK_FCGI=unix:$FPM_SOCK ;;
        cgi-direct) start_php_cgi "$dir" && STACK_FCGI=unix:$CGI_SOCK ;;
        fcgate-cgi) start_fcgate "$dir" cgi "$capacity" ;;
        fcgate-cgi-ahead) start_fcgate "$dir" cgi-ahead "$capacity" ;;
        fcgate-fpm) start_php_fpm "$dir" && start_fcgate "$dir" fpm "$capacity" ;;
        fcgate-fpm-keep) start_php_fpm "$dir" && start_fcgate "$dir" fpm-keep "$capacity" ;;
        fcgate-fpm-keep-ahead) start_php_fpm "$dir" && start_fcgate "$dir" fpm-keep-ahead "$capacity" ;;
        nginx-fpm) start_php_fpm "$dir" && start_nginx "$dir" fpm "$capacity" ;;
        nginx-fpm-keep) start_php_fpm "$dir" && start_nginx "$dir" fpm-keep "$capacity" ;;
        apache-event-fpm) start_php_fpm "$dir" && start_apache "$dir" event fpm "$capacity" ;;
        apache-fcgid) start_apache "$dir" event fcgid "$capacity" ;;
        apache-worker) start_apache "$dir" worker none "$capacity" ;;
        apache-prefork) start_apache "$dir" prefork none "$capacity" ;;
        # connection scaling
        nginx) start_nginx "$dir" static "$capacity" ;;
        apache-event) start_apache "$dir" event none "$capacity" ;;
        fcgate) start_fcgate "$dir" none "$capacity" ;;
        *) die "unknown stack '$id'" ;;
    esac
}

# stop_stack — the fronts first (newest first), then the PHP side.
stop_stack() {
    local i
    for ((i = ${#STACK_PIDS[@]} - 1; i >= 0; i--)); do
        stop_pid "${STACK_PIDS[$i]}" TERM 15
    done
    STACK_PIDS=()
}

# A directory the PHP workers (www-data when we are root) may create sockets in.
worker_dir() {
    mkdir -p "$1"
    if [ -n "$RUN_AS" ]; then
        chown "$RUN_AS:$RUN_AS" "$1"
    fi
}

# --- php-fpm: a static pool of N workers on a Unix socket; Debian's php.ini (OPcache on), no access log.
start_php_fpm() {
    local dir=$1/php-fpm
    worker_dir "$dir"
    FPM_SOCK=$dir/php-fpm.sock
    local user_lines=""
    if [ -n "$RUN_AS" ]; then
        user_lines="user = $RUN_AS
group = $RUN_AS
listen.owner = $RUN_AS
listen.group = $RUN_AS"
    fi
    cat >"$dir/php-fpm.conf" <<EOF
[global]
pid = $dir/php-fpm.pid
error_log = $dir/php-fpm.log
log_level = notice
daemonize = no

[www]
$user_lines
listen = $FPM_SOCK
listen.mode = 0660
; the kernel's somaxconn caps it; php-fpm's own default is 511
listen.backlog = 511
pm = static
pm.max_children = $WORKERS
pm.max_requests = 0
catch_workers_output = no
EOF
    spawn "$dir/stderr.log" php-fpm8.2 -F -y "$dir/php-fpm.conf"
    STACK_PIDS+=("$SPAWNED")
    wait_socket "$FPM_SOCK" "$SPAWNED"
}

# --- php-cgi alone: its own master forks N children on one socket (PHP_FCGI_CHILDREN), as www-data when root.
start_php_cgi() {
    local dir=$1/php-cgi
    worker_dir "$dir"
    CGI_SOCK=$dir/php-cgi.sock
    local as=()
    if [ -n "$RUN_AS" ]; then
        as=(setpriv "--reuid=$RUN_AS" "--regid=$RUN_AS" --init-groups --)
    fi
    spawn "$dir/stderr.log" env PHP_FCGI_CHILDREN="$WORKERS" PHP_FCGI_MAX_REQUESTS=0 "${as[@]}" \
        php-cgi8.2 -b "$CGI_SOCK"
    STACK_PIDS+=("$SPAWNED")
    wait_socket "$CGI_SOCK" "$SPAWNED"
}

# --- nginx: MODE fpm (a connection per request), fpm-keep (fastcgi_keep_conn + keepalive N), static (no PHP).
start_nginx() {
    local dir=$1/nginx mode=$2 capacity=$3
    mkdir -p "$dir"
    next_port
    STACK_PORT=$PORT
    local connections=4096 user_line="" upstream="" pass="fastcgi_pass unix:${FPM_SOCK:-};" keepalive=75s
    if [ "$capacity" -gt 0 ]; then
        connections=$((capacity + 1024))
        keepalive=${IDLE_KEEPALIVE}s
    fi
    [ -n "$RUN_AS" ] && user_line="user $RUN_AS;"
    if [ "$mode" = fpm-keep ]; then
        upstream="upstream php { server unix:${FPM_SOCK:-}; keepalive $WORKERS; }"
        pass="fastcgi_pass php; fastcgi_keep_conn on;"
    fi
    local php_location=""
    if [ "$mode" != static ]; then
        php_location="location ~ [^/]\\.php(/|\$) {
            fastcgi_split_path_info ^(.+?\\.php)(/.*)\$;
            try_files \$fastcgi_script_name =404;
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_param PATH_INFO \$fastcgi_path_info;
            fastcgi_param HTTP_PROXY \"\";
            $pass
        }"
    fi
    cat >"$dir/nginx.conf" <<EOF
$user_line
worker_processes auto;
worker_rlimit_nofile $((connections * 2 + 1024));
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections $connections;
}
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout $keepalive;
    client_max_body_size 8m;
    # a 64 KiB form stays in memory, as in fcgate (request_buffer_memory 128 KiB); nginx's default is 16 KiB
    client_body_buffer_size 128k;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    $upstream
    server {
        listen 127.0.0.1:$STACK_PORT;
        server_name localhost;
        root $WWW;
        index index.html index.php;
        $php_location
    }
}
EOF
    spawn "$dir/stderr.log" nginx -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;'
    STACK_PIDS+=("$SPAWNED")
    wait_port "$STACK_PORT" "$SPAWNED"
}

# apache_mpm MPM CAPACITY — the MPM section: Debian's stock sizing for the load test; for CAPACITY idle connections,
# the limits raised so that many fit (processes are still spawned on demand).
apache_mpm() {
    local mpm=$1 capacity=$2 procs
    if [ "$capacity" = 0 ]; then
        case $mpm in
            prefork) echo "StartServers 5
MinSpareServers 5
MaxSpareServers 10
MaxRequestWorkers 150
MaxConnectionsPerChild 0" ;;
            *) echo "StartServers 2
MinSpareThreads 25
MaxSpareThreads 75
ThreadLimit 64
ThreadsPerChild 25
MaxRequestWorkers 150
MaxConnectionsPerChild 0" ;;
        esac
        return
    fi
    case $mpm in
        prefork) echo "StartServers 5
MinSpareServers 5
MaxSpareServers 10
ServerLimit $((capacity + 50))
MaxRequestWorkers $((capacity + 50))
MaxConnectionsPerChild 0" ;;
        worker)
            procs=$(((capacity + 50 + 24) / 25))
            echo "StartServers 2
MinSpareThreads 25
MaxSpareThreads 75
ThreadLimit 64
ThreadsPerChild 25
ServerLimit $procs
MaxRequestWorkers $((procs * 25))
MaxConnectionsPerChild 0" ;;
        event)
            # An event process holds up to ThreadsPerChild + AsyncRequestWorkerFactor x idle threads connections
            # (25 + 2 x 25 = 75 here); a fifth more processes than that, all started, since idle keep-alive
            # connections do not make the MPM start more.
            procs=$(((capacity * 6 / 5 + 74) / 75 + 1))
            echo "StartServers $procs
ServerLimit $procs
MinSpareThreads 25
MaxSpareThreads $((procs * 25))
ThreadLimit 64
ThreadsPerChild 25
AsyncRequestWorkerFactor 2
MaxRequestWorkers $((procs * 25))
MaxConnectionsPerChild 0" ;;
    esac
}

# --- Apache 2.4 from a generated httpd.conf, in the foreground: MPM event|worker|prefork, PHP none|fpm|fcgid.
start_apache() {
    local dir=$1/apache mpm=$2 php=$3 capacity=$4
    mkdir -p "$dir"
    next_port
    STACK_PORT=$PORT
    local modules=/usr/lib/apache2/modules user_lines="" php_conf="" keepalive=60
    [ "$capacity" -gt 0 ] && keepalive=$IDLE_KEEPALIVE
    [ -n "$RUN_AS" ] && user_lines="User $RUN_AS
Group $RUN_AS"
    case $php in
        fpm) php_conf="LoadModule proxy_module $modules/mod_proxy.so
LoadModule proxy_fcgi_module $modules/mod_proxy_fcgi.so
<FilesMatch \".+\\.php\$\">
    <If \"-f %{REQUEST_FILENAME}\">
        SetHandler \"proxy:unix:$FPM_SOCK|fcgi://localhost\"
    </If>
</FilesMatch>" ;;
        fcgid)
            worker_dir "$dir/fcgid"
            php_conf="LoadModule fcgid_module $modules/mod_fcgid.so
FcgidIPCDir $dir/fcgid
FcgidProcessTableFile $dir/fcgid/shm
FcgidMaxProcesses $WORKERS
FcgidMaxProcessesPerClass $WORKERS
FcgidMaxRequestsPerProcess 0
FcgidMaxRequestLen 1048576
FcgidIOTimeout 60
FcgidInitialEnv PHP_FCGI_CHILDREN 0
FcgidInitialEnv PHP_FCGI_MAX_REQUESTS 0
<FilesMatch \".+\\.php\$\">
    SetHandler fcgid-script
    Options +ExecCGI
</FilesMatch>
FcgidWrapper /usr/bin/php-cgi8.2 .php" ;;
    esac
    cat >"$dir/httpd.conf" <<EOF
ServerRoot $dir
ServerName localhost
Listen 127.0.0.1:$STACK_PORT
PidFile $dir/httpd.pid
DefaultRuntimeDir $dir
Mutex file:$dir default
ErrorLog $dir/error.log
LogLevel warn
$user_lines
LoadModule mpm_${mpm}_module $modules/mod_mpm_${mpm}.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule mime_module $modules/mod_mime.so
LoadModule dir_module $modules/mod_dir.so
$(apache_mpm "$mpm" "$capacity")
TypesConfig /etc/mime.types
Timeout 60
KeepAlive On
# nginx's keepalive_requests default; Debian's 100 would close a busy keep-alive connection every 100 requests
MaxKeepAliveRequests 1000
# Debian: 5; 60 as fcgate's default (nginx: 75); longer in the connection-scaling test
KeepAliveTimeout $keepalive
EnableSendfile On
DocumentRoot $WWW
DirectoryIndex index.html index.php
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory $WWW>
    Options FollowSymLinks
    AllowOverride None
    Require all granted
</Directory>
$php_conf
EOF
    spawn "$dir/stderr.log" apache2 -d "$dir" -f "$dir/httpd.conf" -DFOREGROUND
    STACK_PIDS+=("$SPAWNED")
    wait_port "$STACK_PORT" "$SPAWNED"
}

# --- fcgate from a generated YAML file: UPSTREAM cgi (its own php-cgi pool), fpm, fpm-keep, none (static only).
start_fcgate() {
    local dir=$1/fcgate upstream=$2 capacity=$3
    mkdir -p "$dir"
    next_port
    STACK_PORT=$PORT
    local backend="" route="" per_ip=""
    if [ "$capacity" -gt 0 ]; then
        per_ip="max_connections_per_ip: 0
keepalive_timeout: ${IDLE_KEEPALIVE}s"
    fi
    case $upstream in
        cgi | cgi-ahead)
            local user_lines=""
            [ -n "$RUN_AS" ] && user_lines="    user: $RUN_AS
    group: $RUN_AS"
            [ "$upstream" = cgi-ahead ] && user_lines="$user_lines
    write_ahead: 50ms"
            backend="pools:
  php:
    command: [/usr/bin/php-cgi8.2]
    pm: static
    max_children: $WORKERS
    start_servers: $WORKERS
    min_spare_servers: 1
    max_spare_servers: $WORKERS
    max_requests: 0
$user_lines
    env: {PHP_FCGI_CHILDREN: 0, PHP_FCGI_MAX_REQUESTS: 0}" ;;
        fpm | fpm-keep | fpm-keep-ahead)
            local keep=off conns=32 ahead=off
            if [ "$upstream" != fpm ]; then
                keep=on
                conns=$WORKERS
            fi
            [ "$upstream" = fpm-keep-ahead ] && ahead=50ms
            backend="fastcgi_servers:
  php:
    addresses: [\"unix:$FPM_SOCK\"]
    keep_conn: $keep
    max_conns_per_server: $conns
    write_ahead: $ahead" ;;
    esac
    if [ "$upstream" != none ]; then
        route="  - match: {extension: [.php]}
    fastcgi: {upstream: php}"
    fi
    cat >"$dir/fcgate.yaml" <<EOF
listen: 127.0.0.1:$STACK_PORT
root: $WWW
index: [index.html, index.php]
access_log: {path: "off"}
$per_ip
$backend
routes:
$route
  - match: {prefix: /}
    static: {}
EOF
    # shellcheck disable=SC2086 # FCGATE_JAVA_OPTS is a list of JVM options
    spawn "$dir/stderr.log" "$JAVA" ${FCGATE_JAVA_OPTS:-} -jar "$FCGATE_JAR" run --config "$dir/fcgate.yaml"
    STACK_PIDS+=("$SPAWNED")
    wait_port "$STACK_PORT" "$SPAWNED"
}

# stack_logs DIR — the last lines of every log of a stack, for a failure report.
stack_logs() {
    local f
    for f in "$1"/*/*.log; do
        [ -s "$f" ] || continue
        echo "--- $f"
        tail -n 15 "$f"
    done
}
