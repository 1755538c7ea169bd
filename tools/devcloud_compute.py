"""devcloud's optional compute tier: servers that boot, on 127.0.0.1.

``python3 tools/devcloud.py up --compute`` runs a second, separate cloud in
``.devcloud/compute/`` on which ``openstack server create --key-name K --nic
none --image devcloud-image --flavor devcloud-tiny --wait`` reaches ACTIVE on a
real Nova, and which serves Nova's metadata API. Everything is real and
released: Keystone, Placement, Glance, Neutron and Nova from PyPI (pinned in
``PACKAGES``), MariaDB and RabbitMQ from Debian, each run as a private
instance of its own. Nova boots with its fake virt driver
(``fake.FakeDriver``): no guest runs, everything above the hypervisor is the
real code path.

The keypair tier (plain ``up``, ``.devcloud/``) is never touched: the compute
tier has its own virtualenv, configuration, databases, ports, processes and
``clouds.yaml`` with the same cloud names (``devcloud-admin``,
``devcloud-demo``, ``devcloud-demo2``). All its services use MariaDB (several
processes on one SQLite file lock each other out).

What tests need is in ``.devcloud/compute/compute.json`` (mode 0600):
``clouds_yaml``, ``image``, ``flavor``, ``metadata_url`` and
``metadata_secret`` (and the IDs, the demo project's, every API's URL);
``python3 tools/devcloud.py env --compute`` prints ``OS_CLIENT_CONFIG_FILE``
and ``DEVCLOUD_COMPUTE_INFO`` (that file's path). The metadata API answers as
behind Neutron's metadata proxy: send ``X-Instance-ID``, ``X-Tenant-ID`` and
``X-Instance-ID-Signature`` = HMAC-SHA256(metadata_secret, instance id), hex.

``up --compute`` installs what is missing (Debian packages through
tools/ensure-debian-packages, which starts no system service), builds the
cloud the first time and starts it again later with its data; ``down
--compute`` stops exactly the processes it started; ``reset --compute``
wipes the data and keeps the virtualenv. Logs are in ``.devcloud/compute/log``.
``DEVCLOUD_COMPUTE_DIR`` moves the whole tier; ``DEVCLOUD_COMPUTE_<NAME>_PORT``
(KEYSTONE, NOVA, METADATA, MYSQL, RABBITMQ, ...) fixes a port before the
first ``up --compute`` or after a reset.

This module is part of ``devcloud.py`` (loaded on demand) and, like it, uses
only the standard library.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import devcloud as dc
from devcloud import HOST, REGION, DevcloudError, say

HOME = Path(os.environ.get('DEVCLOUD_COMPUTE_DIR',
                           dc.STATE_DIR / 'compute')).resolve()
VENV = HOME / 'venv'
INSTALLED_MARKER = VENV / '.devcloud-installed'
ETC = HOME / 'etc'
DATA = HOME / 'data'
MYSQL_DIR = HOME / 'mysql'
RABBIT_DIR = HOME / 'rabbitmq'
WSGI_DIR = HOME / 'wsgi'
LOG_DIR = HOME / 'log'
STATE_FILE = HOME / 'state.json'
CLOUDS_YAML = HOME / 'clouds.yaml'
INFO_FILE = HOME / 'compute.json'

# Pinned, one release series (nova 34 / 2026.2), known to work together.
PACKAGES = [
    'keystone==30.0.0',
    'nova==34.0.0',
    'openstack-placement==16.0.0',
    'glance==33.0.0',
    'neutron==29.0.0',
    'gunicorn==27.0.1',
    'PyMySQL==1.2.4',
]
DEBIAN_PACKAGES = ('mariadb-server', 'rabbitmq-server')
MARIADBD = '/usr/sbin/mariadbd'
RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'

FLAVOR = 'devcloud-tiny'          # 64 MiB, 1 vCPU, 1 GB disk, public
IMAGE = 'devcloud-image'          # 1 KiB raw, public
NOVA_HOST = 'devcloud'            # [DEFAULT] host of every Nova service
DEMO_QUOTA = {'instances': 100, 'cores': 100, 'ram': 100 * 1024}
DATABASES = ('keystone', 'placement', 'glance', 'neutron', 'nova_api',
             'nova', 'nova_cell0')
USERS = ('admin', 'nova', 'placement', 'glance', 'neutron', 'demo', 'demo2')

# WSGI applications, each under its own gunicorn.
WSGI_APPS = {
    'keystone': 'keystone.wsgi.api',
    'placement': 'placement.wsgi.api',
    'glance': 'glance.wsgi.api',
    'neutron': 'neutron.wsgi.api',
    'nova': 'nova.wsgi.osapi_compute',
    'metadata': 'nova.wsgi.metadata',
}
NOVA_SERVICES = ('nova-conductor', 'nova-scheduler', 'nova-compute')
PROCESSES = ('mariadb', 'epmd', 'rabbitmq', *WSGI_APPS, *NOVA_SERVICES)
PORTS = ('mysql', 'epmd', 'rabbitmq', 'rabbitmq-dist', *WSGI_APPS)
# What the command line of each process holds (gunicorn renames itself).
MARKERS = {'mariadb': b'mariadbd', 'epmd': b'epmd', 'rabbitmq': b'rabbit',
           **{name: b'gunicorn' for name in WSGI_APPS},
           **{name: name.encode() for name in NOVA_SERVICES}}
# Stopped in this order, each group at once: clients before their servers.
STOP_GROUPS = ((*NOVA_SERVICES, *WSGI_APPS), ('rabbitmq',),
               ('epmd', 'mariadb'))
START_TIMEOUT = 120
STOP_TIMEOUT = 20

# Popen objects of the processes this invocation started (to reap them).
_children: dict[int, subprocess.Popen] = {}


# --- state -----------------------------------------------------------------

def load_state() -> dict:
    try:
        return json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return {}


def save_state(state: dict) -> None:
    HOME.mkdir(parents=True, exist_ok=True)
    tmp = STATE_FILE.with_suffix('.tmp')
    dc.write_private(tmp, json.dumps(state, indent=2))
    os.replace(tmp, STATE_FILE)


def exists() -> bool:
    """True once ``up --compute`` has been run here (status shows it)."""
    return STATE_FILE.exists()


# --- processes -------------------------------------------------------------

def _proc_cwd_cmdline(pid: int) -> tuple[str, bytes] | None:
    try:
        return (os.readlink(f'/proc/{pid}/cwd'),
                Path(f'/proc/{pid}/cmdline').read_bytes())
    except OSError:
        return None


def _inside_home(cwd: str) -> bool:
    return cwd == str(HOME) or cwd.startswith(f'{HOME}/')


def is_ours(name: str, pid: int | None) -> bool:
    """True when ``pid`` is alive and is the ``name`` process we started.

    Every process is started with its working directory in ``HOME``
    (mariadbd moves into its data directory, which is inside it), and its
    command line holds a marker: a recycled process ID never matches.
    """
    if not pid:
        return False
    found = _proc_cwd_cmdline(pid)
    return (found is not None and _inside_home(found[0])
            and MARKERS[name] in found[1])


def _family(leader: int) -> list[int]:
    """``leader``'s descendants and process group, where they run from HOME.

    Erlang's helpers (erl_child_setup, inet_gethost) take process groups of
    their own, gunicorn's and oslo.service's workers keep the leader's.
    """
    children: dict[int, list[int]] = {}
    members = set()
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / 'stat').read_text().rsplit(')', 1)[1].split()
            ppid, pgrp = int(fields[1]), int(fields[2])
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
    return [pid for pid in members
            if (found := _proc_cwd_cmdline(pid)) is not None
            and _inside_home(found[0])]


def _reap(pid: int) -> None:
    proc = _children.get(pid)
    if proc is not None:
        proc.poll()
        return
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _exited(pid: int) -> bool:
    proc = _children.get(pid)
    if proc is not None:
        return proc.poll() is not None
    return not Path(f'/proc/{pid}').exists()


def spawn(name: str, cmd: list[str], env: dict,
          log: Path | None = None) -> int:
    """Start ``name`` in its own session, working directory ``HOME``."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = log or LOG_DIR / f'{name}.log'
    with open(log, 'ab') as out:
        out.write(f'--- devcloud: starting {name} at '
                  f'{time.strftime("%Y-%m-%d %H:%M:%S")}\n'.encode())
        out.flush()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env,
                                cwd=str(HOME), start_new_session=True)
    _children[proc.pid] = proc
    return proc.pid


