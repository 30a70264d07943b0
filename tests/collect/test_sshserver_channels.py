"""The fake SSH server keeps a channel open however late the client's exec request comes.

paramiko holds channels weakly: before the fix, an accepted channel that nothing else referenced was
garbage-collected (and closed) when the server's accept loop moved on, so a busy collector saw
"Channel closed" after 0 bytes at 1,000 VIOS. A real sshd waits for the request as long as it takes.
"""

from __future__ import annotations

import gc
import time

import paramiko
from estate import simple_estate


def test_a_late_exec_request_is_still_answered(make_estate, client_key):
    estate = make_estate(simple_estate(systems=1))
    host = estate["vios001a"]
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", port=host.port, username="padmin", pkey=client_key[0], look_for_keys=False,
                   allow_agent=False)  # fmt: skip
    try:
        transport = client.get_transport()
        assert transport is not None
        for _ in range(2):  # the second channel on the same connection too
            channel = transport.open_session(timeout=5)
            time.sleep(0.6)  # longer than the server's accept loop waits (0.2 s)
            gc.collect()
            channel.exec_command("ioscli ioslevel")
            channel.settimeout(10)
            out = b""
            while chunk := channel.recv(1024):
                out += chunk
            assert out == b"3.1.4.10\n" and channel.recv_exit_status() == 0
            channel.close()
    finally:
        client.close()
