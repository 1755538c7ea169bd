"""What both tiers share: where they live, errors, setup steps, ports.

Only the standard library is used in this package, so any Python 3 runs it;
what speaks to OpenStack runs inside a tier's virtualenv (``in_venv/``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATE_DIR = Path(os.environ.get('DEVCLOUD_DIR', ROOT / '.devcloud')).resolve()
#: Scripts run by a tier's virtualenv python, by path.
IN_VENV = Path(__file__).resolve().parent / 'in_venv'
HOST = '127.0.0.1'
REGION = 'RegionOne'
#: The keypair tier's regions, in order: the first is every clouds.yaml
#: entry's ``region_name``, as before regions came.
REGION_NAMES = ('RegionOne', 'RegionTwo', 'RegionThree', 'RegionFour',
                'RegionFive')


class DevcloudError(Exception):
    """A failure the user can act on; ``log`` names the log to show."""

    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message)
        self.log = log


def say(message: str) -> None:
    print(f'devcloud: {message}', file=sys.stderr, flush=True)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors='replace').splitlines()
    except OSError:
        return '(no log)'
    return '\n'.join(text[-lines:])


def run(cmd: list[str], log: Path, env: dict | None = None) -> None:
    """Run a setup step, appending its output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, 'ab') as out:
        out.write(f'$ {" ".join(cmd)}\n'.encode())
        out.flush()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                              env=env, check=False)
    if proc.returncode:
        step = ' '.join(a for a in cmd[1:] if not a.startswith(('-', '/')))
        raise DevcloudError(
            f'{Path(cmd[0]).name} {step} failed (exit {proc.returncode})', log)


# --- ports -----------------------------------------------------------------

def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def answers(url: str) -> bool:
    """True when ``url`` answers with anything but a server error."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


def health_url(port: int, name: str) -> str:
    """Where the API ``name`` serves on ``port`` answers when it is up."""
    return f'http://{HOST}:{port}' + ('/v3' if name == 'keystone' else '/')


def requested_port(variable: str) -> int | None:
    """The free port the environment ``variable`` names, if it names one."""
    value = os.environ.get(variable)
    if not value:
        return None
    try:
        port = int(value)
    except ValueError:
        raise DevcloudError(f'{variable} must be a port number, not {value!r}')
    if not port_is_free(port):
        raise DevcloudError(
            f'port {HOST}:{port} ({variable}) is already in use')
    return port


def pick_ports(prefix: str, names: Iterable[str]) -> dict[str, int]:
    """A free port for each of ``names``; ``<prefix>_<NAME>_PORT`` fixes one.
    """
    ports: dict[str, int] = {}
    for name in names:
        port = requested_port(
            f'{prefix}_{name.upper().replace("-", "_")}_PORT')
        while port is None or port in ports.values():
            port = free_port()
        ports[name] = port
    return ports
