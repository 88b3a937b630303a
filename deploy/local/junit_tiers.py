"""Print pytest's JUnit XML as counts per test tier (tests/unit, tests/integration, tests/e2e).

Usage: python deploy/local/junit_tiers.py .run/junit.xml

Each line has the plain form `TIER: N passed, N failed, N skipped`, the last one `total: ...`; errors
(a failing fixture or collection) count as failed. Exits 1 when the file is missing or unreadable.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter

TIERS = ("unit", "integration", "e2e")


def tier_of(classname: str) -> str:
    """`tests.integration.storage.test_x` -> `integration`; anything outside the tier folders -> `other`."""
    parts = classname.split(".")
    if len(parts) > 1 and parts[0] == "tests" and parts[1] in TIERS:
        return parts[1]
    return "other"


def outcome_of(case: ET.Element) -> str:
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    if case.find("skipped") is not None:
        return "skipped"
    return "passed"


def count(path: str) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        counts.setdefault(tier_of(case.get("classname", "")), Counter())[outcome_of(case)] += 1
    return counts


def line(name: str, c: Counter) -> str:
    return f"{name}: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        counts = count(argv[1])
    except (OSError, ET.ParseError) as exc:
        print(f"no test report to summarise ({argv[1]}: {exc})", file=sys.stderr)
        return 1
    total: Counter = Counter()
    print("tests per tier:")
    for name in (*TIERS, "other"):
        if name in counts or name in TIERS:
            c = counts.get(name, Counter())
            total.update(c)
            print(line(name, c))
    print(line("total", total))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