def running(state: dict) -> dict[str, bool]:
    pids = state.get('pids', {})
    return {name: is_ours(name, pids.get(name)) for name in PROCESSES}


def stop(state: dict) -> list[str]:
    """Stop exactly the processes ``up --compute`` started, in order."""
    pids = state.get('pids', {})
    stopped = []
    for group in STOP_GROUPS:
        live = {n: pids[n] for n in group if is_ours(n, pids.get(n))}
        for name, pid in live.items():
            # gunicorn stops at once on SIGINT; the others shut down
            # cleanly on SIGTERM.
            sig = signal.SIGINT if name in WSGI_APPS else signal.SIGTERM
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            for pid in live.values():
                _reap(pid)
            if not any(is_ours(n, p) for n, p in live.items()):
                break
            time.sleep(0.1)
        for name, pid in live.items():
            # Whatever is left of the group (a worker, a stuck leader).
            leftovers = set(_family(pid))
            if is_ours(name, pid):
                leftovers.add(pid)
            for member in leftovers:
                try:
                    os.kill(member, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _reap(pid)
        stopped += live
    if state.get('pids'):
        state['pids'] = {}
        save_state(state)
    return stopped


def memory(state: dict) -> tuple[int, int, int]:
    """(RSS KiB, PSS KiB, process count) of everything the tier runs."""
    rss = pss = count = 0
    for name, pid in state.get('pids', {}).items():
        if not is_ours(name, pid):
            continue
        for member in set(_family(pid)) | {pid}:
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


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


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


def exited_error(name: str) -> DevcloudError:
    log = LOG_DIR / f'{name}.log'
    return DevcloudError(f'{name} exited while starting{crash_reason(log)}',
                         log)


def wait_for(name: str, pid: int, ready, what: str,
             timeout: float = START_TIMEOUT) -> None:
    """Wait until ``ready()``; fail with ``name``'s log if it exits."""
    log = LOG_DIR / f'{name}.log'
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if _exited(pid):
            raise exited_error(name)
        if name in WSGI_APPS and worker_crashes(log) >= 2:
            raise DevcloudError(f'{name} cannot load its application'
                                f'{crash_reason(log)}', log)
        time.sleep(0.3)
    raise DevcloudError(f'{name} did not {what} within {timeout:.0f} s', log)


# --- install ---------------------------------------------------------------

def ensure_debian_packages() -> None:
    log = LOG_DIR / 'debian.log'
    if os.path.exists(MARIADBD) and os.path.exists(RABBITMQ_SERVER):
        return
    say(f'installing {", ".join(DEBIAN_PACKAGES)} from Debian '
        '(no system service is started)')
    started = time.monotonic()
    dc.run([str(dc.ROOT / 'tools' / 'ensure-debian-packages'),
            *DEBIAN_PACKAGES], log)
    say(f'Debian packages installed in {time.monotonic() - started:.0f} s')


def install() -> None:
    if (INSTALLED_MARKER.exists()
            and INSTALLED_MARKER.read_text().split() != PACKAGES):
        INSTALLED_MARKER.unlink()  # the pins changed: pip updates the venv
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(ensure_debian_packages),
                pool.submit(dc.install, VENV, PACKAGES, LOG_DIR,
                            'about two minutes')]
        for job in jobs:
            job.result()


