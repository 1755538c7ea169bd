#!/usr/bin/env python3
"""devcloud: a real Keystone and a real Nova API on 127.0.0.1, for tests.

Installs pinned keystone and nova releases into ``.devcloud/venv`` inside the
checkout, configures both with SQLite, bootstraps Keystone (admin, a
``service`` project with the nova user, a ``demo`` project with two member
users), registers the compute endpoints and serves both under gunicorn.

Usage::

    python3 tools/devcloud.py up       # idempotent: reuses what exists
    python3 tools/devcloud.py status
    python3 tools/devcloud.py env      # export OS_CLIENT_CONFIG_FILE=...
    python3 tools/devcloud.py down     # stops exactly what ``up`` started

``--compute`` (``up --compute``, ``status --compute``, ...) works on the
optional compute tier instead: a second, separate cloud in
``.devcloud/compute/`` that boots servers (tools/devcloud_compute.py says
more). Plain ``down``, ``reset`` and ``status`` cover both tiers.

Only the standard library is used here, so any Python 3 can run it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = Path(os.environ.get('DEVCLOUD_DIR', ROOT / '.devcloud')).resolve()
VENV = STATE_DIR / 'venv'
INSTALLED_MARKER = VENV / '.devcloud-installed'
STATE_FILE = STATE_DIR / 'state.json'
CLOUDS_YAML = STATE_DIR / 'clouds.yaml'
LOG_DIR = STATE_DIR / 'log'
HOST = '127.0.0.1'
REGION = 'RegionOne'

# Pinned, known to work together (see the project's docs on the devcloud).
PACKAGES = [
    'keystone==30.0.0',
    'nova==34.0.0',
    'gunicorn==27.0.1',
]

SERVICES = ('keystone', 'nova')
START_TIMEOUT = 90


class DevcloudError(Exception):
    """A failure the user can act on; ``log`` names the log to show."""

    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message)
        self.log = log


def say(message: str) -> None:
    print(f'devcloud: {message}', file=sys.stderr, flush=True)


# --- state -----------------------------------------------------------------

def load_state() -> dict:
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return {}


def save_state(state: dict) -> None:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = STATE_FILE.with_suffix('.tmp')
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        json.dump(state, f, indent=2)
    os.replace(tmp, STATE_FILE)


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)


# --- processes -------------------------------------------------------------

def pid_is_ours(pid: int | None) -> bool:
    """True when ``pid`` is alive and is a gunicorn started from our dir.

    gunicorn rewrites its process title, so the working directory (set by
    ``start_service``) is what tells our servers from anybody else's.
    """
    if not pid:
        return False
    try:
        cmdline = Path(f'/proc/{pid}/cmdline').read_bytes()
        cwd = os.readlink(f'/proc/{pid}/cwd')
    except OSError:
        return False
    return b'gunicorn' in cmdline and cwd == str(STATE_DIR)


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


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


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


# --- install ---------------------------------------------------------------

def install(venv: Path = VENV, packages: list[str] = PACKAGES,
            log_dir: Path = LOG_DIR, duration: str = 'about a minute') -> None:
    """Install ``packages`` into ``venv`` once (the compute tier's too)."""
    marker = venv / '.devcloud-installed'
    if marker.exists():
        return
    say(f'installing {", ".join(packages)} into {venv} '
        f'({duration})')
    log = log_dir / 'install.log'
    log_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if not (venv / 'bin' / 'python').exists():
        run([sys.executable, '-m', 'venv', str(venv)], log)
    pip = [str(venv / 'bin' / 'python'), '-m', 'pip']
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


# --- configuration ---------------------------------------------------------

WSGI_MODULES = {
    'keystone': 'keystone.wsgi.api',
    'nova': 'nova.wsgi.osapi_compute',
}


def write_wsgi_shims() -> Path:
    """oslo.config parses sys.argv at import: hide gunicorn's arguments."""
    shim_dir = STATE_DIR / 'wsgi'
    shim_dir.mkdir(parents=True, exist_ok=True)
    for name, module in WSGI_MODULES.items():
        (shim_dir / f'devcloud_{name}.py').write_text(
            'import sys\n'
            'sys.argv = sys.argv[:1]\n'
            f'from {module} import application  # noqa\n')
    return shim_dir


def configure(state: dict) -> None:
    etc = STATE_DIR / 'etc'
    data = STATE_DIR / 'data'
    for d in (etc / 'keystone', etc / 'nova', data, LOG_DIR):
        d.mkdir(parents=True, exist_ok=True)
    kport = state['ports']['keystone']
    pw = state['passwords']
    write_private(etc / 'keystone' / 'keystone.conf', f"""\
[DEFAULT]
debug = false
[database]
connection = sqlite:///{data}/keystone.db
[token]
provider = fernet
[fernet_tokens]
key_repository = {etc}/keystone/fernet-keys
[fernet_receipts]
key_repository = {etc}/keystone/fernet-receipts
[credential]
key_repository = {etc}/keystone/credential-keys
""")
    paste = VENV / 'etc' / 'nova' / 'api-paste.ini'
    shutil.copy(paste, etc / 'nova' / 'api-paste.ini')
    write_private(etc / 'nova' / 'nova.conf', f"""\
[DEFAULT]
transport_url = fake://
state_path = {data}/nova
[api_database]
connection = sqlite:///{data}/nova_api.db
[database]
connection = sqlite:///{data}/nova.db
[oslo_concurrency]
lock_path = {data}/nova/lock
[keystone_authtoken]
www_authenticate_uri = http://{HOST}:{kport}/v3
auth_url = http://{HOST}:{kport}/v3
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = nova
password = {pw['nova']}
memcached_servers =
[api]
auth_strategy = keystone
""")


def env_for(service: str) -> dict:
    env = dict(os.environ)
    etc = STATE_DIR / 'etc' / service
    if service == 'keystone':
        env['OS_KEYSTONE_CONFIG_DIR'] = str(etc)
        env['OS_KEYSTONE_CONFIG_FILES'] = 'keystone.conf'
    else:
        env['OS_NOVA_CONFIG_DIR'] = str(etc)
        env['OS_NOVA_CONFIG_FILES'] = 'api-paste.ini;nova.conf'
    env['PATH'] = f'{VENV / "bin"}:{env.get("PATH", "")}'
    return env


def bootstrap_keystone(state: dict) -> None:
    log = LOG_DIR / 'keystone-setup.log'
    conf = str(STATE_DIR / 'etc' / 'keystone' / 'keystone.conf')
    manage = [str(VENV / 'bin' / 'keystone-manage'), '--config-file', conf]
    user = [f'--keystone-user={os.getuid()}',
            f'--keystone-group={os.getgid()}']
    env = env_for('keystone')
    run(manage + ['db_sync'], log, env)
    run(manage + ['fernet_setup', *user], log, env)
    run(manage + ['credential_setup', *user], log, env)
    url = f'http://{HOST}:{state["ports"]["keystone"]}/v3'
    # The password goes through the environment, never argv.
    env['OS_BOOTSTRAP_PASSWORD'] = state['passwords']['admin']
    run(manage + ['bootstrap',
                  '--bootstrap-admin-url', url,
                  '--bootstrap-internal-url', url,
                  '--bootstrap-public-url', url,
                  '--bootstrap-region-id', REGION], log, env)


def sync_nova() -> None:
    log_dir = LOG_DIR
    conf = ['--config-file', str(STATE_DIR / 'etc' / 'nova' / 'nova.conf')]
    manage = str(VENV / 'bin' / 'nova-manage')
    env = env_for('nova')
    # db sync looks up cell0 in the API database: the API schema goes first.
    run([manage, *conf, 'api_db', 'sync'], log_dir / 'nova-db-sync.log', env)
    run([manage, *conf, 'db', 'sync'], log_dir / 'nova-db-sync.log', env)


# The identity setup runs inside the devcloud's virtualenv, with the
# openstacksdk that nova brings, so this tool never speaks HTTP itself.
# Both tiers use it: every endpoint's service gets a user in ``service``.
IDENTITY_SETUP = r'''
import json, sys
import openstack

cfg = json.load(sys.stdin)
pw = cfg['passwords']
conn = openstack.connect(
    auth_url=cfg['auth_url'], username='admin', password=pw['admin'],
    project_name='admin', user_domain_id='default',
    project_domain_id='default', region_name=cfg['region'])
idn = conn.identity


def project(name):
    return (idn.find_project(name, domain_id='default')
            or idn.create_project(name=name, domain_id='default'))


def role(name):
    return idn.find_role(name) or idn.create_role(name=name)


def user(name, proj, roles):
    u = idn.find_user(name, domain_id='default') or idn.create_user(
        name=name, password=pw[name], domain_id='default',
        default_project_id=proj.id)
    for r in roles:
        idn.assign_project_role_to_user(proj, u, role(r))


service = project('service')
for name, _, _ in cfg['endpoints']:  # each service has a user of its own
    user(name, service, ['admin', 'service'])
demo = project('demo')
user('demo', demo, ['member'])
user('demo2', demo, ['member'])
for name, kind, url in cfg['endpoints']:
    svc = idn.find_service(name) or idn.create_service(
        name=name, type=kind, description=name)
    if not list(idn.endpoints(service_id=svc.id)):
        for iface in ('public', 'internal', 'admin'):
            idn.create_endpoint(service_id=svc.id, interface=iface, url=url,
                                region_id=cfg['region'])
print(json.dumps({'demo_project_id': demo.id}))
'''

# One authenticated call per user warms Nova's token cache and proves the
# whole chain (token, catalog, policy) before tests start.
WARM_UP = r'''
import openstack

for cloud in ('devcloud-admin', 'devcloud-demo', 'devcloud-demo2'):
    list(openstack.connect(cloud=cloud).compute.keypairs())
'''


def venv_python(script: str, payload: dict, log: Path) -> None:
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(CLOUDS_YAML))
    with open(log, 'ab') as out:
        proc = subprocess.run([str(VENV / 'bin' / 'python'), '-c', script],
                              input=json.dumps(payload).encode(),
                              stdout=out, stderr=subprocess.STDOUT, env=env,
                              check=False)
    if proc.returncode:
        raise DevcloudError('identity setup failed', log)


