# A test file: B101 (assert) is not reported here by default (bandit.skip_in_tests).
import subprocess


def test_it():
    assert subprocess
    assert 1 == 1, "one"
