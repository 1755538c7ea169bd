"""The test case every test of the project derives from.

Each test gets a time limit, as OpenStack projects give theirs: the
seconds in ``OS_TEST_TIMEOUT`` (tox sets it), so a hang is a failure with
the test's name, not a stalled run. ``0`` or unset means no limit.
"""

from __future__ import annotations

import os

import fixtures
import testtools

TIMEOUT_ENV = 'OS_TEST_TIMEOUT'


def timeout_seconds() -> int:
    """The limit from the environment; a bad value is the run's error."""
    value = os.environ.get(TIMEOUT_ENV, '0')
    try:
        seconds = int(value)
    except ValueError:
        raise ValueError(f'{TIMEOUT_ENV} must be a number of seconds, not '
                         f'{value!r}')
    return max(seconds, 0)


class TestCase(testtools.TestCase):
    """testtools' TestCase, with the run's time limit on each test."""

    def setUp(self):
        super().setUp()
        seconds = timeout_seconds()
        if seconds:
            self.useFixture(fixtures.Timeout(seconds, gentle=True))