#: The clouds of clouds.yaml, (user, project) each: as the devcloud names
#: them, and as DevStack names its own (``clouds --devstack-names``).
CLOUD_NAMES = {
    'devcloud': {'devcloud-admin': ('admin', 'admin'),
                 'devcloud-demo': ('demo', 'demo'),
                 'devcloud-demo2': ('demo2', 'demo')},
    'devstack': {'devstack-admin': ('admin', 'admin'),
                 'devstack': ('demo', 'demo'),
                 'devstack-alt': ('demo2', 'demo')},
}


def clouds_yaml_text(state: dict, naming: str = 'devcloud') -> str:
    """clouds.yaml for the devcloud; DevStack's naming is DevStack's shape.

    DevStack's clouds.yaml gives Keystone's root as the auth URL (the
    client discovers v3) and the domains by ID.
    """
    root = f'http://{HOST}:{state["ports"]["keystone"]}'
    if naming == 'devstack':
        url, domains = root, ('user_domain_id: default',
                              'project_domain_id: default')
    else:
        url, domains = f'{root}/v3', ('user_domain_name: Default',
                                      'project_domain_name: Default')
    lines = [f'# Written by tools/devcloud.py: a local test cloud, named '
             f'as {naming} names its clouds.', 'clouds:']
    for cloud, (user, project) in CLOUD_NAMES[naming].items():
        lines += [
            f'  {cloud}:',
            '    auth:',
            f'      auth_url: {url}',
            f'      username: {user}',
            f'      password: {state["passwords"][user]}',
            f'      project_name: {project}',
            *(f'      {domain}' for domain in domains),
            f'    region_name: {REGION}',
            '    identity_api_version: 3',
            '    interface: public',
        ]
    return '\n'.join(lines) + '\n'


