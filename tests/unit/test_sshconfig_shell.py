"""The real OpenStackClient shell finds ``keypair ssh-config``.

cliff turns the entry point ``keypair_ssh-config`` into the words
``keypair ssh-config`` (underscores become spaces, the hyphen stays).
"""

from __future__ import annotations

from tests.unit import test_shell


class ShellFindsSshConfigTest(test_shell.ShellResolvesOurCommandsTest):

    # test_shell runs these itself: not again here.
    test_each_keypair_command_is_ours = None
    test_other_commands_stay_core = None

    def test_keypair_ssh_config_is_ours(self):
        factory, printed = self.resolve('keypair', 'ssh-config')
        self.assertEqual('keypairs_osc.v1.ssh_config', factory.__module__)
        self.assertEqual('SshConfigKeypair', factory.__name__)
        self.assertEqual('', printed)
