"""The optional compute tier: servers that boot, on 127.0.0.1.

``python3 tools/devcloud.py up --compute`` runs a second, separate cloud in
``.devcloud/compute/`` on which ``openstack server create --key-name K
--network devcloud-net --image devcloud-image --flavor devcloud-tiny --wait``
(or ``--nic none``) reaches ACTIVE on a real Nova, and which serves Nova's
metadata API. devcloud-net is shared, its subnet 127.10.0.0/24 (no gateway,
no DHCP): every address a server gets is this machine's loopback. Ports are
bound by in_venv/devcloud_ml2.py, a mechanism driver that binds every port
(there are no agents); nova-compute does not wait for VIF plugging.
Everything is real and released: Keystone, Placement, Glance, Neutron and
Nova from PyPI (pinned in ``PACKAGES``), MariaDB and RabbitMQ from Debian,
each run as a private instance of its own. Nova boots with its fake virt
driver (``fake.FakeDriver``): no guest runs, everything above the
hypervisor is the real code path.

The keypair tier (plain ``up``, ``.devcloud/``) is never touched: the compute
tier has its own virtualenv, configuration, databases, ports, processes and
``clouds.yaml`` with the same cloud names (``devcloud-admin``,
``devcloud-demo``, ``devcloud-demo2``). All its services use MariaDB (several
processes on one SQLite file lock each other out).

What tests need is in ``.devcloud/compute/compute.json`` (mode 0600):
``clouds_yaml``, ``image``, ``flavor``, ``network``, ``subnet_range``,
``console_dir`` (the file ``<console_dir>/<server id>`` is that server's
console output), ``metadata_url`` and ``metadata_secret`` (and the IDs, the
demo project's, every API's URL);
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
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import secrets
import shutil
import subprocess
import time

from . import identity
from .common import (HOST, IN_VENV, DevcloudError, answers, health_url,
                     pick_ports, port_answers, port_is_free, run, say,
                     write_private)
from .compute_backing import (create_databases, ensure_debian_packages,
                              start_mariadb, start_rabbitmq)
from .compute_config import (CONSOLE_DIR, DATA, ETC, HOME, INFO_FILE,
                             LOG_DIR, MYSQL_DIR, NOVA_HOST, NOVA_SERVICES,
                             RABBIT_DIR, TIER, VENV, WSGI_APPS, configure,
                             service_env, url)
from .tier import exited

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

FLAVOR = 'devcloud-tiny'          # 64 MiB, 1 vCPU, 1 GB disk, public
IMAGE = 'devcloud-image'          # 1 KiB raw, public
# A shared network every user boots on. Every 127.0.0.0/8 address is this
# machine's loopback, so a test's sshd can listen on a server's own
# address; Neutron takes such a subnet without DHCP. 127.10.0.0/24 is far
# from the addresses systems use (127.0.0.1, 127.0.1.1, 127.0.0.53); the
# pool starts at .10, so the low addresses stay free for anything else.
NETWORK = {'name': 'devcloud-net', 'subnet': 'devcloud-subnet',
           'cidr': '127.10.0.0/24',
           'pool': ['127.10.0.10', '127.10.0.250']}
# What bring_up sets up the first time, in a word: a tier set up otherwise
# is built afresh (there is no upgrade of an existing one).
SETUP = 'network-1'
DEMO_QUOTA = {'instances': 100, 'cores': 100, 'ram': 100 * 1024}
USERS = ('admin', 'nova', 'placement', 'glance', 'neutron', 'demo', 'demo2')

PORTS = ('mysql', 'epmd', 'rabbitmq', 'rabbitmq-dist', *WSGI_APPS)
# Stopped in this order, each group at once: clients before their servers.
STOP_GROUPS = ((*NOVA_SERVICES, *WSGI_APPS), ('rabbitmq',),
               ('epmd', 'mariadb'))
START_TIMEOUT = 120


def exists() -> bool:
    """True once ``up --compute`` has been run here (status shows it)."""
    return TIER.state_file.exists()


# --- install -----------------------------------------------------------------

def install() -> None:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(ensure_debian_packages),
                pool.submit(TIER.install, PACKAGES, 'about two minutes')]
        for job in jobs:
            job.result()


# --- setup steps -------------------------------------------------------------

def manage(tool: str, *args: str, conf: str, log: str) -> None:
    """``tool`` (a service's manage command) on ``ETC/conf`` (';' for more).
    """
    cmd = [str(VENV / 'bin' / tool)]
    for name in conf.split(';'):
        cmd += ['--config-file', str(ETC / name)]
    run(cmd + list(args), LOG_DIR / log, service_env(''))


def sync_nova() -> None:
    conf, log = 'nova/nova.conf', 'nova-db-sync.log'
    manage('nova-manage', 'api_db', 'sync', conf=conf, log=log)
    manage('nova-manage', 'cell_v2', 'map_cell0', conf=conf, log=log)
    manage('nova-manage', 'cell_v2', 'create_cell', '--name', 'cell1',
           conf=conf, log=log)
    manage('nova-manage', 'db', 'sync', conf=conf, log=log)


def sync_databases(state: dict) -> None:
    """Every schema at once (the steps wait on the database, not the CPU)."""
    jobs = [
        lambda: identity.bootstrap(TIER, ETC / 'keystone',
                                   state['ports']['keystone'],
                                   state['passwords']['admin']),
        lambda: manage('placement-manage', 'db', 'sync',
                       conf='placement/placement.conf',
                       log='placement-db-sync.log'),
        lambda: manage('glance-manage', 'db_sync',
                       conf='glance/glance-api.conf',
                       log='glance-db-sync.log'),
        lambda: manage('neutron-db-manage', 'upgrade', 'heads',
                       conf='neutron/neutron.conf;neutron/ml2_conf.ini',
                       log='neutron-db-sync.log'),
        sync_nova,
    ]
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(job) for job in jobs]
        for future in futures:
            future.result()


def start_nova_service(name: str) -> int:
    if name == 'nova-compute':
        cmd = [str(VENV / 'bin' / 'python'), str(IN_VENV / 'nova-compute.py'),
               str(DATA / 'nova' / 'compute_id'), NOVA_HOST, str(CONSOLE_DIR),
               '--config-file', str(ETC / 'nova' / 'nova-compute.conf')]
    else:
        cmd = [str(VENV / 'bin' / name), '--config-file',
               str(ETC / 'nova' / 'nova.conf')]
    return TIER.spawn(name, cmd, service_env(name))


def wait_for_api(state: dict, name: str) -> None:
    where = health_url(state['ports'][name], name)
    TIER.wait_for(name, state['pids'][name], lambda: answers(where),
                  f'answer on {where}', START_TIMEOUT)


def wait_for_nova(state: dict, binaries: tuple[str, ...],
                  since: float) -> None:
    """Run in_venv/wait_for_nova.py while watching the Nova processes."""
    log = LOG_DIR / 'wait-for-nova.log'
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(TIER.clouds_yaml))
    with open(log, 'ab') as out:
        proc = subprocess.Popen(
            [str(VENV / 'bin' / 'python'), str(IN_VENV / 'wait_for_nova.py')],
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
                    if exited(state['pids'][name]):
                        raise TIER.exited_error(name)
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


def write_info(state: dict) -> None:
    """compute.json: what tests need to boot a server and ask metadata."""
    info = {
        'clouds_yaml': str(TIER.clouds_yaml),
        'clouds': {'admin': 'devcloud-admin', 'demo': 'devcloud-demo',
                   'demo2': 'devcloud-demo2'},
        'image': IMAGE,
        'flavor': FLAVOR,
        'network': NETWORK['name'],
        'subnet_range': NETWORK['cidr'],
        'console_dir': str(CONSOLE_DIR),
        'metadata_url': url(state, 'metadata'),
        'metadata_secret': state['passwords']['metadata'],
        **state.get('resources', {}),
        'urls': {name: url(state, name) for name in WSGI_APPS},
    }
    write_private(INFO_FILE, json.dumps(info, indent=2) + '\n')


# --- commands ----------------------------------------------------------------

def healthy(state: dict) -> bool:
    if not all(TIER.running(state).values()):
        return False
    return (all(answers(health_url(state['ports'][n], n)) for n in WSGI_APPS)
            and port_answers(state['ports']['mysql'])
            and port_answers(state['ports']['rabbitmq']))


def up() -> int:
    started = time.monotonic()
    state = TIER.load_state()
    # A running tier set up otherwise (an older checkout's) is rebuilt.
    if (state.get('initialized') and state.get('setup') == SETUP
            and healthy(state)):
        say('compute tier already running; reusing it')
        TIER.print_env()
        return 0
    TIER.stop(state, STOP_GROUPS)  # a half-running tier restarts cleanly
    install()
    try:
        bring_up(state, started)
    except BaseException:
        # Leave nothing half-running behind; the logs stay.
        TIER.stop(TIER.load_state(), STOP_GROUPS)
        raise
    TIER.print_env()
    return 0


def bring_up(state: dict, started: float) -> None:
    # A new cloud when there is none yet, when another process took one of
    # its ports, or when the pins or the setup changed (no upgrades here).
    initialized = (state.get('initialized')
                   and state.get('packages') == PACKAGES
                   and state.get('setup') == SETUP
                   and all(port_is_free(p)
                           for p in state.get('ports', {}).values()))
    HOME.mkdir(parents=True, exist_ok=True)
    HOME.chmod(0o700)  # MariaDB's socket lets root in without a password
    if not initialized:
        state = {
            'ports': pick_ports('DEVCLOUD_COMPUTE', PORTS),
            # Hex: safe in URLs and SQL as they are.
            'passwords': {u: secrets.token_hex(16)
                          for u in (*USERS, 'mysql', 'metadata')},
            'pids': {},
            'packages': PACKAGES,
            'setup': SETUP,
        }
        TIER.save_state(state)  # not initialized until every step is done
        for path in (ETC, DATA, MYSQL_DIR, RABBIT_DIR):
            shutil.rmtree(path, ignore_errors=True)
        INFO_FILE.unlink(missing_ok=True)
        configure(state)
    state['pids'] = {}
    write_private(TIER.clouds_yaml, identity.clouds_yaml_text(
        state['ports']['keystone'], state['passwords']))

    say('starting MariaDB and RabbitMQ')
    state['pids']['mariadb'] = start_mariadb(state)
    TIER.save_state(state)
    start_rabbitmq(state)
    TIER.wait_for('mariadb', state['pids']['mariadb'],
                  lambda: port_answers(state['ports']['mysql']),
                  'accept connections', START_TIMEOUT)
    if not initialized:
        create_databases(state)
        say('creating the databases (about a minute)')
        step = time.monotonic()
        sync_databases(state)
        say(f'databases created in {time.monotonic() - step:.0f} s')

    say('starting the API servers')
    for name, module in WSGI_APPS.items():
        state['pids'][name] = TIER.start_wsgi(
            name, state['ports'][name], module, service_env(name))
        TIER.save_state(state)
    TIER.wait_for('rabbitmq', state['pids']['rabbitmq'],
                  lambda: port_answers(state['ports']['rabbitmq']),
                  'accept connections', START_TIMEOUT)
    wait_for_api(state, 'keystone')
    if not initialized:
        say('creating projects, users, services and endpoints')
        state['resources'] = identity.set_up(
            TIER, state['ports']['keystone'], state['passwords'], [
                ('nova', 'compute', f'{url(state, "nova")}/v2.1'),
                ('placement', 'placement', url(state, 'placement')),
                ('glance', 'image', url(state, 'glance')),
                ('neutron', 'network', url(state, 'neutron')),
            ])
        TIER.save_state(state)
    wait_for_api(state, 'placement')

    # Both load Placement's client at start, as Nova's service user.
    say('starting nova-conductor and nova-scheduler')
    since = time.time()
    for name in NOVA_SERVICES[:2]:
        state['pids'][name] = start_nova_service(name)
        TIER.save_state(state)
    for name in WSGI_APPS:
        wait_for_api(state, name)
    wait_for_nova(state, NOVA_SERVICES[:2], since)

    # nova-compute asks nova-conductor first (a call that nobody consumes
    # yet is lost, and waits 60 s) and reports to Placement at once.
    say('starting nova-compute')
    since = time.time()
    state['pids']['nova-compute'] = start_nova_service('nova-compute')
    TIER.save_state(state)
    # The APIs' first calls (token validation, catalog) meanwhile.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        warm_up = pool.submit(TIER.venv_python, 'warm_up.py',
                              {'compute_tier': True}, 'warm-up.log',
                              'warm-up')
        wait_for_nova(state, NOVA_SERVICES[2:], since)
        warm_up.result()
    if not initialized:
        manage('nova-manage', 'cell_v2', 'discover_hosts', '--by-service',
               '--verbose', conf='nova/nova.conf', log='nova-db-sync.log')
        say(f'creating the flavor {FLAVOR}, the image {IMAGE} and the '
            f'network {NETWORK["name"]} ({NETWORK["cidr"]})')
        out = TIER.venv_python('compute_resources.py', {
            'flavor': FLAVOR, 'image': IMAGE, 'quota': DEMO_QUOTA,
            'network': NETWORK,
        }, 'resources.log', 'creating the flavor, image and network')
        state['resources'].update(json.loads(out.strip().splitlines()[-1]))
        state['initialized'] = True
        TIER.save_state(state)
    write_info(state)
    rss, pss, count = TIER.memory(state)
    say(f'compute tier up in {time.monotonic() - started:.1f} s '
        f'({count} processes, {rss // 1024} MiB RSS, {pss // 1024} MiB '
        f'PSS): keystone on {url(state, "keystone")}, metadata on '
        f'{url(state, "metadata")}; details in {INFO_FILE}')


def down() -> list[str]:
    return TIER.stop(TIER.load_state(), STOP_GROUPS)


def reset() -> None:
    """Stop the tier and forget its data; the installed venv is kept."""
    down()
    for path in (ETC, DATA, MYSQL_DIR, RABBIT_DIR):
        shutil.rmtree(path, ignore_errors=True)
    for path in (TIER.state_file, TIER.clouds_yaml, INFO_FILE,
                 HOME / 'mariadb.pid'):
        path.unlink(missing_ok=True)


def status() -> int:
    """Print the compute tier's state; 0 when everything runs, else 3."""
    state = TIER.load_state()
    alive = TIER.running(state)
    print(f'compute tier ({HOME}): installed: '
          f'{"yes" if TIER.installed_marker.exists() else "no"}')
    pids = state.get('pids', {})
    for name in TIER.markers:
        if not alive[name]:
            print(f'  {name}: stopped')
            continue
        where = ''
        if name in WSGI_APPS:
            health_at = health_url(state['ports'][name], name)
            health = 'answering' if answers(health_at) else 'not answering'
            where = f', {health_at} {health}'
        elif name in ('mariadb', 'rabbitmq', 'epmd'):
            port = state['ports'][{'mariadb': 'mysql'}.get(name, name)]
            health = 'listening' if port_answers(port) else 'not listening'
            where = f', {HOST}:{port} {health}'
        print(f'  {name}: running (pid {pids[name]}){where}')
    if any(alive.values()):
        rss, pss, count = TIER.memory(state)
        print(f'  memory: {rss // 1024} MiB RSS, {pss // 1024} MiB PSS '
              f'in {count} processes')
    if TIER.clouds_yaml.exists():
        print(f'  clouds.yaml: {TIER.clouds_yaml}')
    if INFO_FILE.exists():
        print(f'  details (metadata URL and secret, image, flavor): '
              f'{INFO_FILE}')
    return 0 if all(alive.values()) else 3


def env() -> int:
    if not (INFO_FILE.exists()):
        raise DevcloudError('the compute tier is not set up yet: run '
                            '"up --compute" first')
    TIER.print_env()
    return 0