# --- configuration ---------------------------------------------------------

def db_url(state: dict, name: str) -> str:
    return (f'mysql+pymysql://devcloud:{state["passwords"]["mysql"]}@'
            f'{HOST}:{state["ports"]["mysql"]}/{name}?charset=utf8')


def url(state: dict, name: str) -> str:
    return f'http://{HOST}:{state["ports"][name]}'


def auth_section(state: dict, user: str, authtoken: bool = False) -> str:
    """Password auth as ``user`` of the service project."""
    keystone = f'{url(state, "keystone")}/v3'
    lines = [f'auth_url = {keystone}', 'auth_type = password',
             'project_domain_name = Default', 'user_domain_name = Default',
             'project_name = service', f'username = {user}',
             f'password = {state["passwords"][user]}']
    if authtoken:
        lines += [f'www_authenticate_uri = {keystone}',
                  'memcached_servers =']
    else:
        lines += [f'region_name = {REGION}']
    return '\n'.join(lines) + '\n'


def transport_url(state: dict) -> str:
    return f'rabbit://guest:guest@{HOST}:{state["ports"]["rabbitmq"]}/'


def nova_conf(state: dict, sections: str, default: str = '') -> str:
    return f"""\
[DEFAULT]
debug = false
transport_url = {transport_url(state)}
state_path = {DATA}/nova
host = {NOVA_HOST}
my_ip = {HOST}
graceful_shutdown_timeout = 5
manager_shutdown_timeout = 0
{default}\
[oslo_concurrency]
lock_path = {DATA}/nova/lock
[placement]
{auth_section(state, 'nova')}\
[neutron]
{auth_section(state, 'neutron')}\
service_metadata_proxy = true
metadata_proxy_shared_secret = {state['passwords']['metadata']}
[service_user]
send_service_user_token = true
{auth_section(state, 'nova')}\
[vnc]
enabled = false
[spice]
enabled = false
{sections}"""


def configure(state: dict) -> None:
    for d in ('keystone', 'placement', 'glance', 'neutron', 'nova',
              'rabbitmq'):
        (ETC / d).mkdir(parents=True, exist_ok=True)
    for d in ('nova/lock', 'neutron/lock', 'glance/lock', 'glance/images',
              'glance/staging', 'glance/tasks'):
        (DATA / d).mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    write = dc.write_private
    # nova-compute's local node identity (see write_shims).
    (DATA / 'nova' / 'compute_id').write_text(f'{uuid.uuid4()}\n')

    write(ETC / 'keystone' / 'keystone.conf', f"""\
[DEFAULT]
debug = false
[database]
connection = {db_url(state, 'keystone')}
[token]
provider = fernet
[fernet_tokens]
key_repository = {ETC}/keystone/fernet-keys
[fernet_receipts]
key_repository = {ETC}/keystone/fernet-receipts
[credential]
key_repository = {ETC}/keystone/credential-keys
""")

    write(ETC / 'placement' / 'placement.conf', f"""\
[DEFAULT]
debug = false
[placement_database]
connection = {db_url(state, 'placement')}
[api]
auth_strategy = keystone
[keystone_authtoken]
{auth_section(state, 'placement', authtoken=True)}""")

    shutil.copy(VENV / 'etc' / 'glance' / 'glance-api-paste.ini',
                ETC / 'glance' / 'glance-api-paste.ini')
    write(ETC / 'glance' / 'glance-api.conf', f"""\
[DEFAULT]
debug = false
enabled_backends = fs:file
worker_self_reference_url = {url(state, 'glance')}
[database]
connection = {db_url(state, 'glance')}
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = {DATA}/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = {DATA}/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = {DATA}/glance/tasks/
[oslo_concurrency]
lock_path = {DATA}/glance/lock
[paste_deploy]
flavor = keystone
[keystone_authtoken]
{auth_section(state, 'glance', authtoken=True)}""")

    shutil.copy(VENV / 'etc' / 'neutron' / 'api-paste.ini',
                ETC / 'neutron' / 'api-paste.ini')
    write(ETC / 'neutron' / 'neutron.conf', f"""\
[DEFAULT]
debug = false
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = {transport_url(state)}
state_path = {DATA}/neutron
host = {NOVA_HOST}
[database]
connection = {db_url(state, 'neutron')}
[oslo_concurrency]
lock_path = {DATA}/neutron/lock
[keystone_authtoken]
{auth_section(state, 'neutron', authtoken=True)}\
[nova]
{auth_section(state, 'nova')}""")
    write(ETC / 'neutron' / 'ml2_conf.ini', """\
[ml2]
type_drivers = flat,local
project_network_types = local
mechanism_drivers =
extension_drivers = port_security
""")

    shutil.copy(VENV / 'etc' / 'nova' / 'api-paste.ini',
                ETC / 'nova' / 'api-paste.ini')
    # nova.conf serves nova-api, the metadata API, nova-conductor and
    # nova-scheduler; nova-compute has its own file without databases.
    write(ETC / 'nova' / 'nova.conf', nova_conf(state, f"""\
[api_database]
connection = {db_url(state, 'nova_api')}
[database]
connection = {db_url(state, 'nova')}
[api]
auth_strategy = keystone
metadata_cache_expiration = 0
[keystone_authtoken]
{auth_section(state, 'nova', authtoken=True)}\
[scheduler]
discover_hosts_in_cells_interval = -1
workers = 1
[conductor]
workers = 1
"""))
    write(ETC / 'nova' / 'nova-compute.conf',
          nova_conf(state, '', 'compute_driver = fake.FakeDriver\n'))

    write(ETC / 'rabbitmq' / 'rabbitmq.conf', f"""\
listeners.tcp.1 = {HOST}:{state['ports']['rabbitmq']}
loopback_users.guest = true
""")
    write(ETC / 'rabbitmq' / 'rabbitmq-env.conf', '')
    write(ETC / 'rabbitmq' / 'enabled_plugins', '[].\n')


