"""NEWSMON_NLP_EXECUTOR=process: the child process gives the same analyses as the thread path; a child that
dies surfaces as an error (never a hang) and the next chunk runs in a new child; a child that keeps dying
makes the worker give up; a model the child cannot load fails the start with a clear error."""

import asyncio
import os
import signal

import pytest

import processors
from schemas import Article
from streams.settings import Settings
from streams.worker import nlp_executor as ne
from tests.support.nlp import blank_init
from tests.support.workers import wait_for

ARTICLES = [
    Article(id="t1", title="Canada imposes sanctions on Belarus",
            text="Canada imposed new sanctions on Belarus on Tuesday, the foreign ministry said."),
    Article(id="t2", text="The prime minister of Japan met the president of Kenya in Nairobi on Monday."),
    Article(id="t3", text="Rain is expected across the region later this week."),
]


def kill_child(executor: ne.ProcessNlp) -> None:
    pid = executor.submit(os.getpid).result(timeout=60)
    os.kill(pid, signal.SIGKILL)
    wait_for(f"the killed NLP process {pid} to be gone", lambda: _gone(pid), 10, interval=0.05)


def _gone(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_the_process_executor_gives_the_thread_executors_analyses():
    settings = Settings()
    nlp, rules = processors.load_nlp(settings.spacy_model), processors.load_rules()
    thread = ne.create("thread", settings, nlp, rules)
    process = ne.create("process", settings)
    try:
        by_thread = asyncio.run(thread.analyze(ARTICLES))
        by_process = asyncio.run(process.analyze(ARTICLES))
    finally:
        thread.close()
        process.close()
    assert process.model == thread.model == processors.model_name(nlp)
    assert by_process.analyses == by_thread.analyses
    assert any(a.events for a in by_process.analyses)  # not a trivially equal empty result
    assert by_process.nlp_s > 0 and by_process.detection_s > 0


def test_a_killed_nlp_process_raises_and_the_next_chunk_runs_in_a_new_one():
    executor = ne.ProcessNlp("unused", 8, initializer=blank_init, initargs=())
    try:
        first = executor.submit(os.getpid).result(timeout=60)
        kill_child(executor)
        with pytest.raises(ne.NlpProcessDied, match="died"):
            asyncio.run(asyncio.wait_for(executor.analyze(ARTICLES), 60))
        result = asyncio.run(asyncio.wait_for(executor.analyze(ARTICLES), 60))
        assert [a.article_id for a in result.analyses] == ["t1", "t2", "t3"]
        assert executor.submit(os.getpid).result(timeout=60) != first
        assert executor.deaths == 0  # a chunk succeeded: the count of deaths in a row starts over
    finally:
        executor.close()


def test_a_child_that_keeps_dying_makes_the_worker_give_up():
    fatal: list[str] = []

    def give_up(message: str) -> None:
        fatal.append(message)
        raise SystemExit(ne.EXIT_NLP_DEAD)

    executor = ne.ProcessNlp("unused", 8, max_deaths=1, on_fatal=give_up, initializer=blank_init,
                             initargs=())
    try:
        kill_child(executor)
        with pytest.raises(ne.NlpProcessDied):
            asyncio.run(asyncio.wait_for(executor.analyze(ARTICLES), 60))
        assert not fatal
        kill_child(executor)
        with pytest.raises(SystemExit):
            asyncio.run(asyncio.wait_for(executor.analyze(ARTICLES), 60))
        assert fatal and "2 times in a row" in fatal[0]
    finally:
        executor.close()


def test_a_model_the_child_cannot_load_fails_the_start_with_a_clear_error():
    with pytest.raises(RuntimeError, match="could not load the model 'no_such_model_pkg'.*NEWSMON_SPACY_MODEL"):
        ne.ProcessNlp("no_such_model_pkg", 8)


def test_an_unknown_executor_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="thread, process"):
        ne.create("fiber", Settings())


ORPHAN_SCRIPT = """
import os, sys, time
from streams.worker import nlp_executor as ne
from tests.support.nlp import blank_init
executor = ne.ProcessNlp("unused", 8, initializer=blank_init, initargs=())
print(executor.submit(os.getpid).result(timeout=60), flush=True)
time.sleep(600)
"""


def test_the_nlp_process_exits_when_its_worker_is_killed_outright(tmp_path):
    import subprocess
    import sys

    import psutil

    worker = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))))
    try:
        child = int(worker.stdout.readline())
        assert psutil.pid_exists(child)
    finally:
        worker.kill()
        worker.wait()
    wait_for("the NLP process to exit after its worker was killed", lambda: _gone(child), 10, interval=0.2)
