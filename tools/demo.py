#!/usr/bin/env python3
"""A guided tour of keypairs-osc with the real `openstack` binary.

Run by ``tox -e demo`` after the devcloud is up (OS_CLIENT_CONFIG_FILE set).
Each command is printed before it runs; the tour cleans up after itself and
can be run again.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
CLOUD = ['--os-cloud', 'devcloud-demo']


def step(title: str) -> None:
    print(f'\n=== {title}', flush=True)


def run(*argv: str, check: bool = True) -> str:
    shown = [os.path.basename(argv[0]), *argv[1:]]
    print('$ ' + shlex.join(shown), flush=True)
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if check and proc.returncode:
        sys.exit(f'demo: the command above failed (exit {proc.returncode})')
    return proc.stdout


def openstack(*args: str, check: bool = True) -> str:
    return run(os.path.join(BIN, 'openstack'), *CLOUD, *args, check=check)


def main() -> int:
    if not os.environ.get('OS_CLIENT_CONFIG_FILE'):
        sys.exit('demo: OS_CLIENT_CONFIG_FILE is not set; run "tox -e demo"')
    work = tempfile.mkdtemp(prefix='keypairs-demo-')
    key = os.path.join(work, 'demo-key')
    try:
        step('Start clean (a previous tour may have left key pairs)')
        openstack('keypair', 'delete', '--ignore-missing', 'demo-key',
                  'demo-imported')

        step('Generate a key pair locally; only the public key goes to Nova')
        openstack('keypair', 'create', 'demo-key', '--private-key', key,
                  '--comment', 'keypairs-osc demo')
        mode = oct(os.stat(key).st_mode & 0o777)
        print(f'(the private key {key} has mode {mode}; '
              f'{key}.pub holds the public key)')

        step('The fingerprint matches what ssh-keygen prints')
        openstack('keypair', 'show', 'demo-key', '-c', 'fingerprint_sha256',
                  '-c', 'algorithm', '-c', 'bits')
        if shutil.which('ssh-keygen'):
            run('ssh-keygen', '-l', '-f', key + '.pub')

        step('Refuse to overwrite an existing private key')
        openstack('keypair', 'create', 'demo-other', '--private-key', key,
                  check=False)

        step('Import a key you already have (any common format)')
        if shutil.which('ssh-keygen'):
            existing = os.path.join(work, 'id_ecdsa')
            run('ssh-keygen', '-q', '-t', 'ecdsa', '-N', '', '-f', existing)
            rfc4716 = os.path.join(work, 'id_ecdsa.rfc4716')
            with open(rfc4716, 'w') as f:
                f.write(run('ssh-keygen', '-e', '-f', existing + '.pub'))
            openstack('keypair', 'import', 'demo-imported', '--public-key',
                      rfc4716)
        else:
            openstack('keypair', 'import', 'demo-imported', '--private-key',
                      key)

        step('List them, with the SHA256 fingerprints')
        openstack('keypair', 'list', '--long')

        step('Show one')
        openstack('keypair', 'show', 'demo-key')

        step('Check that a private key file belongs to a key pair')
        openstack('keypair', 'verify', 'demo-key', '--private-key', key)

        step('Delete both in one command')
        openstack('keypair', 'delete', 'demo-key', 'demo-imported')
        openstack('keypair', 'list')
    finally:
        shutil.rmtree(work, ignore_errors=True)

    config = os.environ['OS_CLIENT_CONFIG_FILE']
    devcloud = os.path.relpath(os.path.join(ROOT, 'tools', 'devcloud.py'))
    print(f"""
=== Done. The local cloud is still running; to keep using it:

    export OS_CLIENT_CONFIG_FILE={config}
    openstack --os-cloud devcloud-demo keypair list

(the tox env has the plugin installed: .tox/demo/bin/openstack)
Stop it with:   python3 {devcloud} down
""")
    return 0


if __name__ == '__main__':
    sys.exit(main())
