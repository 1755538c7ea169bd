"""Imports go one way: the rules of the contributor guide's "Imports go one
way", checked on the import statements themselves (with ``ast``), so that
a new module cannot close a circle or reach the wrong way unnoticed."""

from __future__ import annotations

import ast
import functools
import pathlib

from tests.unit import base

TOP = pathlib.Path(__file__).resolve().parents[2]
TREES = ('keypairs_osc', 'tools', 'tests')


def _module_name(path: pathlib.Path) -> str:
    """Its dotted name; a script beside a package of its name (the shim
    tools/devcloud.py) keeps its ``.py`` to stay apart from it."""
    parts = path.relative_to(TOP).with_suffix('').parts
    if parts[-1] == '__init__':
        return '.'.join(parts[:-1])
    if path.with_suffix('').is_dir():
        return '.'.join(parts) + '.py'
    return '.'.join(parts)


def _modules() -> dict[str, pathlib.Path]:
    return {_module_name(path): path for tree in TREES
            for path in sorted((TOP / tree).rglob('*.py'))}


def _imported(name: str, path: pathlib.Path, known: set[str]) -> set[str]:
    """The project's modules ``path`` imports, anywhere in it."""
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            start = node.module or ''
            if node.level:
                parts = package.split('.')[:len(package.split('.'))
                                           - node.level + 1]
                start = '.'.join([*parts, *([start] if start else [])])
            for alias in node.names:
                whole = f'{start}.{alias.name}'
                found.add(whole if whole in known else start)
    if path.parent == TOP / 'tools':
        # A script in tools/ imports its neighbours by their own names
        # (tools/ is its directory on sys.path).
        found |= {f'tools.{module}' for module in found}
    return {module for module in found if module in known} - {name}


@functools.cache
def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(name, path, set(modules))
            for name, path in modules.items()}


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports, as the modules along it, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        path.append(node)
        for step in sorted(graph[node]):
            circle = visit(step)
            if circle:
                return circle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        circle = visit(start)
        if circle:
            return circle
    return None


class CircleFinderTest(base.TestCase):

    def test_finds_a_circle_and_only_a_circle(self):
        self.assertEqual(['a', 'b', 'c', 'a'], find_circle(
            {'a': {'b'}, 'b': {'c'}, 'c': {'a'}}))
        self.assertIsNone(find_circle({'a': {'b', 'c'}, 'b': {'c'},
                                       'c': set()}))

    def test_the_project_graph_is_read(self):
        graph = import_graph()
        self.assertIn('keypairs_osc.authorized_keys',
                      graph['keypairs_osc.rotation'])
        self.assertIn('keypairs_osc.v1.common',
                      graph['keypairs_osc.v1.rotate'])
        # Scripts in tools/ import their neighbours by their own names.
        self.assertIn('tools.loopback_proxy', graph['tools.bench'])
        self.assertIn('tools.devcloud.common', graph['tools.bench'])
        self.assertEqual({'tools.devcloud.__main__'},
                         graph['tools.devcloud.py'])


class ImportsGoOneWayTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.graph = import_graph()

    def imports_of(self, prefix: str) -> dict[str, set[str]]:
        return {name: deps for name, deps in self.graph.items()
                if name == prefix or name.startswith(prefix + '.')}

    def test_no_circle_anywhere_tools_and_tests_included(self):
        self.assertIsNone(find_circle(self.graph))

    def test_the_plugin_imports_neither_tools_nor_tests(self):
        for name, deps in self.imports_of('keypairs_osc').items():
            self.assertEqual(set(), {d for d in deps
                                     if d.startswith(('tools', 'tests'))},
                             name)
        for name, deps in self.imports_of('tools').items():
            self.assertEqual(set(), {d for d in deps
                                     if d.startswith('tests')}, name)

    def test_only_commands_import_commands(self):
        for name, deps in self.imports_of('keypairs_osc').items():
            if not name.startswith('keypairs_osc.v1'):
                self.assertEqual(set(), {d for d in deps
                                         if d.startswith('keypairs_osc.v1')},
                                 name)

    def test_the_bottom_imports_nothing_of_the_plugin(self):
        # plugin.py is imported by every openstack command.
        for name in ('keypairs_osc', 'keypairs_osc.plugin',
                     'keypairs_osc.problem', 'keypairs_osc.record'):
            self.assertEqual(set(), self.graph[name], name)

    def test_key_logic_imports_only_keys_and_problem(self):
        for name, deps in self.imports_of('keypairs_osc.keys').items():
            self.assertEqual(set(), {d for d in deps if d not in (
                'keypairs_osc.problem', 'keypairs_osc.keys') and
                not d.startswith('keypairs_osc.keys.')}, name)
