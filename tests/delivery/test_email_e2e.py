"""An e-mail receiver of the plan, delivered by a real Alertmanager to an SMTP server on 127.0.0.1.

As in test_alertmanager_e2e, only what a test cannot have is changed in a test-only copy of
the generated config: timings shrink, the smarthost becomes the local SMTP server (without
TLS, which it does not offer) and the password file is written. The addresses, the sender,
the user name and the file field are the plan's, as generated.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.delivery.conftest import PLAN, Sink, compile_plan, free_port
from tests.delivery.test_alertmanager_e2e import for_test, payload, wait_for

pytestmark = pytest.mark.e2e

MAIL_PLAN = PLAN.replace(
    "    - name: deploy-watch\n",
    "    - name: mail\n"
    "      email: {to: [oncall@example.com, 'Shop Lead <lead@example.com>'], from: 'Shop Alerts <am@example.com>',\n"
    "              smarthost: 'smtp.example.com:587', auth_username: alertmanager, auth_password_file: /etc/am/smtp.pass}\n"
    "    - name: deploy-watch\n",
).replace("    high: {receivers: [oncall-pager]}\n", "    high: {receivers: [oncall-pager, mail]}\n")


@dataclass
class Mailbox:
    messages: list[tuple[str, list[str], email.message.EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            with box.lock:
                box.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        with box.lock:
            box.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=True)

    # Go's SMTP client sends a password without TLS only to localhost, which this is. PLAIN
    # only: aiosmtpd's LOGIN prompts "User Name", where Alertmanager expects "Username:".
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False, auth_exclude_mechanism=["LOGIN"])
    controller.start()
    try:
        yield port, box
    finally:
        controller.stop()


def test_an_email_receiver_delivers_the_alert_to_every_address_with_the_password_from_its_file(
        sink: Sink, smtp_server: tuple[int, Mailbox], tmp_path: Path, alertmanager: Any) -> None:
    from monplan.generators.alertmanager import config

    port, box = smtp_server
    plan = compile_plan(tmp_path, MAIL_PLAN)
    generated = config(plan)
    [mail] = next(r for r in generated["receivers"] if r["name"] == "mail")["email_configs"]
    assert mail["auth_password_file"] == "/etc/am/smtp.pass" and "auth_password" not in mail

    test_config = for_test(generated, sink, tmp_path / "secrets", business_zone="UTC")
    secret = tmp_path / "secrets" / "smtp.pass"
    # Written as the README says: Alertmanager 0.25 sends this file verbatim, a final line
    # break included (with one, this server receives "s3cret-from-file\n").
    secret.write_text("s3cret-from-file")
    for receiver in test_config["receivers"]:
        for settings in receiver.get("email_configs", []):
            settings.update(smarthost=f"127.0.0.1:{port}", require_tls=False, auth_password_file=str(secret))
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(test_config, sort_keys=False))
    am = alertmanager(path)

    search = next(a for a in plan.alerts if a.component == "search")  # high, and nothing inhibits it
    am.post_alerts([payload(search)])
    wait_for(lambda: bool(box.messages), seconds=30)
    time.sleep(1.5)  # a second message (a duplicate) would have arrived by now

    assert len(box.messages) == 1, [m[2]["Subject"] for m in box.messages]
    sender, recipients, message = box.messages[0]
    assert sender == "am@example.com"
    assert sorted(recipients) == ["lead@example.com", "oncall@example.com"]
    assert message["From"] == "Shop Alerts <am@example.com>"
    assert "oncall@example.com" in message["To"] and "Shop Lead <lead@example.com>" in message["To"]
    assert search.name in message["Subject"]
    body = message.get_body(("html", "plain")).get_content()
    assert search.name in body
    assert box.logins == [("alertmanager", "s3cret-from-file")]
    assert sink.to("oncall-pager")  # e-mail joined the on-call pager, it did not replace it