def service_env(name: str) -> dict:
    env = dict(os.environ)
    env['PATH'] = f'{VENV / "bin"}:{env.get("PATH", "")}'
    if name == 'keystone':
        env['OS_KEYSTONE_CONFIG_DIR'] = str(ETC / 'keystone')
        env['OS_KEYSTONE_CONFIG_FILES'] = 'keystone.conf'
    elif name == 'placement':
        env['OS_PLACEMENT_CONFIG_DIR'] = str(ETC / 'placement')
    elif name == 'glance':
        env['OS_GLANCE_CONFIG_DIR'] = str(ETC / 'glance')
    elif name == 'neutron':
        env['OS_NEUTRON_CONFIG_DIR'] = str(ETC / 'neutron')
        env['OS_NEUTRON_CONFIG_FILES'] = 'neutron.conf;ml2_conf.ini'
    elif name in ('nova', 'metadata'):
        env['OS_NOVA_CONFIG_DIR'] = str(ETC / 'nova')
        env['OS_NOVA_CONFIG_FILES'] = 'api-paste.ini;nova.conf'
    return env


def rabbit_env(state: dict) -> dict:
    """One private RabbitMQ node, on loopback only, state in ``HOME``."""
    ports = state['ports']
    env = dict(os.environ)
    env.update({
        'HOME': str(RABBIT_DIR),  # its Erlang cookie
        'RABBITMQ_NODENAME': f'devcloud{ports["rabbitmq"]}@localhost',
        'RABBITMQ_CONF_ENV_FILE': str(ETC / 'rabbitmq' / 'rabbitmq-env.conf'),
        'RABBITMQ_CONFIG_FILE': str(ETC / 'rabbitmq' / 'rabbitmq.conf'),
        'RABBITMQ_ADVANCED_CONFIG_FILE': str(ETC / 'rabbitmq' /
                                             'advanced.config'),
        'RABBITMQ_ENABLED_PLUGINS_FILE': str(ETC / 'rabbitmq' /
                                             'enabled_plugins'),
        'RABBITMQ_MNESIA_BASE': str(RABBIT_DIR / 'mnesia'),
        'RABBITMQ_LOG_BASE': str(LOG_DIR / 'rabbitmq'),
        'RABBITMQ_LOGS': '-',
        'RABBITMQ_DIST_PORT': str(ports['rabbitmq-dist']),
        'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS':
            '-kernel inet_dist_use_interface {127,0,0,1}',
        'ERL_EPMD_ADDRESS': HOST,
        'ERL_EPMD_PORT': str(ports['epmd']),
        'ERL_CRASH_DUMP': str(LOG_DIR / 'erl_crash.dump'),
    })
    return env


def mysql_socket() -> str:
    path = HOME / 'mysql.sock'
    if len(str(path)) < 100:
        return str(path)
    digest = hashlib.sha256(str(HOME).encode()).hexdigest()[:16]
    return f'/tmp/devcloud-mysql-{os.getuid()}-{digest}.sock'


# --- MariaDB and RabbitMQ --------------------------------------------------

def start_mariadb(state: dict) -> int:
    log = LOG_DIR / 'mariadb.log'
    if not (MYSQL_DIR / 'mysql').is_dir():
        shutil.rmtree(MYSQL_DIR, ignore_errors=True)
        dc.run(['mariadb-install-db', '--no-defaults',
                '--auth-root-authentication-method=normal',
                '--skip-test-db', f'--datadir={MYSQL_DIR}',
                *(['--user=root'] if os.getuid() == 0 else [])],
               LOG_DIR / 'mariadb-setup.log')
    cmd = [MARIADBD, '--no-defaults', f'--datadir={MYSQL_DIR}',
           f'--socket={mysql_socket()}', f'--pid-file={HOME}/mariadb.pid',
           f'--bind-address={HOST}', f'--port={state["ports"]["mysql"]}',
           '--skip-log-bin', '--max-connections=1000',
           '--innodb-flush-log-at-trx-commit=2', '--innodb-doublewrite=0',
           '--character-set-server=utf8mb4', '--skip-name-resolve']
    if os.getuid() == 0:
        cmd.append('--user=root')
    return spawn('mariadb', cmd, dict(os.environ), log)


