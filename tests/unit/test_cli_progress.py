"""Long runs report progress: a bar on a terminal, plain lines in a log."""

from cli_format import _plain_lines


def test_plain_lines_every_tenth_of_a_long_run(capsys):
    advance = _plain_lines("sending", 500)
    for done in range(0, 1001, 50):
        advance(done, 1000)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"sending: {n:,}/1,000 ({n // 10}%)" for n in range(100, 1001, 100)]


def test_short_runs_stay_quiet(capsys):
    advance = _plain_lines("sending", 500)
    for done in range(0, 45):
        advance(done, 44)
    assert capsys.readouterr().err == ""
