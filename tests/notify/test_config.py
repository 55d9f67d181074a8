"""Channels named by URL, and credentials kept out of sight (notify.json, chmod 600)."""

from __future__ import annotations

import json
import logging
import stat

import pytest

from streamer.notify import Notifier, NotifyError, parse_channel
from streamer.notify.config import config_path, load_secrets, outbox_path, remember
from tests.notify.conftest import free_port

PASSWORD = "hunter2-secret"


@pytest.mark.parametrize(
    "url, kind, key",
    [
        ("mqtt://cam:pw@broker.local/home", "mqtt", "mqtt://broker.local/home"),
        ("https://example.org/hook?x=1", "webhook", "https://example.org/hook?x=1"),
        ("ntfy://ntfy.sh/door", "ntfy", "ntfy://ntfy.sh/door"),
        ("https://ntfy.sh/door?ntfy", "ntfy", "https://ntfy.sh/door"),
    ],
)
def test_the_scheme_picks_the_channel_and_its_key_carries_no_login(url, kind, key):
    channel = parse_channel(url)
    assert channel.kind == kind and channel.key == key


@pytest.mark.parametrize(
    "url", ["ftp://host/x", "mqtt:///no-host", "broker.local", "http://h:99999/"]
)
def test_a_url_that_names_no_channel_is_one_sentence(url):
    with pytest.raises(NotifyError) as e:
        parse_channel(url)
    text = str(e.value)
    assert text.count(". ") == 0 and text.endswith(".") and "mqtt://" in text


def test_credentials_live_in_a_file_only_its_owner_reads(homes):
    key = remember(f"mqtt://cam:{PASSWORD}@broker.local:1883/home")
    assert key == "mqtt://broker.local:1883/home"
    path = config_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secrets()[key].password == PASSWORD
    channel = parse_channel(key, load_secrets())  # --notify without the login finds it
    assert channel.secrets.user == "cam" and channel.secrets.password == PASSWORD
    path.chmod(0o644)
    with pytest.raises(NotifyError, match="chmod 600"):
        load_secrets()


def test_a_broker_down_at_start_is_one_sentence_with_no_password_in_it(homes, caplog):
    url = f"mqtt://cam:{PASSWORD}@127.0.0.1:{free_port()}/home"
    notifier = Notifier.for_urls([url])
    with caplog.at_level(logging.WARNING, logger="streamer"):
        (note,) = notifier.start()
    assert "not reachable yet" in note and note.count(". ") == 0 and "outbox" in note
    (stats,) = notifier.stats()
    shown = json.dumps([note, stats.channel, stats.last_error, caplog.text])
    assert PASSWORD not in shown and "cam" not in shown
    assert notifier.close() == 0
    assert stat.S_IMODE(outbox_path().stat().st_mode) == 0o600


@pytest.mark.parametrize("command", [["serve", "assets/demo.mp4"], ["app", "--no-browser"]])
def test_app_and_serve_refuse_an_unknown_channel_before_loading_anything(command, homes, capsys):
    from cli.main import EXIT_USER_ERROR, main

    assert main([*command, "--notify", "gopher://h/x"]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "gopher" in err and err.count(". ") == 0
