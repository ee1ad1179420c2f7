#!/usr/bin/env bash
# Renders the gateway's nginx.conf from THE route map, deploy/gateway/routes.txt.
#   scripts/gateway.sh render local|compose|kubernetes   nginx.conf on stdout
#   scripts/gateway.sh configmap                         Kubernetes ConfigMap holding the kubernetes render
# Styles differ only where the environments do:
#   local       upstreams 127.0.0.1:<port>, listens 127.0.0.1:8080, pid/logs/temp under $GATEWAY_DIR
#               (default .data/gateway); run unprivileged by scripts/run.sh. With REPLICAS=N (1-9)
#               each upstream lists <port> + 100·k for k < N, and 127.0.0.1:<port + 1000> is each
#               service's peer address, spread over its replicas (README "Replicas")
#   compose     upstreams <service>:<port> (DNS), listens :8080, logs to stdout/stderr, temp in /tmp
#   kubernetes  as compose, and trusts X-Forwarded-For/-Proto from private addresses (the Ingress
#               controller) so services still see the real client
# The committed renders (deploy/gateway/nginx.compose.conf, deploy/kubernetes/generated/) are written
# by scripts/render-deploy.sh, which CI runs with --check.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ROUTES="$REPO_ROOT/deploy/gateway/routes.txt"
GATEWAY_DIR=${GATEWAY_DIR:-$DATA_DIR/gateway}

