import os
import stat

import pytest

from sumchain.files import atomic_path, write_text


def test_written_files_follow_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        path = write_text(tmp_path / "out" / "a.txt", "hello")
    finally:
        os.umask(previous)
    assert path.read_text() == "hello"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = write_text(tmp_path / "a.txt", "old")
    with pytest.raises(RuntimeError):
        with atomic_path(path) as temp:
            temp.write_text("half")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


# -- output folders -------------------------------------------------------------------------------

from sumchain.errors import OutputError  # noqa: E402
from sumchain.files import MARKER, check_output_file, check_output_folder, claim_folder, folder_kind  # noqa: E402


@pytest.mark.parametrize("check", [check_output_folder, check_output_file])
def test_an_empty_path_is_refused(check):
    with pytest.raises(OutputError, match="--out is empty"):
        check("", "--out")


def test_a_folder_from_before_markers_is_claimed_by_its_own_kind_only(tmp_path):
    for name in ("config.toml", "metrics.json", "plot.png"):
        (tmp_path / name).write_text("x")
    with pytest.raises(OutputError, match="holds a simulate run folder, not a sweep's results"):
        claim_folder(tmp_path, "sweep")
    assert not (tmp_path / MARKER).exists() and not (tmp_path / ".lock").exists()
    claim_folder(tmp_path, "run").release()
    assert folder_kind(tmp_path, "run") == "run" and '"run"' in (tmp_path / MARKER).read_text()


def test_a_damaged_marker_is_refused_not_guessed(tmp_path):
    (tmp_path / MARKER).write_text("{not json")
    with pytest.raises(OutputError, match="damaged folder marker"):
        claim_folder(tmp_path, "run")


def test_a_read_only_mount_is_refused_before_any_work(tmp_path, monkeypatch):
    import errno
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match="cannot be written: Read-only file system"):
        check_output_folder(tmp_path / "out", "--out")
