"""`toxaudit token create | list | revoke` against a local database."""

from __future__ import annotations

import pytest

from cli import main


def test_create_list_and_revoke(local_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    from db import session_scope, verify_api_token

    assert main(["token", "list"]) == 0
    assert "no tokens yet" in capsys.readouterr().err

    assert main(["token", "create", "--name", "deploy"]) == 0
    writer = capsys.readouterr().out.strip()
    assert main(["token", "create", "--name", "gate", "--read-only"]) == 0
    captured = capsys.readouterr()
    reader = captured.out.strip()
    assert "read-only token 'gate'" in captured.err

    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["id", "name", "access", "created", "last", "used", "state"]
    assert listing[1].split()[:4] == ["1", "deploy", "read,", "write"]
    assert listing[2].split()[:3] == ["2", "gate", "read"]
    assert all(line.split()[-1] == "live" for line in listing[1:])
    # Only hashes are stored, so no listing can show a token.
    assert writer not in "\n".join(listing) and reader not in "\n".join(listing)

    assert main(["token", "revoke", "2"]) == 0
    assert "revoked token 2 ('gate')" in capsys.readouterr().err
    assert main(["token", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[2].split()[-1] == "revoked"
    with session_scope() as session:
        assert verify_api_token(session, reader) is None
        assert verify_api_token(session, writer) is not None

    with pytest.raises(SystemExit) as refused:
        main(["token", "revoke", "99"])
    assert refused.value.code == 2
    assert "no token with id 99" in capsys.readouterr().err
