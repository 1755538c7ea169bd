"""The real OpenStackClient shell resolves keypair commands to ours.

The override rests on OSC's load order (core groups first, plugin groups
after, last one wins), not on a contract: this test notices if that changes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile

from openstackclient import shell

from tests.unit import base

CLOUDS_YAML = """\
clouds:
  unit:
    auth:
      auth_url: http://127.0.0.1:9/v3
      username: nobody
      password: unused
      project_name: nothing
"""


class ShellResolvesOurCommandsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        fd, path = tempfile.mkstemp(suffix='.yaml')
        with os.fdopen(fd, 'w') as f:
            f.write(CLOUDS_YAML)
        self.addCleanup(os.unlink, path)
        self.saved_env = os.environ.get('OS_CLIENT_CONFIG_FILE')
        os.environ['OS_CLIENT_CONFIG_FILE'] = path
        self.addCleanup(self._restore_env)

    def _restore_env(self):
        if self.saved_env is None:
            os.environ.pop('OS_CLIENT_CONFIG_FILE', None)
        else:
            os.environ['OS_CLIENT_CONFIG_FILE'] = self.saved_env

    def resolve(self, *words: str) -> tuple[type, str]:
        """Run the shell as `openstack` does, up to choosing the command."""
        app = shell.OpenStackShell()
        chosen = {}

        def record(argv):
            factory, name, _ = app.command_manager.find_command(argv)
            chosen['factory'] = factory
            return 0

        app.run_subcommand = record
        output = io.StringIO()
        log = io.StringIO()
        handler = logging.StreamHandler(log)
        handler.setLevel(logging.WARNING)  # what a user would see
        logging.getLogger().addHandler(handler)
        self.addCleanup(logging.getLogger().removeHandler, handler)
        with contextlib.redirect_stderr(output), \
                contextlib.redirect_stdout(output):
            rc = app.run(['--os-cloud', 'unit', *words])
        self.assertEqual(0, rc)
        return chosen['factory'], output.getvalue() + log.getvalue()

    def test_each_keypair_command_is_ours(self):
        for words, expected in (
                (('keypair', 'create', 'k'), 'CreateKeypair'),
                (('keypair', 'import', 'k'), 'ImportKeypair'),
                (('keypair', 'list'), 'ListKeypair'),
                (('keypair', 'show', 'k'), 'ShowKeypair'),
                (('keypair', 'delete', 'k'), 'DeleteKeypair'),
                (('keypair', 'verify', 'k', '--private-key', 'f'),
                 'VerifyKeypair'),
                (('keypair', 'ssh', 'server'), 'SshKeypair'),
                (('keypair', 'rotate', 'a', 'b'), 'RotateKeypair')):
            factory, printed = self.resolve(*words)
            self.assertTrue(factory.__module__.startswith('keypairs_osc.'),
                            f'{" ".join(words)} -> {factory}')
            self.assertEqual(expected, factory.__name__)
            self.assertNotIn('duplicate', printed.lower())
            self.assertEqual('', printed)

    def test_other_commands_stay_core(self):
        factory, _ = self.resolve('server', 'list')
        self.assertTrue(factory.__module__.startswith('openstackclient.'))


class PluginModuleTest(base.TestCase):

    def test_plugin_api_name_is_not_a_core_name(self):
        from keypairs_osc import plugin

        self.assertNotIn(plugin.API_NAME, {
            'compute', 'identity', 'image', 'network', 'object_store',
            'volume'})
        self.assertEqual('1', plugin.DEFAULT_API_VERSION)
        proxy = object()

        class Instance:
            sdk_connection = type('C', (), {'compute': proxy})

        self.assertIs(proxy, plugin.make_client(Instance()))
