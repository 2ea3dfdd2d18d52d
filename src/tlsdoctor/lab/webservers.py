"""nginx, Apache and HAProxy lab servers, each with its TLS settings in one small file.

The TLS part of each configuration lives in its own file (``tls.conf``,
``tls.cfg``) so that a fix can be applied the way an administrator would: by
replacing a directive, then reloading the server.  :func:`apply_fixes` does
exactly that with the fix snippets tlsdoctor prints, and :func:`reload` makes
the running server read its configuration again.

Fix snippets name conventional paths (``/etc/ssl/fullchain.pem``); they are
mapped to the lab directory, where the same conventional file names exist
(``server.crt``, ``server.key``, ``intermediate.crt``, ``root.pem``), so the
OpenSSL commands of a fix run unchanged.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence

from tlsdoctor.model import Fix

LOOPBACK = "127.0.0.1"

# ---------------------------------------------------------------------- nginx

NGINX_CONF = """\
worker_processes 1;
daemon off;
master_process on;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp;
    proxy_temp_path {dir}/tmp;
    fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp;
    scgi_temp_path {dir}/tmp;
    server {{
        server_name localhost;
        include {dir}/tls.conf;
        location / {{ return 200 "tlsdoctor lab\\n"; }}
    }}
}}
"""


def nginx_setup(directory: str, directives: Sequence[str]) -> list[str]:
    """Write nginx.conf and tls.conf (``directives``, their placeholders filled); the
    command that runs nginx in the foreground."""
    os.makedirs(os.path.join(directory, "tmp"), exist_ok=True)
    conf = os.path.join(directory, "nginx.conf")
    with open(conf, "w") as fh:
        fh.write(NGINX_CONF.format(dir=directory))
    with open(os.path.join(directory, "tls.conf"), "w") as fh:
        fh.write("\n".join(directives) + "\n")
    return ["nginx", "-p", directory, "-c", conf, "-e", os.path.join(directory, "error.log")]


# --------------------------------------------------------------------- apache

APACHE_CONF = """\
ServerRoot "{dir}"
ServerName localhost
PidFile "{dir}/apache.pid"
ErrorLog "{dir}/error.log"
LogLevel warn
DefaultRuntimeDir "{dir}"
Mutex file:{dir} default
LoadModule mpm_event_module {mods}/mod_mpm_event.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule ssl_module {mods}/mod_ssl.so
LoadModule socache_shmcb_module {mods}/mod_socache_shmcb.so
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
DocumentRoot "{dir}"
SSLSessionCache shmcb:{dir}/ssl_cache(51200)
Include "{dir}/tls.conf"
"""

APACHE_MODULES = "/usr/lib/apache2/modules"


def apache_setup(directory: str, port: int, directives: Sequence[str]) -> list[str]:
    """Write apache.conf and tls.conf (a virtual host on ``port`` holding ``directives``,
    their placeholders filled); the command that runs Apache in the foreground."""
    conf = os.path.join(directory, "apache.conf")
    with open(conf, "w") as fh:
        fh.write(APACHE_CONF.format(dir=directory, mods=APACHE_MODULES))
    with open(os.path.join(directory, "tls.conf"), "w") as fh:
        fh.write(f"Listen {LOOPBACK}:{port}\n<VirtualHost {LOOPBACK}:{port}>\n")
        fh.write("\n".join("    " + d for d in directives) + "\n</VirtualHost>\n")
    return ["apache2", "-f", conf, "-DFOREGROUND"]


# -------------------------------------------------------------------- haproxy

HAPROXY_CONF = """\
global
    pidfile {dir}/haproxy.pid
    tune.ssl.default-dh-param 2048
defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s
"""


def haproxy_setup(directory: str, bind: str) -> list[str]:
    """Write haproxy.cfg and tls.cfg (its ``bind`` line, placeholders filled); the
    command that runs HAProxy in the foreground."""
    with open(os.path.join(directory, "haproxy.cfg"), "w") as fh:
        fh.write(HAPROXY_CONF.format(dir=directory))
    write_haproxy_tls(directory, bind)
    return [
        "haproxy",
        "-W",
        "-db",
        "-f",
        os.path.join(directory, "haproxy.cfg"),
        "-f",
        os.path.join(directory, "tls.cfg"),
    ]


def write_haproxy_tls(directory: str, bind: str) -> None:
    with open(os.path.join(directory, "tls.cfg"), "w") as fh:
        fh.write("frontend lab\n")
        fh.write(f"    {bind}\n")
        fh.write(
            '    http-request return status 200 content-type text/plain string "tlsdoctor lab"\n'
        )


# --------------------------------------------------------------- applying fixes

_PATHS = {
    "/etc/ssl/fullchain.pem": "fullchain.pem",
    "/etc/ssl/server.crt": "server.crt",
    "/etc/ssl/server.key": "server.key",
    "/etc/ssl/chain.pem": "intermediate.crt",
    "/etc/ssl/ffdhe2048.pem": "ffdhe2048.pem",
    "/etc/haproxy/certs/site.pem": "site.pem",
    "dhparam.pem": "ffdhe2048.pem",
}


def _localise(text: str, directory: str, port: int) -> str:
    for conventional, name in _PATHS.items():
        text = text.replace(conventional, os.path.join(directory, name))
    # The lab listens on loopback only: "listen 443" / "bind :443" keep its address.
    text = re.sub(r"\blisten\s+443\b", f"listen {LOOPBACK}:{port}", text)
    text = re.sub(r"(?<![\w.]):443\b", f"{LOOPBACK}:{port}", text)
    return re.sub(r"\b443\b", str(port), text)


def run_openssl_snippet(snippet: str, directory: str) -> None:
    """Run an OpenSSL/shell fix snippet in ``directory`` (the lab's conventional files)."""
    subprocess.run(
        ["bash", "-e", "-c", snippet], cwd=directory, check=True, capture_output=True, timeout=60
    )


def _replace_directives(
    path: str, new_lines: Iterable[str], head: int = 0, tail: int = 0, indent: str = ""
) -> None:
    """Each directive of ``new_lines`` replaces those of its name in the file (comments
    are skipped); only lines between the first ``head`` and the last ``tail`` change."""
    with open(path) as fh:
        lines = fh.read().splitlines()
    end = len(lines) - tail
    body = lines[head:end]
    for new in new_lines:
        name = new.strip().split()[0] if new.strip() else ""
        if not name or name.startswith("#"):
            continue
        body = [ln for ln in body if (ln.strip().split() or [""])[0] != name]
        body.append(indent + new.strip())
    with open(path, "w") as fh:
        fh.write("\n".join(lines[:head] + body + lines[end:]) + "\n")


def _files_named(text: str) -> set[str]:
    return {name for name in set(_PATHS.values()) if name in text}


def apply_fixes(server: str, fixes: Sequence[Fix], directory: str, port: int) -> list[str]:
    """Apply the fixes for ``server`` ("nginx", "apache", "haproxy") as an administrator
    would: run the OpenSSL commands that make the files the server's setting names,
    then change the setting.  Returns what was done."""
    done: list[str] = []
    ours = [fx for fx in fixes if fx.target == server and fx.snippet]
    needed = (
        set().union(*(_files_named(_localise(fx.snippet or "", directory, port)) for fx in ours))
        if ours
        else set()
    )
    for name in sorted(needed):
        if os.path.exists(os.path.join(directory, name)):
            continue
        makers = [
            fx
            for fx in fixes
            if fx.target == "openssl"
            and fx.snippet
            and re.search(rf"(>|-out)\s*{re.escape(name)}\b", fx.snippet)
        ]
        for fx in makers:  # the first way that works, as a person would try them
            try:
                run_openssl_snippet(fx.snippet or "", directory)
            except subprocess.CalledProcessError:
                done.append(f"failed: {(fx.snippet or '').splitlines()[0]}")
                continue
            done.append(f"ran: {(fx.snippet or '').splitlines()[0]}")
            break
    for fx in ours:
        text = _localise(fx.snippet or "", directory, port)
        if server == "nginx":
            _replace_directives(os.path.join(directory, "tls.conf"), text.splitlines())
        elif server == "apache":  # inside <VirtualHost>: after Listen and the opening tag
            _replace_directives(
                os.path.join(directory, "tls.conf"), text.splitlines(), 2, 1, "    "
            )
        elif server == "haproxy":
            _haproxy_bind(directory, text.splitlines())
        done.append(f"{server}: {text.splitlines()[0]}")
    return done


def _haproxy_bind(directory: str, new_lines: Sequence[str]) -> None:
    path = os.path.join(directory, "tls.cfg")
    with open(path) as fh:
        lines = fh.read().splitlines()
    bind = next(ln.strip() for ln in lines if ln.strip().startswith("bind "))
    for new in new_lines:
        new = new.strip()
        if new.startswith("bind "):
            bind = new
        elif new.startswith("ssl-default-bind-options"):
            opts = new.split()[1:]
            bind = re.sub(r"\s+ssl-(min|max)-ver\s+\S+", "", bind) + " " + " ".join(opts)
    write_haproxy_tls(directory, bind)


def reload(server: str, directory: str, pid: int) -> None:
    """Make the running server read its configuration again."""
    if server == "nginx":
        subprocess.run(
            ["nginx", "-p", directory, "-c", os.path.join(directory, "nginx.conf"), "-s", "reload"],
            check=True,
            capture_output=True,
            timeout=20,
        )
    elif server == "apache":
        os.kill(pid, signal.SIGUSR1)  # graceful restart
    elif server == "haproxy":
        os.kill(pid, signal.SIGUSR2)  # master-worker reload
    time.sleep(1.0)