def write_clouds_yaml(state: dict) -> None:
    write_private(CLOUDS_YAML, clouds_yaml_text(state))


# --- serving ---------------------------------------------------------------

def start_service(name: str, port: int) -> int:
    if not port_is_free(port):
        raise DevcloudError(
            f'port {HOST}:{port} for {name} is in use by another process; '
            f'stop it, or run "down" and "up" again to pick new ports')
    shim_dir = write_wsgi_shims()
    log = LOG_DIR / f'{name}.log'
    cmd = [str(VENV / 'bin' / 'gunicorn'),
           '--bind', f'{HOST}:{port}', '--workers', '1',
           '--worker-class', 'gthread', '--threads', '8',
           '--timeout', '120', '--no-control-socket',
           '--pythonpath', str(shim_dir), '--name', f'devcloud-{name}',
           f'devcloud_{name}:application']
    out = open(log, 'ab')
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=env_for(name),
                            cwd=str(STATE_DIR), start_new_session=True)
    out.close()
    return proc.pid


def wait_until_answering(name: str, pid: int, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if answers(url):
            return
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            finished = pid if not pid_is_ours(pid) else 0
        if finished:
            raise DevcloudError(f'{name} exited while starting',
                                LOG_DIR / f'{name}.log')
        time.sleep(0.3)
    raise DevcloudError(f'{name} did not answer on {url} within '
                        f'{START_TIMEOUT} s', LOG_DIR / f'{name}.log')


def running(state: dict) -> dict[str, bool]:
    return {name: pid_is_ours(state.get('pids', {}).get(name))
            for name in SERVICES}


def service_url(state: dict, name: str) -> str:
    suffix = '/v3' if name == 'keystone' else '/'
    return f'http://{HOST}:{state["ports"][name]}{suffix}'


def requested_port(name: str) -> int | None:
    value = os.environ.get(f'DEVCLOUD_{name.upper()}_PORT')
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise DevcloudError(f'DEVCLOUD_{name.upper()}_PORT must be a port '
                            f'number, not {value!r}')


def compute_tier():
    """The optional compute tier, tools/devcloud_compute.py, on demand."""
    # It imports this module as ``devcloud``: make that this very module,
    # also when it runs as __main__, so that DevcloudError is one class.
    sys.modules.setdefault('devcloud', sys.modules[__name__])
    tools = str(Path(__file__).resolve().parent)
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import devcloud_compute
    return devcloud_compute


def cmd_up(args: argparse.Namespace) -> int:
    if args.compute:
        return compute_tier().cmd_up()
    started = time.monotonic()
    state = load_state()
    alive = running(state)
    if all(alive.values()) and all(answers(service_url(state, n))
                                   for n in SERVICES):
        say('already running; reusing it')
        print_env()
        return 0
    # Stop a half-running cloud so that we restart from a known point.
    stop(state)
    install()

    initialized = state.get('initialized') and all(
        port_is_free(p) for p in state.get('ports', {}).values())
    if not initialized:
        state = {
            'ports': {},
            'passwords': {u: secrets.token_urlsafe(16)
                          for u in ('admin', 'nova', 'demo', 'demo2')},
        }
        for name in SERVICES:
            port = requested_port(name)
            if port is not None and not port_is_free(port):
                raise DevcloudError(
                    f'port {HOST}:{port} (DEVCLOUD_{name.upper()}_PORT) is '
                    'already in use')
            state['ports'][name] = port or free_port()
        save_state(state)  # not initialized until every step below is done
        data = STATE_DIR / 'data'
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(STATE_DIR / 'etc', ignore_errors=True)
        configure(state)
        say('creating databases')
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            jobs = [pool.submit(bootstrap_keystone, state),
                    pool.submit(sync_nova)]
            for job in jobs:
                job.result()
    write_clouds_yaml(state)

    state['pids'] = {}
    for name in SERVICES:
        state['pids'][name] = start_service(name, state['ports'][name])
        save_state(state)
    for name in SERVICES:
        wait_until_answering(name, state['pids'][name],
                             service_url(state, name))
    if not state.get('initialized'):
        say('creating projects, users and the compute endpoint')
        venv_python(IDENTITY_SETUP, {
            'auth_url': service_url(state, 'keystone'),
            'region': REGION,
            'passwords': state['passwords'],
            'endpoints': [('nova', 'compute',
                           f'http://{HOST}:{state["ports"]["nova"]}/v2.1')],
        }, LOG_DIR / 'identity-setup.log')
        state['initialized'] = True
        save_state(state)
    venv_python(WARM_UP, {}, LOG_DIR / 'warm-up.log')
    say(f'up in {time.monotonic() - started:.1f} s: keystone on '
        f'{HOST}:{state["ports"]["keystone"]}, nova on '
        f'{HOST}:{state["ports"]["nova"]}')
    print_env()
    return 0


def stop(state: dict) -> list[str]:
    stopped = []
    for name, pid in state.get('pids', {}).items():
        if not pid_is_ours(pid):
            continue
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 15
        while pid_is_ours(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.1)
        if pid_is_ours(pid):
            os.kill(pid, signal.SIGKILL)
        stopped.append(name)
    if state.get('pids'):
        state['pids'] = {}
        save_state(state)
    return stopped


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def cmd_down(args: argparse.Namespace) -> int:
    compute = compute_tier()
    if args.compute:
        stopped = compute.cmd_down()
        say(f'compute tier: stopped {", ".join(stopped)}' if stopped
            else 'compute tier: nothing was running')
        return 0
    stopped = stop(load_state())
    say(f'stopped {", ".join(stopped)}' if stopped else 'nothing was running')
    if compute.exists():
        stopped = compute.cmd_down()
        if stopped:
            say(f'compute tier: stopped {", ".join(stopped)}')
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Stop the cloud and forget its data; the installed venv is kept."""
    compute = compute_tier()
    if args.compute:
        compute.cmd_reset()
        say('compute tier stopped and wiped; "up --compute" starts a '
            'fresh one')
        return 0
    stop(load_state())
    for path in (STATE_DIR / 'data', STATE_DIR / 'etc'):
        shutil.rmtree(path, ignore_errors=True)
    STATE_FILE.unlink(missing_ok=True)
    CLOUDS_YAML.unlink(missing_ok=True)
    if compute.exists():
        compute.cmd_reset()
    say('stopped and wiped; "up" starts a fresh cloud')
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    compute = compute_tier()
    if args.compute:
        return compute.cmd_status()
    state = load_state()
    alive = running(state)
    print(f'installed: {"yes" if INSTALLED_MARKER.exists() else "no"}')
    for name in SERVICES:
        if alive[name]:
            url = service_url(state, name)
            health = 'answering' if answers(url) else 'not answering'
            print(f'{name}: running (pid {state["pids"][name]}), {url} '
                  f'{health}')
        else:
            print(f'{name}: stopped')
    if CLOUDS_YAML.exists():
        print(f'clouds.yaml: {CLOUDS_YAML}')
    if compute.exists():
        compute.cmd_status()  # shown; the exit code is the keypair tier's
    return 0 if all(alive.values()) else 3


def print_env() -> None:
    print(f'export OS_CLIENT_CONFIG_FILE={CLOUDS_YAML}')


def cmd_env(args: argparse.Namespace) -> int:
    if args.compute:
        return compute_tier().cmd_env()
    if not CLOUDS_YAML.exists():
        raise DevcloudError('no clouds.yaml yet: run "up" first')
    print_env()
    return 0


def cmd_clouds(args: argparse.Namespace) -> int:
    """Write a clouds.yaml for the running devcloud (mode 0600)."""
    state = load_state()
    if not state.get('passwords') or not all(running(state).values()):
        raise DevcloudError('the devcloud is not running: run "up" first')
    naming = 'devstack' if args.devstack_names else 'devcloud'
    write_private(Path(args.output), clouds_yaml_text(state, naming))
    say(f'wrote {args.output}: clouds {", ".join(CLOUD_NAMES[naming])}')
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='devcloud', description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    for name, func, helptext in (
            ('up', cmd_up, 'install if needed, start, print the env'),
            ('down', cmd_down, 'stop the servers this tool started'),
            ('reset', cmd_reset, 'stop and wipe the data (keeps the venv)'),
            ('status', cmd_status, 'show what runs (exit 3 if stopped)'),
            ('env', cmd_env, 'print the shell export to use the cloud')):
        p = sub.add_parser(name, help=helptext)
        p.add_argument(
            '--compute', action='store_true',
            help='the compute tier only: a separate cloud in '
                 '.devcloud/compute/ that boots servers (MariaDB, RabbitMQ, '
                 'Placement, Glance, Neutron, all of Nova)')
        p.set_defaults(func=func)
    p = sub.add_parser('clouds', help='write a clouds.yaml for the cloud')
    p.add_argument('--output', required=True, metavar='<file>',
                   help='where to write it (mode 0600)')
    p.add_argument('--devstack-names', action='store_true',
                   help='name the clouds as DevStack does: devstack, '
                        'devstack-admin, devstack-alt')
    p.set_defaults(func=cmd_clouds)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DevcloudError as exc:
        say(f'error: {exc}')
        if exc.log is not None:
            print(f'--- last lines of {exc.log} ---', file=sys.stderr)
            print(tail(exc.log), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        say('interrupted')
        return 130


if __name__ == '__main__':
    sys.exit(main())
