"""The compute tier's MariaDB and RabbitMQ: private instances on loopback.

Both come from Debian (installed by tools/ensure-debian-packages, which
starts no system service) and run as processes of the tier, their state in
its directory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time

from .common import HOST, ROOT, DevcloudError, port_answers, run, say
from .compute_config import ETC, HOME, LOG_DIR, MYSQL_DIR, RABBIT_DIR, TIER

DEBIAN_PACKAGES = ('mariadb-server', 'rabbitmq-server')
MARIADBD = '/usr/sbin/mariadbd'
RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'
DATABASES = ('keystone', 'placement', 'glance', 'neutron', 'nova_api',
             'nova', 'nova_cell0')


def ensure_debian_packages() -> None:
    if os.path.exists(MARIADBD) and os.path.exists(RABBITMQ_SERVER):
        return
    say(f'installing {", ".join(DEBIAN_PACKAGES)} from Debian '
        '(no system service is started)')
    started = time.monotonic()
    run([str(ROOT / 'tools' / 'ensure-debian-packages'), *DEBIAN_PACKAGES],
        LOG_DIR / 'debian.log')
    say(f'Debian packages installed in {time.monotonic() - started:.0f} s')


def start_mariadb(state: dict) -> int:
    if not (MYSQL_DIR / 'mysql').is_dir():
        shutil.rmtree(MYSQL_DIR, ignore_errors=True)
        run(['mariadb-install-db', '--no-defaults',
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
    return TIER.spawn('mariadb', cmd, dict(os.environ))


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
    state['pids']['epmd'] = TIER.spawn(
        'epmd', [epmd, '-port', str(state['ports']['epmd']),
                 '-address', HOST], env)
    TIER.save_state(state)
    TIER.wait_for('epmd', state['pids']['epmd'],
                  lambda: port_answers(state['ports']['epmd']), 'listen', 20)
    state['pids']['rabbitmq'] = TIER.spawn('rabbitmq', [RABBITMQ_SERVER], env)
    TIER.save_state(state)


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