# One awk program, quoted so that nginx's $variables and quotes pass through untouched.
read -r -d '' RENDER <<'AWK' || true
function fail(msg) { printf "routes.txt:%d: %s\n", NR, msg > "/dev/stderr"; failed = 1; exit 1 }
# The gateway's limits, each said once: the directives and the problem texts both come from these.
BEGIN {
    max_body_mib = 32       # above the largest body a service accepts (MEDIA_MAX_UPLOAD_BYTES, 25 MiB by default)
    header_buffer_kib = 8   # the longest request line or single header line nginx reads
    header_buffers = 4      # how many of those one request's header may fill
    problem_prefix = "/_gateway/problem/"
}
# problem(NGINX_CODE, CODE, TITLE, DETAIL): answer nginx's own NGINX_CODE as CODE in problem+json
# (RFC 9457) instead of nginx's HTML page. The answers live at internal URIs, not named locations:
# nginx cannot redirect to a named location when the request line itself did not parse.
function problem(nginx_code, code, title, detail) {
    if (nginx_code == code) printf "        error_page %d %s%d;\n", code, problem_prefix, code
    else printf "        error_page %d =%d %s%d;\n", nginx_code, code, problem_prefix, nginx_code
    problem_code[++problems] = nginx_code; problem_status[nginx_code] = code
    problem_title[nginx_code] = title; problem_detail[nginx_code] = detail
}
# path_regex(PREFIX): PREFIX as a regular expression, tolerating the repeated slashes nginx merges.
function path_regex(prefix,    re) {
    re = prefix
    gsub(/\./, "\\.", re)
    gsub(/\/+/, "/+", re)
    return re
}
# The access log's copy of the request line, without credentials: the rest of a `secret` path and
# any query string with a credential-like parameter are replaced by [redacted]. Services still get
# the request as sent. (nginx's error log, which names the request only on failures such as an
# unreachable upstream, cannot be rewritten.)
function redaction_maps(    i) {
    print "    map $request $tract_request_path_redacted {"
    for (i = 1; i <= secrets; i++) {
        if (keep[i] != "")
            printf "        \"~^\\S+ %s(?:%s)(?:[? ]|$)\" $request;\n", path_regex(secret[i]), keep[i]
        printf "        \"~^(?<tract_secret_head>\\S+ %s)[^? ]+(?<tract_secret_tail>.*)$\" \"${tract_secret_head}[redacted]${tract_secret_tail}\";\n", path_regex(secret[i])
    }
    print "        default $request;"
    print "    }"
    print "    map $tract_request_path_redacted $tract_request_redacted {"
    print "        \"~*^(?<tract_query_head>\\S+ [^? ]*)\\?(?:[^ ]*&)?[^=& ]*(?:token|code|secret|password|signature|key)[^=& ]*=[^ ]*(?<tract_query_tail>(?: \\S+)?)$\" \"${tract_query_head}?[redacted]${tract_query_tail}\";"
    print "        default $tract_request_path_redacted;"
    print "    }"
}
function problem_locations(    i, c) {
    for (i = 1; i <= problems; i++) {
        c = problem_code[i]
        printf "        location = %s%d {\n", problem_prefix, c
        printf "            internal;\n"
        printf "            default_type application/problem+json;\n"
        if (problem_status[c] == 405)
            # RFC 9110 requires Allow on a 405: the methods the gateway passes on to the services.
            printf "            add_header Allow \"GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\" always;\n"
        printf "            return %d '{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}';\n", problem_status[c], problem_title[c], problem_status[c], problem_detail[c]
        printf "        }\n"
    }
}
/^[[:space:]]*(#|$)/ { next }
$1 == "service" {
    if (NF != 3 || $3 !~ /^[0-9]+$/) fail("expected: service <name> <port>")
    if ($2 in port) fail("duplicate service " $2)
    port[$2] = $3; order[++n] = $2; next
}
$1 == "route" {
    if (NF != 3 || $2 !~ /^\//) fail("expected: route /<prefix> <service>")
    if (!($3 in port)) fail("route to undeclared service " $3)
    if ($2 in owner) fail("duplicate prefix " $2)
    owner[$2] = $3; routes[++r] = $2; next
}
$1 == "stream" {
    if (NF != 4 || $2 !~ /^\/[A-Za-z0-9\/._~-]+$/ || $4 !~ /^[0-9]+$/) fail("expected: stream /<path> <service> <read timeout seconds>")
    if (!($3 in port)) fail("stream to undeclared service " $3)
    if ($2 in stream_owner) fail("duplicate stream " $2)
    stream_owner[$2] = $3; stream_timeout[$2] = $4; streams[++stream_count] = $2; next
}
$1 == "secret" {
    if (NF < 2 || $2 !~ /^\/.*\/$/) fail("expected: secret /<prefix>/ [<route name>...]")
    if ($2 !~ /^[A-Za-z0-9\/._~-]+$/) fail("secret prefix with characters other than letters, digits and /._~-")
    secret[++secrets] = $2; keep[secrets] = ""
    for (i = 3; i <= NF; i++) {
        if ($i !~ /^[A-Za-z0-9-]+$/) fail("secret route name with characters other than letters, digits and -: " $i)
        keep[secrets] = keep[secrets] (i > 3 ? "|" : "") $i
    }
    next
}
{ fail("unknown line: " $0) }
END {
    if (failed) exit 1
    if (n == 0) { print "routes.txt: no services" > "/dev/stderr"; exit 1 }
    local = (style == "local")
    dir = local ? gwdir : "/tmp"
    print "# GENERATED by scripts/gateway.sh (style: " style ") from deploy/gateway/routes.txt. Do not edit."
    print "worker_processes " (local ? "1" : "2") ";"
    print "pid " dir "/nginx.pid;"
    print "error_log " (local ? gwdir "/error.log" : "/dev/stderr") " warn;"
    print ""
    print "events { worker_connections 1024; }"
    print ""
    print "http {"
    print "    server_tokens off;"
    print "    # Temp paths of our own: the stock ones under /var/lib/nginx need root."
    print "    client_body_temp_path " dir "/client_temp;"
    print "    proxy_temp_path " dir "/proxy_temp;"
    print "    fastcgi_temp_path " dir "/fastcgi_temp;"
    print "    uwsgi_temp_path " dir "/uwsgi_temp;"
    print "    scgi_temp_path " dir "/scgi_temp;"
    print ""
    print "    # Keep the caller's request id, or make one, so gateway and service logs line up."
    print "    map $http_x_request_id $tract_request_id { \"\" $request_id; default $http_x_request_id; }"
    redaction_maps()
    print "    log_format tract '$remote_addr [$time_iso8601] \"$tract_request_redacted\" $status $body_bytes_sent '"
    print "                     '$request_time upstream=$upstream_addr request_id=$tract_request_id';"
    print "    access_log " (local ? gwdir "/access.log" : "/dev/stdout") " tract;"
    print ""
    if (style == "kubernetes") {
        print "    # Behind the Ingress controller: take the client address and scheme it saw."
        print "    set_real_ip_from 10.0.0.0/8;"
        print "    set_real_ip_from 172.16.0.0/12;"
        print "    set_real_ip_from 192.168.0.0/16;"
        print "    real_ip_header X-Forwarded-For;"
        print "    real_ip_recursive on;"
        print "    map $http_x_forwarded_proto $tract_proto { \"\" $scheme; default $http_x_forwarded_proto; }"
    } else {
        print "    # The gateway is the edge here: the scheme is its own."
        print "    map $http_x_forwarded_proto $tract_proto { default $scheme; }"
    }
    print ""
    # REPLICAS (make run REPLICAS=N, local style only): replica k of a service listens on its port
    # + 100·(k-1), and its upstream lists them all; nginx spreads requests over them round-robin.
    for (i = 1; i <= n; i++) {
        s = order[i]
        if (!local || replicas <= 1) {
            printf "    upstream %s { server %s:%d; keepalive 16; }\n", s, (local ? "127.0.0.1" : s), port[s]
            continue
        }
        printf "    upstream %s {", s
        for (k = 0; k < replicas; k++) printf " server 127.0.0.1:%d;", port[s] + 100 * k
        print " keepalive 16; }"
    }
    print ""
    if (local && replicas > 1) {
        # What a Kubernetes Service is to the pods: one address per service (its port + 1000) that
        # the other services call (<SERVICE>_URL) and that spreads over the replicas, internal
        # routes included. Not an edge: nothing here is published beyond 127.0.0.1.
        print "    # Peer addresses: each service's port + 1000, every path, spread over its replicas."
        for (i = 1; i <= n; i++) {
            s = order[i]
            printf "    server {\n"
            printf "        listen 127.0.0.1:%d;\n", port[s] + 1000
            printf "        client_max_body_size %dm;\n", max_body_mib
            printf "        proxy_http_version 1.1;\n"
            printf "        proxy_set_header Connection \"\";\n"
            printf "        proxy_set_header Host $http_host;\n"
            printf "        proxy_set_header X-Forwarded-For $remote_addr;\n"
            printf "        proxy_read_timeout 60s;\n"
            printf "        proxy_next_upstream error timeout;\n"
            printf "        location / { proxy_pass http://%s; }\n", s
            printf "    }\n"
        }
        print ""
    }
    print "    server {"
    print "        listen " (local ? "127.0.0.1:8080" : "8080") ";"
    # Services enforce their own, smaller body limits with problem+json answers.
    print "        client_max_body_size " max_body_mib "m;"
    print "        large_client_header_buffers " header_buffers " " header_buffer_kib "k;"
    print ""
    print "        proxy_http_version 1.1;"
    print "        proxy_set_header Connection \"\";"
    print "        proxy_set_header Host $http_host;"
    print "        proxy_set_header X-Request-Id $tract_request_id;"
    print "        proxy_set_header traceparent $http_traceparent;"
    print "        proxy_set_header tracestate $http_tracestate;"
    print "        # Overwritten, not appended: services (TRUSTED_PROXIES) take the gateway's view of the client."
    print "        proxy_set_header X-Forwarded-For $remote_addr;"
    print "        proxy_set_header X-Forwarded-Proto $tract_proto;"
    print "        proxy_set_header X-Forwarded-Host $http_host;"
    print "        proxy_connect_timeout 5s;"
    print "        proxy_send_timeout 60s;"
    print "        proxy_read_timeout 60s;"
    print "        # Retry another upstream only when nothing was sent (never re-send a POST)."
    print "        proxy_next_upstream error timeout;"
    print ""
    print "        # The gateway's own probes."
    print "        location = /health/live { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"
    print "        location = /health/ready { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"
    print ""
    print "        # Each service's probes, exact matches so they win over the prefixes below."
    for (i = 1; i <= n; i++) {
        s = order[i]
        printf "        location = /v1/%s/health/live { proxy_pass http://%s/health/live; }\n", s, s
        printf "        location = /v1/%s/health/ready { proxy_pass http://%s/health/ready; }\n", s, s
    }
    print ""
    if (stream_count > 0) {
        print "        # Long-lived streams (Server-Sent Events), exact matches: passed on as they arrive, never"
        print "        # buffered, and a read timeout longer than the service's heartbeat interval. The added"
        print "        # X-Accel-Buffering tells a proxy in front (the Ingress controller's nginx) the same;"
        print "        # nginx does not pass the service's own on."
    }
    for (i = 1; i <= stream_count; i++) {
        p = streams[i]
        printf "        location = %s {\n", p
        printf "            proxy_pass http://%s;\n", stream_owner[p]
        printf "            proxy_buffering off;\n"
        printf "            proxy_cache off;\n"
        printf "            proxy_read_timeout %ds;\n", stream_timeout[p]
        printf "            add_header X-Accel-Buffering no;\n"
        printf "        }\n"
    }
    print ""
    print "        # Public prefixes, path passed unchanged."
    for (i = 1; i <= r; i++) {
        p = routes[i]
        printf "        location ^~ %s { proxy_pass http://%s; }\n", p, owner[p]
        # Without this, nginx answers the bare path (/v1/tax for /v1/tax/) with a 301 to the slash form.
        if (p ~ /.\/$/ && !(substr(p, 1, length(p) - 1) in owner))
            printf "        location = %s { proxy_pass http://%s; }\n", substr(p, 1, length(p) - 1), owner[p]
    }
    print ""
    print "        location / {"
    print "            default_type application/problem+json;"
    print "            return 404 '{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"No service owns this path.\"}';"
    print "        }"
    print ""
    print "        # nginx's own errors as problem+json, never its HTML pages (a service's own errors pass"
    print "        # through as they are: proxy_intercept_errors stays off)."
    problem(400, 400, "Bad Request", "The request is not valid HTTP.")
    # nginx's own 404s only: a request for one of the internal problem URIs below.
    problem(404, 404, "Not Found", "No service owns this path.")
    problem(405, 405, "Method Not Allowed", "The gateway does not pass this method on.")
    problem(408, 408, "Request Timeout", "The request was not received in time.")
    problem(411, 411, "Length Required", "A request with a body needs Content-Length or chunked Transfer-Encoding.")
    problem(413, 413, "Content Too Large", "The request body is larger than the gateway accepts (" max_body_mib " MiB).")
    problem(414, 414, "URI Too Long", "The request line is longer than the gateway accepts (" header_buffer_kib " KiB).")
    # 494 is nginx's internal code for a header line over the buffer or a header over all of them.
    problem(494, 431, "Request Header Fields Too Large", "A request header is longer than the gateway accepts (" header_buffer_kib " KiB a line, " header_buffers * header_buffer_kib " KiB in all).")
    problem(500, 500, "Internal Server Error", "The gateway failed to handle the request.")
    problem(501, 501, "Not Implemented", "The gateway does not support this Transfer-Encoding.")
    problem(502, 502, "Bad Gateway", "The service that owns this path is not reachable.")
    problem(503, 503, "Service Unavailable", "The service that owns this path is not available.")
    problem(504, 504, "Gateway Timeout", "The service that owns this path did not answer in time.")
    problem(505, 505, "HTTP Version Not Supported", "The gateway speaks HTTP/1.0 and HTTP/1.1.")
    problem_locations()
    print "    }"
    print "}"
}
AWK

render() {
    case "$1" in
        local|compose|kubernetes) ;;
        *) die "unknown style '$1' (local|compose|kubernetes)" ;;
    esac
    # REPLICAS is a local-run setting: the compose and Kubernetes renders never depend on it.
    local replicas=1
    if [ "$1" = local ]; then replicas=${REPLICAS:-1}; fi
    [[ "$replicas" =~ ^[1-9]$ ]] || die "REPLICAS must be 1 to 9, not '$replicas'"
    awk -v style="$1" -v gwdir="$GATEWAY_DIR" -v replicas="$replicas" "$RENDER" "$ROUTES"
}

configmap() {
    local conf
    conf=$(render kubernetes)
    cat <<YAML
# GENERATED by scripts/gateway.sh configmap from deploy/gateway/routes.txt. Do not edit.
apiVersion: v1
kind: ConfigMap
metadata:
  name: gateway-nginx
  labels:
    app.kubernetes.io/name: gateway
    app.kubernetes.io/part-of: tract
data:
  nginx.conf: |
$(printf '%s\n' "$conf" | sed 's/^./    &/')
YAML
}

case "${1:-}" in
    render) [ $# -eq 2 ] || die "usage: $0 render local|compose|kubernetes"; render "$2" ;;
    configmap) configmap ;;
    services) services ;;
    *) echo "usage: $0 render local|compose|kubernetes | configmap | services" >&2; exit 2 ;;
esac
