"""The deployment's nginx on loopback, in front of a gunicorn the caller started.

The site config is the repository's own (deploy/nginx/templates/default.conf.template, the
file docker-compose mounts) with its ${NGINX_*} variables filled in for loopback ports and a
throwaway self-signed certificate, inside a minimal main config (the nginx image brings its
own). Used by tests/core/test_proxy.py and bench.attack; needs Debian's nginx (`make test`
installs it) and openssl.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "deploy" / "nginx" / "templates" / "default.conf.template"
_VARIABLE = re.compile(r"\$\{(\w+)\}")

# What the nginx image's own nginx.conf provides around conf.d/*.conf, for a private prefix.
MAIN_CONFIG = """\
{user}
worker_processes 1;
pid {folder}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/tmp/body;
    proxy_temp_path {folder}/tmp/proxy;
    fastcgi_temp_path {folder}/tmp/fastcgi;
    uwsgi_temp_path {folder}/tmp/uwsgi;
    scgi_temp_path {folder}/tmp/scgi;
    include {folder}/site.conf;
}}
"""


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render(template: str, values: dict[str, str]) -> str:
    """The template with every ${NAME} replaced, as the nginx image's envsubst does."""
    missing = set(_VARIABLE.findall(template)) - set(values)
    if missing:
        raise ValueError(f"no value for {', '.join(sorted(missing))}")
    return _VARIABLE.sub(lambda match: values[match[1]], template)


def template_variables() -> set[str]:
    return set(_VARIABLE.findall(TEMPLATE.read_text()))


def self_signed_certificate(folder: Path) -> None:
    """fullchain.pem and privkey.pem for localhost, valid for two days."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


@dataclass
class Proxy:
    process: subprocess.Popen
    http_port: int
    https_port: int
    folder: Path

    @property
    def https_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://localhost:{self.http_port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def start_nginx(upstream_port: int, folder: Path) -> Proxy:
    """nginx with the deployment's site config, proxying to 127.0.0.1:`upstream_port`."""
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError("nginx is not installed: apt-get install -y nginx-light")
    folder.mkdir(parents=True, exist_ok=True)
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / "tmp" / temp).mkdir(parents=True, exist_ok=True)
    self_signed_certificate(folder / "certs")
    http_port, https_port = free_port(), free_port()
    site = render(
        TEMPLATE.read_text(),
        {
            "NGINX_UPSTREAM": f"127.0.0.1:{upstream_port}",
            "NGINX_LISTEN_HTTP": f"127.0.0.1:{http_port}",
            "NGINX_LISTEN_HTTPS": f"127.0.0.1:{https_port}",
            "NGINX_SERVER_NAME": "localhost",
            "NGINX_CERT_DIR": str(folder / "certs"),
        },
    )
    (folder / "site.conf").write_text(site)
    # As root, nginx's workers would run as nobody, who cannot write our temp folders.
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(MAIN_CONFIG.format(user=user, folder=folder))
    command = [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"),
               "-e", str(folder / "error.log")]  # fmt: skip
    subprocess.run([*command, "-t", "-q"], check=True, capture_output=True, timeout=30)
    process = subprocess.Popen([*command, "-g", "daemon off;"])
    proxy = Proxy(process, http_port, https_port, folder)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            return proxy
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    proxy.stop()
    log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
    raise RuntimeError(f"nginx did not start:\n{log[-2000:]}")
