"""Run a functional suite against a cloud and leave it as it was found.

``python -m tests.functional.run <test path> [stestr run arguments]``

Without ``OS_CLOUD`` the devcloud is brought up (``--compute``: its compute
tier) and targeted. With ``OS_CLOUD`` that cloud is targeted as it is,
found as openstacksdk finds clouds.yaml, and ``OS_ADMIN_CLOUD`` (default
``devstack-admin``) serves what needs an admin; nothing is started.

Then: the cloud is snapshotted, a second member of the user's project is
made (with an admin), the suite runs, everything the run made is removed,
and ``tests/left_as_found`` proves the cloud is as it was.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import openstack
import yaml

from tests.functional import cloud

ROOT = Path(__file__).resolve().parent.parent.parent
DEVCLOUD = ROOT / 'tools' / 'devcloud.py'
DEVCLOUD_CLOUDS = {cloud.USER: 'devcloud-demo', cloud.ADMIN: 'devcloud-admin'}
DEFAULT_ADMIN_CLOUD = 'devstack-admin'
LEFT_AS_FOUND = './tests/left_as_found'
STESTR = os.path.join(os.path.dirname(sys.executable), 'stestr')


def say(message: str) -> None:
    print(f'functional: {message}', file=sys.stderr, flush=True)


def devcloud_config(compute: bool) -> str:
    """Bring the devcloud up; its clouds.yaml."""
    tier = ['--compute'] if compute else []
    subprocess.run([sys.executable, str(DEVCLOUD), 'up', *tier], check=True)
    state = Path(os.environ.get('DEVCLOUD_DIR', ROOT / '.devcloud'))
    return str((state / 'compute' if compute else state) / 'clouds.yaml')


def cloud_entry(config: openstack.config.OpenStackConfig,
                name: str) -> dict[str, Any]:
    """A cloud's merged settings, as a clouds.yaml entry."""
    entry = dict(config.get_one(cloud=name).config)
    # Settings openstacksdk derives again from the rest.
    for key in ('profile', 'networks'):
        entry.pop(key, None)
    return {k: v for k, v in entry.items() if v is not None}


def prepare(run_dir: Path, compute: bool) -> cloud.Target:
    """The run's clouds.yaml, the snapshot, the second user: the target."""
    user_cloud = os.environ.get('OS_CLOUD')
    if user_cloud:
        names = {cloud.USER: user_cloud,
                 cloud.ADMIN: os.environ.get('OS_ADMIN_CLOUD',
                                             DEFAULT_ADMIN_CLOUD)}
        config = openstack.config.OpenStackConfig()
        say(f'targeting cloud {user_cloud!r}; admin: {names[cloud.ADMIN]!r}')
    else:
        names = dict(DEVCLOUD_CLOUDS)
        config = openstack.config.OpenStackConfig(
            config_files=[devcloud_config(compute)])
    clouds: dict[str, dict[str, Any]] = {
        cloud.USER: cloud_entry(config, names[cloud.USER])}
    missing: dict[str, str] = {}
    try:
        clouds[cloud.ADMIN] = cloud_entry(config, names[cloud.ADMIN])
    except openstack.exceptions.ConfigException:
        missing[cloud.ADMIN] = (f'no admin cloud: {names[cloud.ADMIN]!r} is '
                                'not in clouds.yaml (set OS_ADMIN_CLOUD)')
    clouds_yaml = run_dir / 'clouds.yaml'
    write_clouds(clouds_yaml, clouds)

    user = cloud.connect(str(clouds_yaml), cloud.USER)
    user_id, project_id = user.current_user_id, user.current_project_id
    target = cloud.Target(
        prefix=cloud.new_prefix(), clouds_yaml=str(clouds_yaml),
        roles=list(clouds), missing=missing,
        user_name=clouds[cloud.USER]['auth'].get('username', ''),
        user_id=user_id,
        project_name=user.current_project.name, project_id=project_id,
        alt_user_name=None, alt_user_id=None,
        devcloud=not user_cloud, run_dir=str(run_dir))
    if cloud.ADMIN in clouds and not admin_works(target, missing):
        del clouds[cloud.ADMIN]
        target.roles.remove(cloud.ADMIN)
        write_clouds(clouds_yaml, clouds)
    target.snapshot_file.write_text(
        yaml.safe_dump(cloud.snapshot(target, servers=compute)))
    if cloud.ADMIN in target.roles:
        add_alt_user(target, clouds)
        write_clouds(clouds_yaml, clouds)
    else:
        missing[cloud.ALT] = 'no second user: making one needs an admin cloud'
    for role, reason in missing.items():
        say(f'tests needing {role!r} are skipped: {reason}')
    target.save()
    return target


