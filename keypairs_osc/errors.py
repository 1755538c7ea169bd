"""Every failure as one clear line naming what failed and why.

Each command's ``take_action`` runs inside :func:`reported`, once (see
:mod:`keypairs_osc.v1.common`); the OpenStackClient shell then prints the
one line and exits 1, and ``--debug`` still shows the traceback of the
original exception, which is chained.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as sdk_exceptions
from osc_lib import exceptions as osc_exceptions

from keypairs_osc import problem


def _one_line(text: object) -> str:
    """``text`` on one line; spaces within a line (in a name) are kept."""
    return ' '.join(line.strip() for line in str(text).splitlines()
                    if line.strip())


def _http_reason(exc: sdk_exceptions.HttpException) -> str:
    status = exc.status_code
    details = _one_line(exc.details or '') or None
    if status == 401:
        return 'authentication failed (HTTP 401); check your credentials'
    if status == 403:
        if details and 'quota' in details.lower():
            return f'{details} (HTTP 403, quota)'
        return f'{details or "not allowed"} (HTTP 403: forbidden)'
    if status == 404:
        return f'{details or "not found"} (HTTP 404)'
    if status == 409:
        return f'{details or "conflict"} (HTTP 409)'
    if status is None:  # the SDK's own "No Server found for x": no HTTP
        return details or _one_line(exc.message)
    if status >= 500:
        return (f'the compute service failed: {details or "no details"} '
                f'(HTTP {status}); try again later')
    return f'{details or _one_line(exc.message)} (HTTP {status})'


def explain(exc: BaseException) -> str:
    """The cause of ``exc`` in one line, without any secret."""
    if isinstance(exc, problem.Problem):
        return _one_line(exc)
    if isinstance(exc, sdk_exceptions.HttpException):
        return _http_reason(exc)
    if isinstance(exc, ks_exceptions.ConnectTimeout):
        return 'the cloud did not answer in time (timeout)'
    if isinstance(exc, ks_exceptions.ConnectFailure):
        return 'cannot connect to the cloud (connection refused or reset)'
    if isinstance(exc, ks_exceptions.ConnectionError):
        return f'connection to the cloud failed: {_one_line(exc)}'
    if isinstance(exc, ks_exceptions.Unauthorized):
        return 'authentication failed (HTTP 401); check your credentials'
    if isinstance(exc, ks_exceptions.HttpError):
        text, status = _one_line(exc.message), f'(HTTP {exc.http_status})'
        return text if status in text else f'{text} {status}'
    if isinstance(exc, (ks_exceptions.EndpointNotFound,
                        sdk_exceptions.EndpointNotFound)):
        return 'the cloud has no compute endpoint in its catalog'
    if isinstance(exc, ks_exceptions.ClientException):
        return _one_line(exc) or type(exc).__name__
    if isinstance(exc, sdk_exceptions.SDKException):
        return _one_line(exc) or type(exc).__name__
    if isinstance(exc, OSError):
        return _one_line(exc.strerror or exc)
    return _one_line(exc) or type(exc).__name__


#: What :func:`reported` turns into a one-line CommandError.
REPORTED = (problem.Problem, sdk_exceptions.SDKException,
            ks_exceptions.ClientException, OSError)


def is_not_found(exc: BaseException | None) -> bool:
    return isinstance(exc, sdk_exceptions.NotFoundException)


def is_conflict(exc: BaseException | None) -> bool:
    return isinstance(exc, sdk_exceptions.ConflictException)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        yield cause
        cause = cause.__cause__ or cause.__context__


def is_ambiguous(exc: BaseException | None) -> bool:
    """True when a request may have taken effect although it failed.

    A server error, a dropped connection or a timeout can all come after
    the server acted; a 4xx answer or a refused connection cannot.
    """
    if isinstance(exc, sdk_exceptions.HttpException):
        return (exc.status_code or 0) >= 500
    if isinstance(exc, ks_exceptions.ConnectFailure):
        return not any(isinstance(cause, ConnectionRefusedError)
                       for cause in _chain(exc))
    return isinstance(exc, ks_exceptions.ConnectionError)


def one_line(exc: BaseException, subject: str | None = None) -> str:
    """``'<subject>: <cause>'``; a problem that names its own keeps it."""
    if isinstance(exc, problem.Problem) and (exc.subject
                                             or exc.names_its_subject):
        subject = exc.subject
    reason = explain(exc)
    return f'{subject}: {reason}' if subject else reason


@contextlib.contextmanager
def reported(subject: str | None = None) -> Iterator[None]:
    """Turn known failures into ``CommandError('<subject>: <cause>')``."""
    try:
        yield
    except osc_exceptions.CommandError:
        raise
    except REPORTED as exc:
        raise osc_exceptions.CommandError(one_line(exc, subject)) from exc
