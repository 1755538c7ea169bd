"""The compute tier: where it lives, its processes, its configuration."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from . import identity
from .common import HOST, REGION, STATE_DIR, write_private
from .tier import Tier

HOME = Path(os.environ.get('DEVCLOUD_COMPUTE_DIR',
                           STATE_DIR / 'compute')).resolve()
ETC = HOME / 'etc'
DATA = HOME / 'data'
MYSQL_DIR = HOME / 'mysql'
RABBIT_DIR = HOME / 'rabbitmq'
LOG_DIR = HOME / 'log'
VENV = HOME / 'venv'
INFO_FILE = HOME / 'compute.json'
#: Console output per instance: ``CONSOLE_DIR/<instance uuid>``, written by
#: tests as a guest would print it, served by in_venv/nova-compute.py.
CONSOLE_DIR = DATA / 'console'
#: The ML2 mechanism driver that binds ports without agents (in_venv/
#: devcloud_ml2.py; found through the dist-info directory beside it).
MECHANISM_DRIVER = 'devcloud_bind_all'
NOVA_HOST = 'devcloud'            # [DEFAULT] host of every Nova service

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
TIER = Tier(HOME, {'mariadb': b'mariadbd', 'epmd': b'epmd',
                   'rabbitmq': b'rabbit',
                   **{name: b'gunicorn' for name in WSGI_APPS},
                   **{name: name.encode() for name in NOVA_SERVICES}},
            nested=True, flag=' --compute', info_file=INFO_FILE)


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
    CONSOLE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    write = write_private
    # nova-compute's local node identity (see in_venv/nova-compute.py).
    (DATA / 'nova' / 'compute_id').write_text(f'{uuid.uuid4()}\n')

    write(ETC / 'keystone' / 'keystone.conf', identity.keystone_conf(
        db_url(state, 'keystone'), ETC / 'keystone'))

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
    write(ETC / 'neutron' / 'ml2_conf.ini', f"""\
[ml2]
type_drivers = flat,local
project_network_types = local
mechanism_drivers = {MECHANISM_DRIVER}
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
    # No agent plugs a VIF or tells Nova so: boot without waiting for the
    # network-vif-plugged event (the driver marks ports ACTIVE at binding).
    write(ETC / 'nova' / 'nova-compute.conf', nova_conf(state, '', """\
compute_driver = fake.FakeDriver
vif_plugging_is_fatal = False
vif_plugging_timeout = 0
"""))

    write(ETC / 'rabbitmq' / 'rabbitmq.conf', f"""\
listeners.tcp.1 = {HOST}:{state['ports']['rabbitmq']}
loopback_users.guest = true
""")
    write(ETC / 'rabbitmq' / 'rabbitmq-env.conf', '')
    write(ETC / 'rabbitmq' / 'enabled_plugins', '[].\n')


def service_env(name: str) -> dict:
    """The environment of the service ``name`` (and of its manage tool)."""
    if name == 'keystone':
        return identity.keystone_env(ETC / 'keystone', VENV)
    env = dict(os.environ)
    env['PATH'] = f'{VENV / "bin"}:{env.get("PATH", "")}'
    if name == 'placement':
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