def create_databases(state: dict) -> None:
    """Databases, the ``devcloud`` user; root keeps only the socket."""
    sql = [f'CREATE DATABASE IF NOT EXISTS `{db}`;' for db in DATABASES]
    sql += [
        "DELETE FROM mysql.global_priv WHERE User = 'root' "
        "AND Host <> 'localhost';",
        "DELETE FROM mysql.global_priv WHERE User = '';",
        'FLUSH PRIVILEGES;',
        f"CREATE USER IF NOT EXISTS 'devcloud'@'{HOST}' IDENTIFIED BY "
        f"'{state['passwords']['mysql']}';",
        f"GRANT ALL PRIVILEGES ON *.* TO 'devcloud'@'{HOST}';",
    ]
    log = LOG_DIR / 'mariadb-setup.log'
    with open(log, 'ab') as out:
        out.write(b'$ mariadb (create databases and user)\n')
        out.flush()
        proc = subprocess.run(
            ['mariadb', '--no-defaults', '-uroot',
             f'--socket={mysql_socket()}'],
            input='\n'.join(sql).encode(), stdout=out,
            stderr=subprocess.STDOUT, check=False)
    if proc.returncode:
        raise DevcloudError('creating the MariaDB databases failed', log)


def start_rabbitmq(state: dict) -> None:
    RABBIT_DIR.mkdir(parents=True, exist_ok=True)
    env = rabbit_env(state)
    # epmd runs in the foreground as our own process (Erlang would start a
    # daemon of its own that outlives the node).
    epmd = shutil.which('epmd') or '/usr/bin/epmd'
    state['pids']['epmd'] = spawn(
        'epmd', [epmd, '-port', str(state['ports']['epmd']),
                 '-address', HOST], env)
    save_state(state)
    wait_for('epmd', state['pids']['epmd'],
             lambda: port_answers(state['ports']['epmd']), 'listen', 20)
    state['pids']['rabbitmq'] = spawn('rabbitmq', [RABBITMQ_SERVER], env)
    save_state(state)


# --- setup steps -----------------------------------------------------------

def manage(tool: str, *args: str, conf: Path, log: str,
           extra_conf: Path | None = None) -> None:
    cmd = [str(VENV / 'bin' / tool), '--config-file', str(conf)]
    if extra_conf:
        cmd += ['--config-file', str(extra_conf)]
    dc.run(cmd + list(args), LOG_DIR / log, service_env(''))


def sync_keystone(state: dict) -> None:
    conf = ETC / 'keystone' / 'keystone.conf'
    user = [f'--keystone-user={os.getuid()}',
            f'--keystone-group={os.getgid()}']
    log = 'keystone-setup.log'
    manage('keystone-manage', 'db_sync', conf=conf, log=log)
    manage('keystone-manage', 'fernet_setup', *user, conf=conf, log=log)
    manage('keystone-manage', 'credential_setup', *user, conf=conf, log=log)
    keystone = f'{url(state, "keystone")}/v3'
    env = service_env('keystone')
    env['OS_BOOTSTRAP_PASSWORD'] = state['passwords']['admin']
    dc.run([str(VENV / 'bin' / 'keystone-manage'), '--config-file',
            str(conf), 'bootstrap',
            '--bootstrap-admin-url', keystone,
            '--bootstrap-internal-url', keystone,
            '--bootstrap-public-url', keystone,
            '--bootstrap-region-id', REGION], LOG_DIR / log, env)


def sync_nova() -> None:
    conf = ETC / 'nova' / 'nova.conf'
    log = 'nova-db-sync.log'
    manage('nova-manage', 'api_db', 'sync', conf=conf, log=log)
    manage('nova-manage', 'cell_v2', 'map_cell0', conf=conf, log=log)
    manage('nova-manage', 'cell_v2', 'create_cell', '--name', 'cell1',
           conf=conf, log=log)
    manage('nova-manage', 'db', 'sync', conf=conf, log=log)


def sync_databases(state: dict) -> None:
    """Every schema at once (the steps wait on the database, not the CPU)."""
    placement = ETC / 'placement' / 'placement.conf'
    glance = ETC / 'glance' / 'glance-api.conf'
    neutron = ETC / 'neutron' / 'neutron.conf'
    jobs = [
        lambda: sync_keystone(state),
        lambda: manage('placement-manage', 'db', 'sync', conf=placement,
                       log='placement-db-sync.log'),
        lambda: manage('glance-manage', 'db_sync', conf=glance,
                       log='glance-db-sync.log'),
        lambda: manage('neutron-db-manage', 'upgrade', 'heads', conf=neutron,
                       extra_conf=ETC / 'neutron' / 'ml2_conf.ini',
                       log='neutron-db-sync.log'),
        sync_nova,
    ]
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(job) for job in jobs]
        for future in futures:
            future.result()


# nova.virt.fake takes its node UUID from a sentinel that is random in each
# process, and nova-compute refuses to start on a host whose node changed
# ("Duplicate compute node record"): a second ``up`` would fail. Pin the
# sentinel to the node identity nova keeps in state_path/compute_id.
NOVA_COMPUTE_SHIM = """\
import sys
from oslo_utils.fixture import uuidsentinel
with open({compute_id!r}) as f:
    uuidsentinel._sentinels['node_' + {host!r}] = f.read().strip()
from nova.cmd.compute import main
sys.argv[0] = {argv0!r}
sys.exit(main())
"""


