"""The keypair tier: a real Keystone and real Nova APIs, in ``.devcloud/``.

Pinned keystone and nova releases in ``.devcloud/venv``, both on SQLite;
Keystone bootstrapped (admin, a ``service`` project with the nova user, a
``demo`` project with two member users) with the compute endpoints; all
served under gunicorn. Each region is a Nova API of its own with its own
databases (``nova`` serves RegionOne, ``nova-2`` RegionTwo, ...), all in
the one Keystone's catalog: ``up --regions N`` chooses how many.
"""

from __future__ import annotations

import concurrent.futures
import fcntl
import os
import secrets
import shutil
import time
from pathlib import Path

from . import identity
from .common import (HOST, REGION_NAMES, STATE_DIR, DevcloudError, answers,
                     free_port, health_url, pick_ports, port_is_free, run,
                     say, write_private)
from .tier import Tier

# Pinned, known to work together (see the project's docs on the devcloud).
PACKAGES = [
    'keystone==30.0.0',
    'nova==34.0.0',
    'gunicorn==27.0.1',
]
WSGI_APPS = {
    'keystone': 'keystone.wsgi.api',
    'nova': 'nova.wsgi.osapi_compute',
}
#: Regions a fresh cloud serves when ``up`` is given no ``--regions``: a
#: second Nova API costs little (see the devcloud page), and the tests of
#: several regions need two.
DEFAULT_REGIONS = 2
MAX_REGIONS = len(REGION_NAMES)
START_TIMEOUT = 90


def nova_name(region: int) -> str:
    """The process serving region ``region`` (1-based): nova, nova-2, ..."""
    return 'nova' if region == 1 else f'nova-{region}'


def region_novas(count: int) -> list[str]:
    return [nova_name(r) for r in range(1, count + 1)]


def services(count: int) -> list[str]:
    """Every process of a cloud of ``count`` regions."""
    return ['keystone', *region_novas(count)]


def app_of(name: str) -> str:
    return WSGI_APPS['keystone' if name == 'keystone' else 'nova']


TIER = Tier(STATE_DIR, {name: b'gunicorn' for name in services(MAX_REGIONS)})
ETC = STATE_DIR / 'etc'
DATA = STATE_DIR / 'data'


def regions_of(state: dict) -> int:
    """How many regions the cloud in ``state`` serves (1 before regions)."""
    return int(state.get('regions') or 1)


def configure_keystone() -> None:
    for d in (ETC / 'keystone', DATA, TIER.log_dir):
        d.mkdir(parents=True, exist_ok=True)
    write_private(ETC / 'keystone' / 'keystone.conf', identity.keystone_conf(
        f'sqlite:///{DATA}/keystone.db', ETC / 'keystone'))


def nova_dirs(name: str) -> tuple[Path, Path]:
    """(configuration, databases) of one region's Nova.

    RegionOne's are where they were before regions came, so an existing
    cloud keeps its data.
    """
    if name == 'nova':
        return ETC / 'nova', DATA
    return ETC / name, DATA / name


def configure_nova(state: dict, name: str) -> None:
    """nova.conf of one region: its own databases, the one Keystone."""
    etc, data = nova_dirs(name)
    for d in (etc, data, TIER.log_dir):
        d.mkdir(parents=True, exist_ok=True)
    kport = state['ports']['keystone']
    shutil.copy(TIER.venv / 'etc' / 'nova' / 'api-paste.ini',
                etc / 'api-paste.ini')
    write_private(etc / 'nova.conf', f"""\
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
password = {state['passwords']['nova']}
memcached_servers =
[api]
auth_strategy = keystone
""")


def service_env(name: str) -> dict:
    if name == 'keystone':
        return identity.keystone_env(ETC / 'keystone', TIER.venv)
    return dict(os.environ, OS_NOVA_CONFIG_DIR=str(nova_dirs(name)[0]),
                OS_NOVA_CONFIG_FILES='api-paste.ini;nova.conf',
                PATH=f'{TIER.venv / "bin"}:{os.environ.get("PATH", "")}')


def sync_nova(name: str = 'nova') -> None:
    log = TIER.log_dir / f'{name}-db-sync.log'
    manage = [str(TIER.venv / 'bin' / 'nova-manage'),
              '--config-file', str(nova_dirs(name)[0] / 'nova.conf')]
    # db sync looks up cell0 in the API database: the API schema goes first.
    run([*manage, 'api_db', 'sync'], log, service_env(name))
    run([*manage, 'db', 'sync'], log, service_env(name))


