"""
The rule for showing a URL: user info and every query value masked; scheme, host, port, path
and fragment (the public `#sha256=` pin) shown; `file://` URLs shown as they are.

"""

from __future__ import annotations

import logging

import pytest

from microcosm_sqlite._urls import RedactingFilter, is_url, redact_text, redact_url, url_secrets


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://host/x.sqlite#sha256=ab", "https://host/x.sqlite#sha256=ab"),
        ("http://user:s3cret@host:8080/x.sqlite", "http://***@host:8080/x.sqlite"),
        ("https://ghp_token123@host/x", "https://***@host/x"),
        ("https://u:p@ss@host/x", "https://***@host/x"),
        ("http://u:p@[::1]:8080/x", "http://***@[::1]:8080/x"),
        ("https://host/a@b/x.sqlite", "https://host/a@b/x.sqlite"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA%2F1#sha256=0",
            "https://b.s3.amazonaws.com/k?X-Amz-Signature=***&X-Amz-Credential=***#sha256=0",
        ),
        (
            "https://acct.blob.core.windows.net/c/x?sv=2021&se=2030&sp=r&sig=abc%3D",
            "https://acct.blob.core.windows.net/c/x?sv=***&se=***&sp=***&sig=***",
        ),
        ("https://host/x?sessiontoken", "https://host/x?***"),
        ("https://host/x?", "https://host/x?"),
        ("https://host/x?a=1&&b=", "https://host/x?a=***&&b=***"),
        ("HTTPS://u:p@HOST/X?Sig=1", "HTTPS://***@HOST/X?Sig=***"),
        ("s3://bucket/key?versionId=v1", "s3://bucket/key?versionId=***"),
        ("https://host/x?a=1#sha256=ab?c=d", "https://host/x?a=***#sha256=ab?c=d"),
        ("file:///srv/a?b#c.sqlite#sha256=ab", "file:///srv/a?b#c.sqlite#sha256=ab"),
        ("/srv/data/x.sqlite", "/srv/data/x.sqlite"),
    ],
)
def test_a_url_is_shown_without_user_info_or_query_values(url: str, shown: str) -> None:
    """Each kind of secret a URL can carry is masked, and nothing else changes."""
    assert redact_url(url) == shown


def test_secrets_are_found_as_sent_and_decoded() -> None:
    """A message may quote a part of the URL decoded: both forms are secrets."""
    url = "http://user%40corp:p%40ss1@host/x?sig=a%2Bb%2Fc&tok=t0k+3n&sp=r&flag#sha256=00"

    assert set(url_secrets(url)) == {
        "user%40corp:p%40ss1",
        "user@corp:p@ss1",
        "user%40corp",
        "user@corp",
        "p%40ss1",
        "p@ss1",
        "a%2Bb%2Fc",
        "a+b/c",
        "t0k+3n",
        "t0k 3n",
        "flag",
    }
    assert url_secrets("file:///srv/x?secretive=yes") == ()


def test_a_text_has_its_urls_and_secrets_masked() -> None:
    """Another library's message, quoting the URL whole or in parts, shows none of it."""
    url = "http://user:s3cret@h/x.sqlite?sig=abcd1234"
    message = (
        f"403, message='Forbidden', url={url!r}; URL('{url}') auth failed for s3cret,"
        " signature abcd1234"
    )

    assert redact_text(message, url_secrets(url)) == (
        "403, message='Forbidden', url='http://***@h/x.sqlite?sig=***';"
        " URL('http://***@h/x.sqlite?sig=***') auth failed for ***, signature ***"
    )


@pytest.mark.parametrize(
    ("text", "remote"),
    [
        ("https://h/x", True),
        ("HTTPS://h/x", True),
        ("s3://b/k", True),
        ("git+ssh://h/x", True),
        ("/srv/x.sqlite", False),
        ("relative/x.sqlite", False),
        ("C:/x.sqlite", False),
        (":memory:", False),
    ],
)
def test_a_url_is_told_from_a_path_by_its_scheme_in_any_case(text: str, remote: bool) -> None:
    """`scheme://` makes a URL; a drive letter or a relative path does not."""
    assert is_url(text) is remote


def test_the_filter_redacts_another_librarys_log_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """fsspec logs each URL it fetches at debug level: the filter rewrites those records."""
    library = logging.getLogger("test_urls.library")
    library.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.DEBUG, logger="test_urls.library"):
            library.debug("GET %s", "https://u:pw@h/x?token=t0k3n")
            library.debug("nothing to hide: %d", 7)
    finally:
        library.filters.clear()

    assert caplog.messages == ["GET https://***@h/x?token=***", "nothing to hide: 7"]