def write_shims() -> None:
    """oslo.config parses sys.argv at import: hide gunicorn's arguments."""
    WSGI_DIR.mkdir(parents=True, exist_ok=True)
    (WSGI_DIR / 'nova-compute.py').write_text(NOVA_COMPUTE_SHIM.format(
        compute_id=str(DATA / 'nova' / 'compute_id'), host=NOVA_HOST,
        argv0=str(VENV / 'bin' / 'nova-compute')))
    for name, module in WSGI_APPS.items():
        text = ('import sys\n'
                'sys.argv = sys.argv[:1]\n'
                f'from {module} import application  # noqa\n')
        if name == 'neutron':
            # Until SQLAlchemy has configured its mappers, GET /v2.0/ports
            # fails ("'Port' has no attribute 'port_forwardings'").
            text += ('import sqlalchemy.orm\n'
                     'sqlalchemy.orm.configure_mappers()\n')
        (WSGI_DIR / f'devcloud_compute_{name}.py').write_text(text)


def start_wsgi(state: dict, name: str) -> int:
    port = state['ports'][name]
    if not dc.port_is_free(port):
        raise DevcloudError(
            f'port {HOST}:{port} for {name} is in use by another process; '
            'run "down --compute" and "up --compute" again to pick new ports')
    cmd = [str(VENV / 'bin' / 'gunicorn'),
           '--bind', f'{HOST}:{port}', '--workers', '1',
           '--worker-class', 'gthread', '--threads', '8',
           '--timeout', '120', '--no-control-socket',
           '--pythonpath', str(WSGI_DIR),
           '--name', f'devcloud-compute-{name}',
           f'devcloud_compute_{name}:application']
    return spawn(name, cmd, service_env(name))


def health_url(state: dict, name: str) -> str:
    return url(state, name) + ('/v3' if name == 'keystone' else '/')


def start_nova_service(name: str) -> int:
    if name == 'nova-compute':
        cmd = [str(VENV / 'bin' / 'python'), str(WSGI_DIR / 'nova-compute.py'),
               '--config-file', str(ETC / 'nova' / 'nova-compute.conf')]
    else:
        cmd = [str(VENV / 'bin' / name), '--config-file',
               str(ETC / 'nova' / 'nova.conf')]
    return spawn(name, cmd, service_env(name))


# Scripts run inside the compute tier's virtualenv, with the openstacksdk
# that nova brings, so this tool never speaks HTTP to OpenStack itself.
IDENTITY_SETUP = dc.IDENTITY_SETUP  # the keypair tier's, with more services

# Waits until the given Nova services report "up" with a heartbeat sent
# since they were started (a record from before a restart looks up too).
WAIT_FOR_NOVA = r'''
import datetime, json, sys, time
import openstack

cfg = json.load(sys.stdin)
conn = openstack.connect(cloud='devcloud-admin')
deadline = time.monotonic() + cfg['timeout']


def fresh(service):
    if service.state != 'up' or not service.updated_at:
        return False
    seen = datetime.datetime.fromisoformat(service.updated_at.rstrip('Z'))
    seen = seen.replace(tzinfo=datetime.timezone.utc)
    return seen.timestamp() >= cfg['since']


while True:
    try:
        up = {s.binary for s in conn.compute.services() if fresh(s)}
        missing = sorted(set(cfg['binaries']) - up)
    except Exception as exc:
        missing = [f'the compute API ({exc})']
    if not missing:
        sys.exit(0)
    if time.monotonic() > deadline:
        print(', '.join(missing))
        sys.exit(3)
    time.sleep(1)
'''

RESOURCES = r'''
import io, json, sys, time
import openstack

cfg = json.load(sys.stdin)
conn = openstack.connect(cloud='devcloud-admin')
flavor = conn.compute.find_flavor(cfg['flavor']) or conn.compute.create_flavor(
    name=cfg['flavor'], ram=64, vcpus=1, disk=1, is_public=True)
image = conn.image.find_image(cfg['image'])
if image is None:
    image = conn.image.create_image(
        name=cfg['image'], data=io.BytesIO(b'\0' * 1024), disk_format='raw',
        container_format='bare', visibility='public', wait=True)
conn.set_compute_quotas('demo', **cfg['quota'])
# The compute node is what the scheduler places servers on.
deadline = time.monotonic() + 60
while not list(conn.compute.hypervisors()):
    if time.monotonic() > deadline:
        sys.exit('no hypervisor is listed: see nova-compute.log')
    time.sleep(1)
print(json.dumps({'flavor_id': flavor.id, 'image_id': image.id}))
'''

# One authenticated call per user and service warms every token cache and
# proves the whole chain before tests start.
WARM_UP = r'''
import openstack

for cloud in ('devcloud-admin', 'devcloud-demo', 'devcloud-demo2'):
    conn = openstack.connect(cloud=cloud)
    list(conn.compute.keypairs())
    list(conn.compute.servers())
    list(conn.image.images())
    list(conn.network.ports())
'''


def venv_python(script: str, payload: dict, log: Path,
                what: str) -> str:
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(CLOUDS_YAML))
    with open(log, 'ab') as out:
        proc = subprocess.run([str(VENV / 'bin' / 'python'), '-c', script],
                              input=json.dumps(payload).encode(),
                              stdout=subprocess.PIPE, stderr=out, env=env,
                              check=False)
        out.write(proc.stdout)
    if proc.returncode:
        raise DevcloudError(f'{what} failed', log)
    return proc.stdout.decode()


