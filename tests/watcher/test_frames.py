"""The workers' answers (watcher/check/frames.py `answer`): a result, the exception a task
raised, and an exception that cannot travel as itself (its class is not importable)."""

from __future__ import annotations

import pickle

import pytest

from watcher.check.frames import answer
from watcher.errors import ExtractError, Reason


def test_a_result_travels_as_itself():
    frame = pickle.dumps((2, 3))
    assert pickle.loads(answer(lambda task: task[0] ** task[1], frame)) == (True, 8)


def test_an_exception_travels_as_itself():
    def fails(task):
        raise ExtractError(f"no items in {task}", reason=Reason.NOT_JSON)

    ok, exc = pickle.loads(answer(fails, pickle.dumps("page")))
    assert ok is False
    assert isinstance(exc, ExtractError)
    assert str(exc) == "no items in page"
    assert exc.reason == Reason.NOT_JSON


def test_an_exception_that_cannot_be_pickled_travels_as_its_text():
    class Local(Exception):  # a class defined in a function: pickle cannot name it
        pass

    def fails(task):
        raise Local("the parser broke on <b>")

    with pytest.raises((pickle.PicklingError, AttributeError)):
        pickle.dumps(Local("x"))
    ok, exc = pickle.loads(answer(fails, pickle.dumps(None)))
    assert ok is False
    assert type(exc) is RuntimeError
    assert str(exc).startswith("Local: the parser broke on <b> (")


def test_a_frame_that_is_not_a_pickle_is_answered_as_an_error():
    ok, exc = pickle.loads(answer(lambda task: task, b"not a pickle"))
    assert ok is False
    assert isinstance(exc, Exception)
