"""The admin page as a person sees it, in headless Chromium (Debian's `chromium`, driven by
Playwright over the DevTools protocol; no browser download).

Starts `scim-bridge demo` (the bridge and its embedded Salesforce emulator), creates one person
so that the org's allowance has been seen, then in the browser: opens /admin, is asked to sign
in, signs in with the admin token, sees both connections with their object, key field and
allowance, presses "Run test connection" for contacts and sees every check pass. Saves a
screenshot of what it saw.

    python3 tests/browser/admin_page.py BRIDGE_BINARY SCREENSHOT.png
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

ADMIN_TOKEN = "demo-admin-token-0123456789"
SCIM_TOKEN = "demo-scim-token-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the bridge did not answer {url}")


def create_person(base):
    body = json.dumps({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "browser@example.com",
        "name": {"givenName": "Brow", "familyName": "Ser"},
        "emails": [{"value": "browser@example.com", "type": "work", "primary": True}],
    }).encode()
    req = urllib.request.Request(
        f"{base}/scim/v2/contacts/Users", data=body, method="POST",
        headers={"Authorization": f"Bearer {SCIM_TOKEN}",
                 "Content-Type": "application/scim+json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 201, r.status


def main():
    binary, screenshot = sys.argv[1], sys.argv[2]
    port, sf_port = free_port(), free_port()
    bridge = subprocess.Popen(
        [binary, "demo", "--port", str(port), "--salesforce-port", str(sf_port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(f"{base}/healthz")
        create_person(base)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1200, "height": 1400})
            page.goto(f"{base}/admin")
            assert page.locator("input[name=token]").is_visible(), "no sign-in form"
            page.fill("input[name=token]", "not-the-token")
            page.click("button[type=submit]")
            assert "That is not the admin token." in page.content()
            page.fill("input[name=token]", ADMIN_TOKEN)
            page.click("button[type=submit]")
            page.wait_for_selector("section#conn-contacts")

            contacts = page.locator("section#conn-contacts")
            leads = page.locator("section#conn-leads")
            assert "(Contact)" in contacts.inner_text(), contacts.inner_text()
            assert "(Lead)" in leads.inner_text(), leads.inner_text()
            assert "SCIM_Key__c" in contacts.inner_text()
            allowance = contacts.locator("tr.allowance").inner_text()
            assert " used of 100000, " in allowance and " left " in allowance, allowance
            assert "Ready: Salesforce accepts the credentials." in contacts.inner_text()

            contacts.locator("button", has_text="Run test connection").click()
            page.wait_for_selector("section#conn-contacts table.checks")
            contacts = page.locator("section#conn-contacts")
            text = contacts.inner_text()
            assert "Test connection: passed" in text, text
            n_checks = contacts.locator("table.checks tr").count()
            assert n_checks >= 3, text
            assert contacts.locator("table.checks .bad").count() == 0, text
            page.screenshot(path=screenshot, full_page=True)
            browser.close()
        print(f"admin page: signed in, 2 connections, allowance shown, test connection passed "
              f"with {n_checks} checks; screenshot {screenshot}")
    finally:
        bridge.terminate()
        bridge.wait(timeout=20)


if __name__ == "__main__":
    main()
