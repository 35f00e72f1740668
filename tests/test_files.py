"""Files are written whole or not at all (``files.write_whole``): every results file, figure, manifest and export
goes through it."""

import pytest

from bargaining.files import write_text, write_whole


def test_a_file_is_written_and_nothing_else_is_left(tmp_path):
    path = write_text(tmp_path / "summary.md", "agreement in round 7\n")
    assert path.read_text(encoding="utf-8") == "agreement in round 7\n"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.md"]


def test_a_failed_write_leaves_what_was_there_and_no_temporary_file(tmp_path):
    path = write_text(tmp_path / "runs.csv", "old\n")

    def half(file):
        file.write(b"new, half of it")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_whole(path, half)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["runs.csv"]


def test_an_interrupted_write_leaves_no_file(tmp_path):
    def interrupted(file):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_whole(tmp_path / "figure.png", interrupted)
    assert list(tmp_path.iterdir()) == []