def admin_works(target: cloud.Target, missing: dict[str, str]) -> bool:
    try:
        cloud.connect(target.clouds_yaml, cloud.ADMIN).identity.get_user(
            target.user_id)
    except openstack.exceptions.SDKException as exc:
        missing[cloud.ADMIN] = f'the admin cloud does not work ({exc})'
        return False
    return True


def add_alt_user(target: cloud.Target,
                 clouds: dict[str, dict[str, Any]]) -> None:
    """A second member of the user's project, for isolation tests."""
    admin = cloud.connect(target.clouds_yaml, cloud.ADMIN)
    password = secrets.token_hex(16)
    me = admin.identity.get_user(target.user_id)
    alt = admin.identity.create_user(
        name=f'{target.prefix}-alt', password=password,
        domain_id=me.domain_id, default_project_id=target.project_id)
    target.note(alt.id, '')
    admin.identity.assign_project_role_to_user(
        target.project_id, alt.id, admin.identity.find_role('member'))
    entry = dict(clouds[cloud.USER])
    entry['auth'] = dict(entry['auth'], username=alt.name, password=password)
    entry['auth'].pop('user_id', None)
    entry['auth'].pop('token', None)
    clouds[cloud.ALT] = entry
    target.roles.append(cloud.ALT)
    target.user_name = me.name
    target.alt_user_name, target.alt_user_id = alt.name, alt.id


def write_clouds(path: Path, clouds: dict[str, dict[str, Any]]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        yaml.safe_dump({'clouds': clouds}, f)


def sweep(target: cloud.Target) -> None:
    """Remove whatever the run made that its tests did not."""
    roles = [cloud.USER] + ([cloud.ADMIN] if cloud.ADMIN in target.roles
                            else [])
    for role in roles:
        conn = cloud.connect(target.clouds_yaml, role)
        for in_region in cloud.every_region(conn).values():
            for keypair in in_region.compute.keypairs():
                if keypair.name.startswith(target.prefix):
                    in_region.compute.delete_keypair(keypair.name,
                                                     ignore_missing=True)
    if cloud.ADMIN not in target.roles:
        return
    admin = cloud.connect(target.clouds_yaml, cloud.ADMIN)
    for made in target.noted():
        cloud.remove_user(admin, made['user_id'],
                          made['project_id'] or None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--compute', action='store_true',
                        help='target the devcloud compute tier when '
                             'OS_CLOUD is unset; snapshot servers too')
    parser.add_argument('test_path')
    args, stestr_args = parser.parse_known_args(argv)
    run_dir = Path(tempfile.mkdtemp(prefix='kp-run-'))
    target = prepare(run_dir, args.compute)
    env = dict(os.environ, **{cloud.RUN_FILE: str(run_dir / 'run.json')})
    env['OS_CLIENT_CONFIG_FILE'] = target.clouds_yaml
    env.pop('OS_CLOUD', None)
    try:
        rc = subprocess.call(
            [STESTR, '--test-path', args.test_path, 'run', *stestr_args],
            env=env, cwd=ROOT)
    finally:
        sweep(target)
    env['KEYPAIRS_FUNCTIONAL_SERVERS'] = '1' if args.compute else ''
    try:
        check = subprocess.call(
            [STESTR, '--test-path', LEFT_AS_FOUND, 'run'], env=env, cwd=ROOT)
    finally:
        # Its clouds.yaml holds the second user's password: leave none.
        shutil.rmtree(run_dir, ignore_errors=True)
    return rc or check


if __name__ == '__main__':
    sys.exit(main())
