"""Helpers for the browser tests."""


def log_in(page, base_url: str, username: str, password: str = "password") -> None:
    """Sign in to the Wagtail admin and land on the dashboard."""
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/admin/")
