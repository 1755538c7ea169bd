#!/usr/bin/env python3
"""Benchmark: keypairs-osc against the core keypair commands, side by side.

Run by ``tox -e bench`` with the devcloud up. The core commands run from a
virtualenv without the plugin (``.bench/core``, same python-openstackclient
version). Every figure is measured twice: direct (through a loopback proxy
that adds nothing but counts requests) and through a proxy that adds 50 ms
to each round trip, as a cloud across a WAN does. Prints medians and ratios.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib.metadata
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import loopback_proxy as proxy  # tools/, beside this file
import openstack
import yaml
from devcloud.common import write_private

from keypairs_osc import regions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PLUGIN_BIN = os.path.join(os.path.dirname(sys.executable), 'openstack')
CORE_VENV = os.path.join(ROOT, '.bench', 'core')
CORE_BIN = os.path.join(CORE_VENV, 'bin', 'openstack')
CLOUD = 'devcloud-demo'
WAN_DELAY = 0.050


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def catalog_regions(conn) -> list[str]:
    """The compute regions of ``conn``'s token, in the catalog's order."""
    return regions.catalog_regions(conn.session.auth.get_auth_ref(
        conn.session), 'public')


def ensure_core_venv() -> None:
    """A virtualenv with the same OSC as ours, and no plugin."""
    version = importlib.metadata.version('python-openstackclient')
    marker = os.path.join(CORE_VENV, f'.osc-{version}')
    if os.path.exists(marker):
        return
    say(f'bench: installing python-openstackclient=={version} without the '
        f'plugin into {os.path.relpath(CORE_VENV, ROOT)}')
    shutil.rmtree(CORE_VENV, ignore_errors=True)
    subprocess.run([sys.executable, '-m', 'venv', CORE_VENV], check=True)
    subprocess.run([os.path.join(CORE_VENV, 'bin', 'pip'), 'install', '-q',
                    f'python-openstackclient=={version}'], check=True)
    open(marker, 'w').close()


class Network:
    """Proxies in front of Keystone and Nova, and a clouds.yaml using them."""

    def __init__(self, delay: float, workdir: str):
        with open(os.environ['OS_CLIENT_CONFIG_FILE']) as f:
            config = yaml.safe_load(f)
        conn = openstack.connect(cloud=CLOUD)
        # Every region's Nova, the cloud's own region first.
        compute_urls = [conn.compute.get_endpoint()] + [
            regions.compute_in(conn, name).get_endpoint()
            for name in catalog_regions(conn)]
        auth_url = config['clouds'][CLOUD]['auth']['auth_url']
        *_, self.proxies = proxy.front_cloud(
            auth_url, compute_urls, delay)
        for cloud in config['clouds'].values():
            cloud['auth']['auth_url'] = proxy.proxied(auth_url, self.proxies)
        # As a user of a cloud of several regions writes it, so that core
        # accepts --os-region-name for each (the SDK checks the name
        # against this list, which is otherwise only region_name).
        config['clouds'][CLOUD]['regions'] = catalog_regions(conn)
        self.clouds_yaml = os.path.join(workdir, f'clouds-{delay}.yaml')
        write_private(Path(self.clouds_yaml), yaml.safe_dump(config))
        self.label = f'+{int(delay * 1000)} ms'

    def requests(self) -> int:
        return sum(len(front.exchanges) for front in self.proxies)

    def reset(self) -> None:
        for front in self.proxies:
            front.exchanges.clear()

    def close(self) -> None:
        for front in self.proxies:
            front.__exit__(None, None, None)


def run_cli(binary: str, net: Network | None, *args: str,
            check: bool = True) -> tuple[float, int]:
    """(wall seconds, HTTP requests) of one openstack command."""
    env = dict(os.environ)
    argv = [binary]
    if net is not None:
        env['OS_CLIENT_CONFIG_FILE'] = net.clouds_yaml
        argv += ['--os-cloud', CLOUD]
        net.reset()
    argv += list(args)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if check and proc.returncode:
        raise SystemExit(f'bench: {" ".join(args)} failed: '
                         f'{proc.stderr.decode()[-500:]}')
    return elapsed, net.requests() if net is not None else 0


def interleaved(repeat: int, core, plugin) -> tuple[tuple[float, int],
                                                     tuple[float, int]]:
    """Medians of core and plugin runs taken in turn, so that both share
    whatever else the machine is doing at the time."""
    results: dict[str, list[tuple[float, int]]] = {'core': [], 'plugin': []}
    for _ in range(repeat):
        results['core'].append(core())
        results['plugin'].append(plugin())
    return tuple((statistics.median(r[0] for r in results[k]),
                  max(r[1] for r in results[k]))
                 for k in ('core', 'plugin'))  # type: ignore[return-value]


class Table:
    def __init__(self, title: str, headers: list[str]):
        self.title, self.headers, self.rows = title, headers, []

    def add(self, *row) -> None:
        self.rows.append([_fmt(c) for c in row])

    def render(self) -> str:
        widths = [max(len(h), *(len(r[i]) for r in self.rows))
                  for i, h in enumerate(self.headers)]
        line = '  '.join('=' * w for w in widths)
        out = [self.title, '-' * len(self.title), '', line,
               '  '.join(h.ljust(w) for h, w in zip(self.headers, widths,
                                                   strict=True)), line]
        out += ['  '.join(c.ljust(w) for c, w in zip(r, widths, strict=True))
                for r in self.rows]
        out += [line, '']
        return '\n'.join(out)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f'{value:.3f}'
    return str(value)


def each(names: list[str], action) -> None:
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(action, names))


def seed(conn, names: list[str], public_key: str) -> None:
    each(names, lambda n: conn.compute.create_keypair(
        name=n, public_key=public_key))


def purge(conn, prefix: str) -> None:
    each([k.name for k in conn.compute.keypairs()
          if k.name.startswith(prefix)],
         lambda n: conn.compute.delete_keypair(n, ignore_missing=True))


def bench_startup(repeat: int) -> str:
    table = Table('Cost on every openstack command (median wall s)',
                  ['command', 'core', 'plugin', 'ratio'])
    for args in (['--version'], ['--os-cloud', CLOUD, 'token', 'issue',
                                  '-f', 'value', '-c', 'expires']):
        (core, _), (plug, _) = interleaved(
            repeat, lambda a=args: run_cli(CORE_BIN, None, *a),
            lambda a=args: run_cli(PLUGIN_BIN, None, *a))
        table.add('openstack ' + ' '.join(args[2:] if args[0] ==
                                          '--os-cloud' else args),
                  core, plug, plug / core)
    cumulative = []
    for _ in range(max(repeat, 10)):
        out = subprocess.run([sys.executable, '-X', 'importtime', '-c',
                              'import keypairs_osc.plugin'],
                             capture_output=True, text=True,
                             check=True).stderr
        own = [line for line in out.splitlines()
               if line.rstrip().endswith('keypairs_osc.plugin')]
        cumulative.append(int(own[-1].split('|')[1]))
    text = table.render()
    return text + ('\nImport of keypairs_osc.plugin (python -X importtime, '
                   'cumulative, package included): median '
                   f'{statistics.median(cumulative) / 1000:.2f} ms of '
                   f'{len(cumulative)}\n')


def bench_commands(nets: list[Network], repeat: int, tmp: str,
                   public_key_file: str) -> str:
    table = Table('One key pair (median wall s; HTTP requests)',
                  ['command', 'network', 'core s', 'plugin s', 'ratio',
                   'core req', 'plugin req'])
    conn = openstack.connect(cloud=CLOUD)
    for net in nets:
        for command in ('create', 'import', 'list', 'show', 'delete'):
            def one(label, binary, command=command, net=net):
                name = f'bench-{uuid.uuid4().hex[:10]}'
                key = os.path.join(tmp, name)
                if command in ('show', 'delete', 'list'):
                    seed(conn, [name], open(public_key_file).read())
                args = {
                    'create': ['keypair', 'create', name,
                               '--private-key', key],
                    # core has no import: create --public-key is its form
                    'import': ['keypair', 'create' if label == 'core'
                               else 'import', name, '--public-key',
                               public_key_file],
                    'list': ['keypair', 'list'],
                    'show': ['keypair', 'show', name],
                    'delete': ['keypair', 'delete', name],
                }[command]
                result = run_cli(binary, net, *args)
                conn.compute.delete_keypair(name, ignore_missing=True)
                return result

            core, plug = interleaved(repeat,
                                     lambda: one('core', CORE_BIN),
                                     lambda: one('plugin', PLUGIN_BIN))
            table.add(command, net.label, core[0], plug[0],
                      plug[0] / core[0], core[1], plug[1])
    return table.render()


def bench_bulk_delete(nets: list[Network], public_key: str) -> str:
    table = Table('Bulk delete (wall s; marginal cost per key pair)',
                  ['network', 'tool', 'T(10)', 'T(100)',
                   'marginal ms', 'requests(100)'])
    conn = openstack.connect(cloud=CLOUD)
    for net in nets:
        marginal = {}
        for label, binary in (('core', CORE_BIN), ('plugin', PLUGIN_BIN)):
            times, reqs = {}, 0
            for count in (10, 100):
                names = [f'bulk-{uuid.uuid4().hex[:10]}'
                         for _ in range(count)]
                seed(conn, names, public_key)
                times[count], reqs = run_cli(binary, net, 'keypair',
                                             'delete', *names)
            marginal[label] = (times[100] - times[10]) / 90
            table.add(net.label, label, times[10], times[100],
                      marginal[label] * 1000, reqs)
        table.add(net.label, 'core/plugin', '', '',
                  f'{marginal["core"] / marginal["plugin"]:.1f}x', '')
    return table.render()


def bench_list(nets: list[Network], public_key: str) -> str:
    table = Table('Listing (wall s)', ['network', 'key pairs', 'core',
                                       'plugin', 'plugin --limit 100'])
    conn = openstack.connect(cloud=CLOUD)
    admin = openstack.connect(cloud='devcloud-admin')
    project = admin.identity.find_project('demo', domain_id='default')
    admin.set_compute_quotas(project.id, key_pairs=2000)
    purge(conn, 'list-')
    have = 0
    for total in (10, 100, 1000):
        seed(conn, [f'list-{i:05d}' for i in range(have, total)],
             public_key)
        have = total
        for net in nets:
            core = run_cli(CORE_BIN, net, 'keypair', 'list')[0]
            plug = run_cli(PLUGIN_BIN, net, 'keypair', 'list')[0]
            paged = run_cli(PLUGIN_BIN, net, 'keypair', 'list', '--limit',
                            '100')[0]
            table.add(net.label, total, core, plug, paged)
    purge(conn, 'list-')
    return table.render()


REGION_COUNTS = (1, 2, 3)


def ensure_regions(count: int) -> list[str]:
    """At least ``count`` regions served by the devcloud; their names."""
    names = catalog_regions(openstack.connect(cloud=CLOUD))
    if len(names) < count:
        say(f'bench: the devcloud serves {len(names)} regions; '
            f'bringing up {count}')
        subprocess.run([sys.executable, os.path.join(ROOT, 'tools',
                                                     'devcloud.py'),
                        'up', '--regions', str(count)], check=True)
        names = catalog_regions(openstack.connect(cloud=CLOUD))
    return names[:count]


def bench_regions(net: Network, repeat: int, tmp: str,
                  public_key_file: str) -> str:
    """One plugin command over N regions against core run once per region
    (``--os-region-name``, one process each, as a user's loop runs it)."""
    table = Table(f'Several regions, {net.label} (median wall s; HTTP '
                  'requests; plugin N regions / plugin 1 region)',
                  ['command', 'regions', 'core s', 'plugin s', 'core req',
                   'plugin req', 'plugin vs 1'])
    conn = openstack.connect(cloud=CLOUD)
    names = ensure_regions(max(REGION_COUNTS))
    computes = {r: regions.compute_in(conn, r) for r in names}
    public_key = open(public_key_file).read()
    alone: dict[str, float] = {}
    for count in REGION_COUNTS:
        asked = names[:count]
        # One region is the plain command, no region option at all.
        options = [] if count == 1 else [
            arg for r in asked for arg in ('--region', r)]
        for command in ('create', 'import', 'list', 'delete'):
            def prepare(command=command, asked=asked) -> str:
                name = f'bench-{uuid.uuid4().hex[:10]}'
                if command in ('list', 'delete'):
                    for r in asked:
                        computes[r].create_keypair(name=name,
                                                   public_key=public_key)
                return name

            def clean(name: str) -> None:
                for r in names:
                    computes[r].delete_keypair(name, ignore_missing=True)

            def plugin(command=command, options=options) -> tuple[float,
                                                                   int]:
                name = prepare()
                args = {
                    'create': ['create', name, '--private-key',
                               os.path.join(tmp, name)],
                    'import': ['import', name, '--public-key',
                               public_key_file],
                    'list': ['list'],
                    'delete': ['delete', name],
                }[command]
                result = run_cli(PLUGIN_BIN, net, 'keypair', *args,
                                 *options)
                clean(name)
                return result

            def core(command=command, asked=asked) -> tuple[float, int]:
                name = prepare()
                key = os.path.join(tmp, name)
                wall = requests = 0
                for index, region in enumerate(asked):
                    if command == 'create' and index == 0:
                        args = ['create', name, '--private-key', key]
                    elif command == 'create':
                        # the public half of the key made in the first
                        # region, as a script would derive it (after
                        # tightening the file core leaves readable to all,
                        # which ssh-keygen refuses to read)
                        start = time.perf_counter()
                        os.chmod(key, 0o600)
                        with open(key + '.pub', 'w') as pub:
                            subprocess.run(['ssh-keygen', '-y', '-f', key],
                                           stdout=pub, check=True)
                        wall += time.perf_counter() - start
                        args = ['create', name, '--public-key',
                                key + '.pub']
                    else:
                        args = {
                            'import': ['create', name, '--public-key',
                                       public_key_file],
                            'list': ['list'],
                            'delete': ['delete', name],
                        }[command]
                    took, asked_for = run_cli(
                        CORE_BIN, net, '--os-region-name', region,
                        'keypair', *args)
                    wall += took
                    requests += asked_for
                clean(name)
                return wall, requests

            core_result, plug = interleaved(repeat, core, plugin)
            alone.setdefault(command, plug[0])
            table.add(command, count, core_result[0], plug[0],
                      core_result[1], plug[1],
                      f'{plug[0] / alone[command]:.2f}x')
    return table.render()


def bench_keygen(repeat: int) -> str:
    from keypairs_osc import keys

    table = Table('Key generation (median s per key)',
                  ['key', 'ssh-keygen', 'plugin', 'ratio'])
    tmp = tempfile.mkdtemp()
    try:
        for key_type, size in (('ed25519', None), ('ecdsa', 256),
                               ('rsa', 3072), ('rsa', 4096)):
            def ours(key_type=key_type, size=size):
                start = time.perf_counter()
                key = keys.generate(key_type, size)
                keys.serialize_private_key(key)
                keys.public_key_of(key)
                return time.perf_counter() - start

            def theirs(key_type=key_type, size=size):
                path = os.path.join(tmp, uuid.uuid4().hex)
                argv = ['ssh-keygen', '-q', '-t', key_type, '-N', '', '-f',
                        path] + (['-b', str(size)] if size else [])
                start = time.perf_counter()
                subprocess.run(argv, check=True)
                return time.perf_counter() - start

            n = repeat if key_type != 'rsa' else max(3, repeat)
            mine = statistics.median(ours() for _ in range(n))
            other = statistics.median(theirs() for _ in range(n))
            table.add(f'{key_type} {size or 256}', other, mine,
                      mine / other)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return table.render()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--only', nargs='*', default=None,
                        choices=['startup', 'commands', 'bulk', 'list',
                                 'keygen', 'regions'])
    args = parser.parse_args()
    if not os.environ.get('OS_CLIENT_CONFIG_FILE'):
        sys.exit('bench: OS_CLIENT_CONFIG_FILE is not set; run "tox -e '
                 'bench"')
    ensure_core_venv()
    only = set(args.only or ['startup', 'commands', 'bulk', 'list',
                             'keygen', 'regions'])
    if 'regions' in only:  # before the proxies, which front every region
        ensure_regions(max(REGION_COUNTS))
    tmp = tempfile.mkdtemp(prefix='kp-bench-')
    nets = [Network(0.0, tmp), Network(WAN_DELAY, tmp)]
    key = os.path.join(tmp, 'id')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f',
                    key], check=True)
    public = open(key + '.pub').read()
    sections = []
    try:
        if 'startup' in only:
            say('bench: startup')
            sections.append(bench_startup(args.repeat))
        if 'commands' in only:
            say('bench: one key pair')
            sections.append(bench_commands(nets, args.repeat, tmp,
                                           key + '.pub'))
        if 'bulk' in only:
            say('bench: bulk delete')
            sections.append(bench_bulk_delete(nets, public))
        if 'list' in only:
            say('bench: listing')
            sections.append(bench_list(nets, public))
        if 'keygen' in only:
            say('bench: key generation')
            sections.append(bench_keygen(args.repeat))
        if 'regions' in only:
            say('bench: several regions')
            sections.append(bench_regions(nets[-1], args.repeat, tmp,
                                          key + '.pub'))
    finally:
        for net in nets:
            net.close()
        shutil.rmtree(tmp, ignore_errors=True)
    header = (f'keypairs-osc benchmark, {time.strftime("%Y-%m-%d")}, '
              f'python-openstackclient '
              f'{importlib.metadata.version("python-openstackclient")}, '
              f'{os.cpu_count()} CPUs; direct = loopback proxy +0 ms, WAN = '
              f'+{int(WAN_DELAY * 1000)} ms per round trip')
    print(header + '\n\n' + '\n'.join(sections))
    return 0


if __name__ == '__main__':
    sys.exit(main())
