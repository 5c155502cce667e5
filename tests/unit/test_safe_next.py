"""safe_next: only paths on this site survive; everything a browser could read as another host is dropped."""
import pytest

from app.accounts.redirects import safe_next


@pytest.mark.parametrize("target", ["/", "/settings", "/questions/7?sort=votes#a3", "/tags/信用卡", "/%2F%2Fevil.com"])
def test_local_paths_pass(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize("target", [
    None, "", "   ", "//evil.com", "///evil.com", "https://evil.com", "http:/evil.com", "HTTPS://evil.com/x",
    "/\\evil.com", "\\\\evil.com", "/\t/evil.com", "/\n/evil.com", "/\x00", "javascript:alert(1)",
    "evil.com", "settings", "data:text/html,x",
])
def test_everything_else_falls_back(target):
    assert safe_next(target, "/home") == "/home"
