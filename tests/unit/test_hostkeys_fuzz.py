"""hostkeys.from_console on consoles no test writes by hand.

Whatever a console holds (the guest prints it, anybody with a shell on the
guest can add to it), reading it ends in keys or None, never another
exception, and within the hypothesis deadline; the keys found are only
ever keys the block really holds.
"""

from __future__ import annotations

import datetime

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keypairs_osc import hostkeys
from tests.unit import base
from tests.unit import consoles
from tests.unit.consoles import HOST_KEYS
from tests.unit.test_fuzz import EXAMPLES

FUZZ = settings(max_examples=EXAMPLES,
                deadline=datetime.timedelta(seconds=2),
                suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)
PREFIXES = ('', 'ec2: ', '<14>Dec  2 10:00:01 ec2: ',
            '[   25.6{n:04d}] cloud-init[1050]: ',
            'Dec 02 10:00:{n:02d} web ec2[1215]: ')
BLOBS = {' '.join(line.split()[:2]) for line in HOST_KEYS}


def found_lines(found: hostkeys.ConsoleKeys | None) -> set[str]:
    return {' '.join(key.openssh.split()[:2])
            for key in (found.keys if found else ())}


class FromConsoleFuzzTest(base.TestCase):

    @FUZZ
    @given(st.text(max_size=4096))
    def test_any_text_is_keys_or_none(self, text):
        found = hostkeys.from_console(text)
        self.assertTrue(found is None
                        or isinstance(found, hostkeys.ConsoleKeys))

    @FUZZ
    @given(st.lists(st.text(max_size=200), max_size=60))
    def test_any_block_finds_no_invented_key(self, lines):
        text = consoles.console(*lines, *HOST_KEYS[:1])
        self.assertEqual(found_lines(hostkeys.from_console(text)) - BLOBS,
                         set())

    @FUZZ
    @given(st.integers(min_value=0, max_value=len(consoles.EC2)),
           st.integers(min_value=0, max_value=len(consoles.EC2)),
           st.text(max_size=64))
    def test_a_damaged_console_finds_only_its_own_keys(self, start, end,
                                                       inserted):
        text = consoles.EC2[:start] + inserted + consoles.EC2[end:]
        self.assertLessEqual(found_lines(hostkeys.from_console(text)),
                             BLOBS)

    @FUZZ
    @given(st.integers(min_value=24, max_value=300),
           st.sampled_from(PREFIXES), st.sampled_from(('\n', '\r\n')))
    def test_wrapped_at_any_width_with_any_prefix(self, width, prefix,
                                                  newline):
        lines = [part for line in HOST_KEYS
                 for part in consoles.wrapped(line, width)]
        text = consoles.console(*lines, prefix=prefix, newline=newline)
        self.assertEqual(BLOBS, found_lines(hostkeys.from_console(text)))
