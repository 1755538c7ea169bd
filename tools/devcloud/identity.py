"""Keystone, as both tiers run it, and the clouds.yaml that names its users.

Each tier bootstraps its own Keystone (admin), then ``in_venv/
identity_setup.py`` makes a ``service`` project with a user per service, a
``demo`` project with two members, and the catalog.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .common import HOST, REGION, run
from .tier import Tier

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


def keystone_conf(connection: str, etc: Path) -> str:
    """keystone.conf: Fernet tokens, keys kept in ``etc``."""
    return f"""\
[DEFAULT]
debug = false
[database]
connection = {connection}
[token]
provider = fernet
[fernet_tokens]
key_repository = {etc}/fernet-keys
[fernet_receipts]
key_repository = {etc}/fernet-receipts
[credential]
key_repository = {etc}/credential-keys
"""


def keystone_env(etc: Path, venv: Path) -> dict:
    """The environment Keystone (and keystone-manage) run in."""
    return dict(os.environ, OS_KEYSTONE_CONFIG_DIR=str(etc),
                OS_KEYSTONE_CONFIG_FILES='keystone.conf',
                PATH=f'{venv / "bin"}:{os.environ.get("PATH", "")}')


def bootstrap(tier: Tier, etc: Path, port: int, admin_password: str) -> None:
    """Keystone's schema and keys, the admin, its own endpoints."""
    log = tier.log_dir / 'keystone-setup.log'
    manage = [str(tier.venv / 'bin' / 'keystone-manage'),
              '--config-file', str(etc / 'keystone.conf')]
    user = [f'--keystone-user={os.getuid()}',
            f'--keystone-group={os.getgid()}']
    env = keystone_env(etc, tier.venv)
    run(manage + ['db_sync'], log, env)
    run(manage + ['fernet_setup', *user], log, env)
    run(manage + ['credential_setup', *user], log, env)
    url = f'http://{HOST}:{port}/v3'
    # The password goes through the environment, never argv.
    env['OS_BOOTSTRAP_PASSWORD'] = admin_password
    run(manage + ['bootstrap',
                  '--bootstrap-admin-url', url,
                  '--bootstrap-internal-url', url,
                  '--bootstrap-public-url', url,
                  '--bootstrap-region-id', REGION], log, env)


def set_up(tier: Tier, port: int, passwords: dict[str, str],
           endpoints: list[tuple[str, str, str]]) -> dict:
    """Projects, users, and ``endpoints`` as (name, type, URL): IDs made."""
    out = tier.venv_python('identity_setup.py', {
        'auth_url': f'http://{HOST}:{port}/v3',
        'region': REGION,
        'passwords': passwords,
        'endpoints': endpoints,
    }, 'identity-setup.log', 'identity setup')
    return json.loads(out.strip().splitlines()[-1])


def clouds_yaml_text(port: int, passwords: dict[str, str],
                     naming: str = 'devcloud') -> str:
    """clouds.yaml for a tier; DevStack's naming is DevStack's shape.

    DevStack's clouds.yaml gives Keystone's root as the auth URL (the
    client discovers v3) and the domains by ID.
    """
    root = f'http://{HOST}:{port}'
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
            f'      password: {passwords[user]}',
            f'      project_name: {project}',
            *(f'      {domain}' for domain in domains),
            f'    region_name: {REGION}',
            '    identity_api_version: 3',
            '    interface: public',
        ]
    return '\n'.join(lines) + '\n'
