"""The keypair tier: a real Keystone and a real Nova API, in ``.devcloud/``.

Pinned keystone and nova releases in ``.devcloud/venv``, both on SQLite;
Keystone bootstrapped (admin, a ``service`` project with the nova user, a
``demo`` project with two member users) with the compute endpoints; both
served under gunicorn.
"""

from __future__ import annotations

import concurrent.futures
import os
import secrets
import shutil
import time
from pathlib import Path

from . import identity
from .common import (HOST, STATE_DIR, DevcloudError, answers, health_url,
                     pick_ports, port_is_free, run, say, write_private)
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
START_TIMEOUT = 90
TIER = Tier(STATE_DIR, {name: b'gunicorn' for name in WSGI_APPS})
ETC = STATE_DIR / 'etc'
DATA = STATE_DIR / 'data'


def configure(state: dict) -> None:
    for d in (ETC / 'keystone', ETC / 'nova', DATA, TIER.log_dir):
        d.mkdir(parents=True, exist_ok=True)
    kport = state['ports']['keystone']
    write_private(ETC / 'keystone' / 'keystone.conf', identity.keystone_conf(
        f'sqlite:///{DATA}/keystone.db', ETC / 'keystone'))
    shutil.copy(TIER.venv / 'etc' / 'nova' / 'api-paste.ini',
                ETC / 'nova' / 'api-paste.ini')
    write_private(ETC / 'nova' / 'nova.conf', f"""\
[DEFAULT]
transport_url = fake://
state_path = {DATA}/nova
[api_database]
connection = sqlite:///{DATA}/nova_api.db
[database]
connection = sqlite:///{DATA}/nova.db
[oslo_concurrency]
lock_path = {DATA}/nova/lock
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
    return dict(os.environ, OS_NOVA_CONFIG_DIR=str(ETC / 'nova'),
                OS_NOVA_CONFIG_FILES='api-paste.ini;nova.conf',
                PATH=f'{TIER.venv / "bin"}:{os.environ.get("PATH", "")}')


def sync_nova() -> None:
    log = TIER.log_dir / 'nova-db-sync.log'
    manage = [str(TIER.venv / 'bin' / 'nova-manage'),
              '--config-file', str(ETC / 'nova' / 'nova.conf')]
    # db sync looks up cell0 in the API database: the API schema goes first.
    run([*manage, 'api_db', 'sync'], log, service_env('nova'))
    run([*manage, 'db', 'sync'], log, service_env('nova'))


def url_of(state: dict, name: str) -> str:
    return health_url(state['ports'][name], name)


def up() -> int:
    started = time.monotonic()
    state = TIER.load_state()
    if all(TIER.running(state).values()) and all(
            answers(url_of(state, n)) for n in WSGI_APPS):
        say('already running; reusing it')
        TIER.print_env()
        return 0
    # Stop a half-running cloud so that we restart from a known point.
    TIER.stop(state)
    TIER.install(PACKAGES, 'about a minute')

    initialized = state.get('initialized') and all(
        port_is_free(p) for p in state.get('ports', {}).values())
    if not initialized:
        state = {
            'ports': pick_ports('DEVCLOUD', WSGI_APPS),
            'passwords': {u: secrets.token_urlsafe(16)
                          for u in ('admin', 'nova', 'demo', 'demo2')},
        }
        TIER.save_state(state)  # not initialized until every step is done
        shutil.rmtree(DATA, ignore_errors=True)
        shutil.rmtree(ETC, ignore_errors=True)
        configure(state)
        say('creating databases')
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            jobs = [pool.submit(identity.bootstrap, TIER, ETC / 'keystone',
                                state['ports']['keystone'],
                                state['passwords']['admin']),
                    pool.submit(sync_nova)]
            for job in jobs:
                job.result()
    write_private(TIER.clouds_yaml, identity.clouds_yaml_text(
        state['ports']['keystone'], state['passwords']))

    state['pids'] = {}
    for name, module in WSGI_APPS.items():
        state['pids'][name] = TIER.start_wsgi(
            name, state['ports'][name], module, service_env(name))
        TIER.save_state(state)
    for name in WSGI_APPS:
        url = url_of(state, name)
        TIER.wait_for(name, state['pids'][name], lambda u=url: answers(u),
                      f'answer on {url}', START_TIMEOUT)
    if not state.get('initialized'):
        say('creating projects, users and the compute endpoint')
        identity.set_up(TIER, state['ports']['keystone'], state['passwords'],
                        [('nova', 'compute',
                          f'http://{HOST}:{state["ports"]["nova"]}/v2.1')])
        state['initialized'] = True
        TIER.save_state(state)
    TIER.venv_python('warm_up.py', {}, 'warm-up.log', 'warm-up')
    say(f'up in {time.monotonic() - started:.1f} s: keystone on '
        f'{HOST}:{state["ports"]["keystone"]}, nova on '
        f'{HOST}:{state["ports"]["nova"]}')
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
    for name in WSGI_APPS:
        if alive[name]:
            url = url_of(state, name)
            health = 'answering' if answers(url) else 'not answering'
            print(f'{name}: running (pid {state["pids"][name]}), {url} '
                  f'{health}')
        else:
            print(f'{name}: stopped')
    if TIER.clouds_yaml.exists():
        print(f'clouds.yaml: {TIER.clouds_yaml}')
    return 0 if all(alive.values()) else 3


def env() -> int:
    if not TIER.clouds_yaml.exists():
        raise DevcloudError('no clouds.yaml yet: run "up" first')
    TIER.print_env()
    return 0


def write_clouds(output: Path, naming: str) -> None:
    """A clouds.yaml for the running tier at ``output`` (mode 0600)."""
    state = TIER.load_state()
    if not state.get('passwords') or not all(TIER.running(state).values()):
        raise DevcloudError('the devcloud is not running: run "up" first')
    write_private(output, identity.clouds_yaml_text(
        state['ports']['keystone'], state['passwords'], naming))
    say(f'wrote {output}: clouds {", ".join(identity.CLOUD_NAMES[naming])}')
