"""Print the mutation score of each module after ``tox -e mutation``.

mutmut keeps the result of every mutant in ``mutants/<module>.py.meta``;
its own ``mutmut results`` lists survivors one by one. This prints one row
per module: how many mutants the unit suite killed (a timeout or a crash
counts as killed: the test run did not pass), how many survived or had no
test reaching them, and the score, killed over all that were checked.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

#: Statuses where the mutant made the tests fail.
CAUGHT = ('killed', 'timeout', 'segfault', 'caught by type check')


def module_results(mutants: Path) -> dict[str, Counter[str]]:
    results = {}
    for meta in sorted(mutants.rglob('*.py.meta')):
        module = str(meta.relative_to(mutants)).removesuffix('.meta')
        codes = json.loads(meta.read_text())['exit_code_by_key'].values()
        results[module] = Counter(status_by_exit_code[c] for c in codes)
    return results


def main() -> int:
    mutants = Path(sys.argv[1] if len(sys.argv) > 1 else 'mutants')
    results = module_results(mutants)
    if not results:
        print(f'{mutants}: no mutation results; run "tox -e mutation" first',
              file=sys.stderr)
        return 1
    print(f'{"module":40} {"mutants":>7} {"killed":>6} {"survived":>8} '
          f'{"no test":>7} {"score":>6}')
    for module, counts in results.items():
        checked = sum(n for status, n in counts.items()
                      if status not in ('not checked', 'skipped'))
        killed = sum(counts[status] for status in CAUGHT)
        score = f'{100 * killed / checked:.0f}%' if checked else '-'
        print(f'{module:40} {sum(counts.values()):7} {killed:6} '
              f'{counts["survived"]:8} {counts["no tests"]:7} {score:>6}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
