"""A tier: its directory, state, virtualenv, and the processes it starts.

Both tiers (the keypair tier in ``.devcloud/``, the compute tier in
``.devcloud/compute/``) keep the same files in their own directory and tell
their processes from anybody else's the same way: the working directory they
were started in, and a marker in their command line (a recycled process ID
never matches).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from .common import (HOST, IN_VENV, DevcloudError, port_is_free, run, say,
                     write_private)

#: Popen objects of the processes this invocation started (to reap them).
_children: dict[int, subprocess.Popen] = {}
STOP_TIMEOUT = 20


@dataclasses.dataclass(frozen=True)
class Tier:
    home: Path
    #: What the command line of each process holds (gunicorn renames
    #: itself); also every process the tier may run.
    markers: Mapping[str, bytes]
    #: May processes move below ``home`` (mariadbd moves into its data)?
    nested: bool = False
    #: How commands name the tier: '' or ' --compute'.
    flag: str = ''
    #: compute.json, for the tier that writes one.
    info_file: Path | None = None

    @property
    def venv(self) -> Path:
        return self.home / 'venv'

    @property
    def installed_marker(self) -> Path:
        return self.venv / '.devcloud-installed'

    @property
    def log_dir(self) -> Path:
        return self.home / 'log'

    @property
    def state_file(self) -> Path:
        return self.home / 'state.json'

    @property
    def clouds_yaml(self) -> Path:
        return self.home / 'clouds.yaml'

    # --- state -------------------------------------------------------------

    def load_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def save_state(self, state: dict) -> None:
        tmp = self.state_file.with_suffix('.tmp')
        write_private(tmp, json.dumps(state, indent=2))
        os.replace(tmp, self.state_file)

    def print_env(self) -> None:
        """The shell lines that point OpenStackClient (and tests) at it."""
        print(f'export OS_CLIENT_CONFIG_FILE={self.clouds_yaml}')
        if self.info_file is not None:
            print(f'export DEVCLOUD_COMPUTE_INFO={self.info_file}')

    # --- the virtualenv ----------------------------------------------------

    def install(self, packages: list[str], duration: str) -> None:
        """Install ``packages`` into the virtualenv, again when pins change.
        """
        marker = self.installed_marker
        if marker.exists() and marker.read_text().split() == packages:
            return
        say(f'installing {", ".join(packages)} into {self.venv} '
            f'({duration})')
        log = self.log_dir / 'install.log'
        started = time.monotonic()
        if not (self.venv / 'bin' / 'python').exists():
            run([sys.executable, '-m', 'venv', str(self.venv)], log)
        pip = [str(self.venv / 'bin' / 'python'), '-m', 'pip']
        run(pip + ['install', '-q', '--upgrade', 'pip'], log)
        # pip's own progress is shown on the terminal; the log keeps it all.
        with open(log, 'ab') as out:
            proc = subprocess.Popen(pip + ['install', *packages],
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(line)
                text = line.decode(errors='replace').rstrip()
                if text.startswith('Collecting'):
                    print(f'  {text[:76]}', file=sys.stderr, flush=True)
            proc.wait()
        if proc.returncode:
            raise DevcloudError(f'pip install failed (exit {proc.returncode})',
                                log)
        marker.write_text(' '.join(packages) + '\n')
        say(f'installed in {time.monotonic() - started:.0f} s')

    def venv_python(self, script: str, payload: dict, log_name: str,
                    what: str) -> str:
        """Run ``in_venv/<script>`` on ``payload``; what it printed.

        These scripts use the openstacksdk that nova brings, so this tool
        never speaks HTTP to OpenStack itself.
        """
        log = self.log_dir / log_name
        env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(self.clouds_yaml))
        with open(log, 'ab') as out:
            proc = subprocess.run(
                [str(self.venv / 'bin' / 'python'), str(IN_VENV / script)],
                input=json.dumps(payload).encode(), stdout=subprocess.PIPE,
                stderr=out, env=env, check=False)
            out.write(proc.stdout)
        if proc.returncode:
            raise DevcloudError(f'{what} failed', log)
        return proc.stdout.decode()

    # --- processes ---------------------------------------------------------

    def spawn(self, name: str, cmd: list[str], env: dict) -> int:
        """Start ``name`` in its own session, working directory ``home``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f'{name}.log', 'ab') as out:
            out.write(f'--- devcloud: starting {name} at '
                      f'{time.strftime("%Y-%m-%d %H:%M:%S")}\n'.encode())
            out.flush()
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env,
                                    cwd=str(self.home), start_new_session=True)
        _children[proc.pid] = proc
        return proc.pid

    def start_wsgi(self, name: str, port: int, module: str,
                   env: dict) -> int:
        """Serve the WSGI application ``module`` under gunicorn."""
        if not port_is_free(port):
            raise DevcloudError(
                f'port {HOST}:{port} for {name} is in use by another '
                f'process; stop it, or run "down{self.flag}" and '
                f'"up{self.flag}" again to pick new ports')
        label = 'devcloud-compute' if self.flag else 'devcloud'
        cmd = [str(self.venv / 'bin' / 'gunicorn'),
               '--bind', f'{HOST}:{port}', '--workers', '1',
               '--worker-class', 'gthread', '--threads', '8',
               '--timeout', '120', '--no-control-socket',
               '--pythonpath', str(IN_VENV), '--name', f'{label}-{name}',
               'devcloud_wsgi:application']
        return self.spawn(name, cmd, dict(env, DEVCLOUD_WSGI_APP=module))

    def _runs_here(self, pid: int) -> bytes | None:
        """``pid``'s command line, if it runs from the tier's directory."""
        try:
            cwd = os.readlink(f'/proc/{pid}/cwd')
            cmdline = Path(f'/proc/{pid}/cmdline').read_bytes()
        except OSError:
            return None
        home = str(self.home)
        if cwd == home or (self.nested and cwd.startswith(f'{home}/')):
            return cmdline
        return None

    def is_ours(self, name: str, pid: int | None) -> bool:
        """True when ``pid`` is alive and is the ``name`` process we started.
        """
        cmdline = self._runs_here(pid) if pid else None
        return cmdline is not None and self.markers[name] in cmdline

    def running(self, state: dict) -> dict[str, bool]:
        pids = state.get('pids', {})
        return {name: self.is_ours(name, pids.get(name))
                for name in self.markers}

    def family(self, leader: int) -> list[int]:
        """``leader``'s descendants and process group that run from here.

        Erlang's helpers (erl_child_setup, inet_gethost) take process groups
        of their own, gunicorn's and oslo.service's workers keep the
        leader's.
        """
        children: dict[int, list[int]] = {}
        members = set()
        for entry in Path('/proc').iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / 'stat').read_text().rsplit(')', 1)[1].split()
                ppid, pgrp = int(stat[1]), int(stat[2])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
            if pgrp == leader:
                members.add(int(entry.name))
        stack = [leader]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in members:
                    members.add(child)
                    stack.append(child)
        members.discard(leader)
        return [pid for pid in members if self._runs_here(pid) is not None]

    def stop(self, state: dict,
             groups: Iterable[Iterable[str]] | None = None,
             keep_others: bool = False) -> list[str]:
        """Stop exactly the processes this tier started, group by group.

        Their process IDs are forgotten, and with ``keep_others`` only
        theirs: the rest of the tier runs on (a region taken away).
        """
        groups = [list(group) for group in groups or [self.markers]]
        pids = state.get('pids', {})
        stopped: list[str] = []
        for group in groups:
            live = {n: pids[n] for n in group if self.is_ours(n, pids.get(n))}
            for name, pid in live.items():
                # gunicorn stops at once on SIGINT; the others shut down
                # cleanly on SIGTERM.
                gunicorn = self.markers[name] == b'gunicorn'
                _signal(pid, signal.SIGINT if gunicorn else signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while time.monotonic() < deadline:
                for pid in live.values():
                    exited(pid)
                if not any(self.is_ours(n, p) for n, p in live.items()):
                    break
                time.sleep(0.1)
            for name, pid in live.items():
                # Whatever is left of the group (a worker, a stuck leader).
                leftovers = set(self.family(pid))
                if self.is_ours(name, pid):
                    leftovers.add(pid)
                for member in leftovers:
                    _signal(member, signal.SIGKILL)
                exited(pid)
            stopped += live
        if keep_others:
            named = {name for group in groups for name in group}
            state['pids'] = {n: p for n, p in pids.items() if n not in named}
            self.save_state(state)
        elif state.get('pids'):
            state['pids'] = {}
            self.save_state(state)
        return stopped

    def memory(self, state: dict) -> tuple[int, int, int]:
        """(RSS KiB, PSS KiB, process count) of everything the tier runs."""
        rss = pss = count = 0
        for name, pid in state.get('pids', {}).items():
            if not self.is_ours(name, pid):
                continue
            for member in set(self.family(pid)) | {pid}:
                try:
                    text = Path(f'/proc/{member}/smaps_rollup').read_text()
                except OSError:
                    continue
                count += 1
                for line in text.splitlines():
                    key, _, value = line.partition(':')
                    if key == 'Rss':
                        rss += int(value.split()[0])
                    elif key == 'Pss':
                        pss += int(value.split()[0])
        return rss, pss, count

    def exited_error(self, name: str) -> DevcloudError:
        log = self.log_dir / f'{name}.log'
        return DevcloudError(
            f'{name} exited while starting{crash_reason(log)}', log)

    def wait_for(self, name: str, pid: int, ready: Callable[[], bool],
                 what: str, timeout: float) -> None:
        """Wait until ``ready()``; fail with ``name``'s log if it exits."""
        log = self.log_dir / f'{name}.log'
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if exited(pid):
                raise self.exited_error(name)
            if worker_crashes(log) >= 2:
                raise DevcloudError(f'{name} cannot load its application'
                                    f'{crash_reason(log)}', log)
            time.sleep(0.3)
        raise DevcloudError(f'{name} did not {what} within {timeout:.0f} s',
                            log)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def exited(pid: int) -> bool:
    """True when ``pid`` is gone (reaped, if this invocation started it)."""
    proc = _children.get(pid)
    if proc is not None:
        return proc.poll() is not None
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    return not Path(f'/proc/{pid}').exists()


# --- logs --------------------------------------------------------------------

def last_start(log: Path) -> list[str]:
    """The lines ``log`` got since its process was last started."""
    try:
        text = log.read_text(errors='replace')
    except OSError:
        return []
    return text.rsplit('--- devcloud: starting', 1)[-1].splitlines()


def crash_reason(log: Path) -> str:
    """The line of ``log`` that says why its process died, if one does."""
    lines = last_start(log)
    for line in reversed(lines):
        if ' CRITICAL ' in line:  # oslo.log's "Unhandled error: ..."
            return ': ' + line.split('] ', 1)[-1].strip()[:300]
    for line in reversed(lines):
        found = re.search(r'[\w.]*(Error|Exception|Failure)\w*: .*', line)
        if found:
            return ': ' + found.group(0)[:300]
    for line in reversed(lines):  # what is not gunicorn's own
        if line.strip() and not line.startswith(('[', ' ', 'Traceback')):
            return ': ' + line.strip()[:300]
    return ''


def worker_crashes(log: Path) -> int:
    """How often gunicorn's worker died since the master started.

    A worker that cannot load its application exits, and gunicorn starts
    another one, forever.
    """
    return sum(1 for line in last_start(log)
               if '] Worker (pid:' in line and 'exited with code' in line)