def url_of(state: dict, name: str) -> str:
    return health_url(state['ports'][name], name)


def compute_url(state: dict, name: str) -> str:
    return f'http://{HOST}:{state["ports"][name]}/v2.1'


def wanted_regions(requested: int | None, state: dict) -> int:
    """``--regions``, else what the cloud serves, else the default."""
    count = requested or state.get('regions') or DEFAULT_REGIONS
    if not 1 <= count <= MAX_REGIONS:
        raise DevcloudError(
            f'--regions must be 1 to {MAX_REGIONS}, not {count}')
    return count


def _start(state: dict, names: list[str]) -> None:
    """Start ``names`` together and wait until each answers."""
    for name in names:
        state.setdefault('pids', {})[name] = TIER.start_wsgi(
            name, state['ports'][name], app_of(name), service_env(name))
        TIER.save_state(state)
    for name in names:
        url = url_of(state, name)
        TIER.wait_for(name, state['pids'][name], lambda u=url: answers(u),
                      f'answer on {url}', START_TIMEOUT)


def register_regions(state: dict, count: int) -> None:
    """The catalog names exactly the extra regions that run."""
    kport = state['ports']['keystone']
    regions = {REGION_NAMES[r - 1]: (compute_url(state, nova_name(r))
                                     if r <= count else None)
               for r in range(2, MAX_REGIONS + 1)
               if r <= count or nova_name(r) in state['ports']}
    if not regions:
        return
    TIER.venv_python('region_setup.py', {
        'auth_url': f'http://{HOST}:{kport}/v3',
        'admin_password': state['passwords']['admin'],
        'service_type': 'compute',
        'regions': regions,
    }, 'region-setup.log', 'region setup')


def ensure_regions(state: dict, count: int) -> None:
    """Serve regions 2 to ``count`` beside a running RegionOne; stop others.

    Keystone and RegionOne's Nova keep running: clouds.yaml entries name
    RegionOne and see no change. A region taken away keeps its data.
    """
    extra = region_novas(count)[1:]
    unwanted = [n for n in region_novas(MAX_REGIONS)[count:]
                if n in state.get('pids', {})]
    if unwanted:
        TIER.stop(state, [unwanted], keep_others=True)
    new = [n for n in extra if n not in state.get('synced', [])]
    for name in new:
        if name not in state['ports']:
            port = pick_ports('DEVCLOUD', [name])[name]
            while port in state['ports'].values():
                port = free_port()
            state['ports'][name] = port
    TIER.save_state(state)
    if new:
        say(f'creating the databases of {", ".join(new)}')
        with concurrent.futures.ThreadPoolExecutor(len(new)) as pool:
            for job in [pool.submit(_configure_and_sync, state, n)
                        for n in new]:
                job.result()
        state['synced'] = sorted(set(state.get('synced', [])) | set(new))
        TIER.save_state(state)
    alive = TIER.running(state)
    _start(state, [n for n in extra if not alive[n]])
    register_regions(state, count)
    state['regions'] = count
    TIER.save_state(state)


def _configure_and_sync(state: dict, name: str) -> None:
    shutil.rmtree(nova_dirs(name)[1], ignore_errors=True)
    configure_nova(state, name)
    sync_nova(name)


def _serving(state: dict, count: int) -> bool:
    alive = TIER.running(state)
    return (state.get('regions') == count
            and all(alive[n] for n in services(count))
            and all(answers(url_of(state, n)) for n in services(count)))


