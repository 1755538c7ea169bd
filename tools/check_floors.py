#!/usr/bin/env python3
"""Check that each requirement is installed at exactly its declared floor.

``tox -e py3-min`` installs requirements.txt with uv's lowest-direct
resolution; when another requirement forces a higher version of one of
ours, that floor is false (it was never what the tests ran), and this says
so and exits 1.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

FLOOR = re.compile(r'^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)')


def release(version: str) -> tuple[int, ...]:
    """'6.0' and '6.0.0' alike: the numeric release, zeros trimmed."""
    numbers = [int(part) for part in re.findall(r'\d+', version.split('+')[0])
               [:3]]
    while numbers and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def main(path: str = 'requirements.txt') -> int:
    wrong = []
    for line in Path(path).read_text().splitlines():
        match = FLOOR.match(line.strip())
        if not match:
            continue
        name, floor = match.groups()
        installed = importlib.metadata.version(name)
        if release(installed) != release(floor):
            wrong.append(f'{name} {installed} (declared floor {floor})')
        else:
            print(f'{name}=={installed}')
    if wrong:
        print('not at the declared floor: ' + '; '.join(wrong),
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:]))