def wait_for_nova(state: dict, binaries: tuple[str, ...],
                  since: float) -> None:
    """Run WAIT_FOR_NOVA while watching the Nova processes."""
    log = LOG_DIR / 'wait-for-nova.log'
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(CLOUDS_YAML))
    with open(log, 'ab') as out:
        proc = subprocess.Popen(
            [str(VENV / 'bin' / 'python'), '-c', WAIT_FOR_NOVA],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=out,
            env=env)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({'binaries': binaries,
                                     'since': int(since) - 1,
                                     'timeout': START_TIMEOUT}).encode())
        proc.stdin.close()
        try:
            while proc.poll() is None:
                for name in binaries:
                    if _exited(state['pids'][name]):
                        raise exited_error(name)
                time.sleep(0.3)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        missing = proc.stdout.read().decode().strip()
    if proc.returncode:
        # Name the log of the first service that is not up.
        culprit = next((n for n in binaries if n in missing), binaries[-1])
        raise DevcloudError(
            f'not up within {START_TIMEOUT} s: {missing or "see " + str(log)}',
            LOG_DIR / f'{culprit}.log')


def write_clouds_yaml(state: dict) -> None:
    keystone = f'{url(state, "keystone")}/v3'
    clouds = {
        'devcloud-admin': ('admin', 'admin'),
        'devcloud-demo': ('demo', 'demo'),
        'devcloud-demo2': ('demo2', 'demo'),
    }
    lines = ['# Written by tools/devcloud.py up --compute: a local test '
             'cloud that boots servers.', 'clouds:']
    for cloud, (user, project) in clouds.items():
        lines += [
            f'  {cloud}:',
            '    auth:',
            f'      auth_url: {keystone}',
            f'      username: {user}',
            f'      password: {state["passwords"][user]}',
            f'      project_name: {project}',
            '      user_domain_name: Default',
            '      project_domain_name: Default',
            f'    region_name: {REGION}',
            '    identity_api_version: 3',
            '    interface: public',
        ]
    dc.write_private(CLOUDS_YAML, '\n'.join(lines) + '\n')


def write_info(state: dict) -> None:
    """compute.json: what tests need to boot a server and ask metadata."""
    info = {
        'clouds_yaml': str(CLOUDS_YAML),
        'clouds': {'admin': 'devcloud-admin', 'demo': 'devcloud-demo',
                   'demo2': 'devcloud-demo2'},
        'image': IMAGE,
        'flavor': FLAVOR,
        'metadata_url': url(state, 'metadata'),
        'metadata_secret': state['passwords']['metadata'],
        **state.get('resources', {}),
        'urls': {name: url(state, name) for name in WSGI_APPS},
    }
    dc.write_private(INFO_FILE, json.dumps(info, indent=2) + '\n')


# --- commands --------------------------------------------------------------

def requested_port(name: str) -> int | None:
    var = f'DEVCLOUD_COMPUTE_{name.upper().replace("-", "_")}_PORT'
    value = os.environ.get(var)
    if not value:
        return None
    try:
        port = int(value)
    except ValueError:
        raise DevcloudError(f'{var} must be a port number, not {value!r}')
    if not dc.port_is_free(port):
        raise DevcloudError(f'port {HOST}:{port} ({var}) is already in use')
    return port


def fresh_state() -> dict:
    ports: dict[str, int] = {}
    for name in PORTS:
        port = requested_port(name)
        while port is None or port in ports.values():
            port = dc.free_port()
        ports[name] = port
    return {
        'ports': ports,
        # Hex: safe in URLs and SQL as they are.
        'passwords': {u: secrets.token_hex(16)
                      for u in (*USERS, 'mysql', 'metadata')},
        'pids': {},
        'packages': PACKAGES,
    }


def healthy(state: dict) -> bool:
    if not all(running(state).values()):
        return False
    return (all(dc.answers(health_url(state, n)) for n in WSGI_APPS)
            and port_answers(state['ports']['mysql'])
            and port_answers(state['ports']['rabbitmq']))


def cmd_up() -> int:
    started = time.monotonic()
    state = load_state()
    if state.get('initialized') and healthy(state):
        say('compute tier already running; reusing it')
        print_env()
        return 0
    stop(state)  # a half-running tier restarts from a known point
    install()
    try:
        bring_up(state, started)
    except BaseException:
        # Leave nothing half-running behind; the logs stay.
        stop(load_state())
        raise
    print_env()
    return 0


