"""A real OpenSSH server on loopback with a configuration of its own.

It listens on 127.0.0.1 unless told another address (any 127.0.0.0/8
address is local on Linux: the compute suite gives each server's own).
Its own host key, its own ``authorized_keys``, StrictModes on and password
logins off: a login succeeds only with the right private key, and only if
the files are as private as sshd demands.
"""

from __future__ import annotations

import getpass
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

SSHD = shutil.which('sshd') or '/usr/sbin/sshd'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def strict_modes_accept(path: str, uid: int, home: str) -> bool:
    """Whether sshd's StrictModes accepts files under directory ``path``.

    As OpenSSH's ``auth_secure_path``: the directory and each one above it,
    up to the home directory or ``/``, must be owned by root or the user
    and writable by no one else (a checkout under ``/tmp`` is not).
    """
    path, home = os.path.realpath(path), os.path.realpath(home)
    while True:
        info = os.stat(path)
        if info.st_uid not in (0, uid) or info.st_mode & 0o022:
            return False
        if path in (home, os.path.dirname(path)):
            return True
        path = os.path.dirname(path)


def server_base_dir() -> str:
    """A directory for the test sshd's files that StrictModes accepts.

    The checkout's ``.devcloud`` where it can (wherever the checkout is),
    else the user's runtime or cache directory.
    """
    uid = os.geteuid()
    home = pwd.getpwuid(uid).pw_dir
    candidates = [os.path.join(ROOT, '.devcloud')]
    if os.environ.get('XDG_RUNTIME_DIR'):
        candidates.append(os.path.join(os.environ['XDG_RUNTIME_DIR'],
                                       'keypairs-osc'))
    candidates.append(os.path.join(home, '.cache', 'keypairs-osc'))
    for base in candidates:
        try:
            os.makedirs(base, mode=0o700, exist_ok=True)
        except OSError:
            continue
        if strict_modes_accept(base, uid, home):
            return base
    raise RuntimeError(
        'no directory for the test sshd that its StrictModes accepts: '
        f'every one of {", ".join(candidates)} has a parent directory '
        'that others can write to or that another user owns')


def _quoted(path: str) -> str:
    """A path as an sshd_config argument, spaces and all."""
    return '"' + path.replace('\\', '\\\\').replace('"', '\\"') + '"'


class SSHServer:
    def __init__(self, address: str = '127.0.0.1', home: bool = False,
                 port: int | None = None):
        """``home``: the login user's home is a directory of its own, as
        on a guest: sshd reads ``~/.ssh/authorized_keys`` there and the
        session's ``HOME`` is it (``SetEnv``), so what a login changes in
        ``~/.ssh`` is what sshd reads, and the user's real home is left
        alone."""
        if not os.path.exists(SSHD):
            raise RuntimeError('sshd is not installed; run '
                               'tools/ensure-debian-packages openssh-server')
        self.dir = tempfile.mkdtemp(prefix='sshd-', dir=server_base_dir())
        os.chmod(self.dir, 0o700)
        self.home = os.path.join(self.dir, 'home') if home else None
        if self.home:
            os.makedirs(os.path.join(self.home, '.ssh'), mode=0o700)
            os.chmod(self.home, 0o700)
            self.authorized_keys = os.path.join(self.home, '.ssh',
                                                'authorized_keys')
        else:
            self.authorized_keys = os.path.join(self.dir, 'authorized_keys')
        self.user = getpass.getuser()
        #: The only address it listens on, and a port free there.
        self.address = address
        self.port = port or _free_port(address)
        #: Its private host key; the public one is beside it (``.pub``).
        self.host_key = os.path.join(self.dir, 'host_ed25519')
        self.proc: subprocess.Popen | None = None

    def start(self) -> SSHServer:
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f',
                        self.host_key], check=True)
        self.authorize([])
        config = os.path.join(self.dir, 'sshd_config')
        with open(config, 'w') as f:
            f.write(f"""\
Port {self.port}
ListenAddress {self.address}
HostKey {_quoted(self.host_key)}
PidFile {_quoted(os.path.join(self.dir, 'sshd.pid'))}
AuthorizedKeysFile {_quoted(self.authorized_keys)}
StrictModes yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
LogLevel VERBOSE
""")
            if self.home:
                f.write(f'SetEnv {_quoted("HOME=" + self.home)}\n')
        return self.launch()

    def launch(self) -> SSHServer:
        """Run sshd (again, after :meth:`halt`) with its configuration."""
        config = os.path.join(self.dir, 'sshd_config')
        if os.geteuid() == 0:
            os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
        self.log = os.path.join(self.dir, 'sshd.log')
        self.proc = subprocess.Popen(
            [SSHD, '-D', '-e', '-f', config], stdout=subprocess.DEVNULL,
            stderr=open(self.log, 'ab'), start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f'sshd exited: {self.log_tail()}')
            try:
                with socket.create_connection((self.address, self.port),
                                              1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f'sshd did not start: {self.log_tail()}')

    def halt(self) -> None:
        """Stop sshd, keeping its files (:meth:`launch` runs it again)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self) -> str:
        try:
            with open(self.log, errors='replace') as f:
                return ''.join(f.readlines()[-15:])
        except OSError:
            return '(no log)'

    def authorize(self, public_keys: list[str]) -> None:
        """Replace authorized_keys with exactly these lines (0600)."""
        fd = os.open(self.authorized_keys,
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(''.join(key.strip() + '\n' for key in public_keys))

    def ssh(self, private_key: str, command: str,
            askpass: str | None = None) -> subprocess.CompletedProcess:
        """Log in with the system's ssh client and run ``command``."""
        env = dict(os.environ)
        argv = ['ssh', '-F', '/dev/null', '-i', private_key,
                '-p', str(self.port), '-o', 'IdentitiesOnly=yes',
                '-o', 'IdentityAgent=none',
                '-o', 'StrictHostKeyChecking=no',
                '-o', 'UserKnownHostsFile=/dev/null',
                '-o', 'PasswordAuthentication=no',
                '-o', 'KbdInteractiveAuthentication=no',
                '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR']
        if askpass:
            # The passphrase reaches ssh through SSH_ASKPASS, never argv.
            env.update(SSH_ASKPASS=askpass, SSH_ASKPASS_REQUIRE='force',
                       DISPLAY=env.get('DISPLAY', ':0'))
            argv += ['-o', 'BatchMode=no']
        else:
            argv += ['-o', 'BatchMode=yes']
        argv += [f'{self.user}@{self.address}', command]
        return subprocess.run(argv, capture_output=True, text=True, env=env,
                              stdin=subprocess.DEVNULL, timeout=60,
                              check=False)


def _free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]