def up(regions: int | None = None) -> int:
    """Bring the tier up; one ``up`` at a time (runs may start together)."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with open(STATE_DIR / '.up.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _up(regions)


def _up(regions: int | None) -> int:
    started = time.monotonic()
    state = TIER.load_state()
    count = wanted_regions(regions, state)
    if state.get('initialized') and _serving(state, count):
        say('already running; reusing it')
        TIER.print_env()
        return 0
    core = ['keystone', 'nova']
    alive = TIER.running(state)
    if (state.get('initialized') and all(alive[n] for n in core)
            and all(answers(url_of(state, n)) for n in core)):
        # Only the regions change: nothing that serves RegionOne restarts.
        ensure_regions(state, count)
        say(f'{count} region(s) in {time.monotonic() - started:.1f} s')
        TIER.print_env()
        return 0
    # Stop a half-running cloud so that we restart from a known point.
    TIER.stop(state)
    TIER.install(PACKAGES, 'about a minute')

    initialized = state.get('initialized') and all(
        port_is_free(p) for p in state.get('ports', {}).values())
    if not initialized:
        state = {
            'ports': pick_ports('DEVCLOUD', services(count)),
            'passwords': {u: secrets.token_urlsafe(16)
                          for u in ('admin', 'nova', 'demo', 'demo2')},
        }
        TIER.save_state(state)  # not initialized until every step is done
        shutil.rmtree(DATA, ignore_errors=True)
        shutil.rmtree(ETC, ignore_errors=True)
        configure_keystone()
        configure_nova(state, 'nova')
        say('creating databases')
        extra = region_novas(count)[1:]
        with concurrent.futures.ThreadPoolExecutor(2 + len(extra)) as pool:
            jobs = [pool.submit(identity.bootstrap, TIER, ETC / 'keystone',
                                state['ports']['keystone'],
                                state['passwords']['admin']),
                    pool.submit(sync_nova),
                    *(pool.submit(_configure_and_sync, state, n)
                      for n in extra)]
            for job in jobs:
                job.result()
        state['synced'] = extra
    write_private(TIER.clouds_yaml, identity.clouds_yaml_text(
        state['ports']['keystone'], state['passwords']))

    state['pids'] = {}
    # Every region whose databases exist starts with RegionOne's.
    _start(state, [n for n in services(count)
                   if n in ('keystone', 'nova')
                   or n in state.get('synced', [])])
    if not state.get('initialized'):
        say('creating projects, users and the compute endpoint')
        identity.set_up(TIER, state['ports']['keystone'], state['passwords'],
                        [('nova', 'compute', compute_url(state, 'nova'))])
        state['initialized'] = True
        TIER.save_state(state)
    ensure_regions(state, count)
    TIER.venv_python('warm_up.py', {}, 'warm-up.log', 'warm-up')
    say(f'up in {time.monotonic() - started:.1f} s: keystone on '
        f'{HOST}:{state["ports"]["keystone"]}, '
        + ', '.join(f'{n} ({REGION_NAMES[i]}) on {HOST}:{state["ports"][n]}'
                    for i, n in enumerate(region_novas(count))))
    TIER.print_env()
    return 0


def down() -> list[str]:
    return TIER.stop(TIER.load_state())


def reset() -> None:
    """Stop the cloud and forget its data; the installed venv is kept."""
    down()
    for path in (DATA, ETC):
        shutil.rmtree(path, ignore_errors=True)
    TIER.state_file.unlink(missing_ok=True)
    TIER.clouds_yaml.unlink(missing_ok=True)


def status() -> int:
    """Print what runs; 0 when everything does, else 3."""
    state = TIER.load_state()
    alive = TIER.running(state)
    print(f'installed: {"yes" if TIER.installed_marker.exists() else "no"}')
    for name in services(regions_of(state)):
        if alive[name]:
            url = url_of(state, name)
            health = 'answering' if answers(url) else 'not answering'
            print(f'{name}: running (pid {state["pids"][name]}), {url} '
                  f'{health}')
        else:
            print(f'{name}: stopped')
    if TIER.clouds_yaml.exists():
        print(f'clouds.yaml: {TIER.clouds_yaml}')
    print('regions: ' + ', '.join(REGION_NAMES[:regions_of(state)]))
    return 0 if serving(state) else 3


def serving(state: dict) -> bool:
    """Whether every service of the tier's regions runs (not those of
    regions it was not asked for)."""
    alive = TIER.running(state)
    return all(alive[n] for n in services(regions_of(state)))


def env() -> int:
    if not TIER.clouds_yaml.exists():
        raise DevcloudError('no clouds.yaml yet: run "up" first')
    TIER.print_env()
    return 0


def write_clouds(output: Path, naming: str) -> None:
    """A clouds.yaml for the running tier at ``output`` (mode 0600)."""
    state = TIER.load_state()
    if not state.get('passwords') or not serving(state):
        raise DevcloudError('the devcloud is not running: run "up" first')
    write_private(output, identity.clouds_yaml_text(
        state['ports']['keystone'], state['passwords'], naming))
    say(f'wrote {output}: clouds {", ".join(identity.CLOUD_NAMES[naming])}')
