"""The suite guards itself: a test that hangs fails, by name."""

from __future__ import annotations

import time
from unittest import mock

import testtools

from tests import base


class TimeoutTest(base.TestCase):

    def test_a_hanging_test_fails_within_the_limit(self):
        class Sleeper(base.TestCase):  # inside: never run on its own
            def test_sleeps(self):
                time.sleep(30)

        result = testtools.TestResult()
        started = time.monotonic()
        with mock.patch.dict('os.environ', {base.TIMEOUT_ENV: '1'}):
            Sleeper('test_sleeps').run(result)
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(1, len(result.errors))
        self.assertIn('TimeoutException', result.errors[0][1])

    def test_a_bad_limit_is_a_clear_error(self):
        with mock.patch.dict('os.environ', {base.TIMEOUT_ENV: 'soon'}):
            error = self.assertRaises(ValueError, base.timeout_seconds)
        self.assertIn('OS_TEST_TIMEOUT', str(error))