def bring_up(state: dict, started: float) -> None:
    # A new cloud when there is none yet, when another process took one of
    # its ports, or when the pins changed (no schema upgrades here).
    initialized = (state.get('initialized')
                   and state.get('packages') == PACKAGES
                   and all(dc.port_is_free(p)
                           for p in state.get('ports', {}).values()))
    HOME.mkdir(parents=True, exist_ok=True)
    HOME.chmod(0o700)  # MariaDB's socket lets root in without a password
    if not initialized:
        state = fresh_state()
        save_state(state)  # not initialized until every step below is done
        for path in (ETC, DATA, MYSQL_DIR, RABBIT_DIR, WSGI_DIR):
            shutil.rmtree(path, ignore_errors=True)
        INFO_FILE.unlink(missing_ok=True)
        configure(state)
    state['pids'] = {}
    write_clouds_yaml(state)
    write_shims()

    say('starting MariaDB and RabbitMQ')
    state['pids']['mariadb'] = start_mariadb(state)
    save_state(state)
    start_rabbitmq(state)
    wait_for('mariadb', state['pids']['mariadb'],
             lambda: port_answers(state['ports']['mysql']),
             'accept connections')
    if not initialized:
        create_databases(state)
        say('creating the databases (about a minute)')
        step = time.monotonic()
        sync_databases(state)
        say(f'databases created in {time.monotonic() - step:.0f} s')

    say('starting the API servers')
    for name in WSGI_APPS:
        state['pids'][name] = start_wsgi(state, name)
        save_state(state)
    wait_for('rabbitmq', state['pids']['rabbitmq'],
             lambda: port_answers(state['ports']['rabbitmq']),
             'accept connections')
    wait_for_api(state, 'keystone')
    if not initialized:
        say('creating projects, users, services and endpoints')
        out = venv_python(IDENTITY_SETUP, {
            'auth_url': f'{url(state, "keystone")}/v3',
            'region': REGION,
            'passwords': state['passwords'],
            'endpoints': [
                ('nova', 'compute', f'{url(state, "nova")}/v2.1'),
                ('placement', 'placement', url(state, 'placement')),
                ('glance', 'image', url(state, 'glance')),
                ('neutron', 'network', url(state, 'neutron')),
            ],
        }, LOG_DIR / 'identity-setup.log', 'identity setup')
        state['resources'] = json.loads(out.strip().splitlines()[-1])
        save_state(state)
    wait_for_api(state, 'placement')

    # Both load Placement's client at start, as Nova's service user.
    say('starting nova-conductor and nova-scheduler')
    since = time.time()
    for name in NOVA_SERVICES[:2]:
        state['pids'][name] = start_nova_service(name)
        save_state(state)
    for name in WSGI_APPS:
        wait_for_api(state, name)
    wait_for_nova(state, NOVA_SERVICES[:2], since)

    # nova-compute asks nova-conductor first (a call that nobody consumes
    # yet is lost, and waits 60 s) and reports to Placement at once.
    say('starting nova-compute')
    since = time.time()
    state['pids']['nova-compute'] = start_nova_service('nova-compute')
    save_state(state)
    # The APIs' first calls (token validation, catalog) meanwhile.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        warm_up = pool.submit(venv_python, WARM_UP, {},
                              LOG_DIR / 'warm-up.log', 'warm-up')
        wait_for_nova(state, NOVA_SERVICES[2:], since)
        warm_up.result()
    if not initialized:
        dc.run([str(VENV / 'bin' / 'nova-manage'), '--config-file',
                str(ETC / 'nova' / 'nova.conf'), 'cell_v2', 'discover_hosts',
                '--by-service', '--verbose'], LOG_DIR / 'nova-db-sync.log',
               service_env('nova'))
        say(f'creating the flavor {FLAVOR} and the image {IMAGE}')
        out = venv_python(RESOURCES, {
            'flavor': FLAVOR, 'image': IMAGE, 'quota': DEMO_QUOTA,
        }, LOG_DIR / 'resources.log', 'creating the flavor and image')
        state['resources'].update(json.loads(out.strip().splitlines()[-1]))
        state['initialized'] = True
        save_state(state)
    write_info(state)
    rss, pss, count = memory(state)
    say(f'compute tier up in {time.monotonic() - started:.1f} s '
        f'({count} processes, {rss // 1024} MiB RSS, {pss // 1024} MiB '
        f'PSS): keystone on {url(state, "keystone")}, metadata on '
        f'{url(state, "metadata")}; details in {INFO_FILE}')


def wait_for_api(state: dict, name: str) -> None:
    wait_for(name, state['pids'][name],
             lambda: dc.answers(health_url(state, name)),
             f'answer on {health_url(state, name)}')


def cmd_down() -> list[str]:
    return stop(load_state())


def cmd_reset() -> None:
    """Stop the tier and forget its data; the installed venv is kept."""
    stop(load_state())
    for path in (ETC, DATA, MYSQL_DIR, RABBIT_DIR, WSGI_DIR):
        shutil.rmtree(path, ignore_errors=True)
    for path in (STATE_FILE, CLOUDS_YAML, INFO_FILE, HOME / 'mariadb.pid'):
        path.unlink(missing_ok=True)


def cmd_status() -> int:
    """Print the compute tier's state; 0 when everything runs, else 3."""
    state = load_state()
    alive = running(state)
    print(f'compute tier ({HOME}): installed: '
          f'{"yes" if INSTALLED_MARKER.exists() else "no"}')
    pids = state.get('pids', {})
    for name in PROCESSES:
        if not alive[name]:
            print(f'  {name}: stopped')
            continue
        where = ''
        if name in WSGI_APPS:
            health = ('answering' if dc.answers(health_url(state, name))
                      else 'not answering')
            where = f', {health_url(state, name)} {health}'
        elif name in ('mariadb', 'rabbitmq', 'epmd'):
            port = state['ports'][{'mariadb': 'mysql'}.get(name, name)]
            health = 'listening' if port_answers(port) else 'not listening'
            where = f', {HOST}:{port} {health}'
        print(f'  {name}: running (pid {pids[name]}){where}')
    if any(alive.values()):
        rss, pss, count = memory(state)
        print(f'  memory: {rss // 1024} MiB RSS, {pss // 1024} MiB PSS '
              f'in {count} processes')
    if CLOUDS_YAML.exists():
        print(f'  clouds.yaml: {CLOUDS_YAML}')
    if INFO_FILE.exists():
        print(f'  details (metadata URL and secret, image, flavor): '
              f'{INFO_FILE}')
    return 0 if all(alive.values()) else 3


def print_env() -> None:
    print(f'export OS_CLIENT_CONFIG_FILE={CLOUDS_YAML}')
    print(f'export DEVCLOUD_COMPUTE_INFO={INFO_FILE}')


def cmd_env() -> int:
    if not INFO_FILE.exists():
        raise DevcloudError('the compute tier is not set up yet: run '
                            '"up --compute" first')
    print_env()
    return 0


if __name__ == '__main__':
    sys.exit('run this through tools/devcloud.py --compute')
