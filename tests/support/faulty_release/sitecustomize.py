"""A release that fails every article, for the dead-letter brake test: with this folder on PYTHONPATH, Python
imports this module at start-up (in the worker and in any NLP process it spawns), and every article's analysis
raises, as a broken build would."""

import processors


def _broken_analyze_doc(*args, **kwargs):
    raise RuntimeError("this release cannot analyse any article (tests/support/faulty_release)")


processors.analyze_doc = _broken_analyze_doc
